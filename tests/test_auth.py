"""Sign-in through the real MSAL against the fake identity platform."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from meettray import auth
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import PERSONAL_TENANT_ID, FakeMicrosoft365
from meettray.errors import AuthError, ConfigError, NetworkError, SignInCancelled, SignInRequired

from .conftest import CLIENT_ID


def delegated(account: AccountConfig, tmp_path: Path, browser: object = None) -> auth.DelegatedAuth:
    cache, _ = auth.build_token_cache(tmp_path / "tokens.bin")
    return auth.DelegatedAuth(account, cache, open_browser=browser)  # type: ignore[arg-type]


def test_browser_sign_in_uses_pkce_and_form_post(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)

    who = signer.sign_in_browser(timeout=20)

    assert who.username == "adele@contoso.example"
    assert who.is_personal is False
    (authorize,) = fake.requests_to("GET", "/oauth2/v2.0/authorize")
    assert authorize.query["response_mode"] == ["form_post"]
    assert authorize.query["code_challenge_method"] == ["S256"]
    # A custom Graph endpoint gets scopes qualified with its host, like a national cloud.
    assert f"{fake.base_url}/OnlineMeetings.ReadWrite" in authorize.query["scope"][0].split()
    assert "Calendars.ReadWrite" not in authorize.query["scope"][0]
    (token_post,) = fake.requests_to("POST", "/oauth2/v2.0/token")
    assert token_post.form()["grant_type"] == "authorization_code"
    assert token_post.form()["code_verifier"]
    assert signer.account() == who


def test_silent_token_is_cached_and_needs_no_network(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)
    token_posts = len(fake.requests_to("POST", "/token"))

    first = signer.token([auth.MEETINGS])
    second = signer.token([auth.MEETINGS])

    assert first == second
    assert len(fake.requests_to("POST", "/token")) == token_posts


def test_persisted_cache_is_reused_by_a_new_instance(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    delegated(account, tmp_path, browser).sign_in_browser(timeout=20)

    again = delegated(account, tmp_path)  # a new process would build exactly this

    assert again.account() is not None
    assert again.token([auth.MEETINGS]).startswith("fakeat.")


@pytest.mark.posix
def test_plain_file_cache_is_user_only_and_says_so(tmp_path: Path) -> None:
    cache, status = auth.build_token_cache(tmp_path / "sub" / "tokens.bin", encrypt=False)
    cache.add(
        {
            "scope": ["s"],
            "client_id": "c",
            "token_endpoint": "https://x/token",
            "response": {"access_token": "a", "token_type": "Bearer", "expires_in": 60},
        }
    )

    mode = stat.S_IMODE(os.stat(tmp_path / "sub" / "tokens.bin").st_mode)
    assert mode == 0o600
    assert status.encrypted is False
    assert "unencrypted" in status.explanation


@pytest.mark.logs("the token cache was damaged")
def test_damaged_cache_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "tokens.bin"
    path.write_text("{ not json")

    _cache, status = auth.build_token_cache(path, encrypt=False)

    assert not path.exists()
    (aside,) = tmp_path.glob("tokens.bin.corrupt-*")
    # Said, not only logged (was silent): where it went, and what to do.
    assert str(aside) in status.damaged
    assert "meettray login" in status.damaged


def test_expired_access_token_is_refreshed_silently(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)
    old = signer.token([auth.MEETINGS])
    fake.expire_access_tokens()

    new = signer.token([auth.MEETINGS], force_refresh=True)

    assert new != old
    grants = [r.form()["grant_type"] for r in fake.requests_to("POST", "/token")]
    assert grants[-1] == "refresh_token"


def test_revoked_refresh_token_asks_to_sign_in_again(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)
    fake.revoke_refresh_tokens()

    with pytest.raises(SignInRequired, match=r"expired\. Sign in again") as caught:
        signer.token([auth.MEETINGS], force_refresh=True)

    assert "700082" in caught.value.detail
    assert signer.account() is not None  # nothing else is lost


def test_calendar_permission_is_asked_only_when_needed(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)

    with pytest.raises(SignInRequired, match="needs your permission"):
        signer.token([auth.CALENDAR])

    signer.sign_in_browser([auth.MEETINGS, auth.CALENDAR], timeout=20)
    assert signer.token([auth.CALENDAR])


def test_device_code_sign_in(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path)

    prompt = signer.begin_device_code()
    assert prompt.user_code in prompt.message
    assert prompt.verification_uri.endswith("/devicelogin")
    who = signer.finish_device_code(prompt)

    assert who.username == "adele@contoso.example"
    polls = [
        r
        for r in fake.requests_to("POST", "/token")
        if r.form()["grant_type"].endswith("device_code")
    ]
    assert len(polls) == 2  # one authorization_pending, then the tokens


def test_device_code_sign_in_can_be_cancelled(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    fake.device_polls_before_approval = -1  # the person never enters the code
    signer = delegated(account, tmp_path)
    prompt = signer.begin_device_code()
    cancel = auth.Cancellation()
    threading.Timer(0.5, cancel.cancel).start()

    # Uncancelled, this would poll until the code expires (far past the test's timeout).
    with pytest.raises(SignInCancelled):
        signer.finish_device_code(prompt, cancel=cancel)


def test_browser_sign_in_can_be_cancelled(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    opened: list[str] = []
    signer = delegated(account, tmp_path, opened.append)  # a browser where nobody signs in
    cancel = auth.Cancellation()
    threading.Timer(0.3, cancel.cancel).start()

    with pytest.raises(SignInCancelled, match="cancelled"):
        signer.sign_in_browser(timeout=30, cancel=cancel)

    assert len(opened) == 1
    assert signer.account() is None


def test_browser_sign_in_times_out(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, lambda url: None)

    with pytest.raises(SignInCancelled, match="did not finish within 1 seconds"):
        signer.sign_in_browser(timeout=1)


def test_admin_consent_required(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    fake.apps[CLIENT_ID].needs_admin_consent = True

    with pytest.raises(AuthError, match="administrator to approve"):
        delegated(account, tmp_path, browser).sign_in_browser(timeout=20)


def test_personal_account_is_refused_and_not_kept(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    fake.signed_in_user = fake.add_user(
        "someone@outlook.example", "Some One", tenant_id=PERSONAL_TENANT_ID, personal=True
    )
    signer = delegated(account, tmp_path, browser)

    with pytest.raises(AuthError, match="Personal Microsoft accounts"):
        signer.sign_in_browser(timeout=20)

    assert signer.account() is None


def test_sign_out_forgets_account_and_tokens(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)

    signer.sign_out()

    assert signer.account() is None
    assert delegated(account, tmp_path).account() is None
    with pytest.raises(SignInRequired, match="not signed in"):
        signer.token([auth.MEETINGS])


def test_unknown_client_id_is_a_settings_problem(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    other = AccountConfig(
        client_id="not-registered", authority=account.authority, graph_endpoint=""
    )

    with pytest.raises(ConfigError, match="app registration was not found"):
        delegated(other, tmp_path).begin_device_code()


def test_live_row_a_wrong_client_id_fails_at_once_not_after_minutes_in_the_browser(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    """The sign-in page shows AADSTS700016 and never redirects back: meettray used to
    wait for five minutes in silence.  Now it asks first, and the browser stays shut."""
    other = AccountConfig(
        client_id="not-registered", authority=account.authority, graph_endpoint=""
    )
    opened: list[str] = []

    with pytest.raises(ConfigError, match="app registration was not found"):
        delegated(other, tmp_path, opened.append).sign_in_browser(timeout=300)

    assert opened == []


def test_missing_client_id_is_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="client_id"):
        delegated(AccountConfig(), tmp_path)


def test_untrusted_certificate_is_refused_not_ignored(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")  # the fake's CA is no longer trusted

    with pytest.raises(NetworkError, match="could not be verified"):
        delegated(account, tmp_path).warm_up()  # discovery: the first request


def test_app_only_tokens(fake: FakeMicrosoft365, tmp_path: Path) -> None:
    fake.add_app("app-client", secret="s3cret-value")
    config = AccountConfig(
        mode="application",
        client_id="app-client",
        authority=fake.authority,
        graph_endpoint=fake.graph_endpoint,
        user_id="adele@contoso.example",
    )
    cache, _ = auth.memory_token_cache()

    token = auth.AppOnlyAuth(config, "s3cret-value", cache).token([auth.MEETINGS])

    assert token.startswith("fakeat.")
    (post,) = fake.requests_to("POST", "/token")
    assert post.form()["scope"] == f"{fake.base_url}/.default"


def test_app_only_wrong_secret(fake: FakeMicrosoft365) -> None:
    fake.add_app("app-client", secret="Right-Secret-41")
    config = AccountConfig(
        mode="application", client_id="app-client", authority=fake.authority, user_id="x"
    )
    cache, _ = auth.memory_token_cache()

    with pytest.raises(ConfigError, match="client secret is wrong") as caught:
        auth.AppOnlyAuth(config, "Wr0ng-Secret-99", cache).token([auth.MEETINGS])

    assert "Wr0ng-Secret-99" not in caught.value.message + caught.value.detail


def test_client_secret_comes_from_environment_or_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    config = AccountConfig(mode="application", client_secret_file=str(secret_file))
    assert auth.read_client_secret(config) == "from-file"
    monkeypatch.setenv("MEETTRAY_CLIENT_SECRET", "from-env")
    assert auth.read_client_secret(config) == "from-env"
    monkeypatch.delenv("MEETTRAY_CLIENT_SECRET")
    with pytest.raises(ConfigError, match="MEETTRAY_CLIENT_SECRET"):
        auth.read_client_secret(AccountConfig(mode="application"))


def test_national_cloud_scopes_are_qualified() -> None:
    assert auth.qualified_scopes(AccountConfig(), [auth.MEETINGS]) == [auth.MEETINGS]
    assert auth.qualified_scopes(AccountConfig(cloud="usgov-dod"), [auth.MEETINGS]) == [
        "https://dod-graph.microsoft.us/OnlineMeetings.ReadWrite"
    ]
    assert AccountConfig(cloud="usgov").authority_url == (
        "https://login.microsoftonline.us/organizations"
    )
    assert AccountConfig(cloud="usgov").uses_microsoft_authority
    assert not AccountConfig(authority="https://127.0.0.1:8443/t").uses_microsoft_authority


def test_no_browser_suggests_device_code(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    signer = delegated(account, tmp_path, lambda url: False)  # e.g. QDesktopServices failed

    with pytest.raises(AuthError, match="device-code"):
        signer.sign_in_browser(timeout=5)


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (53003, AuthError, "Conditional Access policy blocked this sign-in"),
        (50020, AuthError, "not a member of this organisation"),
        (500200, AuthError, "Personal Microsoft accounts cannot create Teams meetings"),
        (53000, AuthError, "only from a device it manages and finds compliant"),
        (53001, AuthError, "only from a computer joined to its domain"),
        (53002, AuthError, "meettray is not one of them"),
        (50097, AuthError, "requires this device to prove itself"),
        (50194, ConfigError, "accepts sign-ins from one organisation only"),
        (65004, AuthError, "You declined the permissions"),
    ],
)
def test_live_row_browser_sign_in_errors_carry_the_code_only_in_the_description(
    fake: FakeMicrosoft365,
    account: AccountConfig,
    browser: FakeBrowser,
    tmp_path: Path,
    code: int,
    kind: type[Exception],
    words: str,
) -> None:
    """graph-notes, live behaviours: AADSTS53003, 50020 and 500200 each get their own message;
    the browser flow's answer has the code only in error_description."""
    fake.signed_in_user.sign_in_error = code

    with pytest.raises(kind) as caught:
        delegated(account, tmp_path, browser).sign_in_browser(timeout=20)

    assert words in str(caught.value)
    assert f"AADSTS{code}" in caught.value.detail  # type: ignore[attr-defined]
    assert "expired" not in str(caught.value)


