"""What an error from SQLite means for the history: a damaged file, another
writer (busy), or the disk (full, read-only, not there); and the message it gives."""

from __future__ import annotations

import sqlite3

from meettray.errors import StorageError

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
