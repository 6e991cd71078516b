"""Sign-in with MSAL: the only module that imports ``msal``.

msal and requests are imported on first use: the tray shows its icon before
the network stack is loaded.

Delegated mode keeps one long-lived ``PublicClientApplication``: silent first,
then the system browser (our own loopback listener, so that sign-in has a
timeout and can be cancelled) or a device code.  Application mode uses
client credentials.  Tokens live in a persistent cache, encrypted where the
OS offers it.  MSAL's error dicts and exceptions become the typed errors of
:mod:`meettray.errors`; no token, code or secret ever reaches a message or log.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

from meettray import paths
from meettray.config import AccountConfig
from meettray.errors import (
    AuthError,
    ConfigError,
    MeettrayError,
    NetworkError,
    SignInCancelled,
    SignInRequired,
)

log = logging.getLogger(__name__)

#: The tenant id Microsoft uses for personal Microsoft accounts.
PERSONAL_ACCOUNT_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"

MEETINGS = "OnlineMeetings.ReadWrite"
CALENDAR = "Calendars.ReadWrite"

#: (connect, read) seconds for every call to the identity platform.
HTTP_TIMEOUT = (5.0, 30.0)


class TokenProvider(Protocol):
    """Anything that hands out bearer tokens for Graph."""

    def token(self, scopes: Sequence[str], *, force_refresh: bool = False) -> str:
        """A valid access token for ``scopes`` (bare names such as ``OnlineMeetings.ReadWrite``)."""
        ...


@dataclass(frozen=True)
class Account:
    """The signed-in identity, as far as the app needs to know it."""

    username: str
    name: str
    tenant_id: str
    object_id: str

    @property
    def is_personal(self) -> bool:
        """A personal Microsoft account (outlook.com, hotmail.com...), not work or school."""
        return self.tenant_id == PERSONAL_ACCOUNT_TENANT


@dataclass(frozen=True)
class CacheStatus:
    """Where tokens are kept and how well they are protected."""

    location: str
    encrypted: bool
    explanation: str


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What to show the person during device-code sign-in."""

    user_code: str
    verification_uri: str
    message: str
    expires_at: float
    flow: dict[str, Any]


