"""History with several accounts: each meeting keeps the account (settings profile) it
was made with; a history from before (schema 7) reads as "main"'s; reads return every
account's meetings unless asked for one."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from meettray.history import HistoryStore
from meettray.history.schema import _SCHEMA, SCHEMA_VERSION

from .test_history import meeting


def test_a_version_7_history_is_mains_and_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    old_schema = _SCHEMA.replace(",\n    profile           TEXT NOT NULL DEFAULT 'main'", "")
    assert "profile" not in old_schema
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
        db.execute(
            "INSERT INTO meetings (graph_id, subject, subject_key, join_url, created_at, account) "
            "VALUES ('old', 'Standup', 'standup', 'https://teams.microsoft.com/l/old', "
            "'2026-01-01T00:00:00+00:00', 'adele@contoso.example')"
        )
        db.execute("PRAGMA user_version = 7")
    db.close()
    store = HistoryStore(path)
    try:
        (old,) = store.recent(10)
        assert (old.profile, old.account) == ("main", "adele@contoso.example")
        assert old.as_json()["account"] == "main"
        assert old.as_json()["organizer"] == "adele@contoso.example"
        theirs = dataclasses.replace(
            meeting(1), profile="fabrikam", account="alex@fabrikam.example"
        )
        store.add(theirs)
        assert [m.id for m in store.recent(10)] == ["meeting-1", "old"]  # everyone's
        assert store.recent(10, profile="fabrikam") == [theirs]
        assert [m.id for m in store.recent(10, profile="main")] == ["old"]
        assert [m.id for m in store.recent(10, search="stand", profile="main")] == ["old"]
        assert store.recent(10, search="stand", profile="fabrikam") == []
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    db.close()
