"""The SQLite history: ordering, search, upserts, damage and concurrent writers."""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.errors import StorageError
from meettray.history import SCHEMA_VERSION, HistoryReplaced, HistoryStore
from meettray.meetings import Meeting

from .history_data import pragma, stored

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def meeting(n: int, subject: str = "", **changes: object) -> Meeting:
    values: dict[str, object] = {
        "id": f"meeting-{n}",
        "join_url": f"https://teams.microsoft.com/l/meetup-join/{n}",
        "subject": subject or f"Meeting {n}",
        "start": T0 + timedelta(hours=n),
        "end": T0 + timedelta(hours=n, minutes=30),
        "created_at": T0 + timedelta(minutes=n),
        "external_id": f"ext-{n}",
        "meeting_code": "123456789012",
        "passcode": "pass",
        "dial_in": "+1 425-555-0123",
        "account": "adele@contoso.example",
    }
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    history = HistoryStore(tmp_path / "data" / "history.sqlite3")
    yield history
    history.close()


def test_round_trip_keeps_every_field(store: HistoryStore) -> None:
    original = meeting(1, is_calendar_event=True, conference_id="987", toll_free="+1 800")
    store.add(original)
    assert stored(store, "meeting-1") == original


def test_the_connection_keeps_a_small_page_cache(store: HistoryStore) -> None:
    """SQLite's default 2 MiB page cache filled with every page a new meeting wrote: a
    running tray grew by 0.4 MiB per 100 meetings until it was full (bench row 4)."""
    for n in range(50):
        store.add(meeting(n, join_text="x" * 2000))
    with store._lock:
        size = store._connection().execute("PRAGMA cache_size").fetchone()[0]
    assert size == -256  # KiB (a negative size is in KiB; SQLite's default is -2000)


def test_newest_first_with_limit_and_offset(store: HistoryStore) -> None:
    for n in range(5):
        store.add(meeting(n))
    assert [m.id for m in store.recent(3)] == ["meeting-4", "meeting-3", "meeting-2"]
    assert [m.id for m in store.recent(3, offset=3)] == ["meeting-1", "meeting-0"]
    assert store.count() == 5


def test_search_by_subject(store: HistoryStore) -> None:
    store.add(meeting(1, "Incident: DB down"))
    store.add(meeting(2, "Weekly sync"))
    store.add(meeting(3, "incident review 100%"))
    assert [m.id for m in store.recent(10, search="INCIDENT")] == ["meeting-3", "meeting-1"]
    assert [m.id for m in store.recent(10, search="100%")] == ["meeting-3"]
    assert store.recent(10, search="_") == []  # no wildcards: "_" is a character
    assert store.count(search="sync") == 1


@pytest.mark.parametrize(
    ("subject", "typed"),
    [
        ("Équipe produit", "ÉQUIPE"),
        ("ÉQUIPE PRODUIT", "équipe"),
        ("Équipe produit", "e\u0301quipe"),  # é typed as e + combining accent
        ("Überprüfung Q3", "überPRÜFUNG"),
        ("Straße sperren", "STRASSE"),
        ("ΣΥΝΑΝΤΗΣΗ ομάδας", "συναντηση"),
        ("ﬁnance review", "finance"),  # the ligature, compatibility-normalised
    ],
)
def test_search_ignores_case_in_any_script(store: HistoryStore, subject: str, typed: str) -> None:
    store.add(meeting(1, subject))
    store.add(meeting(2, "Weekly sync"))
    assert [m.id for m in store.recent(10, search=typed)] == ["meeting-1"]
    page, total = store.first_page(10, search=typed)
    assert ([m.id for m in page], total) == (["meeting-1"], 1)


def test_a_renamed_meeting_is_found_by_its_new_subject(store: HistoryStore) -> None:
    store.add(meeting(1, "Draft"))
    store.add(meeting(1, "Réunion finale"))
    assert store.recent(10, search="draft") == []
    assert [m.id for m in store.recent(10, search="RÉUNION")] == ["meeting-1"]


