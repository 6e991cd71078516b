"""PySide6, imported so that it does not keep the source of every module in memory.

PySide6 (shiboken's ``__feature__`` support, PYSIDE-2029) replaces ``__import__``:
after every import statement it asks whether the imported module uses PySide, with
``inspect.getsource(module)``.  That reads the whole file into ``linecache`` and keeps
it: in the tray, about 280 files and 4.5 MiB of lines (10 MiB of RSS), and 0.4 s of
start-up.  Import order cannot avoid it (an ``import os`` anywhere after PySide6 counts),
``linecache.clearcache()`` frees the lines but not the memory (the arenas stay), and
PySide6 documents no switch.  So :func:`read_sources_once` gives the check the same
answer without the cache: the file's bytes, read once and let go.  It applies only to
the PySide6 versions whose check it knows (:data:`KNOWN`), and only if the check is
still the one it replaces; otherwise PySide6 is left as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import PySide6

#: PySide6 versions (major, minor) whose ``shibokensupport.feature._mod_uses_pyside``
#: is ``"PySide6" in inspect.getsource(module)``; checked again before replacing it.
KNOWN = ((6, 5), (6, 12))


def _uses_pyside(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not (isinstance(path, str) and path.endswith(".py")):
            return original(module)  # built-in, compiled or zipped: PySide's own answer
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return original(module)

    uses_pyside.meettray = True  # type: ignore[attr-defined]  # applied once
    return uses_pyside


def read_sources_once(version: tuple[int, ...] | None = None) -> bool:
    """Make PySide6's per-import check read a module's file without caching its lines;
    whether it did.  ``version`` stands in for PySide6's (tests)."""
    version = version or tuple(PySide6.__version_info__[:2])
    if not KNOWN[0] <= version[:2] < KNOWN[1]:
        return False
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "meettray", False):
        return getattr(original, "meettray", False)
    code = getattr(original, "__code__", None)
    if code is None or "getsource" not in code.co_names:
        return False  # not the check this replaces
    feature._mod_uses_pyside = _uses_pyside(original)  # type: ignore[union-attr]
    return True


read_sources_once()
