"""Join the meeting on the clipboard: the tray's entry and the no-tray window's button read
the real (Qt) clipboard, and the link is joined the way ``[calendar] join`` says, through
the one join every other one takes; anything but a Teams link of the account's cloud is
refused with a plain notice that never repeats the clipboard's text."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from meettray.config import AccountConfig, CalendarConfig, Config
from meettray.ui.app_model.intents import JoinMeeting, OpenMeeting
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.app_model.tasks import TaskRunner
from meettray.ui.shell.clipboard import QtClipboard
from meettray.ui.views.app import TrayApp
from meettray.ui.views.tray import Tray

from .conftest import RecordingClipboard, meet_now, sign_in

NO_LINK = "The clipboard holds no Teams meeting link"
LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"


@pytest.fixture
def make(make_model: functools.partial[AppModel]) -> functools.partial[AppModel]:
    """Models that read the clipboard as the tray does: the shell's, Qt's clipboard."""
    return functools.partial(make_model, clipboard_reader=QtClipboard(TaskRunner()))


def joining(config: Config, mode: str) -> Config:
    return dataclasses.replace(config, calendar=CalendarConfig(join=mode))


def on_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def trigger_join(model: AppModel) -> list[Notice]:
    """The tray menu's entry, as a person picks it; the notices it gave."""
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    (entry,) = [a for a in tray.menu.actions() if a.text() == "&Join the meeting on the clipboard"]
    entry.trigger()
    return notes


@pytest.mark.parametrize(
    ("mode", "target"),
    [
        ("browser", LINK),
        ("app", "msteams:/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"),
        ("web", "https://teams.microsoft.com/_#/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0"
                "?context=%7b%7d"),
    ],
)  # fmt: skip
def test_a_teams_link_on_the_clipboard_is_joined_the_way_settings_say(
    make: functools.partial[AppModel], config: Config, opened: list[str],
    mode: str, target: str,
) -> None:  # fmt: skip
    model = make(config=joining(config, mode))
    on_clipboard(f"  {LINK}\n")  # copied with the line's end, as from a chat
    notes = trigger_join(model)
    assert opened == [target]
    assert notes == []


def test_a_meeting_made_here_is_joined_from_the_clipboard(
    make: functools.partial[AppModel], qtbot: QtBot, opened: list[str]
) -> None:
    """A link the fake's Graph made, pasted back: the whole path, from Graph to the opener."""
    model = make()
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()
    sign_in(model, qtbot)
    delivered = meet_now(model, qtbot)
    on_clipboard(delivered.meeting.join_url)
    trigger_join(model)
    assert opened == [delivered.meeting.join_url]


REFUSED = {
    "another site": "https://example.com/l/meetup-join/x",
    "a look-alike host": "https://teams.microsoft.com.evil.example/l/meetup-join/x",
    "a user name before the host": "https://teams.microsoft.com@evil.example/l/meetup-join/x",
    "a port": "https://teams.microsoft.com:8443/l/meetup-join/x",
    "javascript": "javascript:alert(document.cookie)//https://teams.microsoft.com/l/x",
    "plain http": "http://teams.microsoft.com/l/meetup-join/x",
    "msteams itself": "msteams:/l/meetup-join/x",
    "an Outlook link": "https://outlook.office.com/owa/?itemid=evil",
    "two lines": f"{LINK}\nhttps://evil.example/",
    "a direction override": f"{LINK}\u202etxt.exe",
    "huge text": LINK + "a" * 1_000_000,
    "nothing": "",
    "only spaces": " \n\t ",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_anything_else_is_refused_in_plain_words(
    make: functools.partial[AppModel], config: Config, opened: list[str], text: str
) -> None:
    model = make(config=joining(config, "app"))
    on_clipboard(text)
    notes = trigger_join(model)
    assert opened == []
    (note,) = notes
    assert note.title == NO_LINK
    assert note.level == Level.WARNING  # shown even with notifications off
    assert "evil" not in note.title + note.text  # the clipboard's text is never repeated
    assert note.meeting is None  # a click on it opens nothing


def test_only_the_accounts_cloud_counts(
    make: functools.partial[AppModel], config: Config, opened: list[str]
) -> None:
    """A commercial Teams link is no meeting of a US Government (GCC High) account."""
    gov = dataclasses.replace(config, account=dataclasses.replace(config.account, cloud="usgov"))
    assert isinstance(gov.account, AccountConfig)
    model = make(config=gov)
    on_clipboard(LINK)
    assert [n.title for n in trigger_join(model)] == [NO_LINK]
    gov_link = "https://gov.teams.microsoft.us/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    on_clipboard(gov_link)
    assert trigger_join(model) == []
    assert opened == [gov_link]


def test_where_nothing_opens_it_the_person_is_told(
    make: functools.partial[AppModel], clipboard: RecordingClipboard
) -> None:
    model = make(open_url=lambda url: False)
    on_clipboard(LINK)
    notes = trigger_join(model)
    assert [n.title for n in notes] == ["No browser could be opened"]
    assert "on your clipboard" in notes[0].text
    assert clipboard.text == LINK


@pytest.mark.logs("no system tray available")
def test_the_no_tray_window_has_the_button(
    make: functools.partial[AppModel], qtbot: QtBot, opened: list[str]
) -> None:
    model = make()
    app = TrayApp(model, tray_grace_ms=0)  # the offscreen platform has no tray
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    assert app.window is not None
    (button,) = [b for b in app.window.findChildren(QPushButton)
                 if b.text() == "&Join the meeting on the clipboard"]  # fmt: skip
    on_clipboard("https://evil.example/l/meetup-join/x")
    button.click()
    qtbot.waitUntil(lambda: NO_LINK in app.window.status.text(), timeout=5000)  # type: ignore[union-attr]
    assert "evil" not in app.window.status.text()
    on_clipboard(LINK)
    button.click()
    assert opened == [LINK]


def test_without_a_reader_it_says_so(
    make_model: functools.partial[AppModel], opened: list[str]
) -> None:
    on_clipboard(LINK)
    notes = trigger_join(make_model())
    assert [n.title for n in notes] == ["The clipboard could not be read"]
    assert opened == []


# -- the one join, for every way in -----------------------------------------------------------


def test_a_meettray_join_link_is_joined_the_way_settings_say_too(
    make_model: functools.partial[AppModel], config: Config, opened: list[str]
) -> None:
    """Was: ``meettray://join`` opened the link as it was, whatever ``[calendar] join`` said."""
    model = make_model(config=joining(config, "app"))
    model.dispatch(JoinMeeting(LINK))
    assert opened == ["msteams:/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"]


def test_a_history_meeting_refused_says_not_opened(
    make_model: functools.partial[AppModel], config: Config, opened: list[str]
) -> None:
    from meettray.meetings import Meeting
    from meettray.results import utc_now

    notes: list[Notice] = []
    model = make_model()
    model.notify.connect(notes.append)
    now = utc_now()
    model.dispatch(OpenMeeting(Meeting("m", "https://evil.example/l/x", "", now, now,
                                       created_at=now)))  # fmt: skip
    assert opened == []
    assert [n.title for n in notes] == ["Not opened"]
