"""Live behaviours, round 3 (../shared/graph-notes.md): the fake behaves as Graph does, and
the client through MSAL, requests and HTTPS copes.

As in round 2, each row is tested against the fake alone (raw HTTPS requests), so that a
client test can fail, and then through the client.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from meettray import quota
from meettray.accounts import MEETINGS
from meettray.auth import AppOnlyAuth, CacheStatus, DelegatedAuth, memory_token_cache
from meettray.config import AccountConfig, Config, MeetingConfig, UiConfig, config_from_mapping
from meettray.creation import Creation
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode, GraphError, ValidationError
from meettray.formatting import clipboard_payload, expired_copy_warning, expiry_text
from meettray.graph import GraphClient
from meettray.history import HistoryStore
from meettray.meetings import MeetingOptions, MeetingRequest
from meettray.options import running_meeting_caveat
from meettray.service import MeetingService
from tests.conftest import SleepRecorder, run_cli

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
PREFER = {"Prefer": "include-unknown-enum-members"}
NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def request(**changes: object) -> MeetingRequest:
    base = MeetingRequest(subject="Customer call", start=NOW, end=NOW + timedelta(minutes=30))
    return MeetingRequest(**{**base.__dict__, **changes})


def raw(
    fake: FakeMicrosoft365, token: str, method: str, path: str,
    body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> requests.Response:  # fmt: skip
    """A request to the fake as any client could send it (real HTTPS, a real token)."""
    return requests.request(
        method, f"{fake.graph_endpoint}{path}", json=body, timeout=10,
        headers={"Authorization": f"Bearer {token}", **PREFER, **(headers or {})},
    )  # fmt: skip


def created(fake: FakeMicrosoft365, token: str, **body: Any) -> dict[str, Any]:
    answer = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                 {"externalId": "row", "subject": "x", **body})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def token(signed_in: DelegatedAuth) -> str:
    return signed_in.token([MEETINGS])


# -- row 1: joinInformation is form-encoded ------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title"),
    [("en-US", "Microsoft+Teams+meeting"), ("de-DE", "Microsoft+Teams-Besprechung")],
)
def test_live_row_join_information_is_form_encoded_as_graph_sends_it(
    fake: FakeMicrosoft365, token: str, language: str, title: str
) -> None:
    answer = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                 {"externalId": "row", "subject": "x"}, {"Accept-Language": language})  # fmt: skip
    content = answer.json()["joinInformation"]["content"]
    assert content.startswith("data:text/html,%3cdiv+style%3d%22")
    assert title in content
    assert "%0d%0a" in content
    assert "%20" not in content
    assert not re.search(r"%[0-9a-f][A-F]|%[A-F]", content)


def test_live_row_join_information_may_have_its_prefix_encoded(
    fake: FakeMicrosoft365, token: str
) -> None:
    fake.graph.invitation_prefix_encoded = True
    content = created(fake, token)["joinInformation"]["content"]
    assert content.startswith("data%3Atext%2Fhtml%2C%3cdiv+")


def _outside_links(text: str, meeting: Any) -> str:
    """The invitation's words without its addresses and phone numbers, which may hold
    ``%`` and ``+`` of their own."""
    text = re.sub(r"https://\S+", "", text)
    return text.replace(meeting.dial_in, "")


@pytest.mark.parametrize("encoded_prefix", [False, True])
@pytest.mark.parametrize(
    ("language", "words"),
    [("en-GB", ["Microsoft Teams meeting", "Join on your computer, mobile app or room device",
                "Click here to join the meeting", "Or call in (audio only)"]),
     ("de-DE", ["Microsoft Teams-Besprechung", "Klicken Sie hier, um an der Besprechung "
                "teilzunehmen", "Oder telefonisch teilnehmen (nur Audio)"])],
)  # fmt: skip
def test_live_row_join_information_details_read_as_teams_writes_them(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, language: str, words: list[str],
    encoded_prefix: bool,
) -> None:  # fmt: skip
    """Was: every space came out as "+" ("Microsoft+Teams+meeting") on every real tenant."""
    fake.graph.invitation_prefix_encoded = encoded_prefix
    graph = GraphClient(fake.graph_endpoint, signed_in, language=language)
    meeting = graph.create_meeting(request(), "ext-details").meeting
    graph.close()

    payload = clipboard_payload(meeting, UiConfig(clipboard="details"))
    for text in (meeting.join_text, payload.text):
        for phrase in words:
            assert phrase in text
        words_only = _outside_links(text, meeting)
        assert "+" not in words_only, words_only
        assert "%" not in words_only, words_only
        assert "\r" not in text


# -- row 2: no passcode unless asked at creation ---------------------------------------------------


def test_live_row_create_or_get_gives_no_passcode_unless_asked(
    fake: FakeMicrosoft365, token: str
) -> None:
    plain = created(fake, token)["joinMeetingIdSettings"]
    assert plain["isPasscodeRequired"] is False
    assert plain["passcode"] is None
    settings = {"isPasscodeRequired": True}
    asked = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                {"externalId": "with-code", "joinMeetingIdSettings": settings})  # fmt: skip
    assert asked.json()["joinMeetingIdSettings"]["passcode"]


def test_live_row_no_passcode_line_where_there_is_none(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    graph = GraphClient(fake.graph_endpoint, signed_in, language="en-US")
    meeting = graph.create_meeting(request(), "ext-no-code").meeting
    graph.close()
    assert meeting.passcode == ""
    for details_text in ("teams", "meettray"):
        text = clipboard_payload(meeting, UiConfig(clipboard="details",
                                                   details_text=details_text)).text  # fmt: skip
        assert "Passcode" not in text
        assert "None" not in text


# -- row 3: PATCH leaves two options as they were; what did not take is named ---------------------


def test_live_row_patch_leaves_name_changes_and_chat_history_as_they_were(
    fake: FakeMicrosoft365, token: str
) -> None:
    meeting = created(fake, token)
    path = f"/me/onlineMeetings/{meeting['id']}"
    answer = raw(fake, token, "PATCH", path, {"allowParticipantsToChangeName": True,
                                              "shareMeetingChatHistoryDefault": "none",
                                              "allowRecording": False})  # fmt: skip
    assert answer.status_code == 200
    body = answer.json()
    assert body["allowParticipantsToChangeName"] is False
    assert body["shareMeetingChatHistoryDefault"] == "all"
    assert body["allowRecording"] is False  # listed on the update page: changed


@pytest.fixture
def service(
    config: Config, signed_in: DelegatedAuth, graph: GraphClient, tmp_path: Path
) -> Iterator[MeetingService]:
    made = MeetingService(config=config, authenticator=signed_in, graph=graph,
                          history=HistoryStore(tmp_path / "history.sqlite3"),
                          cache_status=CacheStatus("memory", False, ""))  # fmt: skip
    yield made
    made.close()


WATERMARKED = MeetingOptions(watermark=True, record_automatically=True, meeting_chat="limited")


def test_live_row_an_option_graph_ignored_is_named_with_its_value(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """A tenant without Teams Premium: the PATCH answers 200 and the watermark stays off.
    Was: "created", with nothing said."""
    fake.graph.online.ignored_by_patch.add("watermarkProtection")
    asked = dataclasses.replace(service.instant_request(), options=WATERMARKED)

    made = service.make(Creation(asked))

    label = "Watermark shared content and video (needs Teams Premium)"
    assert [item.as_json() for item in made.not_applied] == [
        {"option": "watermark", "label": label, "asked": "on", "answered": "off",
         "reason": None},
    ]  # fmt: skip
    (warning,) = made.warnings
    assert f"Teams did not take this setting: {label}: on (Teams reports off)." in warning
    (stored,) = service.history.recent(5)
    assert stored.note == warning  # the History row says it too


def test_live_row_a_preset_whose_patch_failed_names_its_options(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    """A prepared meeting handed out, its PATCH refused: the note names the preset's
    settings, not only the subject and times, and says a running meeting keeps its old
    recording and watermark settings."""
    with_spare = dataclasses.replace(config, meeting=MeetingConfig(prepare_next_link=True))
    service = MeetingService(config=with_spare, authenticator=signed_in, graph=graph,
                             history=HistoryStore(tmp_path / "h.sqlite3"),
                             cache_status=CacheStatus("memory", False, ""))  # fmt: skip
    try:
        service.prepare_spare()
        fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=403,
                       code="Forbidden", times=10)  # fmt: skip
        made = service.make(Creation.meet_now(service.instant_request(preset="incident")))
    finally:
        service.close()

    note = made.meeting.note
    assert "none of its settings (" in note
    assert "Record automatically: on; " in note
    assert "Who bypasses the lobby: organization" in note
    assert "keeps its old settings for: Record automatically" in note
    assert {item.name for item in made.not_applied} >= {"record_automatically", "lobby"}
    assert all(item.reason and not item.answered for item in made.not_applied)


def test_live_row_options_graph_cannot_set_are_refused_where_configured() -> None:
    with pytest.raises(ValidationError) as raised:
        MeetingOptions.parse({"chat_history": "none", "rename_allowed": True})
    for name in ("chat_history", "rename_allowed"):
        assert "Microsoft Graph cannot change this option" in raised.value.problems[name]
        assert "“Meeting options…” in History" in raised.value.problems[name]
    loaded = config_from_mapping(
        {"presets": {"call": {"subject": "Call", "rename_allowed": False}}},
        path=Path("/home/lee/.config/meettray/config.toml"),
    )
    (preset,) = loaded.presets
    assert preset.options == MeetingOptions()  # the rest of the preset is kept
    assert any("rename_allowed ignored: Participants may change their name" in w
               for w in loaded.warnings)  # fmt: skip


# -- row 5: createOrGet ignores extra fields and returns the meeting as PATCHed --------------------


def test_live_row_create_or_get_ignores_extra_fields_and_answers_as_patched(
    fake: FakeMicrosoft365, token: str
) -> None:
    first = created(fake, token, allowRecording=False, lobbyBypassSettings={"scope": "everyone"})
    assert first["allowRecording"] is True  # ignored, not refused
    raw(fake, token, "PATCH", f"/me/onlineMeetings/{first['id']}", {"subject": "Changed"})
    again = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                {"externalId": "row", "subject": "x"})  # fmt: skip
    assert again.status_code == 200
    assert again.json()["subject"] == "Changed"


# -- row 6: expiry and the organizer's options page ----------------------------------------------


def test_live_row_every_meeting_has_its_expiry_and_options_page(
    fake: FakeMicrosoft365, token: str
) -> None:
    meeting = created(fake, token, startDateTime="2030-01-01T09:00:00Z",
                      endDateTime="2030-01-01T10:00:00Z")  # fmt: skip
    assert meeting["expiryDateTime"] == "2030-03-02T10:00:00.0000000Z"  # 60 days after the end
    page = meeting["meetingOptionsWebUrl"]
    assert page.startswith("https://teams.microsoft.com/meetingOptions/?organizerId=")
    fake.graph.online.clock = lambda: datetime(2030, 2, 1, 12, 0, tzinfo=timezone.utc)
    patched = raw(fake, token, "PATCH", f"/me/onlineMeetings/{meeting['id']}", {"subject": "y"})
    assert patched.json()["expiryDateTime"] == "2030-04-02T12:00:00.0000000Z"  # pushed back


def test_live_row_history_knows_expiry_and_the_options_page(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    made = service.make(Creation(service.instant_request()))
    (stored,) = service.history.recent(5)

    assert stored.expires_at == made.meeting.expires_at
    assert stored.expires_at is not None
    assert stored.options_url == fake.meetings[made.meeting.id]["meetingOptionsWebUrl"]
    assert stored.as_json()["meeting_options_url"] == stored.options_url
    later = stored.expires_at + timedelta(seconds=1)
    assert expiry_text(stored, later).startswith("EXPIRED ")
    assert expiry_text(stored, stored.expires_at - timedelta(days=1)).startswith("expires ")
    assert "its link no longer works" in expired_copy_warning(stored, later)
    assert expired_copy_warning(stored, stored.expires_at - timedelta(days=1)) == ""


def test_live_row_the_command_names_what_did_not_take_and_history_shows_expiry(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    assert run_cli("login", "--device-code", env=NO_DISPLAY).returncode == 0
    fake.graph.online.ignored_by_patch.add("watermarkProtection")

    done = run_cli("schedule", "--subject", "Review", "--start", "2030-01-02T10:00",
                   "--duration", "30", "--option", "watermark=on", "--json",
                   env=NO_DISPLAY)  # fmt: skip

    assert done.returncode == 0, done.stderr
    (missing,) = json.loads(done.stdout)["not_applied"]
    assert (missing["option"], missing["asked"], missing["answered"]) == ("watermark", "on", "off")
    assert "Watermark shared content and video (needs Teams Premium): on (Teams reports off)" in (
        done.stderr
    )
    listed = run_cli("history", env=NO_DISPLAY)
    assert "    expires 2030-03-03" in listed.stdout
    assert "note: Teams did not take this setting: Watermark" in listed.stdout


# -- row 8: an unknown organizer is 404 on every path; doctor proves the organizer ---------------


def _app_token(fake: FakeMicrosoft365, organizer: str) -> tuple[AppOnlyAuth, str]:
    fake.add_app("app-client", secret="App-Secret-1")
    account = AccountConfig(mode="application", client_id="app-client", user_id=organizer,
                            authority=fake.authority,
                            graph_endpoint=fake.graph_endpoint)  # fmt: skip
    auth = AppOnlyAuth(account, "App-Secret-1", memory_token_cache()[0])
    return auth, auth.token([MEETINGS])


def test_live_row_an_unknown_organizer_is_404_on_every_path(fake: FakeMicrosoft365) -> None:
    _auth, token = _app_token(fake, "x")
    nobody = "/users/00000000-0000-0000-0000-00000000dead/onlineMeetings"
    probe = "?$filter=JoinWebUrl eq 'https://teams.microsoft.com/l/meetup-join/x'"
    for method, path, body in [("POST", "", {"subject": "x"}),
                               ("POST", "/createOrGet", {"externalId": "x"}),
                               ("GET", probe, None), ("GET", "/some-id", None),
                               ("PATCH", "/some-id", {"subject": "y"}),
                               ("DELETE", "/some-id", None)]:  # fmt: skip
        answer = requests.request(method, f"{fake.graph_endpoint}{nobody}{path}", json=body,
                                  headers={"Authorization": f"Bearer {token}"},
                                  timeout=10)  # fmt: skip
        assert answer.status_code == 404, (method, path)


def _app_config(tmp_path: Path, fake: FakeMicrosoft365, user_id: str) -> Path:
    fake.add_app("app-client", secret="App-Secret-1")
    path = tmp_path / "app.toml"
    path.write_text(f'[account]\nmode = "application"\nclient_id = "app-client"\n'
                    f'user_id = "{user_id}"\nauthority = "{fake.authority}"\n'
                    f'graph_endpoint = "{fake.graph_endpoint}"\n'
                    "[meeting]\nprepare_next_link = false\n")  # fmt: skip
    return path


def _doctor(config: Path) -> tuple[int, dict[str, Any]]:
    done = run_cli("doctor", "--json", "--config", str(config),
                   env={**NO_DISPLAY, "MEETTRAY_CLIENT_SECRET": "App-Secret-1"})  # fmt: skip
    report = json.loads(done.stdout)
    return done.returncode, {c["name"]: c for c in report["checks"]}


def test_live_row_doctor_fails_a_wrong_user_id_with_the_fix(
    fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    """Was: the filter probe's 404 passed for an organizer that does not exist."""
    code, checks = _doctor(_app_config(tmp_path, fake, "00000000-0000-0000-0000-00000000dead"))

    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    graph = checks["Microsoft Graph"]
    assert graph["status"] == "failure"
    assert "found no user '00000000-0000-0000-0000-00000000dead'" in graph["detail"]
    assert "Set [account] user_id to the organizer's object ID" in graph["fix"]
    assert fake.meetings == {}


