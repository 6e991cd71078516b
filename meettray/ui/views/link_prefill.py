"""Schedule… filled in as a ``meettray://`` link asked: the person checks it and presses
Create; nothing is sent by itself."""

from __future__ import annotations

from meettray.ui.app_model.intents import OpenSchedule
from meettray.ui.views.schedule_dialog import CUSTOM_END, DURATIONS, ScheduleDialog, _to_qdatetime


def fill_schedule(dialog: ScheduleDialog, prefill: OpenSchedule) -> None:
    """Fill ``dialog``'s form from ``prefill``: its preset first, then what the link gave."""
    if prefill.preset is not None:
        index = dialog.preset.findData(prefill.preset)
        if index > 0:
            dialog.preset.setCurrentIndex(index)
            dialog.use_preset(index)
    if prefill.start is not None:
        dialog.start.setDateTime(_to_qdatetime(prefill.start))
    if prefill.duration_minutes is not None:
        minutes = [m for m, _label in DURATIONS]
        if prefill.duration_minutes in minutes:
            dialog.length.setCurrentIndex(minutes.index(prefill.duration_minutes))
        else:
            dialog.length.setCurrentIndex(dialog.length.findData(CUSTOM_END))
            dialog.end.setDateTime(dialog.start.dateTime().addSecs(prefill.duration_minutes * 60))
    if prefill.subject is not None:
        dialog.subject.setText(prefill.subject)
        dialog._forget_template()  # the link's subject stays, whatever the start
    if prefill.attendees:
        dialog.attendees.setPlainText(", ".join(prefill.attendees))
    dialog.validate()
