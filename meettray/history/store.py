"""Every meeting meettray created, kept in SQLite in the user data directory.

Write-ahead logging lets the CLI and the tray app write at the same time; a
busy timeout makes the rare collision wait instead of failing.  A file that is
not a valid database is renamed aside (``…corrupt-<timestamp>``), reported
through :attr:`HistoryStore.set_aside`, and a new one is started: nothing is
deleted.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, TypeVar

from meettray import paths
from meettray.errors import StorageError
from meettray.meetings import Meeting

# The package's name, as when the store was one module: log lines name "meettray.history".
log = logging.getLogger("meettray.history")

SCHEMA_VERSION = 7
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    row_id            INTEGER PRIMARY KEY,
    graph_id          TEXT NOT NULL UNIQUE,
    external_id       TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    start_at          TEXT,
    end_at            TEXT,
    join_url          TEXT NOT NULL,
    meeting_code      TEXT NOT NULL DEFAULT '',
    passcode          TEXT NOT NULL DEFAULT '',
    dial_in           TEXT NOT NULL DEFAULT '',
    toll_free         TEXT NOT NULL DEFAULT '',
    conference_id     TEXT NOT NULL DEFAULT '',
    dial_in_url       TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    account           TEXT NOT NULL DEFAULT '',
    is_calendar_event INTEGER NOT NULL DEFAULT 0,
    subject_key       TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    join_text         TEXT NOT NULL DEFAULT '',
    expires_at        TEXT NOT NULL DEFAULT '',
    options_url       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS meetings_newest ON meetings (created_at DESC, row_id DESC);
CREATE TABLE IF NOT EXISTS pending (
    external_id TEXT PRIMARY KEY,
    request     TEXT NOT NULL,
    account     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS spares (
    account     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    meeting     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account, mode)
);
CREATE TABLE IF NOT EXISTS preparing (
    external_id TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    request     TEXT NOT NULL,
    pid         INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS handouts (
    meeting_id  TEXT PRIMARY KEY,
    request_id  TEXT UNIQUE,
    meeting     TEXT NOT NULL,
    request     TEXT NOT NULL,
    account     TEXT NOT NULL,
    taken_at    TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT 'open'
);
CREATE TABLE IF NOT EXISTS created (
    account     TEXT NOT NULL,
    month       TEXT NOT NULL,
    meetings    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, month)
);
"""
_TABLES = frozenset({"meetings", "pending", "spares", "handouts", "preparing", "created"})
_COLUMNS = (
    "graph_id, external_id, subject, start_at, end_at, join_url, meeting_code, passcode, "
    "dial_in, toll_free, conference_id, dial_in_url, created_at, account, is_calendar_event, "
    "note, join_text, expires_at, options_url"
)
#: How long a finished hand-out is kept, so that a ``meettray now`` whose tray died can
#: still find the meeting handed out for it.
_HANDOUT_KEPT = timedelta(days=2)
_BUSY_TIMEOUT_MS = 15_000
#: How long opening waits for another connection that is setting the file up.
_OPEN_BUSY_WAIT = 5.0


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


class DamagedRow(ValueError):
    """A row whose values meettray cannot read (edited by hand, or a bad write): it is
    left out, logged and counted, and everything else goes on working."""


