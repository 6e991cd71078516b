"""The fake serves two tenants, each with its own person, and routes every request by the
token's tenant and person: seen through the real msal (one PublicClientApplication per
tenant authority, one shared token cache) and real requests over HTTPS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import msal
import pytest
import requests

from meettray.demo.fake365 import FABRIKAM_TENANT_ID, FakeMicrosoft365, FakeUser

from ..conftest import CLIENT_ID

ADELE = "adele@contoso.example"
ALEX = "alex@fabrikam.example"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


class _Form(HTMLParser):
    """The hidden fields of the sign-in page's form_post answer."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")


def scopes(fake: FakeMicrosoft365, *names: str) -> list[str]:
    return [f"{fake.base_url}/{name}" for name in names or ("OnlineMeetings.ReadWrite",)]


def application(
    fake: FakeMicrosoft365, cache: msal.SerializableTokenCache, tenant: str
) -> msal.PublicClientApplication:
    """The app for one tenant's authority (``tenant``: an id, a domain, organizations)."""
    return msal.PublicClientApplication(
        CLIENT_ID, authority=f"{fake.base_url}/{tenant}", token_cache=cache,
        instance_discovery=False,
    )  # fmt: skip


def browser_sign_in(
    app: msal.PublicClientApplication, wanted: list[str], login_hint: str | None = None
) -> dict[str, Any]:
    """msal's auth code flow; the person's browser is requests reading the form_post page."""
    flow = app.initiate_auth_code_flow(
        wanted, redirect_uri="http://localhost:1", response_mode="form_post",
        prompt="select_account", login_hint=login_hint,
    )  # fmt: skip
    page = requests.get(flow["auth_uri"], timeout=10)
    form = _Form()
    form.feed(page.text)
    assert form.fields, page.text[:300]
    result: dict[str, Any] = app.acquire_token_by_auth_code_flow(flow, form.fields)
    return result


def device_sign_in(app: msal.PublicClientApplication, wanted: list[str]) -> dict[str, Any]:
    flow = app.initiate_device_flow(wanted)
    assert "user_code" in flow, flow
    result: dict[str, Any] = app.acquire_token_by_device_flow(flow)
    return result


def graph(
    fake: FakeMicrosoft365, token: str, method: str, path: str, **kwargs: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, fake.graph_endpoint + path, headers=headers, timeout=10,
                            **kwargs)  # fmt: skip


@pytest.fixture
def cache() -> msal.SerializableTokenCache:
    return msal.SerializableTokenCache()


@pytest.fixture
def contoso(fake: FakeMicrosoft365, cache: msal.SerializableTokenCache) -> Any:
    return application(fake, cache, fake.tenant_id)


@pytest.fixture
def fabrikam(fake: FakeMicrosoft365, cache: msal.SerializableTokenCache) -> Any:
    return application(fake, cache, "fabrikam.example")  # a tenant named by its domain


@pytest.fixture
def tokens(fake: FakeMicrosoft365, contoso: Any, fabrikam: Any) -> tuple[str, str]:
    """Adele's and Alex's access tokens for meetings and their calendars."""
    wanted = scopes(fake, "OnlineMeetings.ReadWrite", "Calendars.ReadWrite")
    adele, alex = browser_sign_in(contoso, wanted), browser_sign_in(fabrikam, wanted)
    return adele["access_token"], alex["access_token"]


def person(fake: FakeMicrosoft365, upn: str) -> FakeUser:
    found = fake.identity.user_named(upn)
    assert found is not None
    return found


# -- signing in --------------------------------------------------------------------------------


