"""The app model: one place that turns "make me a meeting" into Graph calls and history.

The CLI and the tray controller both drive a :class:`MeetingService`; neither
talks to MSAL or requests directly.  A meeting that Graph created is never
lost because something after it failed: the link is returned with warnings.

The package's modules, one idea each: ``base`` (the service's parts, whose meetings
these are, the monthly count), ``sign_in``, ``spares`` (the prepared meeting and its
hand-out), ``settling`` (lost answers), ``meeting_service`` (creating, cancelling,
history's reads, upcoming meetings) and ``wiring`` (:func:`build_service` and the
reads that need no service).
"""

from meettray.service.meeting_service import MeetingService
from meettray.service.wiring import build_service, history_damage, preferred_language, read_history

__all__ = [
    "MeetingService",
    "build_service",
    "history_damage",
    "preferred_language",
    "read_history",
]
