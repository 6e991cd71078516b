"""The MSAL applications: delegated sign-in (browser or device code) and application mode.

One long-lived MSAL application per account configuration, built on first use
(it fetches the discovery document).  Silent first, then the system browser
(our own loopback listener, so that sign-in has a timeout and can be
cancelled) or a device code.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from meettray.accounts import (
    CALENDAR,
    CALENDAR_CONSENT_MESSAGE,
    MEETINGS,
    Account,
    Cancellation,
    DeviceCodePrompt,
)
from meettray.auth.broker import BROKER_REDIRECTS, choose_broker, edge, os_key, wait_for_broker
from meettray.auth.cache import HttpCache
from meettray.auth.errors import (
    REGISTRATION_PROBLEMS,
    BrokerRedirectMissing,
    aadsts_codes,
    auth_error,
    broker_redirect_advice,
    call_msal,
)
from meettray.auth.loopback import LoopbackReceiver
from meettray.auth.people import People, ProfilePerson, names_profile
from meettray.choices import MAIN_ACCOUNT
from meettray.config import AccountConfig
from meettray.errors import (
    AuthError,
    ConfigError,
    ConsentRequired,
    SignInCancelled,
    SignInRequired,
)
from meettray.i18n import _

log = logging.getLogger(__name__)

#: (connect, read) seconds for every call to the identity platform.
HTTP_TIMEOUT = (5.0, 30.0)


def qualified_scopes(account: AccountConfig, names: Sequence[str]) -> list[str]:
    """Graph scopes as the identity platform expects them for this cloud.

    The global cloud takes bare names; national clouds and custom endpoints
    need them qualified with their Graph host.
    """
    if account.graph_resource == "https://graph.microsoft.com":
        return list(names)
    return [f"{account.graph_resource}/{name}" for name in names]


class _MsalClient:
    """Builds its MSAL application once, on first use (it fetches the discovery document)."""

    def __init__(self, account: AccountConfig, cache: Any, http_cache: HttpCache | None) -> None:
        self._config = account
        self._cache = cache
        self._http_cache = http_cache
        self._app: Any = None
        self._lock = threading.Lock()

    def _build(self, **common: Any) -> Any:
        raise NotImplementedError

    def _client(self) -> Any:
        from meettray import network  # loads requests, as msal does anyway

        with self._lock:
            if self._app is None:
                self._app = call_msal(
                    lambda: self._build(
                        authority=self._config.authority_url,
                        token_cache=self._cache,
                        instance_discovery=self._config.uses_microsoft_authority,
                        timeout=HTTP_TIMEOUT,
                        http_cache=self._http_cache,
                        # The OS's certificate store, as Graph's requests (meettray.network).
                        http_client=network.https_session(timeout=HTTP_TIMEOUT),
                    )
                )
            return self._app

    def close(self) -> None:
        """Keep MSAL's HTTP cache for the next process."""
        if self._http_cache is not None:
            self._http_cache.save()

    def warm_up(self) -> None:
        """Build the MSAL application now (discovery round trip), off the click path."""
        self._client()


