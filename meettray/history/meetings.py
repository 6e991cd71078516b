"""The meetings table: History itself, each meeting by its Graph id, newest first,
searched by subject."""

from __future__ import annotations

import sqlite3

from meettray.history.rows import _iso, _maybe_when, _text, _when
from meettray.history.search import _search_clause, search_key
from meettray.history.store import Store
from meettray.meetings import Meeting

_COLUMNS = (
    "graph_id, external_id, subject, start_at, end_at, join_url, meeting_code, passcode, "
    "dial_in, toll_free, conference_id, dial_in_url, created_at, account, is_calendar_event, "
    "note, join_text, expires_at, options_url, profile"
)


class MeetingsTable(Store):
    """Saving, reading and deleting History's meetings."""

    def add(self, meeting: Meeting) -> None:
        """Save a meeting; saving the same Graph id again updates it (no duplicate)."""
        self._write_twice(lambda db: _insert(db, meeting))

    def add_settled(self, meeting: Meeting, external_id: str) -> None:
        """Save a created meeting and drop its pending entry, in one transaction."""

        def write(db: sqlite3.Connection) -> None:
            _insert(db, meeting)
            db.execute("DELETE FROM pending WHERE external_id = ?", (external_id,))

        self._write_twice(write)

    def delete(self, graph_id: str) -> bool:
        """Remove one meeting from history (not from the server); True if it was there."""
        with self._cursor("changed") as db:
            return db.execute("DELETE FROM meetings WHERE graph_id = ?", (graph_id,)).rowcount > 0

    # -- reading -----------------------------------------------------------------------------

    def recent(
        self, limit: int = 10, *, search: str = "", offset: int = 0, profile: str | None = None
    ) -> list[Meeting]:
        """Newest first; ``search`` matches anywhere in the subject, ignoring case (Unicode);
        ``profile``: only the meetings made with that account (``None``: everyone's)."""
        where, args = _search_clause(search, profile)
        with self._cursor("read") as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM meetings {where} "  # noqa: S608
                "ORDER BY created_at DESC, row_id DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            ).fetchall()
        return self._readable(rows, _meeting, "meetings")

    def first_page(self, limit: int, *, search: str = "") -> tuple[list[Meeting], int]:
        """The newest ``limit`` meetings and how many match in all.

        A search reads every subject once: the window function counts the
        matches in the same pass (two queries would scan twice).  Without a
        search the count comes from the index instead.
        """
        if not search.strip():
            return self.recent(limit), self.count()
        where, args = _search_clause(search)
        with self._cursor("read") as db:
            rows = db.execute(
                f"SELECT {_COLUMNS}, count(*) OVER () FROM meetings {where} "  # noqa: S608
                "ORDER BY created_at DESC, row_id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        meetings = self._readable([row[:-1] for row in rows], _meeting, "meetings")
        return meetings, int(str(rows[0][-1])) if rows else 0

    def count(self, *, search: str = "") -> int:
        where, args = _search_clause(search)
        with self._cursor("read") as db:
            return int(db.execute(f"SELECT count(*) FROM meetings {where}", args).fetchone()[0])  # noqa: S608


def _insert(db: sqlite3.Connection, meeting: Meeting) -> None:
    values = (
        meeting.id,
        meeting.external_id,
        meeting.subject,
        _iso(meeting.start),
        _iso(meeting.end),
        meeting.join_url,
        meeting.meeting_code,
        meeting.passcode,
        meeting.dial_in,
        meeting.toll_free,
        meeting.conference_id,
        meeting.dial_in_url,
        _iso(meeting.created_at),
        meeting.account,
        int(meeting.is_calendar_event),
        meeting.note,
        meeting.join_text,
        _iso(meeting.expires_at) or "",
        meeting.options_url,
        meeting.profile,
        search_key(meeting.subject),
    )
    columns = f"{_COLUMNS}, subject_key"
    updates = ", ".join(
        f"{c.strip()} = excluded.{c.strip()}"
        for c in columns.split(",")
        if c.strip() not in ("graph_id", "created_at")
    )
    db.execute(
        f"INSERT INTO meetings ({columns}) VALUES ({', '.join('?' * len(values))}) "  # noqa: S608
        f"ON CONFLICT (graph_id) DO UPDATE SET {updates}",
        values,
    )


def _meeting(row: tuple[object, ...]) -> Meeting:
    (
        graph_id,
        external_id,
        subject,
        start_at,
        end_at,
        join_url,
        meeting_code,
        passcode,
        dial_in,
        toll_free,
        conference_id,
        dial_in_url,
        created_at,
        account,
        is_calendar_event,
        note,
        join_text,
        expires_at,
        options_url,
        profile,
    ) = row
    return Meeting(
        id=_text(graph_id),
        join_url=_text(join_url),
        subject=_text(subject),
        start=_maybe_when(start_at),
        end=_maybe_when(end_at),
        created_at=_when(created_at),
        external_id=str(external_id),
        meeting_code=str(meeting_code),
        passcode=str(passcode),
        dial_in=str(dial_in),
        toll_free=str(toll_free),
        conference_id=str(conference_id),
        dial_in_url=str(dial_in_url),
        is_calendar_event=bool(is_calendar_event),
        account=str(account),
        note=str(note),
        join_text=str(join_text),
        expires_at=_maybe_when(expires_at or None),
        options_url=str(options_url),
        profile=str(profile),
    )