def test_a_history_from_before_search_keys_gets_them(tmp_path: Path) -> None:
    """Schema 2 (meettray 0.1.0) had no subject_key: opening it adds and fills one."""
    import sqlite3

    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE meetings (
                row_id INTEGER PRIMARY KEY, graph_id TEXT NOT NULL UNIQUE,
                external_id TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',
                start_at TEXT, end_at TEXT, join_url TEXT NOT NULL,
                meeting_code TEXT NOT NULL DEFAULT '', passcode TEXT NOT NULL DEFAULT '',
                dial_in TEXT NOT NULL DEFAULT '', toll_free TEXT NOT NULL DEFAULT '',
                conference_id TEXT NOT NULL DEFAULT '', dial_in_url TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL, account TEXT NOT NULL DEFAULT '',
                is_calendar_event INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE pending (external_id TEXT PRIMARY KEY, request TEXT NOT NULL,
                account TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0);
            INSERT INTO meetings (graph_id, subject, join_url, created_at)
                VALUES ('old', 'Überprüfung', 'https://teams.example/old',
                        '2026-01-01T00:00:00+00:00');
            PRAGMA user_version = 2;
            """
        )
    db.close()
    store = HistoryStore(path)
    try:
        assert [m.id for m in store.recent(10, search="ÜBERPRÜFUNG")] == ["old"]
        store.add(meeting(1, "Neue Überprüfung"))
        assert store.count(search="überprüfung") == 2
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_saving_the_same_meeting_again_updates_it(store: HistoryStore) -> None:
    store.add(meeting(1, "Old subject"))
    store.add(meeting(1, "New subject"))
    assert store.count() == 1
    assert stored(store, "meeting-1").subject == "New subject"  # type: ignore[union-attr]


def test_delete(store: HistoryStore) -> None:
    store.add(meeting(1))
    assert store.delete("meeting-1") is True
    assert store.delete("meeting-1") is False
    assert stored(store, "meeting-1") is None


@pytest.mark.posix
def test_file_is_user_only(store: HistoryStore) -> None:
    store.add(meeting(1))
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700


@pytest.mark.parametrize(
    "damage",
    [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000, b""],
)
@pytest.mark.logs("history database was damaged")
def test_damaged_file_is_set_aside_and_a_new_one_started(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(damage)
    store = HistoryStore(path)
    try:
        if damage:
            assert store.set_aside is not None
            assert store.set_aside.read_bytes() == damage  # nothing deleted
            assert store.set_aside.name.startswith("history.sqlite3.corrupt-")
        else:
            assert store.set_aside is None  # an empty file is a valid new database
        store.add(meeting(1))
        assert store.count() == 1
    finally:
        store.close()


@pytest.mark.logs("history database was damaged")
def test_truncated_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    for n in range(200):
        store.add(meeting(n, "x" * 500))
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(path.read_bytes()[:100])

    again = HistoryStore(path)
    try:
        assert again.set_aside is not None
        assert again.count() == 0
    finally:
        again.close()


def test_an_unusable_location_gives_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StorageError, match="cannot be opened"):
        HistoryStore(blocker / "history.sqlite3")


def test_an_upgrade_the_disk_cannot_take_keeps_the_history_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while adding search keys is not a damaged file: nothing is set aside."""
    import sqlite3

    from meettray.history import store as history

    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 2")
    db.close()

    def full(_db: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(history, "_add_search_keys", full)
    with pytest.raises(StorageError, match=r"could not be opened \(the disk is full"):
        HistoryStore(path)
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []
    monkeypatch.undo()
    store = HistoryStore(path)  # once there is room, it opens and upgrades
    try:
        assert store.set_aside is None
    finally:
        store.close()


def test_a_full_disk_gives_a_clear_message(store: HistoryStore) -> None:
    store.add(meeting(0))
    pragma(store, "PRAGMA max_page_count = 1")  # SQLite's SQLITE_FULL, as a full disk gives
    with pytest.raises(StorageError, match=r"could not be saved \(the disk is full or read-only\)"):
        store.add(meeting(1, "y" * 100_000))


def _writer(path: str, worker: int, count: int) -> None:
    store = HistoryStore(Path(path))
    for n in range(count):
        store.add(meeting(worker * 1000 + n))
    store.close()


def test_concurrent_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(path), w, 60)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0

    store = HistoryStore(path)
    try:
        assert store.count() == 240
    finally:
        store.close()


def test_first_page_counts_in_the_same_pass(store: HistoryStore) -> None:
    for n in range(30):
        store.add(meeting(n, "Incident" if n % 3 == 0 else "Sync"))
    page, total = store.first_page(4, search="incident")
    assert total == 10
    assert [m.id for m in page] == ["meeting-27", "meeting-24", "meeting-21", "meeting-18"]
    assert store.first_page(4, search="nothing") == ([], 0)
    page, total = store.first_page(5)
    assert total == 30
    assert len(page) == 5


def test_changed_elsewhere_sees_other_connections_writes_only(tmp_path: Path) -> None:
    tray = HistoryStore(tmp_path / "history.sqlite3")
    cli = HistoryStore(tmp_path / "history.sqlite3")
    try:
        assert tray.changed_elsewhere() is False
        cli.add(meeting(1))
        assert tray.changed_elsewhere() is True
        assert tray.changed_elsewhere() is False  # reported once
        tray.add(meeting(2))
        assert tray.changed_elsewhere() is False  # its own write
        assert cli.changed_elsewhere() is True
        assert Path(f"{tray.path}-wal") in tray.files()
    finally:
        tray.close()
        cli.close()


# -- damaged files: set aside whole, classified by SQLite's code ----------------------------


@pytest.mark.posix
@pytest.mark.logs("history database was damaged")
def test_meetings_only_in_the_write_ahead_log_move_aside_with_the_damaged_file(
    tmp_path: Path,
) -> None:
    """Was: the -wal file was deleted when the damaged database was set aside, and the
    meetings that lived only there were gone."""
    import random
    import subprocess
    import sys

    path = tmp_path / "history.sqlite3"
    first = HistoryStore(path)
    for n in range(300):
        first.add(meeting(n, "x" * 200))
    first.close()  # checkpointed: these are in the main file
    writer = (
        "import os, sys, pathlib\n"
        "from tests.test_history import meeting\n"
        "from meettray.history import HistoryStore\n"
        "store = HistoryStore(pathlib.Path(sys.argv[1]))\n"
        "for n in range(1000, 1003): store.add(meeting(n))\n"
        "os._exit(0)  # killed: these three are in the write-ahead log only\n"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", writer, str(path)], check=True, cwd=root, timeout=60)
    logged = Path(f"{path}-wal").read_bytes()
    assert logged
    with path.open("r+b") as damaged:  # old pages of the main file, not the log
        damaged.seek(4096 * 3)
        damaged.write(random.Random(3).randbytes(4096 * 20))

    store = HistoryStore(path)
    try:
        with pytest.raises(HistoryReplaced, match="was damaged; it was moved to"):
            store.recent(10_000)  # reading the old pages finds the damage
        assert store.set_aside is not None
        assert Path(f"{store.set_aside}-wal").read_bytes() == logged  # kept, whole
        store.add(meeting(2000))
        assert stored(store, "meeting-2000") is not None  # a new history goes on
    finally:
        store.close()


@pytest.mark.logs("history database was damaged")
def test_two_damaged_files_in_one_second_get_two_names(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    asides = []
    for _ in range(2):
        path.write_bytes(b"garbage" * 1000)
        store = HistoryStore(path)
        asides.append(store.set_aside)
        store.close()
        path.unlink()
    assert None not in asides
    assert asides[0] != asides[1]
    assert all(aside is not None and aside.exists() for aside in asides)


@pytest.mark.logs("history database was damaged")
def test_a_damaged_page_is_damage_not_a_full_disk(tmp_path: Path) -> None:
    """Was: random bytes in page 2 made every save fail with "the disk is full or
    read-only", and the file was never set aside."""
    import random

    path = tmp_path / "history.sqlite3"
    first = HistoryStore(path)
    for n in range(300):
        first.add(meeting(n, "x" * 200))
    first.close()
    page_size = 4096
    with path.open("r+b") as damaged:
        damaged.seek(page_size)  # page 2 onwards: the tables' pages
        damaged.write(random.Random(7).randbytes(page_size * 8))

    store = HistoryStore(path)
    try:
        store.add(meeting(1000))  # never "the disk is full": set aside, saved in a new one
        assert store.set_aside is not None
        assert store.set_aside.exists()
        assert stored(store, "meeting-1000") is not None
    finally:
        store.close()


@pytest.mark.logs("history had lost its tables")
def test_a_history_missing_its_tables_is_repaired(tmp_path: Path) -> None:
    """Was: exit 7 on every command, forever."""
    import sqlite3

    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE meetings")
    db.close()

    store = HistoryStore(path)
    try:
        store.add(meeting(1))
        assert store.count() == 1
        assert store.set_aside is None  # nothing to set aside: it was only missing a table
    finally:
        store.close()


def test_connections_opening_a_new_file_together_all_open(tmp_path: Path) -> None:
    """Was: "The meeting history is busy in another program" when two connections
    (a tray's old and new service, the tray and a command) created the file at once:
    SQLite answers the switch to write-ahead logging with "locked", without waiting."""
    import threading

    failures: list[Exception] = []
    for round_ in range(15):
        path = tmp_path / f"h{round_}.sqlite3"
        start = threading.Barrier(4)

        def open_and_read(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                store = HistoryStore(path)
                store.recent(1)
                store.close()
            except Exception as exc:
                failures.append(exc)

        threads = [threading.Thread(target=open_and_read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []
