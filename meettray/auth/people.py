"""Whose sign-in each profile is (several accounts).

One token cache holds every profile's person; which of them is a profile's is recorded
here, one small file per profile in the data dir (``accounts/NAME.json``, holding MSAL's
``home_account_id``, never a token).  A file holding no id means "signed out"; no file
means the profile never signed in here, and then "main" adopts the one account an older
meettray (one account, no records) left in the cache, so an old install keeps working
without a new sign-in.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from meettray import paths
from meettray.choices import ACCOUNT_NAME, MAIN_ACCOUNT

log = logging.getLogger(__name__)


class People:
    """The records of whose sign-in each profile is: files in ``folder``, or (``None``,
    a cache that lives only in memory) a dictionary."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    def recorded(self, profile: str) -> str | None:
        """The ``home_account_id`` of ``profile``'s person: "" when signed out, ``None`` when
        nothing was ever recorded (an older meettray's cache, or a new profile)."""
        if self.folder is None:
            with self._lock:
                return self._memory.get(profile)
        try:
            value = json.loads(self._file(profile).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.info("the record of %s's sign-in is unreadable: %s", profile, exc)
            return ""  # signed out: a sign-in writes it again
        home = value.get("home_account_id") if isinstance(value, dict) else None
        return home if isinstance(home, str) else ""

    def record(self, profile: str, home_account_id: str) -> None:
        """Note ``profile``'s person ("" = nobody), atomically."""
        if self.folder is None:
            with self._lock:
                self._memory[profile] = home_account_id
            return
        path = self._file(profile)
        try:
            paths.ensure_private_dir(path.parent)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            temporary.write_text(json.dumps({"home_account_id": home_account_id}), "utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("the record of %s's sign-in was not written: %s", profile, exc)

    def profiles(self) -> dict[str, str]:
        """Every recorded profile and its ``home_account_id`` ("" = signed out)."""
        if self.folder is None:
            with self._lock:
                return dict(self._memory)
        try:
            names = [p.stem for p in self.folder.glob("*.json")]
        except OSError:
            return {}
        found = {n: self.recorded(n) for n in names if ACCOUNT_NAME.fullmatch(n)}
        return {n: home for n, home in found.items() if home is not None}

    def claimed_by_others(self, profile: str) -> set[str]:
        """The people other profiles sign in as."""
        return {home for name, home in self.profiles().items() if name != profile and home}

    def adopt_legacy(self, homes: list[str]) -> str | None:
        """An older meettray's cache: no profile ever recorded anything, and the cache holds
        exactly one account (``homes``): it is "main"'s.  Returns what "main" adopted."""
        if self.profiles() or len(homes) != 1:
            return None
        self.record(MAIN_ACCOUNT, homes[0])
        log.info("the signed-in account of an earlier meettray is the main account's")
        return homes[0]

    def _file(self, profile: str) -> Path:
        assert self.folder is not None
        if not ACCOUNT_NAME.fullmatch(profile):
            raise ValueError(f"not a profile's name: {profile!r}")
        return self.folder / f"{profile}.json"
