"""Teams' own invitation text (Graph's joinInformation), in the person's language: read
as data, never as markup, with only links to Teams and Microsoft's help."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from meettray.auth import DelegatedAuth
from meettray.config import UiConfig
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.formatting import clipboard_payload
from meettray.graph import GraphClient
from meettray.meetings import MeetingRequest
from meettray.service import preferred_language

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
DETAILS = UiConfig(clipboard="details")


def _request() -> MeetingRequest:
    return MeetingRequest("Review", NOW, NOW + timedelta(hours=1))


def _client(fake: FakeMicrosoft365, signed_in: DelegatedAuth, language: str) -> GraphClient:
    return GraphClient(fake.graph_endpoint, signed_in, language=language)


def test_the_invitation_comes_in_the_persons_language_and_is_copied_as_teams_words_it(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    graph = _client(fake, signed_in, "de-DE")
    meeting = graph.create_meeting(_request(), "ext-de").meeting
    graph.close()

    (sent,) = fake.requests_to("POST", "createOrGet")
    assert sent.headers.get("accept-language") == "de-DE"
    lines = meeting.join_text.splitlines()
    assert lines[0] == "Microsoft Teams-Besprechung"
    assert f"Klicken Sie hier, um an der Besprechung teilzunehmen: {meeting.join_url}" in lines
    assert any(line.startswith("Besprechungs-ID: ") for line in lines)
    assert any(line.startswith("Weitere Infos: https://aka.ms/JoinTeamsMeeting | ")
               for line in lines)  # fmt: skip

    payload = clipboard_payload(meeting, DETAILS)
    assert payload.text.startswith(meeting.join_url + "\n\nMicrosoft Teams-Besprechung\n")
    assert payload.html.count("<a ") == 1  # only the join link is a link
    assert "Besprechungsoptionen" in payload.html


def test_our_own_words_where_asked_for_or_where_graph_sent_none(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    graph = _client(fake, signed_in, "en-GB")
    meeting = graph.create_meeting(_request(), "ext-en").meeting
    graph.close()

    own = clipboard_payload(meeting, UiConfig(clipboard="details", details_text="meettray"))
    assert own.text.startswith(meeting.join_url + "\nMeeting ID: ")
    assert "Click here to join the meeting" not in own.text
    bare = clipboard_payload(meeting.__class__(**{**meeting.__dict__, "join_text": ""}), DETAILS)
    assert bare.text == own.text  # the fallback
    assert clipboard_payload(meeting, UiConfig()).text == meeting.join_url  # link only


HOSTILE = (
    "<div>Join here</div>"
    "<script>document.location='https://evil.example'</script>"
    "<style>a{display:none}</style>"
    '<div><a href="https://teams.microsoft.com.evil.example/l/meetup-join/x">Click to join</a>'
    '</div><div><a href="javascript:alert(1)">Options</a></div>'
    '<div><a href="http://teams.microsoft.com/l/meetup-join/y">Plain http</a></div>'
    '<div><a href="https://teams.microsoft.com@evil.example/z">At sign</a></div>'
    "<div>Meeting ID: 123\u202e456</div>"
    '<img src=x onerror="alert(1)">'
    "<div>&lt;b&gt;not bold&lt;/b&gt;</div>"
)


def test_a_hostile_invitation_is_words_only(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    """Markup, scripts, escapes and look-alike hosts from Graph: the words stay, as text;
    no address but Teams' and Microsoft's help survives; the HTML copy escapes it all."""
    hostile = {"content": "data:text/html," + quote(HOSTILE), "contentType": "html"}
    fake.add_fault("rewrite", "createOrGet", field="joinInformation", value=hostile)
    graph = _client(fake, signed_in, "en-US")
    meeting = graph.create_meeting(_request(), "ext-hostile").meeting
    graph.close()

    text = meeting.join_text
    assert text.splitlines() == [
        "Join here", "Click to join", "Options", "Plain http", "At sign",
        "Meeting ID: 123 456", "<b>not bold</b>",  # the direction override is gone
    ]  # fmt: skip
    for gone in ("evil.example", "javascript", "http://", "document.location", "onerror",
                 "\u202e"):  # fmt: skip
        assert gone not in text
    payload = clipboard_payload(meeting, DETAILS)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in payload.html
    assert payload.html.count("<a ") == 1


@pytest.mark.parametrize(
    ("environment", "language"),
    [({"LC_ALL": "de_DE.UTF-8"}, "de-DE"), ({"LANG": "fr_CA.UTF-8@euro"}, "fr-CA"),
     ({"LANG": "C"}, ""), ({"LANG": "POSIX"}, ""), ({"LANG": "ja_JP"}, "ja-JP")],
)  # fmt: skip
def test_the_language_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], language: str
) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert preferred_language() == language


LOOK_ALIKE = (
    "<div>Join: https://teams.microsoft.com.evil.example/l/meetup-join/x</div>"
    "<div>or teams.microsoft.com.evil.example/l/meetup-join/y</div>"
    "<div>or www.evil.example</div>"
    "<div>te\u200bams.micro\u00adsoft.com\u2060.evil.example\ufeff</div>"
    "<div>Meeting ID: 123\u200d 456</div>"
    '<div><a href="https://aka.ms/JoinTeamsMeeting">Help</a></div>'
)


def test_look_alike_addresses_in_the_words_are_text_and_invisible_characters_go(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    """An address Graph writes as words (not a link) on a host that is not Teams' is
    copied so that no mail program or chat makes a link of it; characters that show as
    nothing (and hide what a host really is) are removed."""
    look_alike = {"content": "data:text/html," + quote(LOOK_ALIKE), "contentType": "html"}
    fake.add_fault("rewrite", "createOrGet", field="joinInformation", value=look_alike)
    graph = _client(fake, signed_in, "en-US")
    meeting = graph.create_meeting(_request(), "ext-look-alike").meeting
    graph.close()

    payload = clipboard_payload(meeting, DETAILS)

    for text in (payload.text, payload.html):
        assert "evil.example" not in text
        assert "://teams.microsoft.com.evil" not in text
        for invisible in "\u200b\u00ad\u2060\ufeff\u200d":
            assert invisible not in text
    assert "https[:]//teams[.]microsoft[.]com[.]evil[.]example/l/meetup-join/x" in payload.text
    assert "teams[.]microsoft[.]com[.]evil[.]example" in payload.text  # the hidden one too
    assert "Meeting ID: 123 456" in payload.text
    assert "Help: https://aka.ms/JoinTeamsMeeting" in payload.text  # Microsoft's help stays
    assert payload.html.count("<a ") == 1