def test_live_row_doctor_proves_the_organizer_with_at_most_one_meeting(
    fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    organizer = fake.add_user("adele@contoso.example", "Adele Vance")
    config = _app_config(tmp_path, fake, organizer.oid)

    for _ in range(2):
        _code, checks = _doctor(config)
        assert checks["Microsoft Graph"]["status"] == "ok", checks["Microsoft Graph"]
        assert f"organizer {organizer.oid} exists" in checks["Microsoft Graph"]["detail"]
    (probe,) = fake.meetings.values()  # the same one both times
    assert probe["externalId"] == "meettray-doctor-organizer-probe"


# -- row 7: 2,000 meetings per organizer a month ---------------------------------------------------


def test_live_row_graph_allows_2000_meetings_per_organizer_a_month(
    fake: FakeMicrosoft365, token: str
) -> None:
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    oid = fake.signed_in_user.oid
    fake.graph.online.created[(oid, month)] = 1999

    assert created(fake, token, externalId="the-2000th")["id"]
    refused = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet", {"externalId": "more"})
    assert refused.status_code == 429
    assert "limit of 2000 meetings per month" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    again = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                {"externalId": "the-2000th"})  # fmt: skip
    assert again.status_code == 200  # getting an existing meeting makes none
    fake.graph.online.clock = lambda: datetime.now(timezone.utc) + timedelta(days=32)
    assert created(fake, token, externalId="next-month")["id"]


