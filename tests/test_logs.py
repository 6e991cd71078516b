"""Logs never hold a secret."""

from __future__ import annotations

import logging
from pathlib import Path

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
