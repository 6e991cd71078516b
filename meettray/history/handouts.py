"""Hand-outs: a spare given to a Meet now, its PATCH to the meeting asked for still
due or done, kept two days by the createOrGet id a ``meettray now`` chose (so that the
command whose tray died finds its meeting instead of making another)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from meettray.history.rows import DamagedRow, _iso, _meeting_from_json, _meeting_json, _text, _when
from meettray.history.search import search_key
from meettray.history.store import Store
from meettray.meetings import Meeting

#: How long a finished hand-out is kept, so that a ``meettray now`` whose tray died can
#: still find the meeting handed out for it.
_HANDOUT_KEPT = timedelta(days=2)


HandoutState = Literal["open", "done", "given up"]


@dataclass(frozen=True)
class Handout:
    """A prepared meeting given to a Meet now: in History at once, with a PATCH to the
    meeting asked for that is due until ``state`` is no longer "open"."""

    #: The meeting as handed out (the subject and times asked for; ``note`` says what
    #: Teams may not show yet).
    meeting: Meeting
    #: The MeetingRequest, as JSON: what the PATCH sets.
    request: str
    #: The createOrGet id the asker chose (``meettray now`` via a tray), if any: should
    #: that tray die before answering, the command finds its meeting here.
    request_id: str | None
    account: str
    taken_at: datetime
    attempts: int = 0
    state: HandoutState = "open"


class Handouts(Store):
    """The handouts table: finding a hand-out, and settling its PATCH."""

    def handout_for(self, request_id: str) -> Handout | None:
        """The meeting handed out for the createOrGet id ``request_id``, if one was."""
        with self._cursor("read") as db:
            row = db.execute(
                f"SELECT {_HANDOUT_COLUMNS} FROM handouts WHERE request_id = ?",  # noqa: S608
                (request_id,),
            ).fetchone()
        found = self._readable([] if row is None else [row], _handout, "handouts")
        return found[0] if found else None

    def open_handouts(self, taken_before: datetime) -> list[Handout]:
        """Hand-outs whose PATCH is still due, taken before ``taken_before`` (younger ones
        may still be on their way), oldest first."""
        with self._cursor("read") as db:
            rows = db.execute(
                f"SELECT {_HANDOUT_COLUMNS} FROM handouts "  # noqa: S608
                "WHERE state = 'open' AND taken_at <= ? ORDER BY taken_at",
                (_iso(taken_before),),
            ).fetchall()
        return self._readable(rows, _handout, "handouts")

    def settle_handout(self, handout: Handout) -> None:
        """Record how a hand-out's PATCH went: its History row takes the meeting's
        subject, times and note (a row the person deleted meanwhile stays deleted)."""
        meeting = handout.meeting

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE meetings SET subject = ?, subject_key = ?, start_at = ?, end_at = ?, "
                "note = ?, join_text = ? WHERE graph_id = ?",
                (meeting.subject, search_key(meeting.subject), _iso(meeting.start),
                 _iso(meeting.end), meeting.note, meeting.join_text, meeting.id),
            )  # fmt: skip
            _put_handout(db, handout)

        self._write_twice(write)


_HANDOUT_COLUMNS = "meeting, request, request_id, account, taken_at, attempts, state"


def _put_handout(db: sqlite3.Connection, handout: Handout) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO handouts (meeting_id, {_HANDOUT_COLUMNS}) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (handout.meeting.id, _meeting_json(handout.meeting), handout.request,
         handout.request_id, handout.account, _iso(handout.taken_at), handout.attempts,
         handout.state),
    )  # fmt: skip


def _handout(row: tuple[object, ...]) -> Handout:
    meeting, request, request_id, account, taken_at, attempts, state = row
    known: tuple[HandoutState, ...] = ("open", "done", "given up")
    if not isinstance(attempts, int):
        raise DamagedRow(f"attempts is not a number: {str(attempts)[:40]!r}")
    return Handout(
        _meeting_from_json(meeting), _text(request),
        None if request_id is None else _text(request_id), _text(account), _when(taken_at),
        attempts, next((k for k in known if k == state), "given up"),
    )  # fmt: skip
