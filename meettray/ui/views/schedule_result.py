"""Schedule's result page: the meeting made, its link, what did not fully work, and
Copy, Open and Close.  Everything on it is plain text: the subject is Graph's."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from meettray.meetings import Meeting
from meettray.plaintext import displayable
from meettray.ui.views.fit import Scrolling
from meettray.ui.views.text import plain_label
from meettray.ui.views.translation import date_and_time, tr


class ScheduleResult(QWidget):
    """Shows a made meeting; its buttons say what the person asked for."""

    copy_clicked = Signal()
    open_clicked = Signal()
    #: "Meeting options…": the organizer's own page in Teams, for all PATCH cannot set.
    options_clicked = Signal()
    close_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = plain_label()  # the subject is Graph's text: never markup
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName(tr("Join link"))
        self.note = plain_label()  # warnings: as many lines as there are
        self.copy_button = QPushButton(tr("&Copy link"))
        self.open_button = QPushButton(tr("&Open in Teams"))
        self.options_button = QPushButton(tr("Meeting o&ptions…"))
        self.close_button = QPushButton(tr("Close"))
        row = QHBoxLayout()
        for button, signal in ((self.copy_button, self.copy_clicked),
                               (self.open_button, self.open_clicked),
                               (self.options_button, self.options_clicked),
                               (self.close_button, self.close_clicked)):  # fmt: skip
            button.clicked.connect(signal.emit)
            button.setAutoDefault(False)  # Enter: the default (Close), wherever the focus is
            row.addWidget(button)
        row.insertStretch(3, 1)
        text = QWidget()
        text_layout = QVBoxLayout(text)
        text_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.link, self.note):
            text_layout.addWidget(widget)
        text_layout.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(Scrolling(text), 1)  # long warnings scroll; the buttons stay
        layout.addLayout(row)

    def show_meeting(self, meeting: Meeting, warnings: tuple[str, ...]) -> None:
        when = date_and_time(meeting.start, "ddd dd MMM yyyy HH:mm") if meeting.start else ""
        kind = tr("Calendar event created; invitations sent.") if meeting.is_calendar_event else ""
        subject = displayable(meeting.subject) or tr("(no subject)")
        said = tr("The link is on your clipboard.")
        self.title.setText(f"{subject} — {when}\n{said} {kind}".rstrip())
        self.link.setText(meeting.join_url)
        self.options_button.setVisible(bool(meeting.options_url))
        self.link.setCursorPosition(0)  # show where the link starts, not where it ends
        self.note.setText("\n".join(warnings))
        self.note.setVisible(bool(warnings))
