"""Pending actions: a createOrGet noted before it is sent, so that an answer lost on
the way is settled later (the meeting it made is found by its externalId)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meettray.history.rows import _iso
from meettray.history.store import Store


@dataclass(frozen=True)
class PendingAction:
    """An action noted before it was sent, whose answer may have been lost."""

    external_id: str
    #: The MeetingRequest, as JSON (MeetingRequest.to_json).
    request: str
    #: Who the meeting was for (the organizer).
    account: str
    #: Tries to settle it so far.
    attempts: int


class PendingActions(Store):
    """The pending table: noting, listing, claiming and releasing."""

    # -- actions that may have reached the server ---------------------------------------------

    def add_pending(self, external_id: str, request: str, account: str, now: datetime) -> None:
        """Note an action before it is sent, so a lost answer can be settled later."""
        self.release_pending(external_id, request, account, 0, now)

    def pending(self, noted_before: datetime | None = None) -> list[PendingAction]:
        """Actions whose answer may have been lost, oldest first.

        ``noted_before`` leaves out younger entries: actions that may still be in flight.
        """
        limit = _iso(noted_before) if noted_before else "9999"
        with self._cursor("read") as db:
            rows = db.execute(
                "SELECT external_id, request, account, attempts FROM pending "
                "WHERE created_at <= ? ORDER BY created_at",
                (limit,),
            ).fetchall()
        return [PendingAction(str(a), str(b), str(c), int(d)) for a, b, c, d in rows]

    def claim_pending(self, external_id: str) -> bool:
        """Take an entry to settle it; False if another process already did."""
        with self._cursor("changed") as db:
            deleted = db.execute("DELETE FROM pending WHERE external_id = ?", (external_id,))
            return deleted.rowcount == 1

    def release_pending(
        self, external_id: str, request: str, account: str, attempts: int, now: datetime
    ) -> None:
        """Record (or put back) an entry that is not settled yet."""
        with self._cursor("saved") as db:
            db.execute(
                "INSERT OR REPLACE INTO pending (external_id, request, account, created_at, "
                "attempts) VALUES (?, ?, ?, ?, ?)",
                (external_id, request, account, _iso(now), attempts),
            )
