"""Presets: a kind of meeting made in one click, and the built-in ones a settings file
without ``[presets.*]`` gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from meettray.choices import ALLOWED_PRESENTERS
from meettray.config.sections import MeetingConfig
from meettray.meetings import MeetingOptions, MeetingRequest, instant_request

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
    #: Whose meeting it makes: a profile's name (``None``: the default profile's).
    account: str | None = None

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
