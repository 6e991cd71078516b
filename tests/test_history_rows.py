"""A damaged row costs one row: every read validates, a bad row is left out (logged,
counted, shown by doctor), and Meet now and History go on working."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray import paths
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.history import Handout, HistoryStore, Spare
from meettray.meetings import Meeting

from .conftest import run_cli

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
DAMAGED = r"a damaged row in \w+ was left out"


def _meeting(n: int) -> Meeting:
    return Meeting(id=f"m{n}", join_url=f"https://teams.microsoft.com/l/{n}", subject=f"S{n}",
                   start=None, end=None, created_at=NOW + timedelta(minutes=n))  # fmt: skip


def _poke(path: Path, sql: str, *args: object) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, args)
    db.close()


@pytest.mark.logs(DAMAGED)
@pytest.mark.parametrize(
    ("column", "value"),
    [("created_at", "yesterday"), ("created_at", "2026-12-07T09:00:00"), ("start_at", "soon"),
     ("subject", b"\x00\xff")],
)  # fmt: skip
def test_one_bad_meeting_row_costs_that_row(tmp_path: Path, column: str, value: object) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        for n in range(3):
            store.add(_meeting(n))
        _poke(store.path, f"UPDATE meetings SET {column} = ? WHERE graph_id = 'm1'", value)

        assert [m.id for m in store.recent(10)] == ["m2", "m0"]
        assert [m.id for m in store.first_page(10, search="S")[0]] == ["m2", "m0"]
        assert store.damaged_rows == 2
        assert store.damage() == {"meetings": 1}
    finally:
        store.close()


@pytest.mark.logs(DAMAGED)
@pytest.mark.parametrize(
    ("column", "value"),
    [("meeting", "{not json"), ("meeting", json.dumps({"id": 3})), ("meeting", "[" * 50_000),
     ("created_at", "2026-12-07T09:00:00"), ("created_at", "")],
)  # fmt: skip
def test_a_bad_spare_is_set_aside_to_be_deleted_and_the_next_one_kept(
    tmp_path: Path, column: str, value: str
) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        assert store.put_spare(Spare("adele", "kind", _meeting(1), "ext-1", NOW))
        _poke(store.path, f"UPDATE spares SET {column} = ?", value)

        assert store.take_spare("adele", "kind") is None  # no crash, no spare
        (aside,) = store.preparing()  # its externalId: the meeting is deleted on the server
        assert aside.external_id == "ext-1"
        assert store.put_spare(Spare("adele", "kind", _meeting(2), "ext-2", NOW))
        assert [s.external_id for s in store.spares()] == ["ext-2"]
    finally:
        store.close()


@pytest.mark.logs(DAMAGED)
def test_a_bad_spare_found_by_a_listing_leaves_the_table(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        store.put_spare(Spare("adele", "kind", _meeting(1), "ext-1", NOW))
        _poke(store.path, "UPDATE spares SET created_at = 'never'")
        assert store.spares() == []
        assert [p.external_id for p in store.preparing()] == ["ext-1"]
    finally:
        store.close()


@pytest.mark.logs(DAMAGED)
def test_a_bad_handout_costs_that_handout(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        for n in (1, 2):
            store.put_spare(Spare(f"a{n}", "kind", _meeting(n), f"ext-{n}", NOW))
            store.take_spare(f"a{n}", "kind", lambda s: Handout(s.meeting, "{}", f"r{s.account}",
                                                                s.account, NOW))  # fmt: skip
        _poke(store.path, "UPDATE handouts SET taken_at = 'later' WHERE meeting_id = 'm1'")

        assert [h.meeting.id for h in store.open_handouts(NOW + timedelta(hours=1))] == ["m2"]
        assert store.handout_for("ra1") is None
        assert store.damage() == {"handouts": 1}
    finally:
        store.close()


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return config_file


def test_the_command_line_works_around_a_damaged_row_and_doctor_counts_it(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    for subject in ("First", "Second"):
        made = run_cli("now", "--no-copy", "--subject", subject, env=NO_DISPLAY)
        assert made.returncode == 0, made.stderr
    _poke(paths.history_file(), "UPDATE meetings SET created_at = 'x' WHERE subject = 'First'")

    listed = run_cli("history", env=NO_DISPLAY)
    again = run_cli("now", "--no-copy", "--subject", "Third", env=NO_DISPLAY)
    doctor = run_cli("doctor", "--json", env=NO_DISPLAY)

    assert listed.returncode == 0, listed.stderr
    assert "Second" in listed.stdout
    assert "First" not in listed.stdout
    assert again.returncode == 0, again.stderr
    (history,) = [c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "History"]
    assert "1 damaged rows are left out (1 in meetings)" in history["detail"]
