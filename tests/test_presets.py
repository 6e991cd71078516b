"""Meeting options and presets: validated in one place, sent in the PATCH after the meeting
exists (or the prepared meeting's hand-out PATCH), enforced by the fake as Graph does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from meettray.accounts import MEETINGS
from meettray.auth import CacheStatus, DelegatedAuth
from meettray.config import Config, MeetingConfig, builtin_presets, config_from_mapping
from meettray.creation import Creation
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ConfigError, ValidationError
from meettray.graph import GraphClient
from meettray.history import HistoryStore
from meettray.meetings import OPTION_SPECS, MeetingOptions, MeetingRequest
from meettray.service import MeetingService

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
WHERE = Path("/home/lee/.config/meettray/config.toml")

#: Every option set, each to a value that differs from the fake's default.
EVERY_OPTION = MeetingOptions(
    record_automatically=True, allow_recording=False, allow_transcription=False,
    meeting_chat="limited", announce_entry_exit=False,
    lobby_admitters="organizerAndCoOrganizers", watermark=True, attendee_camera=False,
    attendee_mic=False,
)  # fmt: skip
#: How each option of EVERY_OPTION reads on Graph's wire.
ON_THE_WIRE: dict[str, Any] = {
    "recordAutomatically": True, "allowRecording": False, "allowTranscription": False,
    "allowMeetingChat": "limited", "isEntryExitAnnounced": False,
    "allowedLobbyAdmitters": "organizerAndCoOrganizers",
    "watermarkProtection": {"isEnabledForContentSharing": True, "isEnabledForVideo": True},
    "allowAttendeeToEnableCamera": False, "allowAttendeeToEnableMic": False,
}  # fmt: skip


def settings(**tables: Any) -> Config:
    return config_from_mapping(tables, path=WHERE)


# -- options: one place validates them ---------------------------------------------------------


def test_every_option_is_covered_here() -> None:
    assert set(EVERY_OPTION.chosen()) == set(OPTION_SPECS)
    assert {spec.graph_name for spec in OPTION_SPECS.values()} == set(ON_THE_WIRE)


def test_options_from_words_and_their_problems_all_at_once() -> None:
    parsed = MeetingOptions.parse({"watermark": "on", "meeting_chat": "limited",
                                   "attendee_mic": "No"}, text=True)  # fmt: skip
    assert parsed == MeetingOptions(watermark=True, meeting_chat="limited", attendee_mic=False)

    with pytest.raises(ValidationError) as raised:
        MeetingOptions.parse({"watermark": "maybe", "meeting_chat": "sometimes", "colour": 1},
                             text=True)  # fmt: skip
    problems = raised.value.problems
    assert problems["watermark"] == (
        "Watermark shared content and video (needs Teams Premium): must be true or false, "
        "not 'maybe'."
    )
    assert problems["meeting_chat"] == (
        "Meeting chat: must be one of: enabled, disabled, limited; not 'sometimes'."
    )
    assert problems["colour"].startswith("There is no meeting option 'colour'; the options are:")


def test_a_settings_file_value_must_be_true_or_false_not_a_word() -> None:
    with pytest.raises(ValidationError):
        MeetingOptions.parse({"watermark": "on"})  # TOML has true and false


def test_options_survive_the_pending_log() -> None:
    request = MeetingRequest("x", NOW, NOW + timedelta(hours=1), options=EVERY_OPTION)
    assert MeetingRequest.from_json(request.to_json()) == request


# -- presets in the settings file --------------------------------------------------------------


def test_without_presets_the_three_built_in_ones_and_quick_is_the_default() -> None:
    config = settings(meeting={"subject": "Standup", "duration_minutes": 15})
    assert [p.name for p in config.presets] == ["quick", "incident", "customer"]
    assert [p.label for p in config.presets] == ["Quick meeting", "Incident bridge",
                                                 "Customer call"]  # fmt: skip
    quick = config.preset()
    assert (quick.name, quick.subject, quick.duration_minutes) == ("quick", "Standup", 15)
    assert quick.request(NOW) == MeetingRequest("Standup", NOW, NOW + timedelta(minutes=15))


def test_presets_from_the_file_replace_the_built_in_ones() -> None:
    config = settings(presets={
        "war-room": {"label": "War room", "subject": "War room {date}", "duration_minutes": 240,
                     "lobby": "organization", "presenters": "everyone",
                     "record_automatically": True, "meeting_chat": "disabled",
                     "hotkey": "Ctrl+Alt+W"},
        "chat": {"label": "Chat", "default": True},
    })  # fmt: skip
    assert [p.name for p in config.presets] == ["war-room", "chat"]
    assert config.preset().name == "chat"
    room = config.preset("war-room")
    request = room.request(NOW)
    assert request.subject.startswith("War room 2026-11-")
    assert request.end - request.start == timedelta(minutes=240)
    assert (request.lobby_bypass, request.allowed_presenters) == ("organization", "everyone")
    assert request.options == MeetingOptions(record_automatically=True, meeting_chat="disabled")
    assert room.hotkey == "Ctrl+Alt+W"


def test_the_first_preset_is_the_default_when_none_says_so() -> None:
    config = settings(presets={"b": {}, "a": {}})
    assert config.preset().name == "b"


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"presets": {"Incident": {}}},
         f"{WHERE}: [presets.Incident]: a preset's name is lower-case letters, digits, - and _ "
         "(at most 32), as in [presets.incident]."),
        ({"presets": {"x": {"meeting_chat": "sometimes"}}},
         f"{WHERE}: [presets.x] meeting_chat: Meeting chat: must be one of: enabled, disabled, "
         "limited; not 'sometimes'."),
        ({"presets": {"x": {"record_automatically": "yes"}}},
         f"{WHERE}: [presets.x] record_automatically: Record automatically: must be true or "
         "false, not 'yes'."),
        ({"presets": {"x": {"lobby": "friends"}}},
         f"{WHERE}: [presets.x] lobby = 'friends' must be one of: , organizer, organization, "
         "organizationAndFederated, everyone, invited, organizationExcludingGuests."),
        ({"presets": {"x": {"presenters": "roleIsPresenter"}}},
         f"{WHERE}: [presets.x] presenters = 'roleIsPresenter' must be one of: , everyone, "
         "organization, organizer."),
        ({"presets": {"x": {"duration_minutes": 2}}},
         f"{WHERE}: [presets.x] duration_minutes = 2 must be between 5 and 1440."),
        ({"presets": {"x": {"duration_minutes": "long"}}},
         f"{WHERE}: [presets.x] duration_minutes must be a whole number, not text ('long')."),
        ({"presets": {"a": {"default": True}, "b": {"default": True}}},
         f"{WHERE}: [presets.a] and [presets.b] both say default = true; one preset is the "
         "default."),
        ({"presets": {"a": {"hotkey": "Ctrl+Alt+M"}}},
         f"{WHERE}: [presets.a] hotkey = 'Ctrl+Alt+M' is already [hotkeys] meet_now; each "
         "hotkey can do one thing."),
        ({"presets": {"a": {"hotkey": "Ctrl+Alt+I"}, "b": {"hotkey": "ctrl+alt+i"}}},
         f"{WHERE}: [presets.b] hotkey = 'ctrl+alt+i' is already [presets.a] hotkey; each "
         "hotkey can do one thing."),
        ({"presets": {"a": {"hotkey": "Ctrl+Banana"}}},
         f"{WHERE}: [presets.a] hotkey = 'Ctrl+Banana' is not a usable hotkey"),
        ({"presets": {"a": "incident"}}, f"{WHERE}: [presets.a] must be a table of settings."),
    ],
)  # fmt: skip
def test_each_bad_preset_names_the_file_and_the_key(tables: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**tables)
    assert raised.value.message.startswith(message)


def test_an_unknown_preset_key_is_a_warning() -> None:
    config = settings(presets={"a": {"colour": "red"}})
    assert config.warnings == (f"{WHERE}: unknown setting [presets.a] colour ignored",)


def test_an_unknown_preset_name_lists_the_presets_there_are() -> None:
    with pytest.raises(ConfigError) as raised:
        settings().preset("standup")
    assert raised.value.message == (
        f"There is no preset 'standup' in {WHERE}; the presets are: quick, incident, customer."
    )


# -- through the fake: the options arrive in the PATCH -------------------------------------------


@pytest.fixture
def service(
    config: Config, signed_in: DelegatedAuth, graph: GraphClient, tmp_path: Path
) -> Iterator[MeetingService]:
    made = MeetingService(config=config, authenticator=signed_in, graph=graph,
                          history=HistoryStore(tmp_path / "history.sqlite3"),
                          cache_status=CacheStatus("memory", False, ""))  # fmt: skip
    yield made
    made.close()


def _patches(fake: FakeMicrosoft365) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests_to("PATCH", "/onlineMeetings/")]


@pytest.mark.parametrize("preset", [p.name for p in builtin_presets(MeetingConfig())])
def test_each_built_in_preset_arrives_in_the_patch_and_is_stored(
    fake: FakeMicrosoft365, service: MeetingService, preset: str
) -> None:
    created = service.make(Creation(service.instant_request(preset=preset)))

    wanted = service.config.preset(preset)
    stored = fake.meetings[created.meeting.id]
    assert created.warnings == ()
    if not wanted.lobby and not wanted.options.chosen():
        assert _patches(fake) == []  # nothing to set: no PATCH at all
        return
    (patch,) = _patches(fake)
    for name in wanted.options.chosen():
        spec = OPTION_SPECS[name]
        assert patch[spec.graph_name] == getattr(wanted.options, name)
        assert stored[spec.graph_name] == getattr(wanted.options, name)
    assert stored["lobbyBypassSettings"]["scope"] == wanted.lobby
    assert stored["allowedPresenters"] == wanted.presenters


def test_every_option_arrives_in_graphs_own_shape(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    request = dataclasses.replace(service.instant_request(), options=EVERY_OPTION)

    created = service.make(Creation(request))

    (patch,) = _patches(fake)
    assert patch == ON_THE_WIRE
    stored = fake.meetings[created.meeting.id]
    assert {key: stored[key] for key in ON_THE_WIRE} == ON_THE_WIRE


def test_a_prepared_meeting_gets_the_presets_settings_in_its_one_patch(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    with_spare = dataclasses.replace(config, meeting=MeetingConfig(prepare_next_link=True))
    service = MeetingService(config=with_spare, authenticator=signed_in, graph=graph,
                             history=HistoryStore(tmp_path / "h.sqlite3"),
                             cache_status=CacheStatus("memory", False, ""))  # fmt: skip
    try:
        service.prepare_spare()
        assert _patches(fake) == []  # made plain
        (spare_id,) = fake.meetings

        created = service.make(Creation.meet_now(service.instant_request(preset="incident")))
    finally:
        service.close()

    assert created.meeting.id == spare_id
    (patch,) = _patches(fake)
    assert patch["subject"].startswith("Incident bridge ")
    assert patch["recordAutomatically"] is True
    assert patch["allowTranscription"] is True
    assert patch["lobbyBypassSettings"]["scope"] == "organization"
    assert fake.meetings[spare_id]["recordAutomatically"] is True


def test_a_refused_option_is_named_and_the_others_still_apply(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """Graph refuses one option (a tenant policy forbids automatic recording): the
    meeting is made and copied; the warning names that option; the others hold."""
    fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=400,
                   code="BadRequest", body_holds="recordAutomatically", times=2)  # fmt: skip

    created = service.make(Creation(service.instant_request(preset="incident")))

    (warning,) = created.warnings
    assert warning.startswith(
        "The meeting was created and its link works, but its option “Record automatically: "
        "on” was not applied: "
    )
    stored = fake.meetings[created.meeting.id]
    assert stored["recordAutomatically"] is False  # as Teams made it
    assert stored["allowTranscription"] is True
    assert stored["lobbyBypassSettings"]["scope"] == "organization"


def test_one_failed_patch_is_one_sentence_naming_every_setting_it_carried(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=503, times=10)

    created = service.make(Creation(service.instant_request(preset="customer")))

    (warning,) = created.warnings
    assert "its lobby setting (“organization”), its presenter setting (“organizer”), " in warning
    assert "its option “Meeting chat: limited”" in warning
    assert " were not applied: " in warning


# -- the fake refuses what Graph refuses ---------------------------------------------------------


def _raw_patch(fake: FakeMicrosoft365, signed_in: DelegatedAuth, meeting_id: str,
               body: dict[str, Any]) -> requests.Response:  # fmt: skip
    token = signed_in.token([MEETINGS])
    return requests.patch(f"{fake.graph_endpoint}/me/onlineMeetings/{meeting_id}", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"recordAutomatically": "true"},
        {"allowRecording": 1},
        {"allowMeetingChat": "sometimes"},
        {"allowedLobbyAdmitters": "everyone"},
        {"shareMeetingChatHistoryDefault": "some"},
        {"watermarkProtection": True},
        {"watermarkProtection": {"isEnabledForVideo": "yes"}},
        {"watermarkProtection": {"isEnabledForAudio": True}},
    ],
)
def test_the_fake_refuses_a_wrong_type_or_value(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, service: MeetingService,
    body: dict[str, Any],
) -> None:  # fmt: skip
    made = service.make(Creation(service.instant_request()))

    answer = _raw_patch(fake, signed_in, made.meeting.id, body)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"
    assert fake.meetings[made.meeting.id]["recordAutomatically"] is False  # nothing stored


# -- a preset chooses an account ---------------------------------------------------------------


def test_a_preset_names_its_account_and_it_is_saved(tmp_path: Path) -> None:
    from meettray.config import load_config, save_config

    path = tmp_path / "config.toml"
    path.write_text(
        '[accounts.fabrikam]\ntenant = "fabrikam.example"\n'
        '[presets.customer]  # theirs\nsubject = "Call"\naccount = "fabrikam"\n'
        '[presets.standup]\nsubject = "Standup"\n'
    )
    config = load_config(path)
    assert config.preset("customer").account == "fabrikam"
    assert config.preset("standup").account is None
    moved = dataclasses.replace(config.preset("standup"), account="main")
    save_config(dataclasses.replace(config, own_presets=(config.preset("customer"), moved)))
    text = path.read_text()
    assert '[presets.customer]  # theirs\nsubject = "Call"\naccount = "fabrikam"' in text
    assert load_config(path).preset("standup").account == "main"


def test_a_presets_unknown_account_names_the_file_the_preset_and_the_accounts() -> None:
    from meettray.errors import UnknownAccount

    with pytest.raises(UnknownAccount) as raised:
        settings(accounts={"fabrikam": {}}, presets={"customer": {"account": "globex"}})
    assert raised.value.message == (
        f"There is no account 'globex' in {WHERE} ([presets.customer]); the accounts are: "
        "main, fabrikam."
    )
    with pytest.raises(ConfigError, match=r"\[presets.x\] account = 'No' is not an account's"):
        settings(presets={"x": {"account": "No"}})
