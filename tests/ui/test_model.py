"""The model against the fake service: Meet now, debounce, errors, sign-in, settings."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from meettray.config import Config, load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import MeettrayError
from meettray.meetings import build_schedule
from meettray.ui.app_model.intents import (
    Cancel,
    CancelSignIn,
    Copy,
    Forget,
    MeetNow,
    OpenMeeting,
    OpenOptions,
    Origin,
    Schedule,
    SignIn,
    SignOut,
)  # fmt: skip
from meettray.ui.app_model.jobs import Delivered, Done, Failed, MeetingJob, SignInJob
from meettray.ui.app_model.model import DEBOUNCE_SECONDS, AppModel
from meettray.ui.app_model.notices import Level, Notice

from .conftest import Clock, RecordingClipboard, apply_settings, meet_now, on_service, sign_in


def test_start_loads_account_and_recent(
    make_model: functools.partial[AppModel], qtbot: QtBot
) -> None:
    model = make_model()
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()
    assert model.state.service.value == "ready"
    assert model.state.account is None  # nobody signed in yet
    assert model.state.recent == ()
    assert model.state.cache_status is not None


def test_meet_now_copies_notifies_and_remembers(
    model: AppModel, fake: FakeMicrosoft365, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    notes: list[Notice] = []
    model.notify.connect(notes.append)

    op = model.dispatch(MeetNow())
    assert isinstance(op, MeetingJob)
    recent_when_answered: list[list[str]] = []
    op.link_ready.connect(
        lambda *_: recent_when_answered.append([m.id for m in model.state.recent])
    )
    busy_while_sending = model.state.busy
    with qtbot.waitSignal(op.settled, timeout=10_000) as done:
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
    assert not model.state.busy
    # Recent shows it by the time anyone is answered (a tray menu opened right after
    # ``meettray now`` returns lists it), and still after history is read again.
    assert recent_when_answered == [[meeting.id]]
    qtbot.wait(200)
    qtbot.waitUntil(lambda: [m.id for m in model.state.recent] == [meeting.id], timeout=5000)


def test_details_setting_copies_meeting_id_and_dial_in(
    model: AppModel, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    apply_settings(model, qtbot, dataclasses.replace(
        model.config,
        ui=dataclasses.replace(model.config.ui, clipboard="details", details_text="meettray"),
    ))  # fmt: skip
    meeting = meet_now(model, qtbot).meeting
    text = clipboard.text
    assert text.startswith(meeting.join_url + "\n")
    assert "Passcode" not in text  # createOrGet gives none unless asked (live, round 3)
    assert "Meeting ID: " in text
    assert "Dial in: +1 425-555-0123" in text

    # By default, Teams' own words (the fake writes them as Graph does, dial-in included).
    apply_settings(model, qtbot, dataclasses.replace(
        model.config, ui=dataclasses.replace(model.config.ui, details_text="teams")
    ))  # fmt: skip
    model.dispatch(Copy(meeting))
    teams = clipboard.text
    assert teams.startswith(meeting.join_url + "\n\nMicrosoft Teams meeting\n")
    assert "+1 425-555-0123" in teams


def test_double_click_makes_one_meeting_but_repeated_use_works(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
        assert model.dispatch(MeetNow(source="tray click")) is not None
        assert model.dispatch(MeetNow(source="tray click")) is None  # while running
    clock.now += DEBOUNCE_SECONDS / 2
    assert model.dispatch(MeetNow(source="tray click")) is None  # a double click, just after

    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
        assert model.dispatch(MeetNow(source="tray click")) is not None
    assert len(fake.meetings) == 2


def test_command_line_requests_are_never_debounced_and_each_gets_its_own_meeting(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    outcomes: list[Delivered] = []
    click = model.dispatch(MeetNow())
    first = model.dispatch(MeetNow(origin=Origin.COMMAND, source="cli 1"))
    second = model.dispatch(MeetNow(origin=Origin.COMMAND, source="cli 2"))
    jobs = [click, first, second]
    for job in jobs:
        assert isinstance(job, MeetingJob)
        job.settled.connect(outcomes.append)
    qtbot.waitUntil(lambda: len(outcomes) == 3, timeout=10_000)
    assert len(fake.meetings) == 3
    assert [o.meeting.id for o in outcomes] == [
        job.outcome.meeting.id
        for job in jobs
        if job is not None and isinstance(job.outcome, Delivered)
    ]
    assert len({o.meeting.id for o in outcomes}) == 3


def test_a_click_during_start_up_is_carried_out_once_ready(
    make_model: functools.partial[AppModel],
    fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:
    first = make_model()
    with qtbot.waitSignal(first.state_changed, timeout=10_000):
        first.start()
    sign_in(first, qtbot)
    first.shutdown()

    model = make_model()  # a fresh start: the token cache is on disk
    with qtbot.waitSignal(model.meetings.delivered, timeout=15_000):
        model.dispatch(MeetNow())  # before start(): queued, starts the service itself
    assert len(fake.meetings) == 1


def test_failure_keeps_request_id_and_shows_error_state(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.signed_in_user.guest = True
    notes: list[Notice] = []
    model.notify.connect(notes.append)

    op = model.dispatch(MeetNow())
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=10_000) as failed:
        pass
    assert isinstance(failed.args[0], Failed)
    error: MeettrayError = failed.args[0].error

    assert "not allowed to create Teams meetings" in error.message
    assert error.request_id
    assert model.state.problem is error  # the icon shows the desktop's own failure
    assert (notes[-1].title, notes[-1].text) == ("No meeting was created", error.message)
    assert notes[-1].level == Level.ERROR
    assert notes[-1].error is error
    assert model.state.recent == ()  # the last good state is kept


def test_a_failed_command_is_the_commands_and_leaves_the_icon_as_it_was(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Was: a failed ``meettray now`` turned the tray's icon red (one shared last_error)."""
    fake.signed_in_user.guest = True
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    job = model.dispatch(MeetNow(origin=Origin.COMMAND, source="command line"))
    assert isinstance(job, MeetingJob)
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert isinstance(job.outcome, Failed)
    assert isinstance(model.state.outcome(Origin.COMMAND), Failed)
    assert model.state.problem is None  # the icon and its menu show no error
    assert notes == []  # the command prints it; the desktop is not told


