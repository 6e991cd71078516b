"""The History window and its lazy model, up to 100 000 rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from meettray.history import HistoryStore
from meettray.results import HistoryPage
from meettray.ui.app_model.tasks import TaskRunner
from meettray.ui.views.history_window import HistoryModel, HistoryWindow

from ..history_data import fill, subject


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "history.sqlite3"
    fill(path, 100_000)
    return path


class StoreSource:
    """Pages read on a worker thread, as the model reads them through the service."""

    def __init__(self, store: HistoryStore | None) -> None:
        self.store = store
        self.runner = TaskRunner()
        self.calls = 0
        #: Answers handed back so far (each reaches the model on the GUI thread).
        self.answered = 0

    def history_page(self, search: str, offset: int, limit: int, done: Callable[..., None]) -> None:
        self.calls += 1
        store = self.store
        if store is None:
            done(HistoryPage([], 0))
            return

        def answer(page: HistoryPage) -> None:
            self.answered += 1
            done(page)

        def read() -> HistoryPage:
            if offset == 0:
                return HistoryPage(*store.first_page(limit, search=search))
            return HistoryPage(store.recent(limit, search=search, offset=offset), None)

        self.runner.run(read, answer, lambda exc: answer(HistoryPage([], None, error=str(exc))))


@pytest.fixture
def store(big_history: Path) -> Iterator[StoreSource]:
    opened = HistoryStore(big_history)
    source = StoreSource(opened)
    yield source
    source.runner.wait(5000)
    opened.close()


def test_model_loads_pages_lazily(store: StoreSource, qtbot: QtBot) -> None:
    model = HistoryModel(store)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload()

    assert model.total == 100_000
    assert model.rowCount() == HistoryModel.PAGE
    assert model.canFetchMore()
    assert model.meeting(0).subject == subject(99999)  # newest first
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.fetchMore()
        assert not model.canFetchMore()  # one page at a time
    assert model.rowCount() == 2 * HistoryModel.PAGE
    assert model.meeting(HistoryModel.PAGE).id == f"m{99_999 - HistoryModel.PAGE}"


def test_model_search(store: StoreSource, qtbot: QtBot) -> None:
    model = HistoryModel(store)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload("incident")
    assert model.total == 1000
    assert model.meeting(0).subject == "Incident 99900"
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload("STRASSE 99991")  # Unicode case folding: ß is ss
    assert [model.meeting(n).subject for n in range(model.rowCount())] == ["Straße 99991"]
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload("no such thing")
    assert model.total == 0
    assert not model.canFetchMore()


def test_window_scrolls_through_100k_rows_without_a_widget_per_row(
    store: StoreSource, qtbot: QtBot
) -> None:
    window = HistoryWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.count.text() == "100000 meetings", timeout=5000)
    window.table.scrollToBottom()
    qtbot.waitUntil(lambda: window.model.rowCount() > HistoryModel.PAGE, timeout=5000)
    assert window.model.rowCount() < 100_000  # only what was scrolled to is loaded
    assert len(window.findChildren(QMessageBox)) == 0
    assert window.table.indexWidget(window.model.index(0, 0)) is None


def test_live_search_and_actions(
    store: StoreSource, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = HistoryWindow(store)
    qtbot.addWidget(window)
    window.show()
    assert not window.buttons["copy"].isEnabled()  # nothing selected yet

    QTest.keyClicks(window.search, "Incident 999")
    qtbot.waitUntil(lambda: window.model.total == 1, timeout=3000)
    assert window.count.text() == "1 meeting found"
    window.table.selectRow(0)
    assert window.buttons["copy"].isEnabled()

    with qtbot.waitSignal(window.copy_requested) as copied:
        window.buttons["copy"].click()
    assert copied.args[0].id == "m99900"
    assert copied.args[1] is False
    with qtbot.waitSignal(window.copy_requested) as details:
        window.buttons["details"].click()
    assert details.args[1] is True
    with qtbot.waitSignal(window.open_requested):
        window.buttons["open"].click()
    with qtbot.waitSignal(window.remove_requested):
        window.buttons["remove"].click()

    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "exec", lambda _box: int(answers.pop(0).value))
    cancelled: list[object] = []
    window.cancel_requested.connect(cancelled.append)
    window.buttons["cancel"].click()
    assert cancelled == []
    window.buttons["cancel"].click()
    assert [m.id for m in cancelled] == ["m99900"]  # type: ignore[attr-defined]


def test_window_before_history_is_ready(qtbot: QtBot) -> None:
    window = HistoryWindow(StoreSource(None))
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 0
    assert window.count.text() == "0 meetings"


def test_an_answer_to_an_older_search_is_dropped(store: StoreSource, qtbot: QtBot) -> None:
    """Typing fast: only the last search's rows are shown, whatever order answers come in."""
    model = HistoryModel(store)
    model.reload("Sync")
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.reload("Incident 999")
    qtbot.waitUntil(
        lambda: store.answered == 2, timeout=5000
    )  # the first one came, and was dropped
    assert model.search == "Incident 999"
    assert model.rowCount() == 1
    assert model.meeting(0).id == "m99900"
    assert store.calls == 2


