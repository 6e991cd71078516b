"""What the tray app tells the person: one typed notice, shown by its level."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import QCoreApplication

from meettray.errors import MeettrayError
from meettray.meetings import Meeting
from meettray.upcoming import Upcoming


def tr(text: str) -> str:
    """``text`` in the person's language, through Qt's translation (the catalog:
    ``meettray/i18n.py``; the translator: ``views/translation.py``)."""
    return QCoreApplication.translate("meettray", text)


class Level(IntEnum):
    #: Something worked ("Link copied"): quiet when notifications are off.
    SUCCESS = 1
    #: Worth knowing, nothing to do: quiet when notifications are off.
    INFO = 2
    #: Something did not fully work (a copy refused, a setting not applied): always shown.
    WARNING = 3
    #: Something failed: always shown.
    ERROR = 4


@dataclass(frozen=True)
class Notice:
    """A notification: a click opens ``meeting``, or shows ``error``'s details."""

    title: str
    text: str
    level: Level
    meeting: Meeting | None = None
    error: MeettrayError | None = None
    #: A reminder's meeting: its notification has Join and Copy link buttons.
    upcoming: Upcoming | None = None

    def shown(self, notifications_on: bool) -> bool:
        """Whether to show it: ``[ui] notifications = false`` quiets only good news."""
        return notifications_on or self.level >= Level.WARNING
