"""Every meeting meettray created, kept in SQLite in the user data directory.

Write-ahead logging lets the CLI and the tray app write at the same time; a
busy timeout makes the rare collision wait instead of failing.  A file that is
not a valid database is renamed aside (``…corrupt-<timestamp>``), reported
through :attr:`HistoryStore.set_aside`, and a new one is started: nothing is
deleted.

This module is the file and its connection: opening, setting aside, waiting for
other processes, one transaction at a time.  Each table's reads and writes build on
:class:`Store` in a module of its own; :class:`meettray.history.HistoryStore` is
all of them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from meettray import paths
from meettray.errors import StorageError
from meettray.history.failures import _is_busy, _is_damage, _storage_error
from meettray.history.rows import DamagedRow
from meettray.history.schema import (
    _SCHEMA,
    _TABLES,
    SCHEMA_VERSION,
    _add_note_column,
    _add_search_keys,
)
from meettray.i18n import _

# The package's name, as when the store was one module: log lines name "meettray.history".
log = logging.getLogger("meettray.history")

_BUSY_TIMEOUT_MS = 15_000
#: SQLite's page cache for the connection, in KiB as its pragma takes it (negative).
#: The default, 2 MiB, filled with every page a new meeting wrote, and kept: the
#: running tray grew by 0.4 MiB per 100 meetings until it was full.  What the tray
#: reads again (the newest rows, the spares, the open hand-outs) fits in a few pages,
#: and a search reads the whole table, which no cache of this size holds.
_CACHE_KIB = -256
#: How long opening waits for another connection that is setting the file up.
_OPEN_BUSY_WAIT = 5.0
_Row = TypeVar("_Row")


class HistoryReplaced(StorageError):
    """The database turned out damaged while in use: it was set aside, and a new one is
    open.  What was being written was not saved (writers try once more)."""


class Store:
    """The history database's file and connection, which every table's module builds on
    (:class:`meettray.history.HistoryStore` is all of them).  Thread-safe; several
    processes may share the file.

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
                    _("The meeting history is busy in another program. Try again."),
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
                _("The meeting history at {path} cannot be opened.").format(path=self.path),
                detail=str(exc),
            ) from None
        try:
            if fresh:
                os.chmod(self.path, 0o600)
            db.execute(f"PRAGMA busy_timeout = {self._busy_ms()}")
            db.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL survives any crash of the process (not a power cut).
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(f"PRAGMA cache_size = {_CACHE_KIB}")  # see _CACHE_KIB
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    _("The meeting history was written by a newer meettray; update meettray."),
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
                    _add_note_column(db)  # 4 lacked them, 5 join_text, 6 expiry, 7 profile
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

    def _write_twice(self, write: Callable[[sqlite3.Connection], object]) -> None:
        """A meeting is saved into a new history if the old one proves damaged meanwhile."""
        try:
            with self._cursor("saved") as db:
                write(db)
        except HistoryReplaced:
            with self._cursor("saved") as db:
                write(db)

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
