"""The controller against the fake service: Meet now, debounce, errors, sign-in, settings."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time

from PySide6.QtCore import QElapsedTimer, QTimer
from pytestqt.qtbot import QtBot

from meettray.config import load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import MeettrayError
from meettray.meetings import build_schedule
from meettray.ui.controller import DEBOUNCE_SECONDS, HISTORY_SETTLE_MS, AppController

from .conftest import Clock, RecordingClipboard


def test_start_loads_account_and_recent(
    make_controller: functools.partial[AppController], qtbot: QtBot
) -> None:
    controller = make_controller()
    with qtbot.waitSignal(controller.state_changed, timeout=10_000):
        controller.start()
    assert controller.service is not None
    assert controller.account is None  # nobody signed in yet
    assert controller.recent == []
    assert controller.cache_status is not None


def test_meet_now_copies_notifies_and_remembers(
    controller: AppController, fake: FakeMicrosoft365, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    notes: list[tuple[str, str, object]] = []
    controller.notify.connect(lambda *note: notes.append(note))

    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        assert controller.meet_now() is True
        busy_while_sending = controller.busy
    assert busy_while_sending
    _ticket, meeting, warnings = created.args

    assert clipboard.text == meeting.join_url
    assert "Join Microsoft Teams meeting</a>" in (clipboard.copies[-1][1] or "")
    assert list(fake.meetings) == [meeting.id]
    assert warnings == ()
    assert notes[-1][0] == "Link copied — Quick meeting"
    assert notes[-1][2] == meeting
    assert not controller.busy
    qtbot.waitUntil(lambda: [m.id for m in controller.recent] == [meeting.id], timeout=5000)


def test_details_setting_copies_meeting_id_and_passcode(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    controller.config = dataclasses.replace(
        controller.config, ui=dataclasses.replace(controller.config.ui, clipboard="details")
    )
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    meeting = created.args[1]
    text = clipboard.text
    assert text.startswith(meeting.join_url + "\n")
    assert f"Passcode: {meeting.passcode}" in text
    assert "Meeting ID: " in text
    assert "Dial in: +1 425-555-0123" in text


def test_double_click_makes_one_meeting_but_repeated_use_works(
    controller: AppController, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        assert controller.meet_now(source="tray click") is True
        assert controller.meet_now(source="tray click") is False  # while running
    clock.now += DEBOUNCE_SECONDS / 2
    assert controller.meet_now(source="tray click") is False  # a double click, just after

    clock.now += DEBOUNCE_SECONDS
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        assert controller.meet_now(source="tray click") is True
    assert len(fake.meetings) == 2


def test_command_line_requests_are_never_debounced(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    outcomes: list[object] = []
    controller.meet_now()
    controller.meet_now(source="command line", reply=outcomes.append)
    qtbot.waitUntil(lambda: len(fake.meetings) == 2 and bool(outcomes), timeout=10_000)


def test_a_click_during_start_up_is_carried_out_once_ready(
    make_controller: functools.partial[AppController],
    fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:
    first = make_controller()
    with qtbot.waitSignal(first.state_changed, timeout=10_000):
        first.start()
    with qtbot.waitSignal(first.sign_in_finished, timeout=20_000):
        first.sign_in()
    first.shutdown()

    controller = make_controller()  # a fresh start: the token cache is on disk
    with qtbot.waitSignal(controller.meeting_created, timeout=15_000):
        controller.meet_now()  # before start(): queued, starts the service itself
    assert len(fake.meetings) == 1


def test_failure_keeps_request_id_and_shows_error_state(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.signed_in_user.guest = True
    notes: list[tuple[str, str, object]] = []
    controller.notify.connect(lambda *note: notes.append(note))

    with qtbot.waitSignal(controller.failed, timeout=10_000) as failed:
        controller.meet_now()
    error: MeettrayError = failed.args[1]

    assert "not allowed to create Teams meetings" in error.message
    assert error.request_id
    assert controller.last_error is error
    assert notes[-1][:2] == ("No meeting was created", error.message)
    assert controller.recent == []  # the last good state is kept


def test_sign_in_needed_signs_in_then_creates_the_meeting(
    make_controller: functools.partial[AppController],
    fake: FakeMicrosoft365,
    clipboard: RecordingClipboard,
    qtbot: QtBot,
) -> None:
    controller = make_controller()
    with qtbot.waitSignal(controller.state_changed, timeout=10_000):
        controller.start()

    started: list[bool] = []
    controller.sign_in_started.connect(lambda: started.append(True))
    with qtbot.waitSignal(controller.meeting_created, timeout=20_000) as created:
        controller.meet_now()  # not signed in: sign-in runs, then the meeting is made

    assert started == [True]  # so the tray shows the sign-in progress dialog

    assert controller.account is not None
    assert clipboard.text == created.args[1].join_url
    assert len(fake.requests_to("GET", "/authorize")) == 1


def test_device_code_sign_in_shows_the_code_and_can_be_cancelled(
    make_controller: functools.partial[AppController], fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.device_polls_before_approval = -1
    controller = make_controller()
    with qtbot.waitSignal(controller.device_code_ready, timeout=10_000) as ready:
        controller.sign_in(device_code=True)
    assert ready.args[0].user_code
    signing_in_while_waiting = controller.signing_in
    assert signing_in_while_waiting

    with qtbot.waitSignal(controller.sign_in_finished, timeout=10_000) as finished:
        controller.cancel_sign_in()
    assert finished.args == [None]
    assert not controller.signing_in
    assert controller.account is None


def test_sign_out(controller: AppController, qtbot: QtBot) -> None:
    with qtbot.waitSignal(controller.state_changed, timeout=5000):
        controller.sign_out()
    qtbot.waitUntil(lambda: controller.account is None, timeout=5000)
    assert controller.service is not None
    assert controller.service.account() is None


def test_schedule_reports_with_its_ticket(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    request = build_schedule(subject="Review", start="2030-01-02T10:00Z", duration_minutes=30)
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        ticket = controller.schedule(request)
    assert created.args[0] == ticket
    assert created.args[1].subject == "Review"


def test_remove_and_cancel(controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot) -> None:
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as first:
        controller.meet_now()
    controller._last_trigger = -DEBOUNCE_SECONDS
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as second:
        controller.meet_now()
    one, two = first.args[1], second.args[1]

    with qtbot.waitSignal(controller.history_changed, timeout=5000):
        controller.remove_from_history(one)
    assert one.id in fake.meetings  # only forgotten locally
    with qtbot.waitSignal(controller.history_changed, timeout=5000):
        controller.cancel_meeting(two)
    assert two.id not in fake.meetings
    assert controller.service is not None
    qtbot.waitUntil(lambda: controller.recent == [], timeout=5000)


def test_open_meeting_failure_falls_back_to_clipboard(
    make_controller: functools.partial[AppController], clipboard: RecordingClipboard
) -> None:
    controller = make_controller(open_url=lambda url: False)
    notes: list[tuple[str, str, object]] = []
    controller.notify.connect(lambda *note: notes.append(note))
    from meettray.meetings import meeting_from_graph
    from meettray.service import utc_now

    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://t.example/x"},
        status=200,
        account="",
        created_at=utc_now(),
    )
    controller.open_meeting(meeting)
    assert clipboard.text == "https://t.example/x"
    assert notes[-1][0] == "No browser could be opened"


def test_save_settings_writes_the_file_and_applies(
    controller: AppController, config_file: object, qtbot: QtBot, tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "saved.toml"
    controller.config = dataclasses.replace(controller.config, path=path)
    new = dataclasses.replace(
        controller.config,
        meeting=dataclasses.replace(controller.config.meeting, subject="Bridge"),
    )
    with qtbot.waitSignal(controller.settings_saved, timeout=5000):
        controller.save_settings(new)

    assert load_config(path).meeting.subject == "Bridge"
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    assert created.args[1].subject == "Bridge"


def test_event_loop_keeps_turning_while_graph_is_slow(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.latency = 2.0
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    timer.start()
    started = time.monotonic()
    with qtbot.waitSignal(controller.meeting_created, timeout=15_000):
        controller.meet_now()
    timer.stop()

    assert time.monotonic() - started >= 2.0  # Graph really was slow
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # A blocked GUI thread would show one gap of about 2000 ms; a turning loop ~10 ms.
    assert len(ticks) > 50
    assert max(gaps) < 500


def test_start_on_login_setting_drives_autostart(
    make_controller: functools.partial[AppController], qtbot: QtBot, tmp_path: object
) -> None:
    from pathlib import Path

    from meettray.platform.autostart import XdgAutostart

    entry = XdgAutostart(Path(str(tmp_path)) / "autostart")
    controller = make_controller(autostart=entry)
    controller.config = dataclasses.replace(controller.config, path=Path(str(tmp_path)) / "c.toml")
    on = dataclasses.replace(
        controller.config, ui=dataclasses.replace(controller.config.ui, start_on_login=True)
    )
    with qtbot.waitSignal(controller.settings_saved, timeout=5000):
        controller.save_settings(on)
    qtbot.waitUntil(entry.enabled, timeout=5000)

    off = dataclasses.replace(on, ui=dataclasses.replace(on.ui, start_on_login=False))
    with qtbot.waitSignal(controller.settings_saved, timeout=5000):
        controller.save_settings(off)
    qtbot.waitUntil(lambda: not entry.enabled(), timeout=5000)


def test_recent_follows_meetings_made_by_another_process(
    controller: AppController, config_file: object, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """`meettray now --no-copy` (and schedule) write history themselves: Recent shows them."""
    from ..conftest import run_cli

    refreshed: list[None] = []
    controller.history_changed.connect(lambda: refreshed.append(None))
    made = run_cli("now", "--no-copy")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()

    qtbot.waitUntil(lambda: [m.join_url for m in controller.recent] == [link], timeout=10_000)
    assert len(refreshed) == 1

    # The tray's own meeting refreshes once, as before: its write is not taken for another's.
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        controller.meet_now()
    qtbot.waitUntil(lambda: len(controller.recent) == 2, timeout=5000)
    qtbot.wait(HISTORY_SETTLE_MS * 3)
    assert len(refreshed) == 2


def test_a_copy_that_did_not_take_is_reported_with_the_whole_link(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    """Never claim a success not observed: the notification says so and carries the link."""
    notes: list[tuple[str, str, object]] = []
    controller.notify.connect(lambda *note: notes.append(note))
    clipboard.refuse = "Not copied: the compositor refused."

    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    meeting = created.args[1]

    title, text, context = notes[-1]
    assert title == "Link not copied — Quick meeting"
    assert "the compositor refused" in text
    assert meeting.join_url in text  # to copy by hand
    assert context == meeting
    assert controller.last_copy is not None
    assert controller.last_copy.copied is False
