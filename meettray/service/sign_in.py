"""Signing in and out (delegated mode; application mode has no sign-in), checking the
registration and the way a sign-in goes here, and the demo's memory of whether, and
with which permissions, its person signed in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from meettray import auth, handouts, paths
from meettray.accounts import CALENDAR_READ
from meettray.choices import MAIN_ACCOUNT
from meettray.errors import ConfigError, StorageError
from meettray.handouts import BUSY_WAIT_BEFORE_LINK
from meettray.i18n import _
from meettray.service.spares import Spares

log = logging.getLogger(__name__)


class SignIn(Spares):
    """Sign-in and sign-out; built on :class:`Spares`, since whoever signs in or out
    settles the prepared meetings that are no longer theirs."""

    @property
    def signs_in(self) -> bool:
        """Whether a person signs in (delegated mode); application mode has no sign-in."""
        return isinstance(self.auth, auth.DelegatedAuth)

    def _delegated(self) -> auth.DelegatedAuth:
        if not isinstance(self.auth, auth.DelegatedAuth):
            raise ConfigError(_("Application mode has no sign-in: meetings are created for "
                                "{user}.").format(user=self.config.account.user_id))  # fmt: skip
        return self.auth

    def sign_in_browser(
        self,
        scopes: Sequence[str] = (auth.MEETINGS,),
        *,
        cancel: auth.Cancellation | None = None,
        parent_window: int | None = None,
    ) -> auth.Account:
        """Sign in in the browser (the demo's own, in the demo), or the OS's broker, whose
        dialog belongs to ``parent_window`` (a native handle); blocks until done."""
        account = self._signed_in(self._delegated().sign_in_browser(
            scopes, cancel=cancel, parent_window=parent_window))  # fmt: skip
        self._remember_demo_sign_in(tuple(scopes))
        return account

    def begin_device_code(self, scopes: Sequence[str] = (auth.MEETINGS,)) -> auth.DeviceCodePrompt:
        self._device_scopes = tuple(scopes)
        return self._delegated().begin_device_code(scopes)

    def finish_device_code(
        self, prompt: auth.DeviceCodePrompt, *, cancel: auth.Cancellation | None = None
    ) -> auth.Account:
        account = self._signed_in(self._delegated().finish_device_code(prompt, cancel=cancel))
        self._remember_demo_sign_in(self._device_scopes)
        return account

    def _signed_in(self, account: auth.Account) -> auth.Account:
        """Another person's prepared meeting is never handed out to this one: the note the
        command line's fast path checks names the new account first; then the others'
        spares go (their tokens are gone: the row only).  A history too busy to check
        now is checked at the next chance (:meth:`settle_spares`): the note already keeps
        their spares from this person."""
        handouts.note_organizer(account.username, demo=self.demo, profile=self.profile)
        if not self.history.path.exists():
            return account  # no history yet: no spare either (and none made by signing in)
        try:
            with self.history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):
                for spare in self.history.spares():
                    if spare.account != account.username and not self._others_spare(spare):
                        self.history.drop_spare(spare)
        except StorageError as exc:
            log.info("prepared meetings not checked: %s", exc.message)
        return account

    def sign_out(self) -> None:
        """Forget the account and its tokens (nothing to forget in application mode); its
        prepared meeting goes too, on the server while the tokens still allow it."""
        if isinstance(self.auth, auth.DelegatedAuth):
            handouts.note_organizer(None, demo=self.demo, profile=self.profile)
            self.drop_spares(everyone=True)  # this profile's: the others' are theirs
            self.auth.sign_out()
            self._remember_demo_sign_in(None)

    def check_app_access(self) -> None:
        """Application mode: get a token now, so a wrong secret or consent shows here."""
        self.auth.token(())

    def check_registration(self) -> None:
        """Raise what a sign-in would meet with this app registration and tenant (a
        :class:`ConfigError`); application mode has nothing to check here."""
        if isinstance(self.auth, auth.DelegatedAuth):
            self.auth.check_registration()

    def sign_in_path(self) -> str:
        """How an interactive sign-in meets device rules here (a broker, Edge, or neither),
        in a sentence for doctor; "" in application mode."""
        if not isinstance(self.auth, auth.DelegatedAuth):
            return ""
        if self.auth.broker.name:
            return self.auth.broker.reason
        browser = "Microsoft Edge" if auth.edge() else "the system browser"
        return f"sign-in uses {browser}; no broker: {self.auth.broker.reason}"

    def ensure_signed_in_for_demo(self) -> auth.Account | None:
        """The demo signs in as its sample user by itself, as the last ``login`` or
        ``logout`` left it (each command has a fake of its own, whose tokens die with it:
        what lasts is whether, and with which permissions, the person signed in);
        elsewhere, whoever is signed in."""
        account = self.account()
        if self.demo and account is None:
            scopes = _demo_sign_in(self.profile)  # as the last login or logout left it
            if scopes is not None:  # the sample user lets the demo read the calendar (only:
                # writing to it is 'login --calendar''s, as for a person)
                account = self.sign_in_browser(tuple(dict.fromkeys((*scopes, CALENDAR_READ))))
        return account

    def _remember_demo_sign_in(self, scopes: tuple[str, ...] | None) -> None:
        if not self.demo:
            return
        path = paths.data_dir(demo=True) / _demo_file(self.profile)
        try:
            paths.ensure_private_dir(path.parent)
            state = {"signed_in": scopes is not None, "scopes": list(scopes or ())}
            path.write_text(json.dumps(state), encoding="utf-8")
        except OSError as exc:
            log.info("the demo's sign-in not remembered: %s", exc)


#: Whether the demo's person is signed in, and with which permissions (no token).
_DEMO_SIGN_IN = "demo-sign-in.json"


def _demo_file(profile: str) -> str:
    """Each account's own memory ("main"'s keeps the name it had with one account)."""
    return _DEMO_SIGN_IN if profile == MAIN_ACCOUNT else f"demo-sign-in.{profile}.json"


def _demo_sign_in(profile: str) -> tuple[str, ...] | None:
    """The permissions the demo signs in ``profile`` with by itself (``None``: signed
    out); Meet now's alone when no ``login`` or ``logout`` said otherwise."""
    try:
        state = json.loads((paths.data_dir(demo=True) / _demo_file(profile)).read_text("utf-8"))
    except (OSError, ValueError):
        return (auth.MEETINGS,)
    if not isinstance(state, dict) or state.get("signed_in") is False:
        return None if isinstance(state, dict) else (auth.MEETINGS,)
    known = (auth.MEETINGS, auth.CALENDAR)
    scopes = state.get("scopes")
    chosen = tuple(s for s in known if isinstance(scopes, list) and s in scopes)
    return chosen or (auth.MEETINGS,)
