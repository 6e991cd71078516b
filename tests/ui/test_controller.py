"""The controller against the fake service: Meet now, debounce, errors, sign-in, settings."""

from __future__ import annotations

import dataclasses
import functools
import time

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from meettray.config import Config, load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import MeettrayError
from meettray.meetings import build_schedule
from meettray.ui.controller import DEBOUNCE_SECONDS, AppController
from meettray.ui.notices import Level, Notice
from meettray.ui.operations import Delivered

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
    notes: list[Notice] = []
    controller.notify.connect(notes.append)

    op = controller.meet_now()
    assert op is not None
    recent_when_answered: list[list[str]] = []
    op.done.connect(lambda _: recent_when_answered.append([m.id for m in controller.recent]))
    busy_while_sending = controller.busy
    with qtbot.waitSignal(op.done, timeout=10_000) as done:
        pass
    assert busy_while_sending
    delivered: Delivered = done.args[0]
    meeting = delivered.meeting

    assert clipboard.text == meeting.join_url
    assert "Join Microsoft Teams meeting</a>" in (clipboard.copies[-1][1] or "")
    assert list(fake.meetings) == [meeting.id]
    assert delivered.created.warnings == ()
    assert delivered.copy.copied
    assert notes[-1].title == "Link copied — Quick meeting"
    assert notes[-1].meeting == meeting
    assert notes[-1].level == Level.SUCCESS
    assert not controller.busy
    # Recent shows it by the time anyone is answered (a tray menu opened right after
    # ``meettray now`` returns lists it), and still after history is read again.
    assert recent_when_answered == [[meeting.id]]
    qtbot.wait(200)
    qtbot.waitUntil(lambda: [m.id for m in controller.recent] == [meeting.id], timeout=5000)


