"""Logs never hold a secret."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from meettray import logs


def test_redact_masks_secret_shapes() -> None:
    jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.sig"
    text = (
        f"Authorization: Bearer abc.def-ghi_123 then {jwt} "
        'refresh_token=0.AAAA-secret code="M.R3_BAY.c0de" client_secret: hunter22'
    )
    cleaned = logs.redact(text)
    for secret in ("abc.def-ghi_123", jwt, "0.AAAA-secret", "M.R3_BAY.c0de", "hunter22"):
        assert secret not in cleaned
    assert cleaned.count("[redacted]") == 5


def test_plain_messages_are_untouched() -> None:
    text = "POST /me/onlineMeetings/createOrGet -> 201 (request-id 1234-abcd)"
    assert logs.redact(text) == text


def test_setup_writes_a_redacted_rotating_file(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        log_file = logs.setup(directory=tmp_path)
        logging.getLogger("meettray.test").info("token is %s", "Bearer s3cr3t-t0ken-value")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers[len(before) :]:
            handler.close()
        root.handlers[:] = before
    assert log_file == tmp_path / "meettray.log"
    content = log_file.read_text()
    assert "token is Bearer [redacted]" in content
    assert "s3cr3t" not in content


# -- two processes, one log -------------------------------------------------------------------


def _handler(path: Path) -> logs.SharedRotatingFileHandler:
    handler = logs.SharedRotatingFileHandler(path, maxBytes=200, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def _write(handler: logging.Handler, text: str) -> None:
    handler.handle(logging.LogRecord("meettray.test", logging.INFO, __file__, 1, text, None, None))


def test_a_log_another_process_holds_open_on_windows_keeps_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows refuses to rename a file another process has open (the tray's log while a
    command writes it): the rollover waits, where the standard handler lost the record
    and printed a traceback for each one."""
    path = tmp_path / "meettray.log"
    held = True
    rename = os.rename

    def windows_rename(source: str, target: str) -> None:
        if held and source == str(path):
            raise PermissionError(32, "The process cannot access the file", source)
        rename(source, target)

    monkeypatch.setattr(os, "rename", windows_rename)
    handler = _handler(path)
    try:
        for number in range(20):
            _write(handler, f"record {number:02} " + "x" * 30)
        assert path.stat().st_size > 200  # put off, not lost
        assert not (tmp_path / "meettray.log.1").exists()
        held = False  # the other process has exited
        _write(handler, "after")
    finally:
        handler.close()
    assert capsys.readouterr().err == ""  # no "--- Logging error ---"
    kept = (tmp_path / "meettray.log.1").read_text(encoding="utf-8").splitlines()
    assert kept == [f"record {number:02} " + "x" * 30 for number in range(20)]
    assert path.read_text(encoding="utf-8") == "after\n"


def test_a_log_rotated_by_another_process_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "meettray.log"
    tray, command = _handler(path), _handler(path)
    try:
        _write(command, "command starts")
        for number in range(8):
            _write(tray, f"tray {number} " + "x" * 30)  # rotates past 200 bytes
        _write(command, "command ends")
    finally:
        tray.close()
        command.close()
    assert "command ends" in path.read_text(encoding="utf-8")  # not in the backup
    assert "command ends" not in (tmp_path / "meettray.log.1").read_text(encoding="utf-8")