def _when(value: object) -> datetime:
    """A stored moment: ISO 8601 with its offset, or the row is damaged."""
    if not isinstance(value, str) or not value:
        raise DamagedRow(f"not a date: {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DamagedRow(f"not a date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise DamagedRow(f"a date without its time zone: {value[:40]!r}")
    return parsed


def _maybe_when(value: object) -> datetime | None:
    return None if value is None or value == "" else _when(value)


def _text(value: object) -> str:
    if isinstance(value, bytes) or value is None:
        raise DamagedRow(f"not text: {type(value).__name__}")
    return str(value)


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


@dataclass(frozen=True)
class Spare:
    """A meeting made ahead of need, kept for one account and mode, in no one's History."""

    account: str
    mode: str
    meeting: Meeting
    external_id: str
    created_at: datetime


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


def _meeting_json(meeting: Meeting) -> str:
    values = dataclasses.asdict(meeting)
    for key in ("start", "end", "created_at", "expires_at"):
        values[key] = _iso(values[key])
    return json.dumps(values)


_MEETING_FIELDS = {field.name: field for field in dataclasses.fields(Meeting)}


def _meeting_from_json(text: object) -> Meeting:
    """A meeting kept as JSON (a spare, a hand-out), checked value by value."""
    try:
        values = json.loads(_text(text))
    except (ValueError, RecursionError):
        raise DamagedRow("its meeting is not JSON") from None
    if not isinstance(values, dict) or not set(values) <= set(_MEETING_FIELDS):
        raise DamagedRow("its meeting has unknown fields")
    if not {"id", "join_url", "subject", "created_at"} <= set(values):
        raise DamagedRow("its meeting lacks a field")
    checked: dict[str, object] = {}
    for key, value in values.items():
        if key in ("start", "end", "expires_at"):
            checked[key] = _maybe_when(value)
        elif key == "created_at":
            checked[key] = _when(value)
        elif key == "is_calendar_event":
            if not isinstance(value, bool):
                raise DamagedRow("its meeting's kind is not true or false")
            checked[key] = value
        elif not isinstance(value, str):
            raise DamagedRow(f"its meeting's {key} is not text")
        else:
            checked[key] = value
    return Meeting(**checked)  # type: ignore[arg-type]  # each value checked above


class HistoryReplaced(StorageError):
    """The database turned out damaged while in use: it was set aside, and a new one is
    open.  What was being written was not saved (writers try once more)."""


class HistoryStore:
    """The history database.  Thread-safe; several processes may share the file.

    ``lazy``: open the file at the first read or write, not now, so that a command
    that makes a meeting on a full or read-only disk still gets (and prints) its link.
    """

    def __init__(self, path: Path, *, lazy: bool = False) -> None:
        self.path = path
        #: Where a damaged database was moved, once one was.
        self.set_aside: Path | None = None
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._seen_version: int | None = None
        #: Rows left out because their values could not be read (see :class:`DamagedRow`).
        self.damaged_rows = 0
        self._bounded = threading.local()
        if not lazy:
            with self._lock:
                self._connection()

    def _connection(self) -> sqlite3.Connection:
        """The open database (opened now if needed); call with the lock held."""
        if self._db is None:
            self._db = self._open_or_set_aside()
            self._seen_version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        return self._db

    def _open_or_set_aside(self) -> sqlite3.Connection:
        # SQLite checkpoints and deletes the write-ahead log when a connection to a damaged
        # file closes: keep a link to it, so meetings that lived only there move aside too.
        wal, kept = Path(f"{self.path}-wal"), Path(f"{self.path}-wal.opening")
        _keep_link(wal, kept)
        try:
            return self._open_when_free()
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise StorageError(
                    "The meeting history is busy in another program. Try again.",
                    detail=str(exc),
                ) from None
            if not _is_damage(exc):  # the disk, not the file: keep it where it is
                raise _storage_error("opened", exc) from None
            self.set_aside = self._move_aside(exc, kept_wal=kept)
            return self._open()
        finally:
            _drop(kept)

    def _open_when_free(self) -> sqlite3.Connection:
        """Open, waiting a little while another connection creates the file or switches
        it to write-ahead logging: SQLite answers "locked" to that at once, without its
        busy handler (two meettray processes, or a tray's two services, starting together)."""
        deadline = time.monotonic() + min(_OPEN_BUSY_WAIT, self._busy_ms() / 1000)
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open(self) -> sqlite3.Connection:
        try:
            paths.ensure_private_dir(self.path.parent)
            fresh = not self.path.exists()
            db = sqlite3.connect(self.path, timeout=self._busy_ms() / 1000,
                                 check_same_thread=False)  # fmt: skip
        except (OSError, sqlite3.OperationalError) as exc:
            raise StorageError(
                f"The meeting history at {self.path} cannot be opened.", detail=str(exc)
            ) from None
        try:
            if fresh:
                os.chmod(self.path, 0o600)
            db.execute(f"PRAGMA busy_timeout = {self._busy_ms()}")
            db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL survives any crash of the process (not a power cut).
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    "The meeting history was written by a newer meettray; update meettray.",
                    detail=f"schema {version} > {SCHEMA_VERSION}",
                )
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if version < SCHEMA_VERSION or not tables >= _TABLES:
                if version == SCHEMA_VERSION:
                    log.warning("history had lost its tables %s; made them again",
                                sorted(_TABLES - tables))  # fmt: skip
                # Version 1 lacked the pending table, version 3 the spares, version 4
                # the hand-outs, 6 the monthly count: CREATE IF NOT EXISTS adds them.
                with db:
                    db.executescript(_SCHEMA)
                    _add_search_keys(db)  # version 2 lacked them
                    _add_note_column(db)  # version 4 lacked them, 5 join_text, 6 expiry
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("SELECT 1 FROM meetings LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, exc: Exception, *, kept_wal: Path | None = None) -> Path:
        """Rename the damaged file, its write-ahead log and shared memory to one unique name."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        number = 1
        while any(Path(f"{aside}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
            number += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{number}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))
        if kept_wal is not None and kept_wal.exists() and not Path(f"{aside}-wal").exists():
            kept_wal.replace(Path(f"{aside}-wal"))  # SQLite had deleted it on closing
        log.warning("history database was damaged (%s); moved it to %s", exc, aside)
        return aside

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- other writers -------------------------------------------------------------------------

    def _data_version(self) -> int:
        with self._cursor("read") as db:
            return int(db.execute("PRAGMA data_version").fetchone()[0])

    def changed_elsewhere(self) -> bool:
        """Whether another connection (another meettray process) wrote since the last call.

        SQLite's ``data_version`` moves only for other connections' commits, so this
        store's own writes never count.  Cheap: no table is read.
        """
        seen = self._seen_version
        version = self._data_version()
        changed, self._seen_version = seen is not None and version != seen, version
        return changed

    def files(self) -> tuple[Path, ...]:
        """The database and its write-ahead log: what another process's write touches."""
        return (self.path, Path(f"{self.path}-wal"))

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within this block (on this thread), every read and write waits for another
        process's write ``seconds`` at most in all, then fails (:class:`StorageError`):
        whatever comes before a link waits once, briefly, then goes to Graph."""
        self._bounded.deadline = time.monotonic() + seconds
        try:
            yield
        finally:
            self._bounded.deadline = None

    def _busy_ms(self) -> int:
        """How long SQLite may wait for another writer now (see :meth:`waiting_at_most`)."""
        deadline = getattr(self._bounded, "deadline", None)
        if deadline is None:
            return _BUSY_TIMEOUT_MS
        return max(0, min(_BUSY_TIMEOUT_MS, int((deadline - time.monotonic()) * 1000)))

    @contextmanager
    def _cursor(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._connection()
            bounded = getattr(self._bounded, "deadline", None) is not None
            try:
                if bounded:
                    db.execute(f"PRAGMA busy_timeout = {self._busy_ms()}")
                with db:
                    yield db
            except sqlite3.Error as exc:
                if not _is_damage(exc):
                    raise _storage_error(action, exc) from None
                # Damaged while in use (a bad page found by this write): set it aside with
                # its log, and start a new one.
                wal, kept = Path(f"{self.path}-wal"), Path(f"{self.path}-wal.opening")
                _keep_link(wal, kept)
                db.close()
                self._db = None
                self.set_aside = self._move_aside(exc, kept_wal=kept)
                _drop(kept)
                raise HistoryReplaced(
                    f"The meeting history was damaged; it was moved to {self.set_aside} and a "
                    "new one was started.",
                    detail=f"{type(exc).__name__}: {exc}",
                ) from None
            finally:
                if bounded and self._db is db:
                    with suppress(sqlite3.Error):
                        db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")

    # -- writing -----------------------------------------------------------------------------

    def add(self, meeting: Meeting) -> None:
        """Save a meeting; saving the same Graph id again updates it (no duplicate)."""
        self._write_twice(lambda db: _insert(db, meeting))

    def add_settled(self, meeting: Meeting, external_id: str) -> None:
        """Save a created meeting and drop its pending entry, in one transaction."""

        def write(db: sqlite3.Connection) -> None:
            _insert(db, meeting)
            db.execute("DELETE FROM pending WHERE external_id = ?", (external_id,))

        self._write_twice(write)

    def _write_twice(self, write: Callable[[sqlite3.Connection], object]) -> None:
        """A meeting is saved into a new history if the old one proves damaged meanwhile."""
        try:
            with self._cursor("saved") as db:
                write(db)
        except HistoryReplaced:
            with self._cursor("saved") as db:
                write(db)

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

    def _damaged(self, table: str, exc: DamagedRow) -> None:
        self.damaged_rows += 1
        log.warning("history: a damaged row in %s was left out (%s)", table, exc)

    def _readable(
        self, rows: list[tuple[object, ...]], read: Callable[[tuple[object, ...]], _Row], table: str
    ) -> list[_Row]:
        """The rows that read well; each damaged one is logged, counted and left out."""
        good = []
        for row in rows:
            try:
                good.append(read(row))
            except DamagedRow as exc:
                self._damaged(table, exc)
        return good

    def damage(self) -> dict[str, int]:
        """How many rows of each table cannot be read (doctor's check); reads every row."""
        found = {}
        readers: dict[str, tuple[str, Callable[[tuple[object, ...]], object]]] = {
            "meetings": (_COLUMNS, _meeting),
            "spares": (_SPARE_COLUMNS, _spare),
            "handouts": (_HANDOUT_COLUMNS, _handout),
        }
        with self._cursor("read") as db:
            for table, (columns, read) in readers.items():
                bad = 0
                for row in db.execute(f"SELECT {columns} FROM {table}"):  # noqa: S608
                    try:
                        read(row)
                    except DamagedRow:
                        bad += 1
                if bad:
                    found[table] = bad
        return found

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

    def delete(self, graph_id: str) -> bool:
        """Remove one meeting from history (not from the server); True if it was there."""
        with self._cursor("changed") as db:
            return db.execute("DELETE FROM meetings WHERE graph_id = ?", (graph_id,)).rowcount > 0

    # -- reading -----------------------------------------------------------------------------

    def recent(self, limit: int = 10, *, search: str = "", offset: int = 0) -> list[Meeting]:
        """Newest first; ``search`` matches anywhere in the subject, ignoring case (Unicode)."""
        where, args = _search_clause(search)
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


def _keep_link(wal: Path, kept: Path) -> None:
    """A second name for the write-ahead log, which SQLite deletes when the last
    connection closes: if the database proves damaged, the log moves aside with it."""
    _drop(kept)
    try:
        if wal.exists():
            os.link(wal, kept)
    except OSError:
        pass  # no hard links here (or no folder yet): opening goes on without one


def _drop(path: Path) -> None:
    with suppress(OSError):
        path.unlink(missing_ok=True)


# SQLite's primary result codes (the low byte of ``sqlite_errorcode``, Python 3.11+).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


def _code(exc: Exception) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_damage(exc: Exception) -> bool:
    """The file is not a sound database (not the disk, not another writer)."""
    code = _code(exc)
    if code is None:  # Python 3.10 gives no code: DatabaseError itself means damage
        return type(exc) is sqlite3.DatabaseError
    return code in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _is_busy(exc: Exception) -> bool:
    code = _code(exc)
    return code in (_SQLITE_BUSY, _SQLITE_LOCKED) if code is not None else "locked" in str(exc)


def _is_disk(exc: Exception) -> bool:
    """The disk refused (full, read-only, not there), by SQLite's code, never by wording:
    "database disk image is malformed" is damage, not a full disk."""
    code = _code(exc)
    if code is None:
        return "full" in str(exc).lower() or "readonly" in str(exc).lower()
    return code in (_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN, _SQLITE_PERM)


def _storage_error(action: str, exc: sqlite3.Error) -> StorageError:
    return StorageError(
        f"The meeting history could not be {action}"
        + (" (the disk is full or read-only)." if _is_disk(exc) else "."),
        detail=f"{type(exc).__name__}: {exc}",
    )


def search_key(text: str) -> str:
    """``text`` as search compares it: Unicode case-folded and NFKC-normalised, so
    "ÉQUIPE" finds "équipe" (either way it was typed) and "STRASSE" finds "straße"."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


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


_SPARE_COLUMNS = "account, mode, meeting, external_id, created_at"
_Row = TypeVar("_Row")


def _spare(row: tuple[object, ...]) -> Spare:
    account, mode, meeting, external_id, created_at = row
    return Spare(_text(account), _text(mode), _meeting_from_json(meeting), _text(external_id),
                 _when(created_at))  # fmt: skip


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


def _add_note_column(db: sqlite3.Connection) -> None:
    """Give a history from before hand-outs its ``note`` and ``join_text`` columns, and
    one from before expiry its ``expires_at`` and ``options_url``."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(meetings)")}
    for column in ("note", "join_text", "expires_at", "options_url"):
        if column not in columns:
            db.execute(f"ALTER TABLE meetings ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


def _add_search_keys(db: sqlite3.Connection) -> None:
    """Give a history from before search keys its ``subject_key`` column, filled in."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(meetings)")}
    if "subject_key" in columns:
        return
    db.execute("ALTER TABLE meetings ADD COLUMN subject_key TEXT NOT NULL DEFAULT ''")
    db.create_function("meettray_search_key", 1, search_key, deterministic=True)
    db.execute("UPDATE meetings SET subject_key = meettray_search_key(subject)")


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


def _search_clause(search: str) -> tuple[str, tuple[str, ...]]:
    """Subjects holding ``search`` anywhere, compared by :func:`search_key`.

    A stored key column and ``instr`` (C, one pass) took 6.7 ms over 100 000
    rows where ``LIKE`` (ASCII case only) took 7.7 ms; a Python function per row
    took 42 ms; FTS5's trigram index took 3.1 ms but doubled the file, found
    nothing under three letters and did not fold "ß" (measured; see
    docs/benchmarks.md).  Search runs off the GUI thread either way.
    """
    text = search.strip()
    if not text:
        return "", ()
    return "WHERE instr(subject_key, ?) > 0", (search_key(text),)


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
    )
