"""Every meeting meettray created, kept in SQLite in the user data directory.

One file, several tables, one module each: :mod:`~meettray.history.store` (the file, its
connection, a damaged file set aside), :mod:`~meettray.history.schema` (the tables and
upgrades), :mod:`~meettray.history.rows` (values read back, checked),
:mod:`~meettray.history.meetings` (History itself), :mod:`~meettray.history.pending`,
:mod:`~meettray.history.spares`, :mod:`~meettray.history.preparing`,
:mod:`~meettray.history.handouts`, :mod:`~meettray.history.monthly` and
:mod:`~meettray.history.damage`.  :class:`HistoryStore` is all of them; callers import
from here.
"""

from __future__ import annotations

from meettray.history.damage import DamageCount
from meettray.history.handouts import Handout, Handouts, HandoutState
from meettray.history.meetings import MeetingsTable
from meettray.history.monthly import MonthlyCount
from meettray.history.pending import PendingAction, PendingActions
from meettray.history.preparing import Preparations, Preparing
from meettray.history.rows import DamagedRow
from meettray.history.schema import SCHEMA_VERSION
from meettray.history.search import search_key
from meettray.history.spares import Spare, Spares
from meettray.history.store import HistoryReplaced


class HistoryStore(
    MeetingsTable, PendingActions, Spares, Preparations, Handouts, MonthlyCount, DamageCount
):
    """The history database.  Thread-safe; several processes may share the file.

    ``lazy``: open the file at the first read or write, not now, so that a command
    that makes a meeting on a full or read-only disk still gets (and prints) its link.
    """


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
