"""Logging that helps a user file a bug and never holds a secret.

A rotating file in the user log directory, shared by the tray and commands
(which Windows makes delicate: see :class:`SharedRotatingFileHandler`);
``-v`` adds stderr.  A filter
masks anything shaped like a bearer token, JWT, refresh token, authorization
code or client secret, as a last line of defence behind code that never logs
them in the first place.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
from pathlib import Path

from meettray import paths

_SECRET_PATTERNS = [
    # Authorization headers and key=value / "key": "value" pairs of known secret names.
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|id_token|client_secret|code|code_verifier|"
        r"device_code|assertion|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{4,}"
    ),
    # JWTs (three base64url parts, the first starting with eyJ).
    re.compile(r"()eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
]


def redact(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``[redacted]``."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log the tray and a command write at the same time.

    Windows refuses to rename a file another process has open, and the standard
    handler then loses the record and prints a traceback, on every record until
    the other process exits: here the rollover is put off instead (the file grows
    past its limit for a while).  A file another process rotated away is let go
    of, as ``WatchedFileHandler`` does, so records go to the current file, not to
    a backup.
    """

    def shouldRollover(self, record: logging.LogRecord) -> int:
        self._follow()
        return super().shouldRollover(record)

    def _follow(self) -> None:
        if self.stream is None:
            return
        try:
            current = os.stat(self.baseFilename)
            mine = os.fstat(self.stream.fileno())
            same = (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino)
        except OSError:
            same = False
        if not same:
            self.stream.close()
            self.stream = self._open()

    def doRollover(self) -> None:
        if self.stream:
            self.stream.close()
            self.stream = None
        base = self.baseFilename
        aside = f"{base}.{os.getpid()}.rotating"
        try:
            os.rename(base, aside)  # the one step Windows may refuse: nothing moved yet
        except OSError:
            pass  # another process has it open (Windows), or rotated it just now
        else:
            for number in range(self.backupCount - 1, 0, -1):
                with contextlib.suppress(OSError):  # absent, or held by another process
                    os.replace(f"{base}.{number}", f"{base}.{number + 1}")
            with contextlib.suppress(OSError):
                os.replace(aside, f"{base}.1")
        if not self.delay:
            self.stream = self._open()


class DisplayableFormatter(logging.Formatter):
    """Log lines as text: Graph's words and ids (a request-id with ``ESC]2;…``) never
    act on the terminal that shows them, or on one that shows the log file later."""

    def format(self, record: logging.LogRecord) -> str:
        from meettray.plaintext import displayable

        return "\n".join(displayable(line) for line in super().format(record).split("\n"))


def setup(*, verbose: int = 0, to_file: bool = True, directory: Path | None = None) -> Path | None:
    """Configure the root logger; returns the log file (if any)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    redactor = RedactingFilter()
    formatter = DisplayableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_file: Path | None = None
    if to_file:
        try:
            folder = paths.ensure_private_dir(directory or paths.log_dir())
            log_file = folder / "meettray.log"
            handler: logging.Handler = SharedRotatingFileHandler(
                log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
            handler.setFormatter(formatter)
            handler.addFilter(redactor)
            root.addHandler(handler)
        except OSError:
            log_file = None  # logging must never stop the app
    if verbose:
        console = logging.StreamHandler()
        console.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        console.setFormatter(DisplayableFormatter("%(levelname)s %(name)s: %(message)s"))
        console.addFilter(redactor)
        root.addHandler(console)
    # Libraries are quiet unless asked twice: urllib3 would log every URL.
    for noisy in ("urllib3", "msal", "msal_extensions"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 2 else logging.WARNING)
    return log_file
