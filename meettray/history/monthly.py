"""The monthly count: how many meetings meettray made on the server for each account
and month, spares and meetings deleted again included (Graph's limit counts them all)."""

from __future__ import annotations

from meettray.history.store import Store


class MonthlyCount(Store):
    """The created table: one more meeting, and how many so far."""

    def count_created(self, account: str, month: str) -> None:
        """One more meeting made on the server for ``account`` in ``month`` (Graph's
        monthly limit counts every one: spares, and meetings deleted again)."""
        with self._cursor("changed") as db:
            db.execute(
                "INSERT INTO created (account, month, meetings) VALUES (?, ?, 1) "
                "ON CONFLICT (account, month) DO UPDATE SET meetings = meetings + 1",
                (account, month),
            )

    def created_in(self, account: str, month: str) -> int:
        """How many meetings meettray made for ``account`` in ``month``."""
        with self._cursor("read") as db:
            row = db.execute(
                "SELECT meetings FROM created WHERE account = ? AND month = ?", (account, month)
            ).fetchone()
        return int(row[0]) if row else 0
