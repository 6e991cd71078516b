"""The app state: one frozen value holding everything the views show.

The model replaces it whole and emits ``state_changed(AppState)``; views
render from that value and never reach into the model's attributes
(MeetingBar's ``AppState`` is the model).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from meettray.accounts import Account, CacheStatus
from meettray.config import Config
from meettray.errors import MeettrayError
from meettray.ipc import HotkeyState
from meettray.meetings import Meeting
from meettray.ui.app_model.intents import Origin
from meettray.ui.app_model.jobs import Failed, NeedsSignIn, Outcome
from meettray.upcoming import NO_UPCOMING, UpcomingList


class ServiceStatus(enum.Enum):
    #: Being built (discovery, the token cache, history), or not asked for yet.
    STARTING = "starting"
    READY = "ready"
    #: The last build failed (``AppState.service_error`` says why); the next request
    #: tries again.
    FAILED = "failed"


@dataclass(frozen=True)
class AccountStatus:
    """One profile as the tray shows it (``[account]`` is "main", ``[accounts.NAME]`` the rest)."""

    name: str
    #: How the menu names it: its label, else its name.
    label: str
    #: Who is signed in (``None``: nobody, or not known yet).
    person: Account | None = None
    #: Whose meeting a plain Meet now makes.
    default: bool = False
    signing_in: bool = False
    #: Its people sign in (delegated mode, not the demo): Sign in and Sign out apply.
    signs_in: bool = True

    @property
    def signed_in(self) -> bool:
        return self.person is not None

    @property
    def username(self) -> str:
        return self.person.username if self.person else ""

    @property
    def tenant_id(self) -> str:
        return self.person.tenant_id if self.person else ""


@dataclass(frozen=True)
class AppState:
    """What the tray, its windows and the socket's ``status`` show."""

    #: The settings in force.
    config: Config
    demo: bool = False
    service: ServiceStatus = ServiceStatus.STARTING
    service_error: MeettrayError | None = None
    #: Who is signed in to the default profile (the one a plain Meet now uses).
    account: Account | None = None
    #: Every profile, "main" first, in the settings' order.
    accounts: tuple[AccountStatus, ...] = ()
    cache_status: CacheStatus | None = None
    #: A meeting is being made, or is waiting its turn.
    creating: bool = False
    #: A sign-in is under way (for any profile).
    signing_in: bool = False
    #: The next Meet now's meeting was made ahead of need (the default profile's), as far as
    #: this tray knows.
    link_prepared: bool = False
    #: The newest meetings, for Recent.
    recent: tuple[Meeting, ...] = ()
    #: Bumped whenever history changed (here or in another process): lists read again.
    history_version: int = 0
    #: Each hotkey action's state, as the hotkey manager reported it.
    hotkeys: Mapping[str, HotkeyState] = field(default_factory=dict)
    #: The last outcome of each origin's requests (a command's failure is the command's).
    outcomes: Mapping[Origin, Outcome] = field(default_factory=dict)
    #: The calendar's next meetings (the last good list; ``stale_because`` says why it
    #: is not fresh); empty while ``[calendar] upcoming`` is off.
    upcoming: UpcomingList = NO_UPCOMING

    @property
    def busy(self) -> bool:
        return self.creating or self.signing_in

    @property
    def several_accounts(self) -> bool:
        """More than one profile: the menu, notices and History name the account."""
        return len(self.accounts) > 1

    def account_status(self, name: str) -> AccountStatus | None:
        return next((a for a in self.accounts if a.name == name), None)

    def outcome(self, origin: Origin) -> Outcome | None:
        return self.outcomes.get(origin)

    @property
    def problem(self) -> MeettrayError | None:
        """What the icon shows as an error: the service could not start, or the last
        request made at the desktop failed.  Never another process's failure."""
        if self.service is ServiceStatus.FAILED and self.service_error is not None:
            return self.service_error
        last = self.outcomes.get(Origin.DESKTOP)
        if isinstance(last, (Failed, NeedsSignIn)):
            return last.error
        return None

    def with_outcome(self, origin: Origin, outcome: Outcome) -> AppState:
        return replace(self, outcomes={**self.outcomes, origin: outcome})
