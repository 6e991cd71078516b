"""Big histories for tests and benchmarks, written straight into the database."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from meettray.history import HistoryStore, search_key
from meettray.meetings import Meeting

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def subject(n: int) -> str:
    """Every hundredth meeting is an incident; some subjects need Unicode case folding."""
    if n % 100 == 0:
        return f"Incident {n}"
    return f"{('Sync', 'Équipe', 'Überprüfung', 'Straße')[n % 4]} {n}"


def fill(path: Path, count: int) -> None:
    """Write ``count`` meetings into a history database (fast bulk set-up)."""
    HistoryStore(path).close()  # creates the schema
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO meetings (graph_id, subject, subject_key, start_at, end_at, join_url, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    f"m{n}",
                    subject(n),
                    search_key(subject(n)),
                    (T0 + timedelta(minutes=n)).isoformat(),
                    (T0 + timedelta(minutes=n + 30)).isoformat(),
                    f"https://teams.microsoft.com/l/meetup-join/{n}",
                    (T0 + timedelta(minutes=n)).isoformat(),
                )
                for n in range(count)
            ),
        )
    db.close()


def stored(store: HistoryStore, graph_id: str) -> Meeting | None:
    """The meeting with this Graph id, as history holds it (None: not there)."""
    return next((m for m in store.recent(10_000) if m.id == graph_id), None)


def pragma(store: HistoryStore, statement: str) -> None:
    """Run a PRAGMA on the store's own connection (to play a full or read-only disk: the
    tests run as root, whom file modes do not stop)."""
    with store._lock:
        store._connection().execute(statement)


def refuse_writes(store: HistoryStore) -> None:
    """Make SQLite refuse every write to ``store``, as a read-only disk does."""
    pragma(store, "PRAGMA query_only = 1")