def test_details_setting_copies_meeting_id_and_dial_in(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    controller.config = dataclasses.replace(
        controller.config,
        ui=dataclasses.replace(controller.config.ui, clipboard="details", details_text="meettray"),
    )
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    meeting = created.args[0].meeting
    text = clipboard.text
    assert text.startswith(meeting.join_url + "\n")
    assert "Passcode" not in text  # createOrGet gives none unless asked (live, round 3)
    assert "Meeting ID: " in text
    assert "Dial in: +1 425-555-0123" in text

    # By default, Teams' own words (the fake writes them as Graph does, dial-in included).
    controller.config = dataclasses.replace(
        controller.config, ui=dataclasses.replace(controller.config.ui, details_text="teams")
    )
    controller.copy(meeting)
    teams = clipboard.text
    assert teams.startswith(meeting.join_url + "\n\nMicrosoft Teams meeting\n")
    assert "+1 425-555-0123" in teams


def test_double_click_makes_one_meeting_but_repeated_use_works(
    controller: AppController, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        assert controller.meet_now(source="tray click") is not None
        assert controller.meet_now(source="tray click") is None  # while running
    clock.now += DEBOUNCE_SECONDS / 2
    assert controller.meet_now(source="tray click") is None  # a double click, just after

    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        assert controller.meet_now(source="tray click") is not None
    assert len(fake.meetings) == 2


def test_command_line_requests_are_never_debounced_and_each_gets_its_own_meeting(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    outcomes: list[Delivered] = []
    click = controller.meet_now()
    assert click is not None
    first = controller.create(what="cli 1", interactive=False)
    second = controller.create(what="cli 2", interactive=False)
    for op in (click, first, second):
        op.done.connect(outcomes.append)
    qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=10_000)
    assert len(fake.meetings) == 3
    assert [o.meeting.id for o in outcomes] == [
        op.result.meeting.id for op in (click, first, second) if op.result
    ]
    assert len({o.meeting.id for o in outcomes}) == 3


def test_a_click_during_start_up_is_carried_out_once_ready(
    make_controller: functools.partial[AppController],
    fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:
    first = make_controller()
    with qtbot.waitSignal(first.state_changed, timeout=10_000):
        first.start()
    with qtbot.waitSignal(first.signed_in, timeout=20_000):
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
    notes: list[Notice] = []
    controller.notify.connect(notes.append)

    op = controller.meet_now()
    assert op is not None
    with qtbot.waitSignal(op.failed, timeout=10_000) as failed:
        pass
    error: MeettrayError = failed.args[0]

    assert "not allowed to create Teams meetings" in error.message
    assert error.request_id
    assert controller.last_error is error
    assert (notes[-1].title, notes[-1].text) == ("No meeting was created", error.message)
    assert notes[-1].level == Level.ERROR
    assert notes[-1].error is error
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
    controller.sign_in_started.connect(lambda _op: started.append(True))
    op = controller.meet_now()  # not signed in: sign-in runs, then the meeting is made
    assert op is not None
    with qtbot.waitSignal(op.done, timeout=20_000) as done:
        pass

    assert started == [True]  # so the tray shows the sign-in progress dialog

    assert controller.account is not None
    assert clipboard.text == done.args[0].meeting.join_url
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

    op = controller.sign_in_flow.current
    assert op is not None
    told: list[MeettrayError] = []
    controller.sign_in_failed.connect(told.append)
    with qtbot.waitSignal(op.failed, timeout=10_000):
        controller.cancel_sign_in()
    assert op.cancelled
    assert told == []  # the person's own cancel is not a failure to tell
    assert not controller.signing_in
    assert controller.account is None


def test_sign_out(controller: AppController, qtbot: QtBot) -> None:
    with qtbot.waitSignal(controller.state_changed, timeout=5000):
        controller.sign_out()
    qtbot.waitUntil(lambda: controller.account is None, timeout=5000)
    assert controller.service is not None
    assert controller.service.account() is None


def test_schedule_reports_through_its_operation(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    request = build_schedule(subject="Review", start="2030-01-02T10:00Z", duration_minutes=30)
    op = controller.schedule(request)
    with qtbot.waitSignal(op.done, timeout=10_000) as done:
        pass
    assert done.args[0].meeting.subject == "Review"
    assert done.args[0].meeting.id in fake.meetings


def test_remove_and_cancel(
    controller: AppController, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as first:
        controller.meet_now()
    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as second:
        controller.meet_now()
    one, two = first.args[0].meeting, second.args[0].meeting

    with qtbot.waitSignal(controller.remove_from_history(one).done, timeout=5000):
        pass
    assert one.id in fake.meetings  # only forgotten locally
    with qtbot.waitSignal(controller.cancel_meeting(two).done, timeout=5000):
        pass
    assert two.id not in fake.meetings
    assert controller.service is not None
    qtbot.waitUntil(lambda: controller.recent == [], timeout=5000)


def test_open_meeting_failure_falls_back_to_clipboard(
    make_controller: functools.partial[AppController], clipboard: RecordingClipboard
) -> None:
    controller = make_controller(open_url=lambda url: False)
    notes: list[Notice] = []
    controller.notify.connect(notes.append)
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/x"},
        status=200,
        account="",
        created_at=utc_now(),
    )
    controller.open_meeting(meeting)
    assert clipboard.text == "https://teams.microsoft.com/l/meetup-join/x"
    assert notes[-1].title == "No browser could be opened"
    assert notes[-1].level == Level.WARNING


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
    with qtbot.waitSignal(controller.save_settings(new).done, timeout=5000):
        pass

    assert load_config(path).meeting.subject == "Bridge"
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    assert created.args[0].meeting.subject == "Bridge"


def test_event_loop_keeps_turning_while_graph_is_slow(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Ordering, not timing: a GUI thread that waited for Graph could not run anything
    queued after the click before the meeting was made."""
    fake.latency = 0.5
    order: list[str] = []
    controller.meeting_created.connect(lambda _made: order.append("created"))
    controller.meet_now()
    QTimer.singleShot(0, lambda: order.append("loop turned"))
    with qtbot.waitSignal(controller.meeting_created, timeout=15_000):
        pass
    assert order == ["loop turned", "created"]


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
    with qtbot.waitSignal(controller.save_settings(on).done, timeout=5000):
        pass
    qtbot.waitUntil(entry.enabled, timeout=5000)

    off = dataclasses.replace(on, ui=dataclasses.replace(on.ui, start_on_login=False))
    with qtbot.waitSignal(controller.save_settings(off).done, timeout=5000):
        pass
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
    # Another process's meeting next (about a second later, far past HISTORY_SETTLE_MS):
    # had the tray's own write been taken for another's, its refresh would come first.
    assert run_cli("now", "--no-copy").returncode == 0
    qtbot.waitUntil(lambda: len(controller.recent) == 3, timeout=10_000)
    assert len(refreshed) == 3


@pytest.mark.logs("link not copied")
def test_a_copy_that_did_not_take_is_reported_with_the_whole_link(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    """Never claim a success not observed: the notification says so and carries the link."""
    notes: list[Notice] = []
    controller.notify.connect(notes.append)
    clipboard.refuse = "Not copied: the compositor refused."

    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()
    delivered: Delivered = created.args[0]
    meeting = delivered.meeting

    notice = notes[-1]
    assert notice.title == "Link not copied — Quick meeting"
    assert "the compositor refused" in notice.text
    assert meeting.join_url in notice.text  # to copy by hand
    assert notice.meeting == meeting
    assert notice.level == Level.WARNING  # shown even with notifications off
    assert delivered.copy.copied is False


def test_meet_now_copies_the_prepared_link_first_and_prepares_the_next(
    make_controller: functools.partial[AppController], config: Config,
    fake: FakeMicrosoft365, clipboard: RecordingClipboard, qtbot: QtBot,
) -> None:  # fmt: skip
    """The tray's Meet now with a spare: the link is on the clipboard before the PATCH
    was even sent; afterwards the next meeting is made ready."""
    controller, spare_id = _signed_in_with_a_spare(make_controller, config, fake, qtbot)
    fake.add_fault("delay", "/onlineMeetings/", method="PATCH", delay=2.0)  # a slow Graph
    copied_at: list[float] = []
    clipboard.on_copy = lambda: copied_at.append(time.monotonic())

    op = controller.meet_now()
    assert op is not None
    with qtbot.waitSignal(op.done, timeout=10_000) as done:
        pass
    finished_at = time.monotonic()

    delivered: Delivered = done.args[0]
    assert delivered.meeting.id == spare_id
    assert delivered.created.warnings == ()  # the slow PATCH did land
    assert clipboard.text == delivered.meeting.join_url
    # The copy did not wait for the PATCH: it was done while Graph still held it.
    assert finished_at - copied_at[0] >= 1.5
    assert len(fake.requests_to("PATCH", "/onlineMeetings")) == 1
    qtbot.waitUntil(lambda: len(fake.meetings) == 2, timeout=10_000)  # the next one, ready
    assert [m.id for m in controller.recent] in ([], [spare_id])  # the spare never shows


def _signed_in_with_a_spare(
    make_controller: functools.partial[AppController], config: Config,
    fake: FakeMicrosoft365, qtbot: QtBot,
) -> tuple[AppController, str]:  # fmt: skip
    """A controller with "Prepare the next link in advance" on, signed in, its spare made."""
    with_spare = dataclasses.replace(
        config, meeting=dataclasses.replace(config.meeting, prepare_next_link=True)
    )
    controller = make_controller(config=with_spare)
    with qtbot.waitSignal(controller.state_changed, timeout=10_000):
        controller.start()
    with qtbot.waitSignal(controller.signed_in, timeout=20_000):
        controller.sign_in()
    qtbot.waitUntil(lambda: len(fake.meetings) == 1, timeout=10_000)  # made ahead of need
    (spare_id,) = fake.meetings
    return controller, spare_id


def test_a_command_sent_to_the_tray_takes_the_prepared_meeting_for_its_id(
    make_controller: functools.partial[AppController], config: Config,
    fake: FakeMicrosoft365, qtbot: QtBot,
) -> None:  # fmt: skip
    """``meettray now`` via the tray: the spare, taken for the id the command chose, so
    that the command finds it by that id should the tray die before answering."""
    controller, spare_id = _signed_in_with_a_spare(make_controller, config, fake, qtbot)

    op = controller.create(what="Meet now for the command line", subject="Outage",
                           external_id="cli-42", tell_failure=False, interactive=False)  # fmt: skip
    with qtbot.waitSignal(op.done, timeout=10_000) as done:
        pass

    delivered: Delivered = done.args[0]
    assert delivered.meeting.id == spare_id
    assert delivered.meeting.subject == "Outage"
    asked = [r.json()["externalId"] for r in fake.requests_to("POST", "createOrGet")]
    assert "cli-42" not in asked  # Graph was never asked for a new one
    service = controller.service
    assert service is not None
    handout = service.history.handout_for("cli-42")
    assert handout is not None
    assert (handout.meeting.id, handout.state) == (spare_id, "done")
