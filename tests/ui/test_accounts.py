"""Several accounts in the tray app: two profiles (Contoso's "main", Fabrikam's) against the
fake's two tenants, through the real service, msal and requests."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import Config, MeetingConfig, load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.ipc import Outcome, Request
from meettray.ui.app_model.intents import (
    CancelSignIn,
    MeetNow,
    Origin,
    SetDefaultAccount,
    SignIn,
    SignOut,
)
from meettray.ui.app_model.jobs import Failed, MeetingJob, NeedsSignIn, SignInJob
from meettray.ui.app_model.model import DEBOUNCE_SECONDS, AppModel
from meettray.ui.shell.ipc_handler import IpcHandler
from meettray.ui.views.app import TrayApp

from .accounts import CONTOSO_PERSON, FABRIKAM_PERSON, organizer, tenant_of, two_profiles
from .conftest import Clock, meet_now, on_service, sign_in


def test_two_profiles_signed_in_are_listed_with_their_people(
    two_accounts: AppModel, fake: FakeMicrosoft365
) -> None:
    main, fabrikam = two_accounts.state.accounts
    assert (main.name, main.label, main.username, main.signed_in, main.default) == (
        "main", "Contoso", CONTOSO_PERSON, True, True,
    )  # fmt: skip
    assert main.tenant_id == fake.tenant_id
    assert (fabrikam.name, fabrikam.label, fabrikam.username, fabrikam.default) == (
        "fabrikam", "Fabrikam", FABRIKAM_PERSON, False,
    )  # fmt: skip
    assert fabrikam.tenant_id == fake.tenant("fabrikam").tenant_id != fake.tenant_id
    assert two_accounts.state.account is not None
    assert two_accounts.state.account.username == CONTOSO_PERSON


def test_each_meeting_is_made_in_its_profiles_tenant(
    two_accounts: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    plain = meet_now(two_accounts, qtbot).meeting
    assert organizer(fake, plain) == CONTOSO_PERSON
    assert tenant_of(fake, plain) == fake.tenant_id

    # The preset names Fabrikam: its meeting is Fabrikam's, owned by Fabrikam's person.
    clock.now += 2 * DEBOUNCE_SECONDS
    customer = meet_now(two_accounts, qtbot, MeetNow(preset="customer", source="menu")).meeting
    assert organizer(fake, customer) == FABRIKAM_PERSON
    assert tenant_of(fake, customer) == fake.tenant("fabrikam").tenant_id
    assert customer.subject == "Customer call"

    # Named by the request itself (``meettray now --account``), over the preset's.
    asked = MeetNow(preset="customer", account="main", origin=Origin.COMMAND)
    assert organizer(fake, meet_now(two_accounts, qtbot, asked).meeting) == CONTOSO_PERSON
    asked = MeetNow(account="fabrikam", origin=Origin.COMMAND)
    assert organizer(fake, meet_now(two_accounts, qtbot, asked).meeting) == FABRIKAM_PERSON


def test_an_unknown_account_fails_with_the_names_there_are(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    job = two_accounts.dispatch(MeetNow(account="northwind", origin=Origin.COMMAND))
    assert isinstance(job, MeetingJob)
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert isinstance(job.outcome, Failed)
    assert job.outcome.error.exit_code == ExitCode.SETTINGS
    assert "'northwind'" in job.outcome.error.message
    assert "main, fabrikam" in job.outcome.error.message
    assert fake.meetings == {}


def test_the_default_account_is_switched_and_saved(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    job = two_accounts.dispatch(SetDefaultAccount("fabrikam"))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert job.error is None, job.error
    assert two_accounts.config.ui.default_account == "fabrikam"
    assert load_config(two_accounts.config.path).ui.default_account == "fabrikam"  # in the file
    assert [a.name for a in two_accounts.state.accounts if a.default] == ["fabrikam"]
    assert two_accounts.state.account is not None
    assert two_accounts.state.account.username == FABRIKAM_PERSON

    # A plain Meet now is Fabrikam's now; the quick preset (no account) follows the default.
    assert organizer(fake, meet_now(two_accounts, qtbot).meeting) == FABRIKAM_PERSON
    quick = meet_now(two_accounts, qtbot, MeetNow(preset="quick", origin=Origin.COMMAND)).meeting
    assert organizer(fake, quick) == FABRIKAM_PERSON

    # An unknown name is refused, and nothing is saved.
    refused = two_accounts.dispatch(SetDefaultAccount("northwind"))
    assert refused is not None
    qtbot.waitUntil(lambda: refused.is_settled, timeout=10_000)
    assert refused.error is not None
    assert "'northwind'" in refused.error.message
    assert load_config(two_accounts.config.path).ui.default_account == "fabrikam"


def test_signing_out_of_one_leaves_the_other_working(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    job = two_accounts.dispatch(SignOut(account="fabrikam"))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert job.error is None, job.error
    main, fabrikam = two_accounts.state.accounts
    assert main.signed_in
    assert main.username == CONTOSO_PERSON
    assert not fabrikam.signed_in
    assert fabrikam.username == ""
    assert two_accounts.state.account is not None  # the default profile's person stays

    assert organizer(fake, meet_now(two_accounts, qtbot).meeting) == CONTOSO_PERSON
    # Fabrikam's request, from a command (nobody at the desktop to sign in): needs sign-in.
    asked = two_accounts.dispatch(MeetNow(account="fabrikam", origin=Origin.COMMAND))
    assert isinstance(asked, MeetingJob)
    qtbot.waitUntil(lambda: asked.is_settled, timeout=10_000)
    assert isinstance(asked.outcome, NeedsSignIn), asked.outcome
    assert on_service(two_accounts, qtbot, lambda service: service.account()) is not None


def test_a_desktop_meet_now_signs_its_own_profile_in_first(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    model = make_model(config=two_profiles(config, fake))
    model.start()
    qtbot.waitUntil(lambda: model.accounts.people.keys() == {"main", "fabrikam"}, timeout=15_000)
    sign_in(model, qtbot)  # Contoso only
    job = model.dispatch(MeetNow(preset="customer", source="menu"))
    assert isinstance(job, MeetingJob)
    qtbot.waitUntil(lambda: job.is_settled, timeout=20_000)  # Fabrikam signed in meanwhile
    assert job.error is None, job.error
    assert job.meeting is not None
    assert organizer(fake, job.meeting) == FABRIKAM_PERSON
    assert [a.signed_in for a in model.state.accounts] == [True, True]


def test_a_spare_per_profile_never_crosses(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    clock: Clock, qtbot: QtBot,
) -> None:  # fmt: skip
    model = make_model(config=two_profiles(config, fake, prepare_next_link=True))
    model.start()
    qtbot.waitUntil(lambda: model.accounts.people.keys() == {"main", "fabrikam"}, timeout=15_000)
    sign_in(model, qtbot)
    sign_in(model, qtbot, SignIn(account="fabrikam"))
    qtbot.waitUntil(lambda: model.accounts.prepared == {"main", "fabrikam"}, timeout=20_000)
    assert model.state.link_prepared  # the default profile's
    # Two spares on the fake, one per organizer.
    spares = {m["participants"]["organizer"]["upn"] for m in fake.meetings.values()}
    assert spares == {CONTOSO_PERSON, FABRIKAM_PERSON}
    before = set(fake.meetings)

    asked = MeetNow(account="fabrikam", source="menu")
    fabrikam_meeting = meet_now(model, qtbot, asked).meeting
    assert fabrikam_meeting.id in before  # Fabrikam's own spare, handed out
    assert organizer(fake, fabrikam_meeting) == FABRIKAM_PERSON
    clock.now += 2 * DEBOUNCE_SECONDS
    contoso_meeting = meet_now(model, qtbot, MeetNow(account="main", source="menu")).meeting
    assert contoso_meeting.id in before  # Contoso's own spare, still there for it
    assert organizer(fake, contoso_meeting) == CONTOSO_PERSON
    # Each profile's next one is made again, in its own tenant.
    qtbot.waitUntil(lambda: model.accounts.prepared == {"main", "fabrikam"}, timeout=20_000)
    fresh = [m for key, m in fake.meetings.items() if key not in before]
    upns = sorted(m["participants"]["organizer"]["upn"] for m in fresh)
    assert upns == sorted([CONTOSO_PERSON, FABRIKAM_PERSON])


def test_one_profile_keeps_the_single_account_state(
    make_model: functools.partial[AppModel], config: Config, qtbot: QtBot
) -> None:
    model = make_model(config=dataclasses.replace(config, meeting=MeetingConfig(
        prepare_next_link=False)))  # fmt: skip
    assert [a.name for a in model.state.accounts] == ["main"]
    assert not model.state.several_accounts


@pytest.mark.logs("no system tray available")
def test_meettray_now_through_the_tray_makes_the_accounts_meeting(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    handler = IpcHandler(two_accounts, TrayApp(two_accounts, tray_grace_ms=0))
    answers: list[Outcome] = []
    handler.handle_request(Request("now", account="fabrikam"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    final = answers[1]
    assert final.ok
    assert final.final
    assert final.meeting is not None
    assert fake.meetings[final.meeting["id"]]["participants"]["organizer"]["upn"] == (
        FABRIKAM_PERSON
    )
    assert final.meeting["account"] == "fabrikam"

    handler.handle_request(Request("now", account="northwind"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 3, timeout=10_000)
    assert answers[2].ok is False
    assert answers[2].exit_code == ExitCode.SETTINGS
    assert "main, fabrikam" in answers[2].message
    handler.tray_app.close()


def test_a_sign_in_under_way_holds_up_no_other_accounts_meeting(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    fake.device_polls_before_approval = -1  # Fabrikam's person never approves the code
    model = make_model(config=two_profiles(config, fake))
    model.start()
    qtbot.waitUntil(lambda: model.accounts.people.keys() == {"main", "fabrikam"}, timeout=15_000)
    sign_in(model, qtbot)
    with qtbot.waitSignal(model.device_code_ready, timeout=10_000):
        waiting = model.dispatch(SignIn(account="fabrikam", device_code=True))
    assert isinstance(waiting, SignInJob)
    main, fabrikam = model.state.accounts
    assert fabrikam.signing_in
    assert not main.signing_in
    assert model.state.signing_in

    # Contoso's meetings go on meanwhile, from the desktop and from a command.
    assert organizer(fake, meet_now(model, qtbot).meeting) == CONTOSO_PERSON
    asked = MeetNow(origin=Origin.COMMAND)
    assert organizer(fake, meet_now(model, qtbot, asked).meeting) == CONTOSO_PERSON
    assert not waiting.is_settled

    with qtbot.waitSignal(waiting.settled, timeout=10_000):
        model.dispatch(CancelSignIn())
    assert waiting.cancelled
    assert [a.signing_in for a in model.state.accounts] == [False, False]
    assert not model.state.accounts[1].signed_in
