"""Several accounts in the tray: who is signed in to each profile, each profile's prepared
meeting, signing one out, and whose meeting a Meet now makes.

A profile is ``[account]`` ("main") or an ``[accounts.NAME]`` table; each has its own
service on the owner's thread (:class:`ServiceOwner`), its own person and its own spare,
which is handed out to that profile's Meet now alone.  The model asks this keeper and
puts what it knows into ``AppState.accounts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from meettray.accounts import Account
from meettray.config import Config
from meettray.errors import ConfigError
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.jobs import ActionJob, Done, as_meettray_error
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.ui.app_model.service_owner import Priority
from meettray.ui.app_model.state import AccountStatus

if TYPE_CHECKING:
    from meettray.service import MeetingService
    from meettray.ui.app_model.service_owner import ServiceOwner

log = logging.getLogger(__name__)


def meeting_profile(intent: i.MeetNow, config: Config) -> str | None:
    """Whose meeting ``intent`` makes: its own account, else its preset's, else the default
    profile.  An unknown name is left as it is (the owner's thread says so, as
    :class:`~meettray.errors.UnknownAccount`); an unknown preset gives the default profile
    (the service says the preset is unknown)."""
    wanted = intent.account
    if wanted is None:
        try:
            wanted = config.preset(intent.preset).account
        except ConfigError:
            wanted = None
    return config.default_account() if wanted is None else wanted


def whose(config: Config, profile: str | None) -> str:
    """`` (Fabrikam)`` after a notice's title when there is more than one profile; else ""."""
    if profile is None or len(config.account_names()) < 2:
        return ""
    try:
        label = config.label_of(profile)
    except ConfigError:  # a profile removed meanwhile
        label = profile
    return tr(" ({account})").format(account=label)


class AccountsKeeper(QObject):
    """What the tray knows of each profile: its person, and whether its spare is ready."""

    #: Someone signed in or out, or a spare was made or taken.
    changed = Signal()
    #: Something to tell the person (a sign-out that failed).
    notice = Signal(Notice)

    def __init__(
        self, owner: ServiceOwner, config: Callable[[], Config], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._owner = owner
        self._config = config
        #: Each built profile's person (``None``: nobody signed in).
        self.people: dict[str, Account | None] = {}
        #: The profiles whose next Meet now's meeting is ready, as far as this tray knows.
        self.prepared: set[str] = set()

    def person(self, profile: str) -> Account | None:
        return self.people.get(profile)

    def statuses(self, signing_in: Iterable[str], *, demo: bool) -> tuple[AccountStatus, ...]:
        config = self._config()
        default = config.default_account()
        under_way = set(signing_in)
        found = []
        for name in config.account_names():
            person = self.people.get(name)
            account = config.account_config(name)
            found.append(
                AccountStatus(
                    name=name,
                    label=account.label or name,
                    person=person,
                    default=name == default,
                    signing_in=name in under_way,
                    signs_in=account.mode == "delegated" and not demo,
                )
            )
        return tuple(found)

    def known(self, profile: str, person: Account | None) -> None:
        """``profile``'s person, as a build or a sign-in found it."""
        self.people[profile] = person
        if person is None:
            self.prepared.discard(profile)
        self.changed.emit()

    def forget(self, profiles: Iterable[str]) -> None:
        """Profiles changed or removed in the settings: nothing is known of them now."""
        for name in profiles:
            self.people.pop(name, None)
            self.prepared.discard(name)
        self.changed.emit()

    # -- the prepared meeting, one per signed-in profile ---------------------------------

    def prepare(self, profile: str) -> None:
        """Make ``profile``'s next Meet now's meeting ahead of need, on the owner's thread
        behind whatever a person asked; a failure only means its next click asks Graph."""

        def made(fresh: bool) -> None:
            log.info("next link for %s %s", profile, "prepared" if fresh else "already there")
            if self._config().meeting.prepare_next_link and self.people.get(profile):
                self.prepared.add(profile)
                self.changed.emit()

        self._owner.run(
            lambda service: service.prepare_spare(), made,
            lambda exc: log.info("next link for %s not prepared: %s", profile,
                                 as_meettray_error(exc).message),
            context=self, priority=Priority.BACKGROUND, account=profile,
        )  # fmt: skip

    def taken(self, profile: str | None) -> None:
        """A Meet now of ``profile`` took (or asked past) its spare."""
        if profile in self.prepared:
            self.prepared.discard(profile)
            self.changed.emit()

    def switch_spares(self, on: bool) -> None:
        """Settings' "Prepare the next link in advance" for every signed-in profile: on makes
        each one's, off deletes each one's."""
        for profile in [name for name, person in self.people.items() if person is not None]:
            if on:
                self.prepare(profile)
                continue
            # The spare rules in one place: settling finds the switch off and deletes it.
            self._owner.run(
                lambda service: service.settle_spares(), lambda _: None,
                lambda exc: log.info("prepared meeting not deleted: %s", exc),
                context=self, priority=Priority.BACKGROUND, account=profile,
            )  # fmt: skip
        if not on and self.prepared:
            self.prepared.clear()
            self.changed.emit()

    # -- signing out -----------------------------------------------------------------------

    def sign_out(self, profile: str) -> ActionJob:
        """Sign ``profile``'s person out (its spare deleted); the other profiles stay."""
        job = ActionJob(f"sign out ({profile})", self)

        def done(signed_out: bool) -> None:
            job.settle(Done())
            if signed_out:
                self.known(profile, None)

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            job.fail(error)
            self.notice.emit(Notice(tr("Sign-out failed"), error.message, Level.ERROR,
                                    error=error))  # fmt: skip

        def sign_out(service: MeetingService) -> bool:
            if not service.signs_in:  # application mode acts for its configured user
                return False
            service.sign_out()
            return True

        self._owner.run(sign_out, done, fail, context=self, account=profile)
        return job
