"""The one typed settings object, loaded and validated in one place.

The file is TOML (see README, "Configuration").  A missing file means all
defaults.  A file that cannot be parsed, or a value of the wrong type or out of
range, raises :class:`~meettray.errors.ConfigError` naming the file, the key
and what is wrong; unknown keys are kept as warnings, never fatal.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from meettray import paths
from meettray.choices import ALLOWED_PRESENTERS, LOBBY_BYPASS_SCOPES, PRESET_NAME
from meettray.errors import ConfigError, DamagedConfig, ValidationError
from meettray.hotkeys.keys import default_meet_now
from meettray.meetings import OPTION_SPECS, MeetingOptions, MeetingRequest, instant_request
from meettray.options import UNSETTABLE_OPTIONS, unsettable_option
from meettray.policy import Policy, kept_out, read_policy, refuse_override

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


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


def _choice(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of: {', '.join(allowed)}"

    return check


def _https_url_or_empty(value: Any) -> str | None:
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// address"
    return None


#: How long a meeting may be, in minutes: settings, presets and ``schedule --duration``.
MIN_MINUTES, MAX_MINUTES = 5, 24 * 60


def _int_range(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low} and {high}"

    return check


def _not_blank(value: Any) -> str | None:
    return "must not be empty" if not value.strip() else None


def _setting(default: Any, check: Callable[[Any], str | None] | None = None) -> Any:
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class AccountConfig:
    """``[account]``: which identity and which Graph to use."""

    mode: str = _setting("delegated", _choice("delegated", "application"))
    cloud: str = _setting("global", _choice(*CLOUDS))
    client_id: str = _setting("")
    tenant: str = _setting("organizations")
    authority: str = _setting("", _https_url_or_empty)
    graph_endpoint: str = _setting("", _https_url_or_empty)
    user_id: str = _setting("")
    client_secret_file: str = _setting("")
    #: Application mode: a PEM file with the app's certificate and its private key, for
    #: tenants that forbid client secrets.  Takes precedence over a secret.
    client_certificate_file: str = _setting("")
    #: Sign in through the OS's broker where its runtime is installed ("auto"), or never.
    broker: str = _setting("auto", _choice("auto", "off"))

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

    subject: str = _setting("Quick meeting", _not_blank)
    duration_minutes: int = _setting(60, _int_range(MIN_MINUTES, MAX_MINUTES))
    #: Keep the next Meet now's meeting ready, made ahead of need ("a spare"): its link is
    #: copied at once, with no network; its subject and times follow.
    prepare_next_link: bool = _setting(True)


#: What a primary click on the tray icon does by default: macOS users expect the menu.
DEFAULT_CLICK_ACTION = "menu" if sys.platform == "darwin" else "meet_now"
DEFAULT_MEET_NOW = default_meet_now(sys.platform)


@dataclass(frozen=True)
class UiConfig:
    """``[ui]``: how the tray app behaves."""

    #: ``meet_now``: a click creates a meeting; ``menu``: a click opens the menu.
    click_action: str = _setting(DEFAULT_CLICK_ACTION, _choice("meet_now", "menu"))
    #: ``link``: copy the join link; ``details``: link plus meeting ID, passcode, dial-in.
    clipboard: str = _setting("link", _choice("link", "details"))
    #: The details' wording: ``teams``, Teams' own invitation text in your language
    #: (Graph's joinInformation; meettray's own where Graph sent none), or ``meettray``.
    details_text: str = _setting("teams", _choice("teams", "meettray"))
    notifications: bool = _setting(True)
    start_on_login: bool = _setting(False)
    #: Other apps may create meetings through ``meettray://now`` links; off, such a link
    #: opens Schedule filled in instead.
    allow_link_meetings: bool = _setting(True)
    #: Ask once a day whether a newer meettray exists (never where a package manager owns
    #: the install: ``meettray.updates``).
    check_for_updates: bool = _setting(False)


@dataclass(frozen=True)
class CalendarConfig:
    """``[calendar]``: upcoming meetings (off until the person turns them on: reading the
    calendar needs its own consent) and how a meeting is joined."""

    upcoming: bool = _setting(False)
    #: Minutes between two reads of the calendar.
    refresh_minutes: int = _setting(5, _int_range(1, 60))
    #: ``app``: Teams' desktop app (``msteams:``); ``browser``: Teams' page in the browser,
    #: which offers both; ``web``: Teams on the web.
    join: str = _setting("browser", _choice("app", "browser", "web"))
    #: A reminder this many minutes before a meeting starts (0: none).
    remind_minutes: int = _setting(1, _int_range(0, 60))
    #: The reminder as a window above everything, with Join, Snooze and Dismiss.
    full_screen_reminder: bool = _setting(False)


def _hotkey_text(value: Any) -> str | None:
    from meettray.hotkeys.keys import Hotkey

    try:
        Hotkey.parse(value)
    except ValueError as exc:
        return f"is not a usable hotkey: {exc}"
    return None


@dataclass(frozen=True)
class HotkeysConfig:
    """``[hotkeys]``: global keyboard shortcuts; "" or "none" turns one off."""

    #: Create a meeting starting now and copy its link.
    meet_now: str = _setting(DEFAULT_MEET_NOW, _hotkey_text)
    #: Copy the most recent meeting's link again.
    copy_last: str = _setting("", _hotkey_text)


#: Who may present, in a preset: naming people (``roleIsPresenter``) is for Schedule….
PRESET_PRESENTERS = tuple(p for p in ALLOWED_PRESENTERS if p != "roleIsPresenter")


@dataclass(frozen=True)
class Preset:
    """``[presets.NAME]``: a kind of meeting made in one click (an incident bridge, a
    customer call): its subject, length, lobby, presenters, Teams options and hotkey."""

    name: str
    label: str
    subject: str
    duration_minutes: int
    #: Who bypasses the lobby ("" = as the organisation's policy sets it).
    lobby: str = ""
    #: Who may present ("" = as the organisation's policy sets it).
    presenters: str = ""
    options: MeetingOptions = field(default_factory=MeetingOptions)
    #: A global hotkey for this preset ("" = none).
    hotkey: str = ""
    #: Used by a click on the icon, the Meet now hotkey and a plain ``meettray now``.
    default: bool = False

    def request(self, now: datetime, subject: str | None = None) -> MeetingRequest:
        """This preset's Meet now request, starting ``now``."""
        return instant_request(self.subject, self.duration_minutes, now, subject,
                               lobby_bypass=self.lobby or None,
                               allowed_presenters=self.presenters or None,
                               options=self.options)  # fmt: skip