class DelegatedAuth(ProfilePerson, _MsalClient):
    """Sign-in as the person using the app (``mode = "delegated"``)."""

    def __init__(
        self,
        account: AccountConfig,
        cache: Any,
        *,
        open_browser: Callable[[str], object] | None = None,
        http_cache: HttpCache | None = None,
        prefer_edge: bool = True,
        profile: str = MAIN_ACCOUNT,
        people: People | None = None,
        label: str = "",
    ) -> None:
        """``prefer_edge``: on Linux, sign in with Microsoft Edge where it is installed
        (it presents the device to Conditional Access); the demo's browser turns it off.
        ``profile``: the settings profile this is; ``people`` records whose sign-in each
        profile is in the shared ``cache`` (default: in memory).  ``label``: how a sign-in
        error names the profile ("" = it does not: the only one)."""
        if not account.client_id:
            raise ConfigError(
                _(
                    "No app registration is configured: set [account] client_id in the settings "
                    "file (see README, 'Registering meettray in Microsoft Entra ID')."
                )
            )
        super().__init__(account, cache, http_cache)
        self.profile = profile
        self._people = people or People()
        self._label = label
        self._open_browser = open_browser or _system_browser
        self._prefer_edge = prefer_edge
        #: The OS's sign-in broker, if any (doctor reports it).
        self.broker = choose_broker(account.broker, microsoft=account.uses_microsoft_authority)
        #: Why the broker could not sign in last time, for the person ("" if it could).
        self.broker_problem = ""

    def _build(self, **common: Any) -> Any:
        import msal

        return msal.PublicClientApplication(self._config.client_id, **self.broker.options, **common)

    def account(self) -> Account | None:
        """The signed-in account, from the token cache (no network once warm)."""
        import msal

        # An empty cache means nobody: say so without building MSAL (a network round trip).
        if not list(self._cache.search(msal.TokenCache.CredentialType.ACCOUNT)):
            return None
        found = self._msal_account()
        if found is None:
            return None
        claims: dict[str, Any] = {}
        for entry in self._cache.search(
            msal.TokenCache.CredentialType.ID_TOKEN,
            query={"home_account_id": found.get("home_account_id")},
        ):
            claims = _unverified_claims(str(entry.get("secret", "")))
        return Account(
            username=str(found.get("username", "")),
            name=str(claims.get("name", "")),
            tenant_id=str(claims.get("tid", found.get("realm", ""))),
            object_id=str(found.get("local_account_id", "")),
        )

    @names_profile
    def token(self, scopes: Sequence[str], *, force_refresh: bool = False) -> str:
        app = self._client()
        found = self._msal_account()
        if found is None:
            raise SignInRequired(_("You are not signed in. Sign in to create meetings."))
        result = call_msal(
            lambda: app.acquire_token_silent_with_error(
                qualified_scopes(self._config, scopes), account=found, force_refresh=force_refresh
            )
        )
        if result and "access_token" in result:
            return str(result["access_token"])
        if result is None:
            raise SignInRequired(
                _("Your sign-in has expired. Sign in again to create meetings."),
                detail="no refresh token in the cache for these permissions",
            )
        error = auth_error(result)
        if CALENDAR in scopes and isinstance(error, ConsentRequired):
            # Calendar access is its own consent: name exactly what grants it.
            raise ConsentRequired(
                _(CALENDAR_CONSENT_MESSAGE),
                permissions=(CALENDAR,),
                detail=error.detail,
                request_id=error.request_id,
            )
        raise error

    @names_profile
    def sign_in_browser(
        self,
        scopes: Sequence[str] = (MEETINGS,),
        *,
        timeout: float = 300,
        cancel: Cancellation | None = None,
        parent_window: int | None = None,
    ) -> Account:
        """Sign in through the OS's broker where there is one, else in the system browser
        (Microsoft Edge on Linux where installed); blocks until done, cancelled or
        ``timeout``.  ``parent_window``: the native handle of the window the broker's
        dialog belongs to (the tray's own on Windows: WAM's window takes the focus from
        it); ``None`` for a command, whose console is that window."""
        app = self._client()
        self._before_sign_in()
        self._check_registration(app, scopes)
        if self.broker.name:
            try:  # msal ignores the timeout here: the wait is ours, and can be cancelled
                result = wait_for_broker(
                    lambda: call_msal(lambda: app.acquire_token_interactive(
                        qualified_scopes(self._config, scopes),
                        prompt="select_account",
                        parent_window_handle=(
                            app.CONSOLE_WINDOW_HANDLE if parent_window is None else parent_window
                        ),
                        timeout=timeout,
                    )),
                    timeout=timeout, cancel=cancel,
                )  # fmt: skip
            except BrokerRedirectMissing as exc:
                redirect = BROKER_REDIRECTS[os_key()].format(client_id=self._config.client_id)
                self.broker_problem = broker_redirect_advice(self.broker.name, redirect)
                log.warning("%s (%s)", self.broker_problem, exc.detail)
                result = {}
            if "access_token" in result or aadsts_codes(result):
                return self._signed_in(result)  # signed in, or Entra ID's own answer
            # The broker itself failed (not installed, not running): the browser remains.
            log.warning("the %s did not sign in (%s): using the browser",
                        self.broker.name, result.get("error", "no answer"))  # fmt: skip
        opener = self._open_browser
        if self._prefer_edge and (found := edge()) is not None:
            opener = functools.partial(_open_with, found)
        with LoopbackReceiver() as receiver:
            flow = call_msal(
                lambda: app.initiate_auth_code_flow(
                    qualified_scopes(self._config, scopes),
                    redirect_uri=receiver.redirect_uri,
                    response_mode="form_post",
                    prompt="select_account",
                )
            )
            if "error" in flow:
                raise auth_error(flow)
            receiver.expected_state = flow.get("state")
            if cancel is not None:
                cancel.on_cancel(receiver.cancel)
            if opener(flow["auth_uri"]) is False:
                raise AuthError(
                    _(
                        "No web browser could be opened for sign-in. Use sign-in with a code "
                        "instead (meettray login --device-code)."
                    )
                )
            response = receiver.wait(timeout)
        if response is None:
            raise SignInCancelled(
                _("Sign-in was cancelled.")
                if cancel is not None and cancel.cancelled
                else _("Sign-in did not finish within {seconds} seconds. Try again.").format(
                    seconds=f"{timeout:.0f}"
                )
            )
        result = call_msal(lambda: app.acquire_token_by_auth_code_flow(flow, response))
        return self._signed_in(result)

    def check_registration(self) -> None:
        """Raise the settings problem a sign-in would meet: an unknown client id, or a
        single-tenant app asked for any organisation (for doctor).  One round trip."""
        self._check_registration(self._client(), (MEETINGS,))

    def _check_registration(self, app: Any, scopes: Sequence[str]) -> None:
        """A wrong client id, or a single-tenant app asked for any organisation, shows
        only on the browser's page, which never comes back: the sign-in would wait for
        minutes in silence.  The device-code endpoint says so at once, so it is asked
        first.  Only those answers stop the sign-in; any other is left to the browser
        (a tenant may turn device codes off, and still allow this)."""
        flow = call_msal(
            lambda: app.initiate_device_flow(scopes=qualified_scopes(self._config, scopes))
        )
        if "user_code" not in flow and aadsts_codes(flow) & REGISTRATION_PROBLEMS:
            raise auth_error(flow)

    @names_profile
    def begin_device_code(self, scopes: Sequence[str] = (MEETINGS,)) -> DeviceCodePrompt:
        """Start device-code sign-in; show the returned code, then :meth:`finish_device_code`."""
        app = self._client()
        self._before_sign_in()
        flow = call_msal(
            lambda: app.initiate_device_flow(scopes=qualified_scopes(self._config, scopes))
        )
        if "user_code" not in flow:
            raise auth_error(flow)
        return DeviceCodePrompt(
            user_code=flow["user_code"],
            verification_uri=flow["verification_uri"],
            message=flow.get("message", ""),
            expires_at=float(flow["expires_at"]),
            flow=flow,
        )

    @names_profile
    def finish_device_code(
        self, prompt: DeviceCodePrompt, *, cancel: Cancellation | None = None
    ) -> Account:
        """Wait for the person to enter the code; blocks until done, expired or cancelled."""
        app = self._client()
        if cancel is not None:
            # MSAL's documented way to stop polling.
            cancel.on_cancel(lambda: prompt.flow.__setitem__("expires_at", 0))
        result = call_msal(lambda: app.acquire_token_by_device_flow(prompt.flow))
        if cancel is not None and cancel.cancelled and "access_token" not in result:
            raise SignInCancelled(_("Sign-in was cancelled."))
        return self._signed_in(result, device_code=True)

    def _signed_in(self, result: dict[str, Any], *, device_code: bool = False) -> Account:
        if "access_token" not in result:
            raise auth_error(result, device_code=device_code)
        claims = result.get("id_token_claims") or {}
        account = Account(
            username=claims.get("preferred_username", ""),
            name=claims.get("name", ""),
            tenant_id=claims.get("tid", ""),
            object_id=claims.get("oid", ""),
        )
        app = self._client()
        if account.is_personal:
            # Check first, then remove: a personal account chosen by mistake must not
            # cost the work account that was signed in.
            for mistaken in app.get_accounts():
                if mistaken.get("local_account_id") == account.object_id:
                    self._forget(app, mistaken)
            raise AuthError(
                _(
                    "Personal Microsoft accounts cannot create Teams meetings through Microsoft "
                    "Graph. Sign in with a work or school account."
                ),
                detail=f"tenant {account.tenant_id}",
            )
        self._record_sign_in(app, account)  # replacing this profile's previous person
        log.info("signed in %s as %s (tenant %s)", self.profile, account.username,
                 account.tenant_id)  # fmt: skip
        return account

    def sign_out(self) -> None:
        """Forget this profile's person and their tokens (another profile's stay)."""
        self._sign_out_person(self._client())
        log.info("signed out %s", self.profile)