class Cancellation:
    """A cancel switch shared between the GUI (or Ctrl+C) and a blocking sign-in."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()


# -- token cache --------------------------------------------------------------------------------


def build_token_cache(path: Path, *, encrypt: bool = True) -> tuple[Any, CacheStatus]:
    """A persistent MSAL token cache at ``path``, encrypted where the OS allows.

    Falls back to a plain file readable only by the user, and says so in the
    returned status.  A damaged cache file is set aside (tokens are only a
    convenience: signing in again restores them).
    """
    import msal_extensions

    paths.ensure_private_dir(path.parent)
    persistence: Any = None
    reason = "encryption was turned off"
    if encrypt:
        try:
            persistence = msal_extensions.build_encrypted_persistence(str(path))
            # Windows and macOS only fail on first use: try a read now.
            persistence.load()
        except msal_extensions.persistence.PersistenceNotFound:
            pass
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            # ImportError: no PyGObject/libsecret; RuntimeError/OSError: no keyring daemon.
            persistence = None
            reason = f"no system keyring is available ({type(exc).__name__})"
            log.warning("token cache is not encrypted: %s", reason)
    if persistence is None:
        persistence = msal_extensions.FilePersistence(str(path))
        status = CacheStatus(
            str(path), False, f"Tokens are stored unencrypted (mode 0600) because {reason}."
        )
    else:
        status = CacheStatus(str(path), True, "Tokens are stored encrypted by the system keyring.")
    _set_aside_if_damaged(path, persistence)
    return msal_extensions.PersistedTokenCache(persistence), status


def _set_aside_if_damaged(path: Path, persistence: Any) -> None:
    import msal_extensions

    try:
        content = persistence.load()
    except msal_extensions.persistence.PersistenceNotFound:
        return
    except (OSError, RuntimeError, ValueError):
        return  # an unreadable keyring entry is reported when it is used
    try:
        json.loads(content or "{}")
    except ValueError:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        log.warning("the token cache was damaged; moved it to %s (sign in again)", aside)


def memory_token_cache() -> tuple[Any, CacheStatus]:
    """A cache that lives only as long as the process (the demo)."""
    import msal

    return msal.SerializableTokenCache(), CacheStatus("memory", False, "Tokens are kept in memory.")


# -- delegated sign-in --------------------------------------------------------------------------


def qualified_scopes(account: AccountConfig, names: Sequence[str]) -> list[str]:
    """Graph scopes as the identity platform expects them for this cloud.

    The global cloud takes bare names; national clouds and custom endpoints
    need them qualified with their Graph host.
    """
    if account.graph_resource == "https://graph.microsoft.com":
        return list(names)
    return [f"{account.graph_resource}/{name}" for name in names]


class HttpCache(dict[Any, Any]):
    """MSAL's cache of non-token HTTP answers (the discovery document), kept on disk.

    A fresh ``meettray now`` then skips the discovery round trip.  This is the
    recipe MSAL documents for command-line apps: a pickled dict, where any
    trouble reading it just means starting afresh.  It holds no tokens.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        try:
            with path.open("rb") as stream:
                loaded = pickle.load(stream)  # noqa: S301 - our own user-only file
            if isinstance(loaded, dict):
                self.update(loaded)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass  # absent or from another MSAL version: start afresh

    def save(self) -> None:
        try:
            paths.ensure_private_dir(self.path.parent)
            handle, temporary = tempfile.mkstemp(prefix=".http-cache-", dir=self.path.parent)
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(dict(self), stream)
            os.replace(temporary, self.path)
        except (OSError, pickle.PicklingError) as exc:
            log.info("could not keep MSAL's HTTP cache: %s", exc)


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
        with self._lock:
            if self._app is None:
                self._app = _call_msal(
                    lambda: self._build(
                        authority=self._config.authority_url,
                        token_cache=self._cache,
                        instance_discovery=self._config.uses_microsoft_authority,
                        timeout=HTTP_TIMEOUT,
                        http_cache=self._http_cache,
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


class DelegatedAuth(_MsalClient):
    """Sign-in as the person using the app (``mode = "delegated"``)."""

    def __init__(
        self,
        account: AccountConfig,
        cache: Any,
        *,
        open_browser: Callable[[str], object] | None = None,
        http_cache: HttpCache | None = None,
    ) -> None:
        if not account.client_id:
            raise ConfigError(
                "No app registration is configured: set [account] client_id in the settings "
                "file (see README, 'Registering meettray in Microsoft Entra ID')."
            )
        super().__init__(account, cache, http_cache)
        self._open_browser = open_browser or _system_browser

    def _build(self, **common: Any) -> Any:
        import msal

        return msal.PublicClientApplication(self._config.client_id, **common)

    def _msal_account(self) -> dict[str, Any] | None:
        accounts = self._client().get_accounts()
        return accounts[0] if accounts else None

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

    def token(self, scopes: Sequence[str], *, force_refresh: bool = False) -> str:
        app = self._client()
        found = self._msal_account()
        if found is None:
            raise SignInRequired("You are not signed in. Sign in to create meetings.")
        result = _call_msal(
            lambda: app.acquire_token_silent_with_error(
                qualified_scopes(self._config, scopes), account=found, force_refresh=force_refresh
            )
        )
        if result and "access_token" in result:
            return str(result["access_token"])
        if result is None:
            raise SignInRequired(
                "Your sign-in has expired. Sign in again to create meetings.",
                detail="no refresh token in the cache for these permissions",
            )
        raise _auth_error(result)

    def sign_in_browser(
        self,
        scopes: Sequence[str] = (MEETINGS,),
        *,
        timeout: float = 300,
        cancel: Cancellation | None = None,
    ) -> Account:
        """Sign in in the system browser; blocks until done, cancelled or ``timeout``."""
        app = self._client()
        with _LoopbackReceiver() as receiver:
            flow = _call_msal(
                lambda: app.initiate_auth_code_flow(
                    qualified_scopes(self._config, scopes),
                    redirect_uri=receiver.redirect_uri,
                    response_mode="form_post",
                    prompt="select_account",
                )
            )
            if "error" in flow:
                raise _auth_error(flow)
            if cancel is not None:
                cancel.on_cancel(receiver.cancel)
            if self._open_browser(flow["auth_uri"]) is False:
                raise AuthError(
                    "No web browser could be opened for sign-in. Use sign-in with a code "
                    "instead (meettray login --device-code)."
                )
            response = receiver.wait(timeout)
        if response is None:
            raise SignInCancelled(
                "Sign-in was cancelled."
                if cancel is not None and cancel.cancelled
                else f"Sign-in did not finish within {timeout:.0f} seconds. Try again."
            )
        result = _call_msal(lambda: app.acquire_token_by_auth_code_flow(flow, response))
        return self._signed_in(result)

    def begin_device_code(self, scopes: Sequence[str] = (MEETINGS,)) -> DeviceCodePrompt:
        """Start device-code sign-in; show the returned code, then :meth:`finish_device_code`."""
        app = self._client()
        flow = _call_msal(
            lambda: app.initiate_device_flow(scopes=qualified_scopes(self._config, scopes))
        )
        if "user_code" not in flow:
            raise _auth_error(flow)
        return DeviceCodePrompt(
            user_code=flow["user_code"],
            verification_uri=flow["verification_uri"],
            message=flow.get("message", ""),
            expires_at=float(flow["expires_at"]),
            flow=flow,
        )

    def finish_device_code(
        self, prompt: DeviceCodePrompt, *, cancel: Cancellation | None = None
    ) -> Account:
        """Wait for the person to enter the code; blocks until done, expired or cancelled."""
        app = self._client()
        if cancel is not None:
            # MSAL's documented way to stop polling.
            cancel.on_cancel(lambda: prompt.flow.__setitem__("expires_at", 0))
        result = _call_msal(lambda: app.acquire_token_by_device_flow(prompt.flow))
        if cancel is not None and cancel.cancelled and "access_token" not in result:
            raise SignInCancelled("Sign-in was cancelled.")
        return self._signed_in(result)

    def _signed_in(self, result: dict[str, Any]) -> Account:
        if "access_token" not in result:
            raise _auth_error(result)
        claims = result.get("id_token_claims") or {}
        account = Account(
            username=claims.get("preferred_username", ""),
            name=claims.get("name", ""),
            tenant_id=claims.get("tid", ""),
            object_id=claims.get("oid", ""),
        )
        # Keep exactly one account: a new sign-in replaces any other.
        app = self._client()
        for other in app.get_accounts():
            if other.get("local_account_id") != account.object_id:
                app.remove_account(other)
        log.info("signed in as %s (tenant %s)", account.username, account.tenant_id)
        if account.is_personal:
            self.sign_out()
            raise AuthError(
                "Personal Microsoft accounts cannot create Teams meetings through Microsoft "
                "Graph. Sign in with a work or school account.",
                detail=f"tenant {account.tenant_id}",
            )
        return account

    def sign_out(self) -> None:
        """Forget the account and all its tokens."""
        app = self._client()
        for found in app.get_accounts():
            app.remove_account(found)
        log.info("signed out")


class AppOnlyAuth(_MsalClient):
    """Application mode: client credentials, meetings created for ``user_id``."""

    def __init__(
        self, account: AccountConfig, secret: str, cache: Any, http_cache: HttpCache | None = None
    ) -> None:
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
        result = _call_msal(lambda: app.acquire_token_for_client(scope))
        if "access_token" in result:
            return str(result["access_token"])
        raise _auth_error(result)


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


# -- helpers -----------------------------------------------------------------------------------


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


def _call_msal(call: Callable[[], Any]) -> Any:
    """Run an MSAL call; turn the exceptions it raises into our errors."""
    import requests

    try:
        return call()
    except requests.exceptions.SSLError as exc:
        raise NetworkError(
            "The sign-in service's identity could not be verified (TLS). If your "
            "organisation inspects HTTPS traffic, point REQUESTS_CA_BUNDLE at its CA.",
            detail=type(exc).__name__,
        ) from None
    except requests.exceptions.RequestException as exc:
        raise NetworkError(
            "The Microsoft sign-in service cannot be reached. Check your network connection.",
            detail=type(exc).__name__,
        ) from None
    except ValueError as exc:
        # MSAL raises ValueError when the authority's discovery document is unusable.
        raise AuthError(
            "The sign-in authority is not valid. Check [account] tenant and authority "
            "in the settings.",
            detail=str(exc).split("\n", 1)[0][:300],
        ) from None
    except RuntimeError as exc:
        # MSAL raises for 5xx answers from the token endpoint.
        raise AuthError(
            "The Microsoft sign-in service had a problem. Try again in a minute.",
            detail=str(exc)[:300],
        ) from None


_SIGN_IN_AGAIN = frozenset({50173, 70008, 70043, 700082, 700084, 50078, 50076, 50079})
_ADMIN_CONSENT = frozenset({90094, 90099, 90008, 65004})


def _auth_error(result: dict[str, Any]) -> MeettrayError:
    """Map an MSAL/identity-platform error dict to a typed error with a plain message."""
    error = str(result.get("error", ""))
    codes = {int(c) for c in result.get("error_codes", []) if str(c).isdigit()}
    description = str(result.get("error_description", ""))
    detail = f"{error}: {description.splitlines()[0] if description else ''}".strip(": ")
    request_id = str(result.get("correlation_id", ""))
    if codes & _ADMIN_CONSENT or "AADSTS90094" in description:
        return AuthError(
            "Your organisation requires an administrator to approve meettray. Ask your IT "
            "administrator to grant admin consent for the app, then sign in again.",
            detail=detail,
            request_id=request_id,
        )
    if 65001 in codes:
        return SignInRequired(
            "meettray needs your permission for this. Sign in again to grant it.",
            detail=detail,
            request_id=request_id,
        )
    if codes & _SIGN_IN_AGAIN or error in ("invalid_grant", "interaction_required"):
        return SignInRequired(
            "Your sign-in has expired. Sign in again to create meetings.",
            detail=detail,
            request_id=request_id,
        )
    if 50020 in codes or 500200 in codes:
        return AuthError(
            "Personal Microsoft accounts cannot create Teams meetings through Microsoft "
            "Graph. Sign in with a work or school account.",
            detail=detail,
            request_id=request_id,
        )
    if 700016 in codes or error == "unauthorized_client":
        return ConfigError(
            "The app registration was not found in your organisation. Check [account] "
            "client_id and tenant in the settings.",
            detail=detail,
            request_id=request_id,
        )
    if codes & {7000215, 7000222, 7000216} or error == "invalid_client":
        return ConfigError(
            "The app's client secret is wrong or has expired. Create a new secret in "
            "Microsoft Entra ID and update MEETTRAY_CLIENT_SECRET.",
            detail=detail,
            request_id=request_id,
        )
    if error in ("access_denied", "authorization_declined"):
        return SignInCancelled("Sign-in was declined.", detail=detail, request_id=request_id)
    if error == "expired_token":
        return SignInCancelled(
            "The sign-in code expired before it was used. Start sign-in again.",
            detail=detail,
            request_id=request_id,
        )
    return AuthError(
        "Sign-in failed. Try again; if it keeps failing, give the details to your IT support.",
        detail=detail or "unknown error",
        request_id=request_id,
    )


class _LoopbackReceiver:
    """Waits on ``http://localhost:<port>`` for the browser's ``form_post`` answer.

    Unlike MSAL's built-in one, it can be cancelled from another thread.
    """

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, HTTPServer  # only when signing in

        self.response: dict[str, str] | None = None
        self._done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                ok = "code" in fields
                page = (
                    "Signed in to meettray. You can close this tab."
                    if ok
                    else "Sign-in did not complete. You can close this tab and try again."
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.encode())
                if "code" in fields or "error" in fields:
                    receiver.response = fields
                    receiver._done.set()

            def do_GET(self) -> None:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(b"meettray expects the sign-in answer as a form post.")

            def log_message(self, format: str, *args: Any) -> None:
                return  # the request line would carry the authorization code

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._server.timeout = 0.2
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self._server.server_address[1]}"

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._done.wait(timeout)
        return self.response

    def cancel(self) -> None:
        self._done.set()

    def __enter__(self) -> _LoopbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
