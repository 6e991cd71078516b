"""Teams meeting options: the ones meettray sets (one table that validation, the wire
and the UI read), the ones Graph v1.0 cannot set, and how a setting that did not take
is named.  Plain data and pure functions: no network, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

from meettray.choices import LOBBY_ADMITTERS, MEETING_CHAT_MODES
from meettray.errors import ValidationError
from meettray.i18n import N_, _


@dataclass(frozen=True)
class OptionSpec:
    """One Teams meeting option: its Graph property, its values, and its words."""

    graph_name: str
    #: ``None``: true or false; else the values Graph takes.
    choices: tuple[str, ...] | None
    label: str


#: Every option meettray sets, by its name in settings files, the command line and
#: :class:`MeetingOptions`.  The one table that validation, the wire and the UI read.
#: Each is among the properties v1.0's update page says a PATCH changes.
OPTION_SPECS: Mapping[str, OptionSpec] = {
    "record_automatically": OptionSpec("recordAutomatically", None, "Record automatically"),
    "allow_recording": OptionSpec("allowRecording", None, "Allow recording"),
    "allow_transcription": OptionSpec("allowTranscription", None, "Allow transcription"),
    "meeting_chat": OptionSpec("allowMeetingChat", MEETING_CHAT_MODES, "Meeting chat"),
    "announce_entry_exit": OptionSpec("isEntryExitAnnounced", None,
                                      "Announce when people join or leave"),
    "lobby_admitters": OptionSpec("allowedLobbyAdmitters", LOBBY_ADMITTERS,
                                  "Who can admit from the lobby"),
    # Without Teams Premium, Teams ignores it; clients without support get audio only.
    "watermark": OptionSpec("watermarkProtection", None,
                            "Watermark shared content and video (needs Teams Premium)"),
    "attendee_camera": OptionSpec("allowAttendeeToEnableCamera", None,
                                  "Attendees may turn on their camera"),
    "attendee_mic": OptionSpec("allowAttendeeToEnableMic", None,
                               "Attendees may turn on their microphone"),
}  # fmt: skip

#: Options Teams has but Graph v1.0 cannot set: neither createOrGet nor the update page
#: takes them (live behaviours, round 3), so meettray refuses them where they are
#: configured and points to the meeting's own options page.
UNSETTABLE_OPTIONS: Mapping[str, str] = {
    "rename_allowed": N_("Participants may change their name"),
    "chat_history": N_("Chat history for people added later"),
}
#: Options Teams applies only to a meeting that has not started (the update page's
#: "applies to in-progress meetings" column is No).
NOT_FOR_RUNNING_MEETINGS = ("record_automatically", "watermark")


def unsettable_option(name: str) -> str:
    """Why ``name`` (one of :data:`UNSETTABLE_OPTIONS`) is refused, and where to set it."""
    return _(
        "{option}: Microsoft Graph cannot change this option (neither "
        "a new meeting nor a later change takes it), so meettray does not offer it. "
        "Choose it on the meeting's options page in Teams (“Meeting options…” in History)."
    ).format(option=_(UNSETTABLE_OPTIONS[name]))


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


@dataclass(frozen=True)
class MeetingOptions:
    """Teams options for one meeting; ``None`` leaves an option as the organisation's
    policy sets it.  Validated in one place: :meth:`parse`."""

    record_automatically: bool | None = None
    allow_recording: bool | None = None
    allow_transcription: bool | None = None
    meeting_chat: str | None = None
    announce_entry_exit: bool | None = None
    lobby_admitters: str | None = None
    watermark: bool | None = None
    attendee_camera: bool | None = None
    attendee_mic: bool | None = None

    @classmethod
    def parse(cls, values: Mapping[str, object], *, text: bool = False) -> MeetingOptions:
        """Options from names and values (a settings table, a form); every problem at once,
        by name, as :class:`ValidationError`.  ``text``: values typed as words
        (``--option watermark=on``), where "true"/"yes"/"on"/"1" and their opposites
        stand for true and false."""
        problems: dict[str, str] = {}
        chosen: dict[str, bool | str] = {}
        for name, given in values.items():
            spec = OPTION_SPECS.get(name)
            value = given
            if name in UNSETTABLE_OPTIONS:
                problems[name] = unsettable_option(name)
                continue
            if spec is None:
                problems[name] = _(
                    "There is no meeting option {name}; the options are: {options}."
                ).format(name=repr(name), options=", ".join(OPTION_SPECS))
                continue
            if spec.choices is None:
                if text and isinstance(given, str) and given.lower() in _TRUE + _FALSE:
                    value = given.lower() in _TRUE
                if type(value) is not bool:
                    problems[name] = _("{option}: must be true or false, not {given}.").format(
                        option=_(spec.label), given=repr(given)
                    )
                    continue
            elif value not in spec.choices:
                problems[name] = _("{option}: must be one of: {choices}; not {given}.").format(
                    option=_(spec.label), choices=", ".join(spec.choices), given=repr(given)
                )
                continue
            chosen[name] = value
        if problems:
            raise ValidationError(problems)
        return cls(**chosen)  # type: ignore[arg-type]

    def chosen(self) -> dict[str, bool | str]:
        """The options set, by name (the others are left to the organisation's policy)."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    def describe(self, name: str) -> str:
        """``Meeting chat: limited``: one option as a person reads it."""
        value = getattr(self, name)
        shown = ("on" if value else "off") if isinstance(value, bool) else str(value)
        return f"{OPTION_SPECS[name].label}: {shown}"


@dataclass(frozen=True)
class NotApplied:
    """A setting asked for that the meeting does not have: Graph's answer to the PATCH
    shows another value (it ignored it), or the PATCH failed (``answered`` is "")."""

    #: ``lobby``, ``presenters`` or an :data:`OPTION_SPECS` name.
    name: str
    #: As a person reads it: "Record automatically".
    label: str
    #: The value asked for, as a person reads it ("on", "organization").
    asked: str
    #: The value Graph answered with ("off"; "nothing" where it sent none); "" when the
    #: PATCH failed and Graph's answer is unknown.
    answered: str = ""
    #: Why, where Graph said (the failed PATCH's message); "" otherwise.
    reason: str = ""

    def describe(self) -> str:
        """``Record automatically: on (Teams reports off)``."""
        if self.answered:
            return _("{option}: {asked} (Teams reports {answered})").format(
                option=_(self.label), asked=self.asked, answered=self.answered
            )
        return _("{option}: {asked}").format(option=_(self.label), asked=self.asked)

    def as_json(self) -> dict[str, str | None]:
        """For ``--json`` output: the option, what was asked, what Graph answered."""
        return {"option": self.name, "label": self.label, "asked": self.asked,
                "answered": self.answered or None, "reason": self.reason or None}  # fmt: skip


def not_applied_sentence(missing: Iterable[NotApplied]) -> str:
    """One sentence naming each setting Graph's answer shows it ignored, with its value;
    "" when there is none."""
    items = list(missing)
    if not items:
        return ""
    listed = "; ".join(item.describe() for item in items)
    if len(items) == 1:
        said = _(
            "Teams did not take this setting: {settings}. Choose it in the meeting's "
            "options in Teams (“Meeting options…” in History)."
        )
    else:
        said = _(
            "Teams did not take these settings: {settings}. Choose them in the meeting's "
            "options in Teams (“Meeting options…” in History)."
        )
    return said.format(settings=listed)


def running_meeting_caveat(options: MeetingOptions) -> str:
    """What a late PATCH cannot do: Teams applies recording and watermarking only to a
    meeting that has not started ("" where neither was asked for)."""
    late = [_(OPTION_SPECS[name].label) for name in NOT_FOR_RUNNING_MEETINGS
            if getattr(options, name) is not None]  # fmt: skip
    if not late:
        return ""
    return _(
        "A meeting already running when its settings arrived keeps its old settings for: "
        "{settings} (Teams applies them only to meetings not yet started)."
    ).format(settings=", ".join(late))