def test_escape_closes_the_window(qtbot: QtBot) -> None:
    window = HistoryWindow(StoreSource(None))
    qtbot.addWidget(window)
    window.show()
    QTest.keyClick(window.search, Qt.Key.Key_Escape)  # where the typing is
    assert not window.isVisible()


def test_a_meeting_with_a_note_shows_it_as_plain_text(tmp_path: Path, qtbot: QtBot) -> None:
    """A handed-out meeting whose PATCH is due: a warning icon, and the note (which may
    quote Graph) in the tooltip as typed, never as markup."""
    from ..test_history import meeting

    opened = HistoryStore(tmp_path / "history.sqlite3")
    opened.add(meeting(1, note="Teams still shows <b>the prepared</b> subject"))
    opened.add(meeting(2))
    source = StoreSource(opened)
    model = HistoryModel(source)
    try:
        with qtbot.waitSignal(model.loaded, timeout=5000):
            model.reload()
        noted, plain = model.index(1, 0), model.index(0, 0)
        assert model.meeting(1).note == "Teams still shows <b>the prepared</b> subject"
        assert model.data(noted, Qt.ItemDataRole.DecorationRole) is not None
        assert model.data(plain, Qt.ItemDataRole.DecorationRole) is None
        tip = model.data(noted, Qt.ItemDataRole.ToolTipRole)
        assert "&lt;b&gt;the prepared&lt;/b&gt; subject" in tip
    finally:
        source.runner.wait(5000)
        opened.close()


def test_a_row_reads_as_one_sentence_and_tab_leaves_the_table(qtbot: QtBot) -> None:
    from datetime import datetime, timedelta

    from PySide6.QtGui import QAccessible

    from meettray.meetings import Meeting

    now = datetime(2026, 12, 9, 9, 0).astimezone()  # a Wednesday, local time
    start = datetime(2026, 12, 14, 14, 30).astimezone()  # the next Monday
    design = Meeting("m1", "https://teams.microsoft.com/l/meetup-join/" + "x" * 250,
                     "Design review", start, start + timedelta(hours=1),
                     created_at=now - timedelta(hours=2))  # fmt: skip

    class OnePage:
        def history_page(self, search: str, offset: int, limit: int, done: Callable[..., None]
                         ) -> None:  # fmt: skip
            done(HistoryPage([design] if offset == 0 else [], 1 if offset == 0 else None))

    window = HistoryWindow(OnePage(), now=lambda: now)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)

    table = QAccessible.queryAccessibleInterface(window.table)
    assert table is not None
    assert table.text(QAccessible.Text.Name) == "Meetings"
    assert QAccessible.queryAccessibleInterface(window.search).text(
        QAccessible.Text.Name) == "Search subjects"  # fmt: skip
    children = (table.child(i) for i in range(table.childCount()))
    cells = [c.text(QAccessible.Text.Name) for c in children if c.role() == QAccessible.Role.Cell]
    # Each of the row's cells (whichever has the focus) says the row, never the link.
    assert cells == ["Design review, starts Monday 14:30, created today"] * 4
    assert window.model.data(window.model.index(0, 3)) == design.join_url  # still shown

    window.table.setFocus()
    window.table.selectRow(0)
    qtbot.waitUntil(window.table.hasFocus, timeout=2000)
    QTest.keyClick(window.table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not window.table.hasFocus(), timeout=2000)
    assert window.buttons["copy"].hasFocus()  # the next control: out of the table


def test_meeting_options_and_expiry_are_shown_for_the_rows_that_have_them(qtbot: QtBot) -> None:
    """Round 3: "Meeting options…" opens Graph's page where the row has one; an expired
    meeting (Teams deletes it 60 days after its end) is marked."""
    import dataclasses
    from datetime import timedelta

    from meettray.results import utc_now

    from .windows import sample_meeting

    live = dataclasses.replace(sample_meeting(1, "Live"),
                               options_url="https://teams.microsoft.com/meetingOptions/?x=1",
                               expires_at=utc_now() + timedelta(days=30))  # fmt: skip
    old = dataclasses.replace(sample_meeting(2, "Old"), expires_at=utc_now() - timedelta(days=1))

    class Two:
        def history_page(self, search: str, offset: int, limit: int,
                         done: Callable[[HistoryPage], None]) -> None:  # fmt: skip
            done(HistoryPage([live, old][offset:][:limit], 2 if offset == 0 else None))

    window = HistoryWindow(Two())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    model = window.model
    assert model.data(model.index(0, 0)) == "Live"
    assert model.data(model.index(1, 0)) == "Old (expired)"
    assert "EXPIRED" in model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)

    options = window.buttons["options"]
    window.table.selectRow(1)
    assert not options.isEnabled()  # Graph gave no page for this one
    window.table.selectRow(0)
    assert options.isEnabled()
    with qtbot.waitSignal(window.options_requested) as asked:
        options.click()
    assert asked.args[0].id == live.id
