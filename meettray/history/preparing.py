"""Spares being prepared: a spare's createOrGet noted before it is sent, so that a
killed process's meeting is found by its externalId and deleted on the server."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from meettray.history.rows import DamagedRow, _iso, _text, _when
from meettray.history.store import Store


@dataclass(frozen=True)
class Preparing:
    """A spare's createOrGet noted before it was sent: should the process die before the
    spare is kept, the meeting it may have made is found by its id and deleted."""

    external_id: str
    account: str
    mode: str
    #: The MeetingRequest, as JSON ("" for a damaged spare set aside: any request will do).
    request: str
    #: The process that was preparing it (0: none, set aside).
    pid: int
    created_at: datetime
    attempts: int = 0


class Preparations(Store):
    """The preparing table: noting, listing, leasing and claiming notes of preparation."""

    def note_preparing(self, preparing: Preparing) -> None:
        """Note a spare's createOrGet before it is sent (see :class:`Preparing`)."""
        with self._cursor("saved") as db:
            _put_preparing(db, preparing)

    def preparing(self) -> list[Preparing]:
        """Spares' createOrGets noted and not settled, oldest first."""
        with self._cursor("read") as db:
            rows = db.execute(
                "SELECT external_id, account, mode, request, pid, created_at, attempts "
                "FROM preparing ORDER BY created_at"
            ).fetchall()
        return self._readable(rows, _preparing, "preparing")

    def lease_preparing(self, entry: Preparing, pid: int) -> bool:
        """Take a note of preparation to settle it, keeping it until it is settled (a
        process killed while settling leaves it for the next); False if another
        process leased it first."""
        with self._cursor("changed") as db:
            leased = db.execute(
                "UPDATE preparing SET pid = ? WHERE external_id = ? AND pid = ?",
                (pid, entry.external_id, entry.pid),
            )
            return leased.rowcount == 1

    def claim_preparing(self, external_id: str) -> bool:
        """Take a note of preparation to settle it (or once its spare is settled);
        False if another process already did."""
        with self._cursor("changed") as db:
            deleted = db.execute("DELETE FROM preparing WHERE external_id = ?", (external_id,))
            return deleted.rowcount == 1


def _put_preparing(db: sqlite3.Connection, preparing: Preparing) -> None:
    db.execute(
        "INSERT OR REPLACE INTO preparing (external_id, account, mode, request, pid, "
        "created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (preparing.external_id, preparing.account, preparing.mode, preparing.request,
         preparing.pid, _iso(preparing.created_at), preparing.attempts),
    )  # fmt: skip


def _preparing(row: tuple[object, ...]) -> Preparing:
    external_id, account, mode, request, pid, created_at, attempts = row
    if not isinstance(pid, int) or not isinstance(attempts, int):
        raise DamagedRow("a number is not a number")
    return Preparing(_text(external_id), _text(account), _text(mode), _text(request), pid,
                     _when(created_at), attempts)  # fmt: skip
