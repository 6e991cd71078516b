"""Whose sign-in each profile is (several accounts).

One token cache holds every profile's person; which of them is a profile's is recorded
here, one small file per profile in the data dir (``accounts/NAME.json``, holding MSAL's
``home_account_id``, never a token).  A file holding no id means "signed out"; no file
means the profile never signed in here, and then "main" adopts the one account an older
meettray (one account, no records) left in the cache, so an old install keeps working
without a new sign-in.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from meettray import paths
from meettray.accounts import Account
from meettray.choices import ACCOUNT_NAME, MAIN_ACCOUNT
from meettray.errors import AuthError

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


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


class ProfilePerson:
    """The delegated sign-in's part of several accounts: this profile's person in the
    shared cache, found, recorded, replaced and forgotten by ``home_account_id``, and its
    errors naming the profile.  Mixed into :class:`~meettray.auth.DelegatedAuth`."""

    profile: str
    _people: People
    #: How a sign-in error names the profile ("" = it does not: the only one).
    _label: str

    #: The MSAL application (``_MsalClient``'s).
    _client: Callable[[], Any]

    def _msal_account(self) -> dict[str, Any] | None:
        """This profile's person in the shared cache, by the ``home_account_id`` recorded
        for it (never the cache's first account); "main" adopts an older meettray's one."""
        accounts = self._client().get_accounts()
        home = self._people.recorded(self.profile)
        if home is None and self.profile == MAIN_ACCOUNT:
            home = self._people.adopt_legacy(_homes(accounts))
        if not home:
            return None
        return next((a for a in accounts if a.get("home_account_id") == home), None)

    def _before_sign_in(self) -> None:
        """An older meettray's account is "main"'s before any profile records a sign-in;
        then this profile is noted (as nobody yet), so that nothing adopts the account
        this sign-in is about to put in the cache."""
        if self._people.recorded(MAIN_ACCOUNT) is None:
            self._people.adopt_legacy(_homes(self._client().get_accounts()))
        if self._people.recorded(self.profile) is None:
            self._people.record(self.profile, "")

    def _record_sign_in(self, app: Any, account: Account) -> None:
        """``account`` is this profile's person now; its previous one leaves the cache
        (unless another profile signs in as them)."""
        previous = self._people.recorded(self.profile)
        mine = [a for a in app.get_accounts() if a.get("local_account_id") == account.object_id]
        mine.sort(key=lambda a: a.get("realm") != account.tenant_id)  # its own tenant's first
        home = str(mine[0].get("home_account_id", "")) if mine else ""
        self._people.record(self.profile, home)
        if previous and previous != home:
            for other in app.get_accounts():
                if other.get("home_account_id") == previous:
                    self._forget(app, other)

    def _sign_out_person(self, app: Any) -> None:
        found = self._msal_account()
        self._people.record(self.profile, "")
        if found is not None:
            self._forget(app, found)

    def _forget(self, app: Any, found: dict[str, Any]) -> None:
        """Remove ``found`` from the shared cache, unless another profile signs in as it."""
        if found.get("home_account_id") not in self._people.claimed_by_others(self.profile):
            app.remove_account(found)

    def _named(self, exc: AuthError) -> AuthError:
        """A sign-in error naming the profile, where there is more than one."""
        if self._label and not exc.message.startswith(f"{self._label}: "):
            exc.message = f"{self._label}: {exc.message}"
            exc.args = (exc.message,)
        return exc


def names_profile(method: Callable[P, R]) -> Callable[P, R]:
    """A sign-in method whose :class:`AuthError` names the profile
    (:meth:`ProfilePerson._named`)."""

    @functools.wraps(method)
    def named(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except AuthError as exc:
            person = args[0]
            assert isinstance(person, ProfilePerson)
            raise person._named(exc) from exc.__cause__

    return named


def _homes(accounts: list[dict[str, Any]]) -> list[str]:
    return [str(a.get("home_account_id")) for a in accounts if a.get("home_account_id")]