class AppOnlyAuth(_MsalClient):
    """Application mode: client credentials, meetings created for ``user_id``."""

    def __init__(
        self,
        account: AccountConfig,
        secret: str | dict[str, str],
        cache: Any,
        http_cache: HttpCache | None = None,
    ) -> None:
        """``secret``: the client secret, or a certificate credential as msal takes it
        (see :func:`read_client_credential`)."""
        if not account.client_id:
            raise ConfigError("Application mode needs [account] client_id in the settings file.")
        super().__init__(account, cache, http_cache)
        self._secret = secret

    def _build(self, **common: Any) -> Any:
        import msal

        return msal.ConfidentialClientApplication(
            self._config.client_id, client_credential=self._secret, **common
        )

    def account(self) -> Account:
        return Account(
            username=self._config.user_id,
            name=f"{self._config.user_id} (application mode)",
            tenant_id=self._config.tenant,
            object_id="",
        )

    def token(self, scopes: Sequence[str], *, force_refresh: bool = False) -> str:
        # App-only tokens carry every consented application permission: ".default".
        import msal

        app = self._client()
        scope = [f"{self._config.graph_resource}/.default"]
        if force_refresh:
            # Client-credential tokens are cached by MSAL; drop them to force a new one.
            for entry in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                self._cache.remove_at(entry)
        result = call_msal(lambda: app.acquire_token_for_client(scope))
        if "access_token" in result:
            return str(result["access_token"])
        raise auth_error(result)


