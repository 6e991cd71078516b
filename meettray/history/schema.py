"""The history's tables (schema version 8) and the upgrades of older files.

Opening (:mod:`meettray.history.store`) runs the ``CREATE … IF NOT EXISTS`` script and
these upgrades in one transaction when the file's ``user_version`` is older, or when
a table was lost.
"""

from __future__ import annotations

import sqlite3

from meettray.history.search import search_key

SCHEMA_VERSION = 8
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
    options_url       TEXT NOT NULL DEFAULT '',
    profile           TEXT NOT NULL DEFAULT 'main'
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


def _add_note_column(db: sqlite3.Connection) -> None:
    """Give a history from before hand-outs its ``note`` and ``join_text`` columns, and
    one from before expiry its ``expires_at`` and ``options_url``."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(meetings)")}
    for column in ("note", "join_text", "expires_at", "options_url"):
        if column not in columns:
            db.execute(f"ALTER TABLE meetings ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    if "profile" not in columns:  # version 7 knew one account: "main"'s
        db.execute("ALTER TABLE meetings ADD COLUMN profile TEXT NOT NULL DEFAULT 'main'")


def _add_search_keys(db: sqlite3.Connection) -> None:
    """Give a history from before search keys its ``subject_key`` column, filled in."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(meetings)")}
    if "subject_key" in columns:
        return
    db.execute("ALTER TABLE meetings ADD COLUMN subject_key TEXT NOT NULL DEFAULT ''")
    db.create_function("meettray_search_key", 1, search_key, deterministic=True)
    db.execute("UPDATE meetings SET subject_key = meettray_search_key(subject)")
