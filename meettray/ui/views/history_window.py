"""The History window: every meeting meettray created, searchable, fast at 100 000 rows.

:class:`HistoryModel` loads rows a page at a time as the view scrolls
(``canFetchMore``/``fetchMore``); there is no widget per row.  Pages come from
a :class:`HistorySource` (the controller), which reads them off the GUI
thread: typing a search never waits on the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from meettray.formatting import expiry_text
from meettray.i18n import N_
from meettray.meetings import Meeting
from meettray.plaintext import displayable
from meettray.results import HistoryPage
from meettray.ui.views.fit import fit_to_screen
from meettray.ui.views.icons import icon
from meettray.ui.views.text import ask, plain_tooltip
from meettray.ui.views.translation import date_and_time, long_date, time_of_day, tr, weekday

_Index = QModelIndex | QPersistentModelIndex


class HistorySource(Protocol):
    def history_page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        """Read a page in the background; ``done`` gets it on the GUI thread."""
        ...


class HistoryModel(QAbstractTableModel):
    """Meetings newest first, filtered by a subject search, loaded in pages."""

    PAGE = 200
    COLUMNS = (N_("Subject"), N_("Start"), N_("Created"), N_("Link"))
    #: With more than one account: which one made each meeting, after the link.
    ACCOUNT_COLUMN = N_("Account")
    #: A page arrived (the first one after :meth:`reload`, or one more).
    loaded = Signal()

    def __init__(
        self,
        source: HistorySource,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        super().__init__()
        self._source = source
        self._now = now
        self._rows: list[Meeting] = []
        self._total = 0
        self._loading = False
        #: Answers to an older reload (an earlier search) are dropped.
        self._generation = 0
        self.search = ""
        self.error: str = ""
        #: Each profile's label while there is more than one (else empty: no Account column).
        self.account_labels: dict[str, str] = {}

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.COLUMNS, self.ACCOUNT_COLUMN) if self.account_labels else self.COLUMNS

    def show_accounts(self, labels: dict[str, str]) -> None:
        """The profiles' labels; with more than one, a column names each meeting's."""
        wanted = labels if len(labels) > 1 else {}
        if wanted != self.account_labels:
            self.beginResetModel()
            self.account_labels = wanted
            self.endResetModel()

    def reload(self, search: str | None = None) -> None:
        """Start over (after a change, or with a new search); the rows follow shortly."""
        if search is not None:
            self.search = search
        self._generation += 1
        generation = self._generation
        self._loading = True
        self._source.history_page(
            self.search, 0, self.PAGE, lambda page: self._first_page(generation, page)
        )

    def _first_page(self, generation: int, page: HistoryPage) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = list(page.meetings)
        self._total = page.total if page.total is not None else len(page.meetings)
        self.error = page.error
        self._loading = False
        self.endResetModel()
        self.loaded.emit()

    @property
    def total(self) -> int:
        return self._total

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._loading:
            return
        generation = self._generation
        self._loading = True
        self._source.history_page(
            self.search, len(self._rows), self.PAGE, lambda page: self._more(generation, page)
        )

    def _more(self, generation: int, page: HistoryPage) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if page.error or not page.meetings:
            self.error = page.error
            self._total = len(self._rows)  # nothing more to fetch
            self.loaded.emit()
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page.meetings) - 1)
        self._rows.extend(page.meetings)
        self.endInsertRows()
        self.loaded.emit()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.columns[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        meeting = self._rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return meeting
        if role == Qt.ItemDataRole.AccessibleTextRole:  # a row is one sentence, link left out
            return row_sentence(meeting, self._now())
        if role == Qt.ItemDataRole.ToolTipRole:  # the note (a PATCH still due) with it
            expiry = expiry_text(meeting, self._now())
            return plain_tooltip("\n\n".join(filter(None, (meeting.join_url, meeting.note,
                                                              expiry))))  # fmt: skip
        if (
            role == Qt.ItemDataRole.DecorationRole
            and index.column() == 0
            and (meeting.note or meeting.expired(self._now()))
        ):
            return self._warning_icon()
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            subject = displayable(meeting.subject) or tr("(no subject)")
            return (
                tr("{subject} (expired)").format(subject=subject)
                if meeting.expired(self._now())
                else subject
            )
        if column == 1:
            return _when(meeting.start)
        if column == 2:
            return _when(meeting.created_at)
        if column == 4:
            return displayable(self.account_labels.get(meeting.profile, meeting.profile))
        return meeting.join_url

    def meeting(self, row: int) -> Meeting:
        return self._rows[row]

    @staticmethod
    def _warning_icon() -> QIcon:
        style = QApplication.style()
        return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


#: The count under the table: (searching, one) → text.
_COUNTS = {
    (False, True): N_("{count} meeting"),
    (False, False): N_("{count} meetings"),
    (True, True): N_("{count} meeting found"),
    (True, False): N_("{count} meetings found"),
}


def _when(value: Any) -> str:
    return date_and_time(value, "yyyy-MM-dd HH:mm") if value else ""


def _day(value: datetime, now: datetime) -> str:
    """``today``, ``tomorrow``, ``yesterday``, a weekday within a week, else the date."""
    day, today = value.astimezone().date(), now.astimezone().date()
    apart = (day - today).days
    named = {0: tr("today"), 1: tr("tomorrow"), -1: tr("yesterday")}
    if apart in named:
        return named[apart]
    if -7 < apart < 7:
        return tr("last {weekday}").format(weekday=weekday(value)) if apart < 0 else weekday(value)
    return long_date(value)


def row_sentence(meeting: Meeting, now: datetime) -> str:
    """What a screen reader says for a row: "Design review, starts Monday 14:30,
    created today" (never the link, which is long and says nothing)."""
    parts = [displayable(meeting.subject) or tr("No subject")]
    if meeting.start is not None:
        parts.append(
            tr("starts {day} {time}").format(
                day=_day(meeting.start, now), time=time_of_day(meeting.start)
            )
        )
    parts.append(tr("created {day}").format(day=_day(meeting.created_at, now)))
    if meeting.note:
        parts.append(tr("with a note"))
    return tr(", ").join(parts)


