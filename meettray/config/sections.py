"""The settings file's sections as typed values (``[account]``, ``[meeting]``, ``[ui]``,
``[calendar]``, ``[hotkeys]``), each field with its default and its check, and each
Microsoft cloud's hosts (the only ones a join link may name)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from meettray.config.checks import (
    MAX_MINUTES,
    MIN_MINUTES,
    account_name,
    choice,
    hotkey_text,
    https_url_or_empty,
    int_range,
    not_blank,
    setting,
)
from meettray.hotkeys.keys import default_meet_now


@dataclass(frozen=True)
class Cloud:
    """A Microsoft cloud: where to sign in, where Graph lives, and where its links point."""

    name: str
    login_host: str
    graph_host: str
    #: The only hosts a join link from this cloud may name: its Teams web hosts, and its
    #: Outlook web hosts (a calendar event that Exchange gave no Teams meeting keeps
    #: its Outlook link).  Anything else is copied to nobody's clipboard and opened nowhere.
    link_hosts: frozenset[str]


CLOUDS: Mapping[str, Cloud] = {
    "global": Cloud(
        "global",
        "login.microsoftonline.com",
        "graph.microsoft.com",
        frozenset({"teams.microsoft.com", "gcc.teams.microsoft.com",
                   "outlook.office.com", "outlook.office365.com"}),
    ),
    "usgov": Cloud(
        "usgov",
        "login.microsoftonline.us",
        "graph.microsoft.us",
        frozenset({"gov.teams.microsoft.us", "outlook.office365.us"}),
    ),
    "usgov-dod": Cloud(
        "usgov-dod",
        "login.microsoftonline.us",
        "dod-graph.microsoft.us",
        frozenset({"dod.teams.microsoft.us", "webmail.apps.mil"}),
    ),
}  # fmt: skip

#: Where the built-in demo's join links point: a name that can never resolve (RFC 6761),
#: so nobody mistakes a demo link for a real one.  Accepted only in the demo.
DEMO_LINK_HOST = "demo.meettray.invalid"

#: Hosts whose authorities MSAL may validate through instance discovery.
MICROSOFT_LOGIN_HOSTS = frozenset(c.login_host for c in CLOUDS.values())

#: Tenants that mean "any account" rather than one organisation.
MULTI_TENANT = frozenset({"organizations", "common", "consumers"})


@dataclass(frozen=True)
class AccountConfig:
    """``[account]``: which identity and which Graph to use."""

    mode: str = setting("delegated", choice("delegated", "application"))
    cloud: str = setting("global", choice(*CLOUDS))
    client_id: str = setting("")
    tenant: str = setting("organizations")
    authority: str = setting("", https_url_or_empty)
    graph_endpoint: str = setting("", https_url_or_empty)
    user_id: str = setting("")
    client_secret_file: str = setting("")
    #: Application mode: a PEM file with the app's certificate and its private key, for
    #: tenants that forbid client secrets.  Takes precedence over a secret.
    client_certificate_file: str = setting("")
    #: Sign in through the OS's broker where its runtime is installed ("auto"), or never.
    broker: str = setting("auto", choice("auto", "off"))
    #: How the menu and messages name this profile ("" = its name), as in "Fabrikam".
    label: str = setting("")

    def link_hosts(self, *, demo: bool = False) -> frozenset[str]:
        """The hosts a join link may name for this account's cloud (and the demo's)."""
        hosts = CLOUDS[self.cloud].link_hosts
        return hosts | {DEMO_LINK_HOST} if demo else hosts

    @property
    def authority_url(self) -> str:
        """The sign-in authority, e.g. ``https://login.microsoftonline.com/organizations``."""
        if self.authority:
            return self.authority.rstrip("/")
        return f"https://{CLOUDS[self.cloud].login_host}/{self.tenant}"

    @property
    def graph_url(self) -> str:
        """The Graph base URL including version, e.g. ``https://graph.microsoft.com/v1.0``."""
        if self.graph_endpoint:
            return self.graph_endpoint.rstrip("/")
        return f"https://{CLOUDS[self.cloud].graph_host}/v1.0"

    @property
    def graph_resource(self) -> str:
        """Graph's origin, the resource that scopes are qualified with."""
        parts = urlsplit(self.graph_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def uses_microsoft_authority(self) -> bool:
        """Whether the authority is one of Microsoft's own sign-in hosts."""
        return urlsplit(self.authority_url).hostname in MICROSOFT_LOGIN_HOSTS


@dataclass(frozen=True)
class MeetingConfig:
    """``[meeting]``: defaults for Meet now."""

    subject: str = setting("Quick meeting", not_blank)
    duration_minutes: int = setting(60, int_range(MIN_MINUTES, MAX_MINUTES))
    #: Keep the next Meet now's meeting ready, made ahead of need ("a spare"): its link is
    #: copied at once, with no network; its subject and times follow.
    prepare_next_link: bool = setting(True)


#: What a primary click on the tray icon does by default: macOS users expect the menu.
DEFAULT_CLICK_ACTION = "menu" if sys.platform == "darwin" else "meet_now"
DEFAULT_MEET_NOW = default_meet_now(sys.platform)


@dataclass(frozen=True)
class UiConfig:
    """``[ui]``: how the tray app behaves."""

    #: ``meet_now``: a click creates a meeting; ``menu``: a click opens the menu.
    click_action: str = setting(DEFAULT_CLICK_ACTION, choice("meet_now", "menu"))
    #: ``link``: copy the join link; ``details``: link plus meeting ID, passcode, dial-in.
    clipboard: str = setting("link", choice("link", "details"))
    #: The details' wording: ``teams``, Teams' own invitation text in your language
    #: (Graph's joinInformation; meettray's own where Graph sent none), or ``meettray``.
    details_text: str = setting("teams", choice("teams", "meettray"))
    notifications: bool = setting(True)
    start_on_login: bool = setting(False)
    #: Other apps may create meetings through ``meettray://now`` links; off, such a link
    #: opens Schedule filled in instead.
    allow_link_meetings: bool = setting(True)
    #: Ask once a day whether a newer meettray exists (never where a package manager owns
    #: the install: ``meettray.updates``).
    check_for_updates: bool = setting(False)
    #: Whose meeting a plain Meet now makes: a profile's name (``[account]`` is "main").
    default_account: str = setting("main", account_name)


@dataclass(frozen=True)
class CalendarConfig:
    """``[calendar]``: upcoming meetings (off until the person turns them on: reading the
    calendar needs its own consent) and how a meeting is joined."""

    upcoming: bool = setting(False)
    #: Minutes between two reads of the calendar.
    refresh_minutes: int = setting(5, int_range(1, 60))
    #: ``app``: Teams' desktop app (``msteams:``); ``browser``: Teams' page in the browser,
    #: which offers both; ``web``: Teams on the web.
    join: str = setting("browser", choice("app", "browser", "web"))
    #: A reminder this many minutes before a meeting starts (0: none).
    remind_minutes: int = setting(1, int_range(0, 60))
    #: The reminder as a window above everything, with Join, Snooze and Dismiss.
    full_screen_reminder: bool = setting(False)


@dataclass(frozen=True)
class HotkeysConfig:
    """``[hotkeys]``: global keyboard shortcuts; "" or "none" turns one off."""

    #: Create a meeting starting now and copy its link.
    meet_now: str = setting(DEFAULT_MEET_NOW, hotkey_text)
    #: Copy the most recent meeting's link again.
    copy_last: str = setting("", hotkey_text)