def test_live_row_meettray_counts_its_meetings_and_stops_preparing_spares(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    with_spare = dataclasses.replace(config, meeting=MeetingConfig(prepare_next_link=True))
    history = HistoryStore(tmp_path / "h.sqlite3")
    service = MeetingService(config=with_spare, authenticator=signed_in, graph=graph,
                             history=history,
                             cache_status=CacheStatus("memory", False, ""))  # fmt: skip
    try:
        assert service.prepare_spare()
        service.make(Creation.meet_now(service.instant_request()))  # the spare: no new meeting
        service.make(Creation(service.instant_request()))  # a new one
        assert service.created_this_month() == 2 == len(fake.meetings)

        who, month = fake.signed_in_user.upn, quota.month_of(datetime.now(timezone.utc))
        with sqlite3.connect(history.path) as db:
            db.execute("UPDATE created SET meetings = ? WHERE account = ? AND month = ?",
                       (quota.SPARE_CEILING, who, month))  # fmt: skip
        assert service.prepare_spare() is False  # past its share of Graph's 2,000
        assert len(fake.meetings) == 2
    finally:
        service.close()
    assert quota.describe(quota.SPARE_CEILING).endswith(
        "past 1,000, meettray prepares no more links ahead of need this month, so clicks "
        "make meetings directly"
    )


def test_live_row_doctor_says_how_much_of_the_monthly_limit_is_used(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    assert run_cli("login", "--device-code", env=NO_DISPLAY).returncode == 0
    assert run_cli("now", "--no-copy", env=NO_DISPLAY).returncode == 0

    done = run_cli("doctor", "--json", env=NO_DISPLAY)

    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["Meetings this month"] == {
        **checks["Meetings this month"], "status": "ok",
        "detail": "1 of Graph's 2,000 meetings a month made by meettray (prepared links "
                  "included)",
    }  # fmt: skip


def test_live_row_a_create_past_the_monthly_limit_says_so(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, sleeps: SleepRecorder
) -> None:
    """Was: "Microsoft Teams is busy right now. Try again in a few minutes." for a month."""
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    fake.graph.online.created[(fake.signed_in_user.oid, month)] = 2000
    fake.graph.online.clock = lambda: datetime.now(timezone.utc).replace(day=3)
    graph = GraphClient(fake.graph_endpoint, signed_in, sleep=sleeps)
    try:
        with pytest.raises(GraphError) as raised:
            graph.create_meeting(request(), "ext-over")
    finally:
        graph.close()
    assert raised.value.status == 429
    assert "reached Graph's limit of 2,000 meetings a month" in raised.value.message
    assert len(fake.requests_to("POST", "createOrGet")) == 1  # not retried for days


# -- row 4: what a running meeting does not take -----------------------------------------------


def test_live_row_a_late_patch_says_a_running_meeting_keeps_its_recording_settings(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    """A prepared link handed out during an outage: its PATCH arrives later, when the
    meeting may be running, and Teams applies recording only to meetings not started."""
    clock = [datetime.now(timezone.utc)]
    with_spare = dataclasses.replace(config, meeting=MeetingConfig(prepare_next_link=True))
    service = MeetingService(config=with_spare, authenticator=signed_in, graph=graph,
                             history=HistoryStore(tmp_path / "h.sqlite3"),
                             cache_status=CacheStatus("memory", False, ""),
                             clock=lambda: clock[0])  # fmt: skip
    try:
        service.prepare_spare()
        fake.add_fault("drop_before", "/onlineMeetings/", times=10)
        service.make(Creation.meet_now(service.instant_request(preset="incident")))
        fake.faults.clear()
        clock[0] += timedelta(minutes=5)
        (updated,) = service.finish_handouts()
    finally:
        service.close()

    assert "keeps its old settings for: Record automatically" in updated.note
    quick = MeetingOptions(meeting_chat="limited")
    assert running_meeting_caveat(quick) == ""  # said only where it matters