def test_live_row_public_client_flows_off_is_explained(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    """graph-notes, live behaviours: AADSTS7000218 is the app registration's setting,
    not a wrong client secret."""
    fake.apps[CLIENT_ID].allow_public_client = False
    signer = delegated(account, tmp_path)

    prompt = signer.begin_device_code()
    with pytest.raises(ConfigError) as caught:
        signer.finish_device_code(prompt)

    assert "does not allow sign-in from a desktop app" in caught.value.message
    assert "Allow public client flows" in caught.value.fix
    assert "Mobile and desktop applications" in caught.value.fix
    assert "secret" not in caught.value.message


def test_live_row_conditional_access_on_refresh_is_not_an_expired_sign_in(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    """graph-notes, live behaviours: AADSTS53003 has its own message, not 'sign-in expired'."""
    signer = delegated(account, tmp_path, browser)
    signer.sign_in_browser(timeout=20)
    fake.signed_in_user.sign_in_error = 53003

    with pytest.raises(AuthError) as caught:
        signer.token([auth.MEETINGS], force_refresh=True)

    assert "Conditional Access" in caught.value.message
    assert "expired" not in caught.value.message


def test_a_stray_local_post_cannot_abort_a_sign_in(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    """The loopback receiver checks state: an answer for another sign-in is ignored."""
    import threading

    import requests

    strays: list[int] = []

    def open_browser(url: str) -> None:
        from urllib.parse import parse_qs, urlsplit

        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        stray = requests.post(redirect, data={"error": "access_denied", "state": "not-ours"},
                              timeout=10)  # fmt: skip
        strays.append(stray.status_code)
        # The person finishes signing in a moment later, while meettray is waiting.
        threading.Timer(0.5, browser, args=(url,)).start()

    who = delegated(account, tmp_path, open_browser).sign_in_browser(timeout=20)

    assert strays == [400]
    assert who.username == "adele@contoso.example"


@pytest.mark.parametrize("code", [53000, 53001, 50097, 53003])
def test_live_row_a_device_rule_met_with_a_code_says_to_use_the_browser(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path, code: int
) -> None:
    """Device code never satisfies a device policy, and tenants can block that flow
    (53003): the fix is the browser, not IT (live behaviours, round 2)."""
    fake.signed_in_user.sign_in_error = code
    signer = delegated(account, tmp_path)

    prompt = signer.begin_device_code()
    with pytest.raises(AuthError) as caught:
        signer.finish_device_code(prompt)

    assert caught.value.message.startswith("Sign-in with a code cannot meet your organisation's")
    assert "without --device-code" in caught.value.fix
    assert f"AADSTS{code}" in caught.value.detail


def test_live_row_a_declined_consent_is_the_persons_not_an_admins(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    fake.signed_in_user.sign_in_error = 65004

    with pytest.raises(AuthError) as caught:
        delegated(account, tmp_path, browser).sign_in_browser(timeout=20)

    assert "administrator" not in caught.value.message
    assert "Sign in again and accept them" in caught.value.message


def test_a_personal_account_chosen_by_mistake_keeps_the_work_account(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    """Check first, then remove: the work account stays signed in."""
    signer = delegated(account, tmp_path, browser)
    work = signer.sign_in_browser(timeout=20)
    fake.signed_in_user = fake.add_user(
        "someone@outlook.example", "Some One", tenant_id=PERSONAL_TENANT_ID, personal=True
    )

    with pytest.raises(AuthError, match="Personal Microsoft accounts"):
        signer.sign_in_browser(timeout=20)

    kept = signer.account()
    assert kept is not None
    assert kept.username == work.username
    assert signer.token([auth.MEETINGS])  # its tokens too


# -- the plain fallback cache on Windows and macOS (their keyrings do not run here) -----------


@pytest.mark.parametrize(("platform", "name"), [
    ("linux", "token-cache.bin"), ("win32", "token-cache.plain.bin"),
    ("darwin", "token-cache.plain.bin"),
])  # fmt: skip
def test_the_plain_cache_never_shares_the_encrypted_ones_name(
    tmp_path: Path, platform: str, name: str
) -> None:
    """On Windows and macOS the encrypted persistence is token-cache.bin itself (DPAPI's
    file, the Keychain's signal file); a plain cache there was read as ciphertext."""
    from meettray.auth.cache import plaintext_path

    assert plaintext_path(tmp_path / "token-cache.bin", platform).name == name


def test_a_plain_cache_moves_into_the_encrypted_one_and_is_deleted(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    """Every OS: the plain file's tokens go into the encrypted persistence, then the file
    is gone.  msal-extensions' FilePersistence stands in for DPAPI or the Keychain."""
    import msal_extensions

    from meettray.auth.cache import adopt_legacy_plaintext, migrate_plaintext

    plain_cache, _ = auth.build_token_cache(tmp_path / "plain" / "token-cache.bin", encrypt=False)
    auth.DelegatedAuth(account, plain_cache, open_browser=browser).sign_in_browser(timeout=20)
    legacy = tmp_path / "plain" / "token-cache.bin"  # where an earlier release kept it
    plain = tmp_path / "plain" / "token-cache.plain.bin"
    tokens = legacy.read_text()
    assert adopt_legacy_plaintext(legacy, plain)
    target = msal_extensions.FilePersistence(str(tmp_path / "encrypted"))

    assert migrate_plaintext(plain, target)

    assert target.load() == tokens
    assert not plain.exists()
    assert not legacy.exists()


@pytest.mark.parametrize("content", [b"\x01\x00DPAPI\xff", b"", b'{"not": "a cache"}'])
def test_what_is_not_a_plain_cache_is_left_where_it_is(tmp_path: Path, content: bytes) -> None:
    from meettray.auth.cache import adopt_legacy_plaintext

    path = tmp_path / "token-cache.bin"
    path.write_bytes(content)

    assert not adopt_legacy_plaintext(path, tmp_path / "token-cache.plain.bin")
    assert path.read_bytes() == content


# -- application mode with a certificate (tenants that forbid client secrets) ------------------


def _certificate(tmp_path: Path, name: str) -> tuple[Path, bytes]:
    """A self-signed certificate and its key in one PEM file; the certificate's PEM."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    path = tmp_path / f"{name}.pem"
    path.write_bytes(cert_pem + key_pem)
    return path, cert_pem


def _app_config(fake: FakeMicrosoft365, certificate_file: Path) -> AccountConfig:
    return AccountConfig(mode="application", client_id="app-cert", authority=fake.authority,
                         graph_endpoint=fake.graph_endpoint, user_id="x",
                         client_certificate_file=str(certificate_file))  # fmt: skip


def test_live_row_application_mode_signs_in_with_a_certificate(
    fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    """Tenants can forbid client secrets: a certificate proves the app instead, as a
    client assertion the fake checks against the registered certificate."""
    path, registered = _certificate(tmp_path, "meettray-app")
    fake.add_app("app-cert", certificate=registered)
    config = _app_config(fake, path)
    cache, _ = auth.memory_token_cache()

    token = auth.AppOnlyAuth(config, auth.read_client_credential(config), cache).token(
        [auth.MEETINGS]
    )

    assert token.startswith("fakeat.")
    (post,) = fake.requests_to("POST", "/token")
    form = post.form()
    assert form["client_assertion_type"].endswith("jwt-bearer")
    assert "client_secret" not in form


def test_a_certificate_the_app_does_not_have_is_a_settings_problem(
    fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    _, registered = _certificate(tmp_path, "registered")
    other, _ = _certificate(tmp_path, "another")
    fake.add_app("app-cert", certificate=registered)
    config = _app_config(fake, other)
    cache, _ = auth.memory_token_cache()

    with pytest.raises(ConfigError, match="did not accept the app's certificate") as caught:
        auth.AppOnlyAuth(config, auth.read_client_credential(config), cache).token([auth.MEETINGS])
    assert "AADSTS700027" in caught.value.detail


def test_a_certificate_file_without_its_key_says_so(fake: FakeMicrosoft365, tmp_path: Path) -> None:
    _, registered = _certificate(tmp_path, "meettray-app")
    only_certificate = tmp_path / "only.pem"
    only_certificate.write_bytes(registered)

    with pytest.raises(ConfigError, match="holds no private key"):
        auth.read_client_credential(_app_config(fake, only_certificate))
    with pytest.raises(ConfigError, match="Cannot read the certificate file"):
        auth.read_client_credential(_app_config(fake, tmp_path / "missing.pem"))


def test_live_row_a_single_tenant_app_asked_for_any_organisation_fails_at_once(
    fake: FakeMicrosoft365, account: AccountConfig, tmp_path: Path
) -> None:
    """AADSTS50194 shows only on the sign-in page, which never comes back: asked first."""
    fake.apps[CLIENT_ID].single_tenant = True
    anyone = AccountConfig(client_id=CLIENT_ID, authority=f"{fake.base_url}/organizations",
                           graph_endpoint=fake.graph_endpoint)  # fmt: skip
    opened: list[str] = []

    with pytest.raises(ConfigError, match="accepts sign-ins from one organisation only"):
        delegated(anyone, tmp_path, opened.append).sign_in_browser(timeout=300)

    assert opened == []
    assert delegated(account, tmp_path).begin_device_code().user_code  # its own tenant works
