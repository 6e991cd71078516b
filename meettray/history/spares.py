"""The spares: meetings made ahead of need, one per account and mode, in a table of
their own so that no History query sees them; taken in one ``BEGIN IMMEDIATE``
transaction, so two processes never hand out the same link."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from meettray.history.handouts import _HANDOUT_KEPT, Handout, _put_handout
from meettray.history.meetings import _insert
from meettray.history.preparing import Preparing, _put_preparing
from meettray.history.rows import DamagedRow, _iso, _meeting_from_json, _meeting_json, _text, _when
from meettray.history.store import Store
from meettray.meetings import Meeting


@dataclass(frozen=True)
class Spare:
    """A meeting made ahead of need, kept for one account and mode, in no one's History."""

    account: str
    mode: str
    meeting: Meeting
    external_id: str
    created_at: datetime


class Spares(Store):
    """The spares table: keeping, taking, listing and dropping spares."""

    # -- the spare meeting (see MeetingService.prepare_spare) --------------------------------

    def put_spare(self, spare: Spare) -> bool:
        """Keep a prepared meeting, and clear its note of preparation (one transaction);
        False if this account and mode already have one (two processes prepared at once):
        the caller deletes its own on the server, then clears the note."""
        with self._cursor("saved") as db:
            added = db.execute(
                "INSERT OR IGNORE INTO spares (account, mode, meeting, external_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (spare.account, spare.mode, _meeting_json(spare.meeting), spare.external_id,
                 _iso(spare.created_at)),
            )  # fmt: skip
            if added.rowcount == 1:
                db.execute("DELETE FROM preparing WHERE external_id = ?", (spare.external_id,))
            return added.rowcount == 1

    def take_spare(
        self,
        account: str,
        mode: str,
        hand_out: Callable[[Spare], Handout | None] | None = None,
    ) -> tuple[Spare, Handout | None] | None:
        """Take the prepared meeting of ``account`` and ``mode``: it is this caller's
        alone.  One transaction reads and deletes it, so two processes can never hand
        out the same link.

        ``hand_out`` turns the spare into the meeting asked for (``None``: not handed
        out, as one too old); in the same transaction that meeting enters History and its
        due PATCH is noted, so a process that dies right after still loses nothing.  A
        damaged row is set aside to be deleted on the server (:meth:`preparing`).
        """
        with self._cursor("changed") as db:
            db.execute("BEGIN IMMEDIATE")  # the write lock first: nobody reads it meanwhile
            row = db.execute(
                f"SELECT {_SPARE_COLUMNS} FROM spares WHERE mode = ? AND account = ?",  # noqa: S608
                (mode, account),
            ).fetchone()
            spare = handout = None
            if row is not None:
                db.execute("DELETE FROM spares WHERE account = ? AND mode = ?", (account, mode))
                try:
                    spare = _spare(row)
                except DamagedRow as exc:
                    self._set_spare_aside(db, row, exc)
                if spare is not None and hand_out is not None:
                    handout = hand_out(spare)
                if handout is not None:
                    _insert(db, handout.meeting)
                    _put_handout(db, handout)
                    db.execute(
                        "DELETE FROM handouts WHERE state != 'open' AND taken_at < ?",
                        (_iso(handout.taken_at - _HANDOUT_KEPT),),
                    )
            db.execute("COMMIT")
        return None if spare is None else (spare, handout)

    def _set_spare_aside(self, db: sqlite3.Connection, row: tuple[object, ...],
                         exc: DamagedRow) -> None:  # fmt: skip
        """A damaged spare leaves the table (it would block its account's next one); its
        externalId, if readable, becomes a note of preparation, so the meeting is deleted."""
        self._damaged("spares", exc)
        account, mode, _meeting, external_id, _created = row
        if isinstance(external_id, str) and external_id:
            _put_preparing(db, Preparing(external_id, str(account), str(mode), "", 0,
                                         datetime.now(timezone.utc)))  # fmt: skip

    def spares(self) -> list[Spare]:
        """Every prepared meeting (to check them: sign-in, sign-out, other settings); a
        damaged row is set aside, to be deleted on the server (:meth:`preparing`)."""
        with self._cursor("read") as db:
            rows = db.execute(f"SELECT {_SPARE_COLUMNS} FROM spares").fetchall()  # noqa: S608
        good: list[Spare] = []
        damaged: list[tuple[tuple[object, ...], DamagedRow]] = []
        for row in rows:
            try:
                good.append(_spare(row))
            except DamagedRow as exc:
                damaged.append((row, exc))
        if damaged:
            with self._cursor("changed") as db:
                for row, why in damaged:
                    db.execute("DELETE FROM spares WHERE account = ? AND mode = ?", row[:2])
                    self._set_spare_aside(db, row, why)
        return good

    def drop_spare(self, spare: Spare) -> None:
        with self._cursor("changed") as db:
            db.execute(
                "DELETE FROM spares WHERE account = ? AND mode = ? AND external_id = ?",
                (spare.account, spare.mode, spare.external_id),
            )


_SPARE_COLUMNS = "account, mode, meeting, external_id, created_at"


def _spare(row: tuple[object, ...]) -> Spare:
    account, mode, meeting, external_id, created_at = row
    return Spare(_text(account), _text(mode), _meeting_from_json(meeting), _text(external_id),
                 _when(created_at))  # fmt: skip