def builtin_presets(meeting: MeetingConfig) -> tuple[Preset, ...]:
    """The presets a settings file without ``[presets.*]`` gets: a quick meeting (the
    ``[meeting]`` subject and length, the default), an incident bridge and a customer call."""
    return (
        Preset("quick", "Quick meeting", meeting.subject, meeting.duration_minutes,
               default=True),
        Preset("incident", "Incident bridge", "Incident bridge {date} {time}", 120,
               lobby="organization", presenters="everyone",
               options=MeetingOptions(record_automatically=True, allow_recording=True,
                                      allow_transcription=True, meeting_chat="enabled",
                                      announce_entry_exit=False)),
        Preset("customer", "Customer call", "Customer call", 60,
               lobby="organization", presenters="organizer",
               options=MeetingOptions(meeting_chat="limited",
                                      lobby_admitters="organizerAndCoOrganizers")),
    )  # fmt: skip


@dataclass(frozen=True)
class Config:
    """Everything meettray reads from its configuration file."""

    account: AccountConfig = field(default_factory=AccountConfig)
    meeting: MeetingConfig = field(default_factory=MeetingConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    hotkeys: HotkeysConfig = field(default_factory=HotkeysConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    #: The file's ``[presets.*]``, in its order; none: :func:`builtin_presets`.
    own_presets: tuple[Preset, ...] = ()
    #: The file this came from (``None`` for built-in defaults).
    path: Path | None = None
    #: Problems that are not fatal, such as unknown keys, one sentence each.
    warnings: tuple[str, ...] = ()
    #: What an organisation sets, enforced or recommended (``meettray.policy``).
    policy: Policy | None = None

    def __post_init__(self) -> None:
        # One source of truth: with presets of its own, Meet now's subject and length are
        # the default preset's; ``meeting`` mirrors them for every reader (Schedule…, the
        # General tab), never a second value that a click would not use.
        if self.own_presets:
            default = self.preset()
            mirrored = dataclasses.replace(
                self.meeting, subject=default.subject, duration_minutes=default.duration_minutes
            )
            object.__setattr__(self, "meeting", mirrored)

    @property
    def presets(self) -> tuple[Preset, ...]:
        """The presets in use, the default one marked."""
        return self.own_presets or builtin_presets(self.meeting)

    def preset(self, name: str | None = None) -> Preset:
        """The preset called ``name`` (``None``: the default one); an unknown name is a
        :class:`ConfigError` naming the settings file and the presets there are."""
        presets = self.presets
        if name is None:
            return next((p for p in presets if p.default), presets[0])
        for preset in presets:
            if preset.name == name:
                return preset
        where = str(self.path) if self.path else "the settings"
        raise ConfigError(
            f"There is no preset {name!r} in {where}; the presets are: "
            f"{', '.join(p.name for p in presets)}."
        )


_SECTIONS: dict[str, type[Any]] = {
    "account": AccountConfig,
    "meeting": MeetingConfig,
    "ui": UiConfig,
    "hotkeys": HotkeysConfig,
    "calendar": CalendarConfig,
}


def load_config(path: Path | None = None) -> Config:
    """Read and validate the configuration file (default: :func:`paths.config_file`)."""
    path = path or paths.config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _with_policy({}, path)
    except OSError as exc:
        raise ConfigError(f"Cannot read the settings file {path}: {exc.strerror}.") from exc
    document = _parsed(raw, path)
    return _with_policy(document, path)


def _with_policy(document: Mapping[str, Any], path: Path) -> Config:
    """The person's document under the organisation's policy (enforced over it,
    recommended under it)."""
    policy = read_policy()
    config = config_from_mapping(policy.apply(document), path=path, person=document)
    return dataclasses.replace(config, policy=policy)


def _defaults(path: Path) -> Config:
    """The defaults, with the organisation's policy (a bad settings file is no reason to
    drop what IT enforces)."""
    try:
        return _with_policy({}, path)
    except ConfigError:
        return Config(path=path)


def _parsed(raw: bytes, path: Path) -> dict[str, Any]:
    """The file's TOML, or a :class:`DamagedConfig` naming the file and the reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DamagedConfig(f"The settings file {path} is not valid TOML: {exc}.") from exc
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DamagedConfig(f"The settings file {path} is not valid TOML: {exc}.") from exc
    except RecursionError:  # 50,000 nested brackets: the parser's stack, not a crash
        raise DamagedConfig(
            f"The settings file {path} is not valid TOML: its brackets or braces are nested "
            "too deeply."
        ) from None
    return document


def load_config_or_defaults(path: Path | None = None) -> tuple[Config, str]:
    """For the tray app, which must start whatever the file holds.

    A file that cannot be parsed is renamed aside (``…corrupt-<timestamp>``) and
    defaults are used; a file with an invalid value is kept for the person to
    fix (the app notices the fix) and defaults are used meanwhile.  Returns the
    configuration and a sentence about the problem ("" if none).
    """
    import time

    path = path or paths.config_file()
    try:
        return load_config(path), ""
    except DamagedConfig as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
        except OSError:
            return _defaults(path), f"{exc.message} meettray uses its defaults."
        return _defaults(path), (
            f"{exc.message} It was moved to {aside} and meettray started with its defaults."
        )
    except ConfigError as exc:
        return _defaults(path), (
            f"{exc.message} meettray uses its defaults until the file is corrected."
        )


def config_from_mapping(
    document: Mapping[str, Any],
    *,
    path: Path | None = None,
    person: Mapping[str, Any] | None = None,
) -> Config:
    """Validate a parsed TOML document into a :class:`Config`.  ``person``: the person's own
    file, where ``document`` has an organisation's policy applied to it."""
    where = str(path) if path else "settings"
    warnings: list[str] = []
    sections: dict[str, Any] = {}
    for name, value in document.items():
        if name == "presets":
            continue  # after [meeting], whose subject and length they may default to
        if name not in _SECTIONS:
            warnings.append(f"{where}: unknown section [{name}] ignored")
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: [{name}] must be a table of settings.")
        sections[name] = _section(_SECTIONS[name], name, value, where, warnings)
    if "presets" in document:
        sections["own_presets"] = _default_from_meeting(
            _presets(
                document["presets"], sections.get("meeting", MeetingConfig()), where, warnings
            ),
            document if person is None else person,
        )
    config = Config(path=path, warnings=tuple(warnings), **sections)
    _check_consistency(config, where)
    _check_hotkeys(config, where)
    return config


_PRESET_TEXT_KEYS = ("label", "subject", "lobby", "presenters", "hotkey")


def _default_from_meeting(
    presets: tuple[Preset, ...], document: Mapping[str, Any]
) -> tuple[Preset, ...]:
    """An older file's ``[meeting] subject`` read into the default preset, when that
    preset names no subject of its own (its length already defaults to ``[meeting]``'s).
    ``document`` is the person's own file: their subject wins over one an organisation
    only recommends."""
    meeting = document.get("meeting")
    if not isinstance(meeting, Mapping) or "subject" not in meeting or not presets:
        return presets
    index = next((i for i, p in enumerate(presets) if p.default), 0)
    own = document.get("presets")
    table = own.get(presets[index].name, {}) if isinstance(own, Mapping) else {}
    if "subject" in table:
        return presets
    chosen = dataclasses.replace(presets[index], subject=meeting["subject"])
    return (*presets[:index], chosen, *presets[index + 1 :])


def _presets(
    tables: Any, meeting: MeetingConfig, where: str, warnings: list[str]
) -> tuple[Preset, ...]:
    """``[presets.NAME]`` tables, each checked key by key (the error names the key)."""
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{where}: presets must be tables, as in [presets.incident].")
    presets = []
    for name, table in tables.items():
        section = f"[presets.{name}]"
        if not PRESET_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: {section}: a preset's name is lower-case letters, digits, - and _ "
                "(at most 32), as in [presets.incident]."
            )
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: {section} must be a table of settings.")
        values: dict[str, Any] = {}
        options: dict[str, object] = {}
        for key, value in table.items():
            if key in OPTION_SPECS:
                options[key] = value
            elif key in UNSETTABLE_OPTIONS:  # refused, the rest of the preset kept
                warnings.append(f"{where}: {section} {key} ignored: {unsettable_option(key)}")
            elif key in _PRESET_TEXT_KEYS or key in ("duration_minutes", "default"):
                expected = {"duration_minutes": int, "default": bool}.get(key, str)
                if type(value) is not expected:
                    raise ConfigError(f"{where}: {section} {key} must be "
                                      f"{_type_name(expected)}, not {_type_name(type(value))} "
                                      f"({value!r}).")  # fmt: skip
                values[key] = value
            else:
                warnings.append(f"{where}: unknown setting {section} {key} ignored")
        problem = _preset_problem(values)
        if problem:
            key, text = problem
            raise ConfigError(f"{where}: {section} {key} = {values[key]!r} {text}.")
        try:
            chosen = MeetingOptions.parse(options)
        except ValidationError as exc:
            key, text = next(iter(exc.problems.items()))
            raise ConfigError(f"{where}: {section} {key}: {text}") from None
        label = values.get("label", name.replace("-", " ").replace("_", " ").capitalize())
        presets.append(Preset(
            name, label, values.get("subject", label),
            values.get("duration_minutes", meeting.duration_minutes),
            lobby=values.get("lobby", ""), presenters=values.get("presenters", ""),
            options=chosen, hotkey=values.get("hotkey", ""), default=values.get("default", False),
        ))  # fmt: skip
    marked = [p.name for p in presets if p.default]
    if len(marked) > 1:
        raise ConfigError(
            f"{where}: [presets.{marked[0]}] and [presets.{marked[1]}] both say default = true; "
            "one preset is the default."
        )
    if presets and not marked:  # the first one is
        presets[0] = dataclasses.replace(presets[0], default=True)
    return tuple(presets)


def _preset_problem(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first key of a preset whose value is wrong, and what is wrong with it."""
    checks: dict[str, Callable[[Any], str | None]] = {
        "label": _not_blank,
        "subject": _not_blank,
        "duration_minutes": _int_range(MIN_MINUTES, MAX_MINUTES),
        "lobby": _choice("", *LOBBY_BYPASS_SCOPES),
        "presenters": _choice("", *PRESET_PRESENTERS),
        "hotkey": _hotkey_text,
    }
    for key, check in checks.items():
        if key in values and (problem := check(values[key])):
            return key, problem
    return None


def _check_hotkeys(config: Config, where: str) -> None:
    """No two hotkeys the same: [hotkeys] and each preset's."""
    from meettray.hotkeys.keys import Hotkey

    taken: dict[Any, str] = {}
    named = [("[hotkeys] meet_now", config.hotkeys.meet_now),
             ("[hotkeys] copy_last", config.hotkeys.copy_last),
             *((f"[presets.{p.name}] hotkey", p.hotkey) for p in config.own_presets)]  # fmt: skip
    for key, text in named:
        hotkey = Hotkey.parse(text)
        if hotkey is None:
            continue
        if hotkey in taken:
            raise ConfigError(
                f"{where}: {key} = {text!r} is already {taken[hotkey]}; each hotkey can do "
                "one thing."
            )
        taken[hotkey] = key


def _section(
    cls: type[Any], name: str, values: Mapping[str, Any], where: str, warnings: list[str]
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        spec = fields.get(key)
        if spec is None:
            warnings.append(f"{where}: unknown setting [{name}] {key} ignored")
            continue
        expected = type(spec.default)
        # bool is an int in Python; a TOML true must not pass for a number.
        if type(value) is not expected:
            raise ConfigError(
                f"{where}: [{name}] {key} must be {_type_name(expected)}, "
                f"not {_type_name(type(value))} ({value!r})."
            )
        check = spec.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(f"{where}: [{name}] {key} = {value!r} {problem}.")
        kwargs[key] = value
    return cls(**kwargs)


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_guid(text: str) -> bool:
    return _GUID.fullmatch(text) is not None


def _check_consistency(config: Config, where: str) -> None:
    account = config.account
    if account.mode == "application":
        if not account.user_id:
            raise ConfigError(
                f"{where}: [account] user_id must name the meeting organizer by their object "
                "ID when mode = 'application' (Microsoft Entra admin centre → Users → the "
                "user → Object ID)."
            )
        if not is_guid(account.user_id):
            # /users/{id}/onlineMeetings takes the object ID only: a UPN answers 404.
            raise ConfigError(
                f"{where}: [account] user_id = {account.user_id!r} is not an object ID. "
                "Microsoft Graph creates meetings for another user only by their object ID, "
                "a GUID such as 6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01: find it in the "
                "Microsoft Entra admin centre under Users → the user → Object ID."
            )
        if not account.authority and account.tenant in MULTI_TENANT:
            raise ConfigError(
                f"{where}: [account] tenant must be your organisation's tenant id or domain "
                f"(not {account.tenant!r}) when mode = 'application'."
            )


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write ``config`` to its file, keeping the person's comments and layout.

    Only settings that differ from their defaults, or that the file already
    had, are written.  The file is replaced atomically and is user-only.
    """
    import os
    import tempfile

    import tomlkit

    path = path or config.path or paths.config_file()
    try:
        raw = path.read_bytes()
        _parsed(raw, path)  # what load_config refuses (too deep for tomlkit, too) first
        document = tomlkit.parse(raw.decode("utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
    except DamagedConfig as exc:
        raise ConfigError(f"Cannot update the settings file: {exc.message}") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"Cannot update the settings file {path}: {exc}.") from exc
    for name, cls in _SECTIONS.items():
        section_values = getattr(config, name)
        table = document.get(name)
        for spec in dataclasses.fields(cls):
            value = getattr(section_values, spec.name)
            if name == "meeting" and spec.name in _IN_DEFAULT_PRESET and config.own_presets:
                if table is not None and spec.name in table:
                    del table[spec.name]  # saved in the default preset, where it is edited
                continue
            refuse_override(config.policy, name, spec.name, value)
            in_file = table is not None and spec.name in table
            if (value == spec.default and not in_file) or kept_out(
                config.policy, name, spec.name, value, in_file=in_file
            ):
                continue
            if table is None:
                table = tomlkit.table()
                document[name] = table
            table[spec.name] = value
    _save_presets(document, _own_presets(config, document.get("presets")))
    text = tomlkit.dumps(document)
    config_from_mapping(tomllib.loads(text), path=path)  # never write what we cannot read
    try:
        paths.ensure_private_dir(path.parent)
        handle, temporary = tempfile.mkstemp(prefix=".config-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise ConfigError(f"Cannot save the settings file {path}: {exc.strerror}.") from exc
    return path


#: ``[meeting]`` keys that live in the default preset once the file has presets.
_IN_DEFAULT_PRESET = ("subject", "duration_minutes")


def _own_presets(config: Config, in_file: Any) -> tuple[Preset, ...]:
    """The presets to write: the organisation's are not the person's, unless their file
    has them already."""
    names = config.policy.preset_names if config.policy else frozenset()
    return tuple(p for p in config.own_presets if p.name not in names or p.name in (in_file or {}))


def _save_presets(document: Any, presets: tuple[Preset, ...]) -> None:
    """``[presets.NAME]`` as ``presets`` has them: a table kept (with its comments) for each
    preset still there, its keys set or removed; a table for a new one; none for one gone.
    No presets at all: no ``[presets]`` (the built-in ones)."""
    import tomlkit

    existing = document.get("presets")
    if not presets:
        if existing is not None:
            del document["presets"]
        return
    if existing is None:
        existing = tomlkit.table(is_super_table=True)
        document["presets"] = existing
    for gone in [name for name in existing if name not in {p.name for p in presets}]:
        del existing[gone]
    for preset in presets:
        table = existing.get(preset.name)
        if table is None:
            table = tomlkit.table()
            existing[preset.name] = table
        values: dict[str, Any] = {"label": preset.label, "subject": preset.subject,
                                  "duration_minutes": preset.duration_minutes,
                                  "lobby": preset.lobby, "presenters": preset.presenters,
                                  "hotkey": preset.hotkey, "default": preset.default,
                                  **preset.options.chosen()}  # fmt: skip
        empty = ("lobby", "presenters", "hotkey")
        for key in [*_PRESET_TEXT_KEYS, "duration_minutes", "default", *OPTION_SPECS]:
            value = values.get(key)
            if value is None or (key in empty and value == "") or (key == "default" and not value):
                if key in table:
                    del table[key]
            else:
                table[key] = value


def _type_name(kind: type[Any]) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", float: "a number"}.get(
        kind, kind.__name__
    )