def test_two_people_of_two_tenants_sign_in_into_one_cache(
    fake: FakeMicrosoft365, cache: msal.SerializableTokenCache, contoso: Any, fabrikam: Any
) -> None:
    adele = browser_sign_in(contoso, scopes(fake))
    alex = browser_sign_in(fabrikam, scopes(fake))

    for result, upn, name, tenant in (
        (adele, ADELE, "Adele Vance", fake.tenant_id),
        (alex, ALEX, "Alex Wilber", FABRIKAM_TENANT_ID),
    ):
        claims = result["id_token_claims"]
        assert (claims["preferred_username"], claims["name"], claims["tid"]) == (upn, name, tenant)
        assert claims["oid"] == person(fake, upn).oid
        assert claims["iss"] == f"{fake.base_url}/{tenant}/v2.0"
    homes = {a["home_account_id"]: a["username"] for a in contoso.get_accounts()}
    assert homes == {
        f"{person(fake, ADELE).oid}.{fake.tenant_id}": ADELE,
        f"{person(fake, ALEX).oid}.{FABRIKAM_TENANT_ID}": ALEX,
    }
    # Each app finds its own person's token by home_account_id, from the one cache.
    for app, upn in ((contoso, ADELE), (fabrikam, ALEX)):
        account = next(a for a in app.get_accounts() if a["username"] == upn)
        token = app.acquire_token_silent(scopes(fake), account=account)["access_token"]
        assert graph(fake, token, "GET", "/me").json()["userPrincipalName"] == upn


def test_a_refresh_keeps_the_person_and_the_tenant(fake: FakeMicrosoft365, fabrikam: Any) -> None:
    browser_sign_in(fabrikam, scopes(fake))
    (account,) = fabrikam.get_accounts(username=ALEX)
    fake.expire_access_tokens()

    refreshed = fabrikam.acquire_token_silent(scopes(fake), account=account, force_refresh=True)

    assert refreshed["id_token_claims"]["tid"] == FABRIKAM_TENANT_ID
    assert refreshed["id_token_claims"]["preferred_username"] == ALEX
    me = graph(fake, refreshed["access_token"], "GET", "/me").json()
    assert (me["id"], me["displayName"]) == (person(fake, ALEX).oid, "Alex Wilber")
    assert fake.requests_to("POST", f"/{FABRIKAM_TENANT_ID}/oauth2/v2.0/token") == []
    assert len(fake.requests_to("POST", "/fabrikam.example/oauth2/v2.0/token")) == 2


def test_one_persons_session_ends_and_the_others_goes_on(
    fake: FakeMicrosoft365, contoso: Any, fabrikam: Any
) -> None:
    browser_sign_in(contoso, scopes(fake))
    old = browser_sign_in(fabrikam, scopes(fake))["access_token"]
    (adele,), (alex,) = contoso.get_accounts(ADELE), fabrikam.get_accounts(ALEX)

    fake.revoke_refresh_tokens(person(fake, ALEX))
    fake.expire_access_tokens(person(fake, ALEX))

    assert graph(fake, old, "GET", "/me").status_code == 401
    ended = fabrikam.acquire_token_silent_with_error(scopes(fake), account=alex,
                                                     force_refresh=True)  # fmt: skip
    assert ended is not None
    assert (ended["error"], ended["error_codes"]) == ("invalid_grant", [700082])
    token = contoso.acquire_token_silent(scopes(fake), account=adele)["access_token"]
    assert graph(fake, token, "GET", "/me").json()["userPrincipalName"] == ADELE
    fake.expire_access_tokens(person(fake, ADELE))
    assert contoso.acquire_token_silent(scopes(fake), account=adele, force_refresh=True)


def test_device_code_signs_in_the_tenants_own_person(
    fake: FakeMicrosoft365, contoso: Any, fabrikam: Any
) -> None:
    adele, alex = device_sign_in(contoso, scopes(fake)), device_sign_in(fabrikam, scopes(fake))

    assert adele["id_token_claims"]["preferred_username"] == ADELE
    assert alex["id_token_claims"]["preferred_username"] == ALEX
    assert alex["id_token_claims"]["tid"] == FABRIKAM_TENANT_ID