class HistoryWindow(QMainWindow):
    """Lists, searches, copies, opens, removes and cancels past meetings (a main window,
    so that screen readers hear a window, not a "filler")."""

    copy_requested = Signal(Meeting, bool)  # with details
    open_requested = Signal(Meeting)
    #: "Meeting options…": the organizer's page in Teams (for all that PATCH cannot set).
    options_requested = Signal(Meeting)
    remove_requested = Signal(Meeting)
    cancel_requested = Signal(Meeting)

    def __init__(
        self,
        source: HistorySource,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        super().__init__(parent)
        self.setWindowTitle(tr("History — meettray"))
        self.setWindowIcon(icon())
        self.model = HistoryModel(source, now)
        self.model.loaded.connect(self._show_count)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search subjects…"))
        self.search.setAccessibleName(tr("Search subjects"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=150)
        self._search_timer.timeout.connect(lambda: self._reload(self.search.text()))
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.table = QTableView()
        self.table.setAccessibleName(tr("Meetings"))
        self.table.setAccessibleDescription(tr("Newest first; Enter copies the link."))
        # Tab leaves the table (it went from cell to cell, for ever); arrows move in it.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, 130)
        header.resizeSection(3, 300)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _index: self._act(self.copy_requested, False))
        self.count = QLabel()
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, label, slot in (
            ("copy", tr("&Copy link"), lambda: self._act(self.copy_requested, False)),
            ("details", tr("Copy &details"), lambda: self._act(self.copy_requested, True)),
            ("open", tr("&Open"), lambda: self._act(self.open_requested)),
            ("options", tr("Meeting op&tions…"), lambda: self._act(self.options_requested)),
            ("remove", tr("&Remove from history"), lambda: self._act(self.remove_requested)),
            ("cancel", tr("Cancel &meeting…"), self._confirm_cancel),
        ):
            button = QPushButton(label)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.count)
        central = QWidget()
        layout = QVBoxLayout(central)
        search_row = QHBoxLayout()
        search_label = QLabel(tr("&Search:"))
        search_label.setBuddy(self.search)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        layout.addLayout(search_row)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.setCentralWidget(central)
        fit_to_screen(self, wanted=QSize(900, 520))
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.table,
            lambda: self._act(self.remove_requested),
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_Return),
            self.table,
            lambda: self._act(self.copy_requested, False),
        )
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _reload(self, search: str | None = None) -> None:
        self.model.reload(search)

    def _show_count(self) -> None:
        shown = self.model.total
        self.count.setText(
            self.model.error or tr(_COUNTS[bool(self.model.search), shown == 1]).format(count=shown)
        )
        self._update_buttons()

    def refresh(self) -> None:
        """Reload after history changed (a new or removed meeting)."""
        self._reload()

    def showEvent(self, event: Any) -> None:
        self._reload()
        super().showEvent(event)

    def selected(self) -> Meeting | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.meeting(rows[0].row()) if rows else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape closes the window, as it closes a dialog (the search box and the table
        pass it on)."""
        if event.key() == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def _update_buttons(self) -> None:
        meeting = self.selected()
        for button in self.buttons.values():
            button.setEnabled(meeting is not None)
        # Graph gives the page for meetings made from now on, not for older rows.
        self.buttons["options"].setEnabled(meeting is not None and bool(meeting.options_url))

    def _act(self, signal: Any, *extra: object) -> None:
        meeting = self.selected()
        if meeting is not None:
            signal.emit(meeting, *extra)

    def _confirm_cancel(self) -> None:
        meeting = self.selected()
        if meeting is None:
            return
        if ask(
            self,
            tr("Cancel this meeting?"),
            tr(
                "Cancel “{subject}”? It is deleted in Teams. Its link may "
                "still open it, so meettray first sets its lobby to “only me”: anyone who joins "
                "later waits there until you let them in. This cannot be undone."
            ).format(subject=displayable(meeting.subject)),
        ):
            self.cancel_requested.emit(meeting)

    def _context_menu(self, position: QPoint) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        for key in ("copy", "details", "open", "options", "remove", "cancel"):
            button = self.buttons[key]
            menu.addAction(button.text().replace("&", ""), button.click)
        menu.exec(self.table.viewport().mapToGlobal(position))
