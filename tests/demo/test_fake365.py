"""The fake behaves like the documented service where meettray depends on it."""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import CLIENT_ID


def authorize(fake: FakeMicrosoft365, challenge: str) -> str:
    """The code from the fake's sign-in page (it consents at once)."""
    page = requests.get(
        f"{fake.authority}/oauth2/v2.0/authorize",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": "http://localhost:1",
            "response_mode": "form_post",
            "scope": "OnlineMeetings.ReadWrite openid offline_access",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "s",
        },
        timeout=10,
    ).text
    return page.split('name="code" value="')[1].split('"')[0]


def redeem(fake: FakeMicrosoft365, code: str, verifier: str) -> requests.Response:
    return requests.post(
        f"{fake.authority}/oauth2/v2.0/token",
        data={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "code": code,
            "redirect_uri": "http://localhost:1",
            "code_verifier": verifier,
        },
        timeout=10,
    )


@pytest.fixture
def token(fake: FakeMicrosoft365) -> str:
    """A delegated access token, obtained through a raw PKCE code exchange."""
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    challenge_text = challenge.rstrip(b"=").decode()

    wrong = redeem(fake, authorize(fake, challenge_text), "x" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    answer = redeem(fake, authorize(fake, challenge_text), verifier).json()
    assert {"access_token", "refresh_token", "id_token", "client_info", "scope"} <= set(answer)
    return str(answer["access_token"])


def graph(
    fake: FakeMicrosoft365, token: str, method: str, path: str, **kw: object
) -> requests.Response:
    return requests.request(
        method,
        fake.graph_endpoint + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kw,  # type: ignore[arg-type]
    )


def test_discovery_document(fake: FakeMicrosoft365) -> None:
    doc = requests.get(f"{fake.authority}/v2.0/.well-known/openid-configuration", timeout=10).json()
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "device_authorization_endpoint",
        "issuer",
    ):
        assert doc[key].startswith("https://127.0.0.1:")


def test_create_or_get_is_idempotent_per_external_id(fake: FakeMicrosoft365, token: str) -> None:
    body = {"externalId": "e1", "subject": "S"}
    first = graph(fake, token, "POST", "/me/onlineMeetings/createOrGet", json=body)
    second = graph(fake, token, "POST", "/me/onlineMeetings/createOrGet", json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert "joinWebUrl" in first.json()
    assert "_organizer" not in first.json()


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "no external id"},
        {"externalId": "e", "endDateTime": "2030-01-01T10:00:00Z"},
        {
            "externalId": "e",
            "startDateTime": "2030-01-01T10:00:00Z",
            "endDateTime": "2030-01-01T09:00:00Z",
        },
    ],
)
def test_create_or_get_rejects_what_graph_rejects(
    fake: FakeMicrosoft365, token: str, body: dict[str, object]
) -> None:
    answer = graph(fake, token, "POST", "/me/onlineMeetings/createOrGet", json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["innerError"]["request-id"] == answer.headers["request-id"]


def test_unknown_or_expired_tokens_get_401(fake: FakeMicrosoft365, token: str) -> None:
    assert graph(fake, "nonsense", "GET", "/me").status_code == 401
    fake.expire_access_tokens()
    answer = graph(fake, token, "GET", "/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_client_request_id_is_echoed(fake: FakeMicrosoft365, token: str) -> None:
    answer = requests.get(
        fake.graph_endpoint + "/me/onlineMeetings/nope",
        headers={"Authorization": f"Bearer {token}", "client-request-id": "abc-123"},
        timeout=10,
    )
    assert answer.status_code == 404
    assert answer.headers["client-request-id"] == "abc-123"
    assert answer.json()["error"]["innerError"]["client-request-id"] == "abc-123"


def test_patch_needs_start_and_end_together(fake: FakeMicrosoft365, token: str) -> None:
    made = graph(fake, token, "POST", "/me/onlineMeetings", json={"subject": "S"}).json()
    answer = graph(
        fake,
        token,
        "PATCH",
        f"/me/onlineMeetings/{made['id']}",
        json={"startDateTime": "2030-01-01T10:00:00Z"},
    )
    assert answer.status_code == 400
    assert graph(fake, token, "DELETE", f"/me/onlineMeetings/{made['id']}").status_code == 204


def test_live_row_graph_times_carry_seven_fractional_digits(
    fake: FakeMicrosoft365, token: str
) -> None:
    """graph-notes, live behaviours: 2026-11-22T10:00:00.1234567Z, and the client reads it."""
    import re
    from datetime import datetime, timezone

    from meettray.graph.wire import meeting_from_graph

    answer = graph(fake, token, "POST", "/me/onlineMeetings", json={"subject": "x"})
    assert answer.headers["x-ms-ags-diagnostic"]  # support asks for it
    made = answer.json()
    for key in ("creationDateTime", "startDateTime", "endDateTime"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", made[key]), made[key]
    now = datetime.now(timezone.utc)
    meeting = meeting_from_graph(made, status=201, account="", created_at=now)
    assert meeting.start is not None
    assert meeting.start.isoformat().startswith(made["startDateTime"][:19])


def test_live_row_consent_is_per_permission(fake: FakeMicrosoft365, token: str) -> None:
    """graph-notes, live behaviours: a refresh for a permission never consented answers
    invalid_grant / AADSTS65001 / consent_required; /me/events without it answers 403."""
    verifier = "w" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    tokens = redeem(fake, authorize(fake, challenge.rstrip(b"=").decode()), verifier).json()
    refreshed = requests.post(
        f"{fake.authority}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
            "scope": "Calendars.ReadWrite offline_access",
        },
        timeout=10,
    )
    assert refreshed.status_code == 400
    body = refreshed.json()
    assert body["error"] == "invalid_grant"
    assert body["error_codes"] == [65001]
    assert body["suberror"] == "consent_required"
    assert body["error_description"].startswith("AADSTS65001:")

    event = {"subject": "x", "isOnlineMeeting": True,
             "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2030-01-01T10:30:00", "timeZone": "UTC"}}  # fmt: skip
    refused = graph(fake, token, "POST", "/me/events", json=event)
    assert refused.status_code == 403
    assert fake.events == {}
