"""Every meeting meettray created, kept in SQLite: the history store (``store``)."""

from meettray.history.store import (
    SCHEMA_VERSION,
    DamagedRow,
    Handout,
    HandoutState,
    HistoryReplaced,
    HistoryStore,
    PendingAction,
    Preparing,
    Spare,
    search_key,
)

__all__ = [
    "SCHEMA_VERSION",
    "DamagedRow",
    "Handout",
    "HandoutState",
    "HistoryReplaced",
    "HistoryStore",
    "PendingAction",
    "Preparing",
    "Spare",
    "search_key",
]