def test_organizations_lets_the_sign_in_pick_the_person(
    fake: FakeMicrosoft365, cache: msal.SerializableTokenCache
) -> None:
    anyone = application(fake, cache, "organizations")

    assert browser_sign_in(anyone, scopes(fake))["id_token_claims"]["tid"] == fake.tenant_id
    hinted = browser_sign_in(anyone, scopes(fake), login_hint=ALEX)
    assert hinted["id_token_claims"]["tid"] == FABRIKAM_TENANT_ID
    fake.sign_in_as(ALEX)
    by_code = device_sign_in(anyone, scopes(fake))
    assert by_code["id_token_claims"]["preferred_username"] == ALEX
    fake.sign_in_as(None)
    assert device_sign_in(anyone, scopes(fake))["id_token_claims"]["preferred_username"] == ADELE
    assert {a["username"] for a in anyone.get_accounts()} == {ADELE, ALEX}


def test_an_unknown_login_hint_stays_on_the_sign_in_page(
    fake: FakeMicrosoft365, contoso: Any
) -> None:
    flow = contoso.initiate_auth_code_flow(
        scopes(fake), redirect_uri="http://localhost:1", response_mode="form_post",
        login_hint="nobody@contoso.example",
    )  # fmt: skip
    page = requests.get(flow["auth_uri"], timeout=10).text
    assert "AADSTS50034" in page
    assert "<form" not in page


# -- one tenant's person at another's authority ---------------------------------------------


def _refused_50020(result: dict[str, Any], upn: str, tenant_name: str) -> None:
    assert result.get("error") == "invalid_grant", result
    assert result["error_codes"] == [50020]
    assert f"User account '{upn}'" in result["error_description"]
    assert f"does not exist in tenant '{tenant_name}'" in result["error_description"]
    assert "access_token" not in result


def test_a_refresh_token_at_another_tenants_authority_is_refused(
    fake: FakeMicrosoft365, contoso: Any, fabrikam: Any
) -> None:
    browser_sign_in(contoso, scopes(fake))
    (adele,) = fabrikam.get_accounts(username=ADELE)

    result = fabrikam.acquire_token_silent_with_error(scopes(fake), account=adele)

    assert result is not None
    _refused_50020(result, ADELE, "Fabrikam")
    # Her own tenant's app still works.
    assert contoso.acquire_token_silent(scopes(fake), account=adele)["access_token"]


def test_a_browser_sign_in_at_another_tenants_authority_is_refused(
    fake: FakeMicrosoft365, fabrikam: Any
) -> None:
    result = browser_sign_in(fabrikam, scopes(fake), login_hint=ADELE)

    # The browser answer carries the code only in its text, as Entra ID's does.
    assert result["error"] == "invalid_grant"
    assert "AADSTS50020" in result["error_description"]
    assert "'Fabrikam'" in result["error_description"]
    assert fabrikam.get_accounts() == []


def test_a_device_code_approved_by_another_tenants_person_is_refused(
    fake: FakeMicrosoft365, contoso: Any
) -> None:
    fake.sign_in_as(ALEX)

    _refused_50020(device_sign_in(contoso, scopes(fake)), ALEX, "Contoso")
    assert contoso.get_accounts() == []


