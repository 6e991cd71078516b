"""Several accounts at the sign-in: one shared token cache, one MSAL application per
profile, each profile's person chosen by the ``home_account_id`` recorded for it (never
the cache's first account), and an older meettray's cache adopted by "main".

Everything through the real msal against the fake identity platform over HTTPS; the
token cache is the real persisted one (a plain file here: no keyring in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meettray.accounts import MEETINGS
from meettray.auth import DelegatedAuth, People, build_token_cache
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import SignInRequired

from .conftest import CLIENT_ID

SECOND_APP = "99999999-8888-7777-6666-555555555555"


def owner(fake: FakeMicrosoft365, token: str) -> str:
    """Whose access token it is, as the fake's Graph reads it: the person's object id."""
    user = fake.identity.caller({"authorization": f"Bearer {token}"}).user
    assert user is not None
    return user.oid


class Profiles:
    """The profiles of one data dir, as ``build_service`` wires them: each its own MSAL
    application over the same cache file, the same records."""

    def __init__(self, fake: FakeMicrosoft365, folder: Path, browser: FakeBrowser) -> None:
        self.fake, self.folder, self.browser = fake, folder, browser
        fake.add_app(SECOND_APP)

    def auth(self, profile: str, *, label: str = "") -> DelegatedAuth:
        cache, _status = build_token_cache(self.folder / "token-cache.bin", encrypt=False)
        client = CLIENT_ID if profile == "main" else SECOND_APP
        account = AccountConfig(client_id=client, authority=self.fake.authority,
                                graph_endpoint=self.fake.graph_endpoint)  # fmt: skip
        return DelegatedAuth(account, cache, open_browser=self.browser, profile=profile,
                             people=People(self.folder / "accounts"), label=label)  # fmt: skip

    def cache_people(self) -> set[str]:
        text = (self.folder / "token-cache.bin").read_text()
        return {a["username"] for a in json.loads(text).get("Account", {}).values()}


@pytest.fixture
def profiles(fake: FakeMicrosoft365, tmp_path: Path, browser: FakeBrowser) -> Profiles:
    return Profiles(fake, tmp_path / "data", browser)


def test_each_profile_keeps_its_own_person(profiles: Profiles, fake: FakeMicrosoft365) -> None:
    adele = fake.signed_in_user
    bob = fake.add_user("bob@contoso.example", "Bob Ops")
    main = profiles.auth("main")
    main.sign_in_browser(timeout=20)
    fake.signed_in_user = bob  # the next sign-in's person
    ops = profiles.auth("ops")
    assert ops.account() is None  # main's person is not the new profile's
    assert ops.sign_in_browser(timeout=20).username == bob.upn

    # Fresh applications over the same file (another process): each its own person.
    main, ops = profiles.auth("main"), profiles.auth("ops")
    assert main.account().username == adele.upn  # type: ignore[union-attr]
    assert ops.account().username == bob.upn  # type: ignore[union-attr]
    assert owner(fake, main.token((MEETINGS,))) == adele.oid
    assert owner(fake, ops.token((MEETINGS,))) == bob.oid
    assert profiles.cache_people() == {adele.upn, bob.upn}


def test_a_sign_in_replaces_only_that_profiles_person(
    profiles: Profiles, fake: FakeMicrosoft365
) -> None:
    adele = fake.signed_in_user
    bob = fake.add_user("bob@contoso.example", "Bob Ops")
    carol = fake.add_user("carol@contoso.example", "Carol Lead")
    profiles.auth("main").sign_in_browser(timeout=20)
    fake.signed_in_user = bob
    profiles.auth("ops").sign_in_browser(timeout=20)
    fake.signed_in_user = carol
    profiles.auth("main").sign_in_browser(timeout=20)  # carol replaces adele, in main only

    assert profiles.auth("main").account().username == carol.upn  # type: ignore[union-attr]
    assert profiles.auth("ops").account().username == bob.upn  # type: ignore[union-attr]
    assert profiles.cache_people() == {bob.upn, carol.upn}  # adele's tokens are gone
    assert adele.upn not in profiles.cache_people()


def test_a_sign_out_removes_only_that_profiles_person(
    profiles: Profiles, fake: FakeMicrosoft365
) -> None:
    adele = fake.signed_in_user
    bob = fake.add_user("bob@contoso.example", "Bob Ops")
    profiles.auth("main").sign_in_browser(timeout=20)
    fake.signed_in_user = bob
    profiles.auth("ops").sign_in_browser(timeout=20)

    profiles.auth("ops").sign_out()

    assert profiles.auth("ops").account() is None
    with pytest.raises(SignInRequired):
        profiles.auth("ops").token((MEETINGS,))
    main = profiles.auth("main")
    assert main.account().username == adele.upn  # type: ignore[union-attr]
    assert owner(fake, main.token((MEETINGS,))) == adele.oid
    assert profiles.cache_people() == {adele.upn}


def test_one_person_in_two_profiles_stays_for_the_other_after_a_sign_out(
    profiles: Profiles,
) -> None:
    profiles.auth("main").sign_in_browser(timeout=20)
    profiles.auth("ops").sign_in_browser(timeout=20)  # the same person, another app
    profiles.auth("main").sign_out()
    assert profiles.auth("main").account() is None
    assert profiles.auth("ops").account() is not None
    profiles.auth("ops").token((MEETINGS,))  # still works


def test_an_older_meettrays_cache_is_mains_without_a_new_sign_in(
    profiles: Profiles, fake: FakeMicrosoft365
) -> None:
    """What a single-account meettray left: the one account in the cache, no records."""
    _old_cache(profiles, fake)
    assert not (profiles.folder / "accounts").exists()

    assert profiles.auth("ops").account() is None  # never anyone else's
    main = profiles.auth("main")
    assert main.account().username == fake.signed_in_user.upn  # type: ignore[union-attr]
    assert owner(fake, main.token((MEETINGS,))) == fake.signed_in_user.oid
    assert json.loads((profiles.folder / "accounts" / "main.json").read_text())["home_account_id"]


def test_a_second_profiles_first_sign_in_leaves_the_old_account_to_main(
    profiles: Profiles, fake: FakeMicrosoft365
) -> None:
    adele = fake.signed_in_user
    _old_cache(profiles, fake)
    fake.signed_in_user = fake.add_user("bob@contoso.example", "Bob Ops")
    profiles.auth("ops").sign_in_browser(timeout=20)  # before main was ever asked
    assert profiles.auth("main").account().username == adele.upn  # type: ignore[union-attr]
    assert profiles.auth("ops").account().username == "bob@contoso.example"  # type: ignore[union-attr]


def test_sign_in_errors_name_the_profile(profiles: Profiles) -> None:
    with pytest.raises(SignInRequired) as raised:
        profiles.auth("ops", label="Fabrikam").token((MEETINGS,))
    assert raised.value.message == "Fabrikam: You are not signed in. Sign in to create meetings."
    with pytest.raises(SignInRequired) as alone:
        profiles.auth("main").token((MEETINGS,))
    assert alone.value.message == "You are not signed in. Sign in to create meetings."


def _old_cache(profiles: Profiles, fake: FakeMicrosoft365) -> None:
    """Sign in as a single-account meettray did: its msal application over the cache
    file, and nothing recorded for any profile."""
    import msal

    cache, _status = build_token_cache(profiles.folder / "token-cache.bin", encrypt=False)
    app = msal.PublicClientApplication(CLIENT_ID, authority=fake.authority, token_cache=cache,
                                       instance_discovery=False)  # fmt: skip
    flow = app.initiate_device_flow(scopes=[MEETINGS])
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert len(app.get_accounts()) == 1