def test_sign_in_needed_signs_in_then_creates_the_meeting(
    make_model: functools.partial[AppModel],
    fake: FakeMicrosoft365,
    clipboard: RecordingClipboard,
    qtbot: QtBot,
) -> None:
    model = make_model()
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()

    started: list[bool] = []
    model.sign_in_started.connect(lambda _op: started.append(True))
    op = model.dispatch(MeetNow())  # not signed in: sign-in runs, then the meeting is made
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=20_000) as done:
        pass

    assert started == [True]  # so the tray shows the sign-in progress dialog

    assert model.state.account is not None
    assert clipboard.text == done.args[0].meeting.join_url
    assert len(fake.requests_to("GET", "/authorize")) == 1


def test_device_code_sign_in_shows_the_code_and_can_be_cancelled(
    make_model: functools.partial[AppModel], fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.device_polls_before_approval = -1
    model = make_model()
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    with qtbot.waitSignal(model.device_code_ready, timeout=10_000) as ready:
        op = model.dispatch(SignIn(device_code=True))
    assert ready.args[0].user_code
    signing_in_while_waiting = model.state.signing_in
    assert signing_in_while_waiting

    assert isinstance(op, SignInJob)
    with qtbot.waitSignal(op.settled, timeout=10_000):
        model.dispatch(CancelSignIn())
    assert op.cancelled
    assert notes == []  # the person's own cancel is not a failure to tell
    assert not model.state.signing_in
    assert model.state.account is None


def test_sign_out(model: AppModel, qtbot: QtBot) -> None:
    with qtbot.waitSignal(model.state_changed, timeout=5000):
        model.dispatch(SignOut())
    qtbot.waitUntil(lambda: model.state.account is None, timeout=5000)
    assert on_service(model, qtbot, lambda service: service.account()) is None


def test_schedule_reports_through_its_operation(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    request = build_schedule(subject="Review", start="2030-01-02T10:00Z", duration_minutes=30)
    op = model.dispatch(Schedule(request))
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=10_000) as done:
        pass
    assert done.args[0].meeting.subject == "Review"
    assert done.args[0].meeting.id in fake.meetings


def test_remove_and_cancel(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    one = meet_now(model, qtbot).meeting
    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    two = meet_now(model, qtbot).meeting

    removed = model.dispatch(Forget(one))
    assert removed is not None
    qtbot.waitUntil(lambda: removed.is_settled, timeout=5000)
    assert one.id in fake.meetings  # only forgotten locally
    cancelled = model.dispatch(Cancel(two))
    assert cancelled is not None
    qtbot.waitUntil(lambda: cancelled.is_settled, timeout=5000)
    assert isinstance(cancelled.outcome, Done)
    assert two.id not in fake.meetings
    qtbot.waitUntil(lambda: model.state.recent == (), timeout=5000)


def test_open_meeting_failure_falls_back_to_clipboard(
    make_model: functools.partial[AppModel], clipboard: RecordingClipboard
) -> None:
    model = make_model(open_url=lambda url: False)
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/x"},
        status=200,
        account="",
        created_at=utc_now(),
    )
    model.dispatch(OpenMeeting(meeting))
    assert clipboard.text == "https://teams.microsoft.com/l/meetup-join/x"
    assert notes[-1].title == "No browser could be opened"
    assert notes[-1].level == Level.WARNING


def test_save_settings_writes_the_file_and_applies(
    model: AppModel, config_file: object, qtbot: QtBot, tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "saved.toml"
    new = dataclasses.replace(
        model.config,
        path=path,
        meeting=dataclasses.replace(model.config.meeting, subject="Bridge"),
    )
    apply_settings(model, qtbot, new)

    assert load_config(path).meeting.subject == "Bridge"
    assert meet_now(model, qtbot).meeting.subject == "Bridge"


def test_event_loop_keeps_turning_while_graph_is_slow(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Ordering, not timing: a GUI thread that waited for Graph could not run anything
    queued after the click before the meeting was made."""
    fake.latency = 0.5
    order: list[str] = []
    model.meetings.delivered.connect(lambda *_made: order.append("created"))
    model.dispatch(MeetNow())
    QTimer.singleShot(0, lambda: order.append("loop turned"))
    with qtbot.waitSignal(model.meetings.delivered, timeout=15_000):
        pass
    assert order == ["loop turned", "created"]


def test_start_on_login_setting_drives_autostart(
    make_model: functools.partial[AppModel], qtbot: QtBot, tmp_path: object
) -> None:
    from pathlib import Path

    from meettray.platform.autostart import XdgAutostart

    entry = XdgAutostart(Path(str(tmp_path)) / "autostart")
    model = make_model(autostart=entry)
    on = dataclasses.replace(
        model.config, path=Path(str(tmp_path)) / "c.toml",
        ui=dataclasses.replace(model.config.ui, start_on_login=True),
    )  # fmt: skip
    apply_settings(model, qtbot, on)
    qtbot.waitUntil(entry.enabled, timeout=5000)

    off = dataclasses.replace(on, ui=dataclasses.replace(on.ui, start_on_login=False))
    apply_settings(model, qtbot, off)
    qtbot.waitUntil(lambda: not entry.enabled(), timeout=5000)


def test_recent_follows_meetings_made_by_another_process(
    model: AppModel, config_file: object, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """`meettray now --no-copy` (and schedule) write history themselves: Recent shows them."""
    from ..conftest import run_cli

    versions = {model.state.history_version}
    model.state_changed.connect(lambda state: versions.add(state.history_version))

    def refreshed() -> int:
        return len(versions) - 1

    made = run_cli("now", "--no-copy")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()

    qtbot.waitUntil(lambda: [m.join_url for m in model.state.recent] == [link], timeout=10_000)
    assert refreshed() == 1

    # The tray's own meeting refreshes once, as before: its write is not taken for another's.
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
        model.dispatch(MeetNow())
    qtbot.waitUntil(lambda: len(model.state.recent) == 2, timeout=5000)
    # Another process's meeting next (about a second later, far past HISTORY_SETTLE_MS):
    # had the tray's own write been taken for another's, its refresh would come first.
    assert run_cli("now", "--no-copy").returncode == 0
    qtbot.waitUntil(lambda: len(model.state.recent) == 3, timeout=10_000)
    assert refreshed() == 3


@pytest.mark.logs("link not copied")
def test_a_copy_that_did_not_take_is_reported_with_the_whole_link(
    model: AppModel, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    """Never claim a success not observed: the notification says so and carries the link."""
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    clipboard.refuse = "Not copied: the compositor refused."

    delivered = meet_now(model, qtbot)
    meeting = delivered.meeting

    notice = notes[-1]
    assert notice.title == "Link not copied — Quick meeting"
    assert "the compositor refused" in notice.text
    assert meeting.join_url in notice.text  # to copy by hand
    assert notice.meeting == meeting
    assert notice.level == Level.WARNING  # shown even with notifications off
    assert delivered.copy.copied is False


def test_meet_now_copies_the_prepared_link_first_and_prepares_the_next(
    make_model: functools.partial[AppModel], config: Config,
    fake: FakeMicrosoft365, clipboard: RecordingClipboard, qtbot: QtBot,
) -> None:  # fmt: skip
    """The tray's Meet now with a spare: the link is on the clipboard before the PATCH
    was even sent; afterwards the next meeting is made ready."""
    model, spare_id = _signed_in_with_a_spare(make_model, config, fake, qtbot)
    fake.add_fault("delay", "/onlineMeetings/", method="PATCH", delay=2.0)  # a slow Graph
    # What Graph holds when the link is copied: ordering, not timing.
    subject_when_copied: list[str] = []
    clipboard.on_copy = lambda: subject_when_copied.append(fake.meetings[spare_id]["subject"])

    op = model.dispatch(MeetNow(subject="Standup"))
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=10_000) as done:
        pass

    delivered: Delivered = done.args[0]
    assert delivered.meeting.id == spare_id
    assert delivered.created.warnings == ()  # the slow PATCH did land
    assert delivered.meeting.subject == "Standup"
    assert clipboard.text == delivered.meeting.join_url
    # The copy did not wait for the PATCH: Graph had not applied it yet.
    assert subject_when_copied == ["Quick meeting"]
    assert len(fake.requests_to("PATCH", "/onlineMeetings")) == 1
    qtbot.waitUntil(lambda: len(fake.meetings) == 2, timeout=10_000)  # the next one, ready
    assert [m.id for m in model.state.recent] in ([], [spare_id])  # the spare never shows


def _signed_in_with_a_spare(
    make_model: functools.partial[AppModel], config: Config,
    fake: FakeMicrosoft365, qtbot: QtBot,
) -> tuple[AppModel, str]:  # fmt: skip
    """A model with "Prepare the next link in advance" on, signed in, its spare made."""
    with_spare = dataclasses.replace(
        config, meeting=dataclasses.replace(config.meeting, prepare_next_link=True)
    )
    model = make_model(config=with_spare)
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()
    sign_in(model, qtbot)
    qtbot.waitUntil(lambda: len(fake.meetings) == 1, timeout=10_000)  # made ahead of need
    qtbot.waitUntil(lambda: model.state.link_prepared, timeout=10_000)
    (spare_id,) = fake.meetings
    return model, spare_id


def test_a_command_sent_to_the_tray_takes_the_prepared_meeting_for_its_id(
    make_model: functools.partial[AppModel], config: Config,
    fake: FakeMicrosoft365, qtbot: QtBot,
) -> None:  # fmt: skip
    """``meettray now`` via the tray: the spare, taken for the id the command chose, so
    that the command finds it by that id should the tray die before answering."""
    model, spare_id = _signed_in_with_a_spare(make_model, config, fake, qtbot)

    op = model.dispatch(MeetNow(subject="Outage", origin=Origin.COMMAND, external_id="cli-42"))
    assert isinstance(op, MeetingJob)
    with qtbot.waitSignal(op.settled, timeout=10_000) as done:
        pass

    delivered: Delivered = done.args[0]
    assert delivered.meeting.id == spare_id
    assert delivered.meeting.subject == "Outage"
    asked = [r.json()["externalId"] for r in fake.requests_to("POST", "createOrGet")]
    assert "cli-42" not in asked  # Graph was never asked for a new one
    handout = on_service(model, qtbot, lambda service: service.history.handout_for("cli-42"))
    assert handout is not None
    assert (handout.meeting.id, handout.state) == (spare_id, "done")


def test_meeting_options_open_the_organizers_page_and_an_expired_link_is_told(
    model: AppModel, clipboard: RecordingClipboard, opened: list[str], qtbot: QtBot
) -> None:
    """Round 3: "Meeting options…" opens Graph's meetingOptionsWebUrl; re-copying a link
    Teams has deleted (60 days after its end) warns instead of claiming a working link."""
    from datetime import timedelta

    from meettray.results import utc_now

    notes: list[Notice] = []
    model.notify.connect(notes.append)
    meeting = meet_now(model, qtbot).meeting
    assert meeting.options_url.startswith("https://teams.microsoft.com/")
    model.dispatch(OpenOptions(meeting))
    assert opened == [meeting.options_url]

    expired = dataclasses.replace(meeting, expires_at=utc_now() - timedelta(days=1))
    model.dispatch(Copy(expired))
    assert clipboard.text == meeting.join_url  # copied as asked
    assert notes[-1].level == Level.WARNING
    assert "expired on" in notes[-1].text

    elsewhere = dataclasses.replace(meeting, options_url="https://evil.example/options")
    model.dispatch(OpenOptions(elsewhere))
    assert opened == [meeting.options_url]  # never another host's page
    assert notes[-1].title == "No meeting options page"


def test_a_calendar_permission_never_granted_is_no_silent_sign_in(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Was: a calendar permission error was taken for "not signed in", and a desktop request
    started a sign-in of its own.  A consent is the person's to grant, with its own path."""
    from meettray.errors import ConsentRequired

    started: list[object] = []
    model.sign_in_started.connect(started.append)
    request = build_schedule(subject="Review", start="2030-01-02T10:00Z", duration_minutes=30,
                             attendees=["b@example.com"], calendar=True)  # fmt: skip
    job = model.dispatch(Schedule(request))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=15_000)
    assert isinstance(job.outcome, Failed)
    assert isinstance(job.outcome.error, ConsentRequired)
    assert "needs your permission" in job.outcome.error.message
    qtbot.wait(100)
    assert started == []  # no sign-in of its own
    assert not model.state.signing_in
    assert model.state.account is not None  # still signed in: nothing was lost
    assert fake.events == {}