def test_an_unknown_tenant_is_aadsts90002(fake: FakeMicrosoft365) -> None:
    answer = requests.get(
        f"{fake.base_url}/northwind.example/v2.0/.well-known/openid-configuration", timeout=10
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_tenant"
    assert answer.json()["error_codes"] == [90002]
    with pytest.raises(ValueError, match="northwind"):
        application(fake, msal.SerializableTokenCache(), "northwind.example")


def test_a_single_tenant_app_is_unknown_in_another_tenant(fake: FakeMicrosoft365) -> None:
    fake.apps[CLIENT_ID].single_tenant = True

    refused = requests.post(
        f"{fake.base_url}/fabrikam.example/oauth2/v2.0/devicecode",
        data={"client_id": CLIENT_ID, "scope": "openid"}, timeout=10,
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["error_codes"] == [700016]
    assert "in the directory 'Fabrikam'" in refused.json()["error_description"]


# -- Graph, by the token's tenant and person ---------------------------------------------------


def test_meetings_belong_to_their_organizer(
    fake: FakeMicrosoft365, tokens: tuple[str, str]
) -> None:
    adele, alex = tokens
    made = graph(fake, adele, "POST", "/me/onlineMeetings", json={"subject": "Standup"}).json()
    path = f"/me/onlineMeetings/{made['id']}"
    assert made["participants"]["organizer"]["upn"] == ADELE
    assert f"%22Tid%22%3a%22{fake.tenant_id}%22".lower() in made["joinWebUrl"].lower()

    assert graph(fake, alex, "GET", path).status_code == 404
    assert graph(fake, alex, "PATCH", path, json={"subject": "Mine now"}).status_code == 404
    assert graph(fake, alex, "DELETE", path).status_code == 404
    by_link = {"$filter": f"JoinWebUrl eq '{made['joinWebUrl']}'"}
    assert graph(fake, alex, "GET", "/me/onlineMeetings", params=by_link).status_code == 404
    assert graph(fake, adele, "GET", "/me/onlineMeetings", params=by_link).status_code == 200
    theirs = f"/users/{person(fake, ADELE).oid}/onlineMeetings/{made['id']}"
    assert graph(fake, alex, "GET", theirs).status_code == 403
    assert graph(fake, adele, "GET", path).json()["subject"] == "Standup"  # untouched
    assert graph(fake, adele, "DELETE", path).status_code == 204


def test_create_or_get_keys_the_external_id_per_organizer(
    fake: FakeMicrosoft365, tokens: tuple[str, str]
) -> None:
    body = {"externalId": "same-click", "subject": "Bridge"}
    answers = [graph(fake, token, "POST", "/me/onlineMeetings/createOrGet", json=body)
               for token in (*tokens, *tokens)]  # fmt: skip

    assert [a.status_code for a in answers] == [201, 201, 200, 200]
    adele, alex, adele_again, alex_again = (a.json() for a in answers)
    assert adele["id"] != alex["id"]
    assert (adele_again["id"], alex_again["id"]) == (adele["id"], alex["id"])
    assert alex["participants"]["organizer"]["identity"]["user"]["id"] == person(fake, ALEX).oid
    assert FABRIKAM_TENANT_ID in alex["meetingOptionsWebUrl"]


def test_events_belong_to_their_organizer(fake: FakeMicrosoft365, tokens: tuple[str, str]) -> None:
    adele, alex = tokens
    start = NOW + timedelta(days=1)
    event = {
        "subject": "Review", "isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness",
        "transactionId": "one-click",
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"),
                "timeZone": "UTC"},
    }  # fmt: skip
    immutable = {"Prefer": 'IdType="ImmutableId"'}
    hers = graph(fake, adele, "POST", "/me/events", json=event, headers=immutable).json()
    his = graph(fake, alex, "POST", "/me/events", json=event, headers=immutable).json()

    assert his["id"] != hers["id"]  # the same transactionId, another mailbox
    assert his["onlineMeeting"]["joinUrl"] != hers["onlineMeeting"]["joinUrl"]
    for method in ("GET", "DELETE"):
        answer = graph(fake, alex, method, f"/me/events/{hers['id']}", headers=immutable)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "ErrorItemNotFound"
    assert graph(fake, adele, "GET", f"/me/events/{hers['id']}", headers=immutable).ok
    window = {
        "startDateTime": NOW.isoformat(),
        "endDateTime": (NOW + timedelta(days=2)).isoformat(),
    }
    for token, mine in ((adele, hers), (alex, his)):
        seen = graph(fake, token, "GET", "/me/calendarView", params=window).json()["value"]
        assert [e["subject"] for e in seen] == ["Review"]
        assert seen[0]["onlineMeeting"]["joinUrl"] == mine["onlineMeeting"]["joinUrl"]


def test_calendar_view_shows_each_person_their_own_day(
    fake: FakeMicrosoft365, tokens: tuple[str, str]
) -> None:
    fake.calendar.demo_days(NOW)
    window = {"startDateTime": (NOW - timedelta(hours=1)).isoformat(),
              "endDateTime": (NOW + timedelta(hours=12)).isoformat()}  # fmt: skip

    def day(token: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        url: str | None = f"{fake.graph_endpoint}/me/calendarView"
        params: dict[str, str] | None = window
        while url:
            body = requests.get(url, params=params, timeout=10,
                                headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
            seen += body["value"]
            url, params = body.get("@odata.nextLink"), None
        return seen

    adele, alex = (day(token) for token in tokens)
    assert "Daily stand-up" in {e["subject"] for e in adele}
    assert {e["subject"] for e in alex} == {
        "Fabrikam weekly sync", "Checkout incident review", "Contoso onboarding",
    }  # fmt: skip
    assert all(e["onlineMeeting"]["joinUrl"] for e in alex)
    assert not {e["id"] for e in adele} & {e["id"] for e in alex}


def test_users_by_id_are_seen_within_the_tokens_tenant(
    fake: FakeMicrosoft365, tokens: tuple[str, str]
) -> None:
    adele, alex = tokens
    adele_oid, alex_oid = person(fake, ADELE).oid, person(fake, ALEX).oid

    assert graph(fake, alex, "GET", f"/users/{alex_oid}").json()["userPrincipalName"] == ALEX
    assert graph(fake, alex, "GET", f"/users/{ALEX}").json()["id"] == alex_oid
    refused = graph(fake, alex, "GET", f"/users/{adele_oid}")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert graph(fake, adele, "GET", "/me").json()["id"] == adele_oid
    # With a directory permission: colleagues are found, another tenant's people are not.
    colleague = fake.add_user("lee@contoso.example", "Lee Gu")
    wanted = scopes(fake, "OnlineMeetings.ReadWrite", "User.ReadBasic.All")
    reader = browser_sign_in(application(fake, msal.SerializableTokenCache(), fake.tenant_id),
                             wanted)["access_token"]  # fmt: skip
    assert graph(fake, reader, "GET", f"/users/{colleague.upn}").json()["id"] == colleague.oid
    missing = graph(fake, reader, "GET", f"/users/{alex_oid}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"


def test_an_apps_token_acts_in_its_own_tenant_only(fake: FakeMicrosoft365) -> None:
    app = fake.add_app(secret="s3cret")
    app.roles |= {"User.Read.All", "Calendars.ReadBasic.All"}
    adele_oid, alex_oid = person(fake, ADELE).oid, person(fake, ALEX).oid

    def token_for(tenant: str) -> str:
        daemon = msal.ConfidentialClientApplication(
            app.client_id, client_credential="s3cret", authority=f"{fake.base_url}/{tenant}",
            instance_discovery=False,
        )  # fmt: skip
        result = daemon.acquire_token_for_client([f"{fake.base_url}/.default"])
        return str(result["access_token"])

    contoso, fabrikam = token_for(fake.tenant_id), token_for(FABRIKAM_TENANT_ID)
    body = {"externalId": "daemon-1"}
    for token, mine, theirs in ((contoso, adele_oid, alex_oid), (fabrikam, alex_oid, adele_oid)):
        made = graph(fake, token, "POST", f"/users/{mine}/onlineMeetings/createOrGet", json=body)
        assert made.status_code == 201
        other = graph(fake, token, "POST", f"/users/{theirs}/onlineMeetings/createOrGet", json=body)
        assert other.status_code == 404
        assert graph(fake, token, "GET", f"/users/{mine}").ok
        assert graph(fake, token, "GET", f"/users/{theirs}").status_code == 404
        window = {"startDateTime": NOW.isoformat(), "endDateTime": NOW.isoformat()}
        calendar = graph(fake, token, "GET", f"/users/{theirs}/calendarView", params=window)
        assert calendar.status_code == 404
        assert graph(fake, token, "GET", f"/users/{mine}/calendarView", params=window).ok
    organizers = sorted(m["_organizer"] for m in fake.meetings.values())
    assert organizers == sorted([adele_oid, alex_oid])
