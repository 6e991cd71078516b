"""The Schedule… dialog: a future meeting, validated as you type."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from meettray.accounts import CALENDAR
from meettray.errors import ConsentRequired, MeettrayError, SignInRequired, ValidationError
from meettray.i18n import N_
from meettray.meetings import Meeting, MeetingOptions, MeetingRequest, build_schedule
from meettray.plaintext import displayable
from meettray.ui.views.colours import show_as_error
from meettray.ui.views.date_edit import DateTimeEdit
from meettray.ui.views.fit import Scrolling, fit_to_screen, tab_order_as_shown
from meettray.ui.views.icons import icon
from meettray.ui.views.options_form import OptionsForm
from meettray.ui.views.schedule_result import ScheduleResult
from meettray.ui.views.text import ask, plain_label
from meettray.ui.views.translation import tr

DURATIONS = (
    (15, N_("15 minutes")),
    (30, N_("30 minutes")),
    (45, N_("45 minutes")),
    (60, N_("1 hour")),
    (90, N_("1½ hours")),
    (120, N_("2 hours")),
)
LOBBY_CHOICES = (
    (None, N_("Organisation default")),
    ("everyone", N_("Everyone")),
    ("organizationAndFederated", N_("People in my organisation and trusted organisations")),
    ("organization", N_("People in my organisation")),
    ("invited", N_("People I invite")),
    ("organizer", N_("Only me")),
)
PRESENTER_CHOICES = (
    (None, N_("Organisation default")),
    ("everyone", N_("Everyone")),
    ("organization", N_("People in my organisation")),
    ("roleIsPresenter", N_("Specific people")),
    ("organizer", N_("Only me")),
)
CUSTOM_END = -1
if TYPE_CHECKING:
    from meettray.config import Preset


def next_half_hour(now: datetime) -> datetime:
    """The next :00 or :30 strictly after ``now``, in local time."""
    local = now.astimezone().replace(second=0, microsecond=0)
    minutes = 30 - local.minute % 30
    return local + timedelta(minutes=minutes)


def _to_datetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=timezone.utc)


def _to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())


class ScheduleDialog(QDialog):
    """Collects a :class:`MeetingRequest`; shows the result with Copy and Open."""

    create_requested = Signal(MeetingRequest)
    copy_requested = Signal(Meeting)
    open_requested = Signal(Meeting)
    options_requested = Signal(Meeting)
    grant_calendar_requested = Signal()

    def __init__(
        self,
        *,
        default_subject: str = "",
        subject_template: str = "",
        presets: Sequence[Preset] = (),
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        parent: QWidget | None = None,
    ) -> None:
        """``subject_template`` (the settings' subject, with {date} and {time}) is filled
        from the meeting's start, and again when the start changes, until the person
        types a subject of their own; ``default_subject`` is a fixed one.  ``presets``
        are offered to fill the form."""
        super().__init__(parent)
        self.setWindowTitle(tr("Schedule a Teams meeting — meettray"))
        self.setWindowIcon(icon())
        self._now = now
        self._template = subject_template
        self._presets = tuple(presets)
        self.request: MeetingRequest | None = None
        self.meeting: Meeting | None = None
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page(default_subject))
        #: A start Qt moved because its wall-clock time does not exist on the chosen day
        #: (the clocks go forward): what the person had, and what it became.
        self.moved_start: tuple[str, str] | None = None
        self._last_start = self.start.dateTime()
        self.start.dateTimeChanged.connect(self._start_changed)
        self.subject.textEdited.connect(self._forget_template)
        self.start.dateTimeChanged.connect(self._fill_subject)
        self._fill_subject()
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._create)
        # Enter creates.  Only now, in the dialog, does setDefault make it the dialog's
        # default: before, Qt chose the first button in the focus chain when the dialog
        # was shown (the hidden "Grant calendar permission…", later Cancel).
        self.create_button.setDefault(True)
        tab_order_as_shown(self.buttons)  # in the dialog: reparenting reset the order
        self.validate()
        fit_to_screen(self)

    def prepare(self) -> None:
        """Before the dialog is shown again: a start that has passed meanwhile (the dialog
        was cancelled a while ago) moves to the next half hour; the subject is selected,
        so typing replaces it."""
        if _to_datetime(self.start.dateTime()) < self._now():
            self.start.setDateTime(_to_qdatetime(next_half_hour(self._now())))
            self.moved_start = None  # meettray chose it: it exists
        self.subject.setFocus()
        self.subject.selectAll()

    def _start_changed(self, new: QDateTime) -> None:
        old, self._last_start = self._last_start, new
        if new.date() != old.date() and new.time() != old.time():
            # The person changed the day and Qt moved the time: it does not exist that day.
            self.moved_start = (old.time().toString("HH:mm"), new.time().toString("HH:mm"))
        elif new.time() != old.time():
            self.moved_start = None  # the person chose this time
        self.validate()

    def _fill_subject(self) -> None:
        from meettray.meetings import render_subject

        if self._template:
            start = _to_datetime(self.start.dateTime())
            self.subject.setText(render_subject(self._template, start))

    def _forget_template(self) -> None:
        """The person typed a subject: it is theirs now, whatever the start."""
        self._template = ""

    def use_preset(self, index: int) -> None:
        """Fill the form from a preset (index into the picker; 0 is "none", which keeps
        the form as it is): its subject, length, lobby, presenters and options."""
        if index <= 0 or index > len(self._presets):
            return
        preset = self._presets[index - 1]
        self._template = preset.subject
        self._fill_subject()
        minutes = [m for m, _label in DURATIONS]
        if preset.duration_minutes in minutes:
            self.length.setCurrentIndex(minutes.index(preset.duration_minutes))
        else:
            self.length.setCurrentIndex(self.length.findData(CUSTOM_END))
            self.end.setDateTime(self.start.dateTime().addSecs(preset.duration_minutes * 60))
        self.lobby.setCurrentIndex(max(0, self.lobby.findData(preset.lobby or None)))
        self.presenters.setCurrentIndex(max(0, self.presenters.findData(preset.presenters or None)))
        self.options_form.set_options(preset.options)
        if preset.options.chosen() and not self.options_button.isChecked():
            self.options_button.setChecked(True)  # show what the preset set
        self.validate()

    # -- form --------------------------------------------------------------------------------

    def _form_page(self, default_subject: str) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.subject = QLineEdit(default_subject)
        self.subject.setPlaceholderText(tr("What is it about?"))
        self.subject.setMaxLength(1000)  # longer is reported inline, not cut silently
        self.start = DateTimeEdit(_to_qdatetime(next_half_hour(self._now())))
        self.start.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.length = QComboBox()
        for minutes, label in DURATIONS:
            self.length.addItem(tr(label), minutes)
        self.length.addItem(tr("Until…"), CUSTOM_END)
        self.length.setCurrentIndex(3)
        self.end = DateTimeEdit()
        self.end.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.end.setAccessibleName(tr("Ends"))
        self.end.setVisible(False)
        length_row = QWidget()  # a widget, so the "&Length" mnemonic has a buddy
        length_layout = QHBoxLayout(length_row)
        length_layout.setContentsMargins(0, 0, 0, 0)
        length_layout.addWidget(self.length)
        length_layout.addWidget(self.end, 1)
        self.attendees = QPlainTextEdit()
        self.attendees.setPlaceholderText(tr("name@contoso.com, other@contoso.com"))
        self.attendees.setTabChangesFocus(True)
        self.attendees.setFixedHeight(60)
        self.lobby = QComboBox()
        for value, label in LOBBY_CHOICES:
            self.lobby.addItem(tr(label), value)
        self.presenters = QComboBox()
        for value, label in PRESENTER_CHOICES:
            self.presenters.addItem(tr(label), value)
        # Who presents, when "Specific people" is chosen (Graph needs them by name).
        self.presenter_people = QLineEdit()
        self.presenter_people.setPlaceholderText(tr("presenter@contoso.com, another@contoso.com"))
        self.presenter_people.setAccessibleName(tr("Who presents: their addresses"))
        self.presenter_people.setVisible(False)
        self.calendar = QCheckBox(tr("Add to my &calendar and send invitations"))
        self.errors: dict[str, QLabel] = {}
        self.preset = QComboBox()
        self.preset.addItem(tr("None: fill in the form"), None)
        for preset in self._presets:
            self.preset.addItem(displayable(preset.label), preset.name)
        self.preset.activated.connect(self.use_preset)
        if self._presets:
            form.addRow(tr("Pr&eset:"), self.preset)
        form.addRow(tr("&Subject:"), self.subject)
        self._form = form
        # A row that may be hidden (an error, who presents) has no label of its own: a
        # hidden row then leaves no gap (setRowVisible hides the whole row).
        form.addRow(self._error_label("subject"))
        form.addRow(tr("S&tart:"), self.start)
        form.addRow(self._error_label("start"))
        length_label = QLabel(tr("&Length:"))
        length_label.setBuddy(self.length)  # Alt+L: the row itself cannot take the focus
        form.addRow(length_label, length_row)
        form.addRow(self._error_label("end"))
        form.addRow(tr("&Attendees:"), self.attendees)
        form.addRow(self._error_label("attendees"))
        form.addRow(tr("Who &bypasses the lobby:"), self.lobby)
        form.addRow(tr("Who can &present:"), self.presenters)
        form.addRow(self.presenter_people)
        form.addRow(self._error_label("presenters"))
        form.addRow("", self.calendar)
        self.options_button = QToolButton()
        self.options_button.setText(tr("&Options"))
        self.options_button.setCheckable(True)
        self.options_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_button.setArrowType(Qt.ArrowType.RightArrow)
        self.options_button.toggled.connect(self._show_options)
        # Collapsed until asked for; the whole form scrolls, so the dialog fits a screen.
        self.options = QWidget()
        self.options.setVisible(False)
        self.options_form = OptionsForm()
        self.options_form.changed.connect(self.validate)
        self.option_boxes = self.options_form.boxes
        options_layout = QVBoxLayout(self.options)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addWidget(self.options_form)
        form.addRow(self.options_button)
        form.addRow(self.options)
        form.addRow(self._error_label("options"))
        self.status = plain_label()  # Graph's error details can be in it
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setVisible(False)
        self.grant = QPushButton(tr("&Grant calendar permission…"))
        self.grant.setAutoDefault(False)  # never the default, shown or hidden: Create is
        self.grant.setVisible(False)
        self.grant.clicked.connect(self.grant_calendar_requested.emit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(
            tr("C&reate"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._create)
        self.buttons.rejected.connect(self.reject)
        fields = QWidget()
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addLayout(form)
        fields_layout.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(Scrolling(fields), 1)
        layout.addWidget(self.status)
        layout.addWidget(self.grant)
        layout.addWidget(self.buttons)
        for signal in (
            self.subject.textChanged,
            self.start.dateTimeChanged,
            self.end.dateTimeChanged,
            self.attendees.textChanged,
            self.lobby.currentIndexChanged,
            self.presenters.currentIndexChanged,
            self.presenter_people.textChanged,
            self.calendar.toggled,
        ):
            signal.connect(self.validate)
        self.length.currentIndexChanged.connect(self._length_changed)
        return page

    def _show_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self._fit()

    def _fit(self) -> None:
        """Grow for what is shown, shrink back when it goes (no gap is left), within the
        screen: beyond it, the form scrolls and the buttons stay in view."""
        if self.isVisible():
            fit_to_screen(self, keep_width=True)

    def chosen_options(self) -> MeetingOptions:
        """The options the form sets (the others left to the organisation)."""
        return self.options_form.options()

    def _error_label(self, field: str) -> QLabel:
        label = QLabel()
        label.setObjectName(f"error_{field}")
        show_as_error(label)
        label.setWordWrap(True)
        label.setVisible(False)
        self.errors[field] = label
        return label

    def _length_changed(self) -> None:
        custom = self.length.currentData() == CUSTOM_END
        if custom and not self.end.isVisible():
            self.end.setDateTime(self.start.dateTime().addSecs(3600))
        self.end.setVisible(custom)
        self.validate()

    def validate(self) -> MeetingRequest | None:
        """Check the form; show problems beside their fields; enable Create if valid."""
        minutes = self.length.currentData()
        choosing_people = self.presenters.currentData() == "roleIsPresenter"
        shown_before = self._shown_rows()
        self._form.setRowVisible(self.presenter_people, choosing_people)
        try:
            request = build_schedule(
                subject=self.subject.text(),
                start=_to_datetime(self.start.dateTime()),
                end=_to_datetime(self.end.dateTime()) if minutes == CUSTOM_END else None,
                duration_minutes=None if minutes == CUSTOM_END else int(minutes),
                attendees=[self.attendees.toPlainText()],
                lobby_bypass=self.lobby.currentData(),
                allowed_presenters=self.presenters.currentData(),
                calendar=self.calendar.isChecked(),
                presenters=[self.presenter_people.text()] if choosing_people else [],
                options=self.chosen_options(),
            )
            problems: dict[str, str] = {}
        except ValidationError as exc:
            request, problems = None, exc.problems
        for field, label in self.errors.items():
            message = problems.get(field) or (problems.get("duration") if field == "end" else None)
            label.setText(message or "")
            self._form.setRowVisible(label, bool(message))
        if self.moved_start is not None and "start" not in problems:
            wanted, became = self.moved_start
            label = self.errors["start"]
            label.setText(
                tr(
                    "{wanted} does not exist on that day (the clocks go forward): "
                    "the meeting would start at {became}."
                ).format(wanted=wanted, became=became)
            )
            self._form.setRowVisible(label, True)
        self.request = request
        self.create_button.setEnabled(request is not None)
        if self._shown_rows() != shown_before:
            self._fit()
        return request

    def _shown_rows(self) -> tuple[bool, ...]:
        return tuple(self._form.isRowVisible(row) for row in range(self._form.rowCount()))

    def _create(self) -> None:
        request = self.validate()
        if request is None or not self.create_button.isEnabled():
            return
        past = tr("This meeting would start in the past. Create it anyway?")
        if request.starts_before(self._now()) and not ask(self, tr("Start in the past?"), past):
            return
        if self.moved_start is not None:
            wanted, became = self.moved_start
            moved = tr(
                "{wanted} does not exist on that day: the clocks go forward. Create "
                "the meeting at {became} instead?"
            ).format(wanted=wanted, became=became)
            if not ask(self, tr("That time does not exist"), moved):
                return
        self.set_busy(True)
        self.create_requested.emit(request)

    def set_busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)
        self.grant.setVisible(False)
        show_as_error(self.status, False)
        self.status.setText(tr("Creating the meeting…") if busy else "")
        self.status.setVisible(busy)
        self._fit()

    def show_error(self, error: MeettrayError) -> None:
        self.set_busy(False)
        self.validate()
        # A permission to grant is said in words, with the button that grants it: the sign-in
        # service's trace (AADSTS…) is for support, not for the form.
        details = "" if isinstance(error, ConsentRequired) else error.technical_details()
        show_as_error(self.status)
        self.status.setText(error.message + (f"\n{details}" if details else ""))
        self.status.setVisible(True)
        # Calendar access is its own consent: offer the sign-in that grants it.
        needs_calendar = isinstance(error, ConsentRequired) and CALENDAR in error.permissions
        signed_out = isinstance(error, SignInRequired) and self.calendar.isChecked()
        self.grant.setVisible(needs_calendar or signed_out)
        self._fit()

    # -- result ------------------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page = self.result_page = ScheduleResult()
        page.copy_clicked.connect(lambda: self._emit_for_meeting(self.copy_requested))
        page.open_clicked.connect(lambda: self._emit_for_meeting(self.open_requested))
        page.options_clicked.connect(lambda: self._emit_for_meeting(self.options_requested))
        page.close_clicked.connect(self.accept)
        self.result_title, self.link, self.result_note = page.title, page.link, page.note
        self.copy_button, self.open_button = page.copy_button, page.open_button
        self.close_button = page.close_button
        return page

    def _emit_for_meeting(self, signal: Any) -> None:
        if self.meeting is not None:
            signal.emit(self.meeting)

    def show_result(self, meeting: Meeting, warnings: tuple[str, ...]) -> None:
        self.meeting = meeting
        self.result_page.show_meeting(meeting, warnings)
        self.pages.setCurrentIndex(1)
        self.create_button.setDefault(False)
        self.close_button.setDefault(True)
        self.copy_button.setFocus()
        self._fit()