def read_client_credential(account: AccountConfig) -> str | dict[str, str]:
    """Application mode's credential: the certificate in ``client_certificate_file`` (a
    PEM holding the certificate and its private key) where set, else the secret."""
    if not account.client_certificate_file:
        return read_client_secret(account)
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    where = account.client_certificate_file
    try:
        pem = Path(where).expanduser().read_bytes()
        certificate = x509.load_pem_x509_certificate(pem)
    except OSError as exc:
        raise ConfigError(f"Cannot read the certificate file {where}: {exc.strerror}.") from exc
    except ValueError as exc:
        raise ConfigError(
            f"The certificate file {where} holds no PEM certificate; it needs the "
            "certificate and its private key, both in PEM."
        ) from exc
    if b"PRIVATE KEY-----" not in pem:
        raise ConfigError(f"The certificate file {where} holds no private key (PEM).")
    # The SHA-1 thumbprint is how Entra ID names a certificate, not a security measure.
    der = certificate.public_bytes(Encoding.DER)
    thumbprint = hashlib.sha1(der, usedforsecurity=False).hexdigest()
    return {"private_key": pem.decode(), "thumbprint": thumbprint}


def read_client_secret(account: AccountConfig) -> str:
    """Application mode's secret: ``$MEETTRAY_CLIENT_SECRET`` or ``client_secret_file``."""
    secret = os.environ.get("MEETTRAY_CLIENT_SECRET", "")
    if not secret and account.client_secret_file:
        try:
            secret = Path(account.client_secret_file).expanduser().read_text().strip()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the client secret file {account.client_secret_file}: {exc.strerror}."
            ) from exc
    if not secret:
        raise ConfigError(
            "Application mode needs the app's client secret in the environment variable "
            "MEETTRAY_CLIENT_SECRET or in the file named by [account] client_secret_file."
        )
    return secret


# -- helpers -------------------------------------------------------------------------------------


def _open_with(browser: str, url: str) -> bool:
    """Open ``url`` in ``browser`` (Edge), detached from us."""
    try:
        opened = subprocess.Popen(  # noqa: S603 - a resolved executable and a sign-in URL
            [browser, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    except OSError:
        return False
    threading.Thread(target=opened.wait, name="browser", daemon=True).start()  # no zombie
    return True


def _system_browser(url: str) -> object:
    import webbrowser

    return webbrowser.open(url)


def _unverified_claims(id_token: str) -> dict[str, Any]:
    """The payload of a cached id token, for display only (MSAL checked it on receipt)."""
    try:
        payload = id_token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}
