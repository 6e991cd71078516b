"""A fake Microsoft identity platform and Microsoft Graph, served over HTTPS on 127.0.0.1.

It is faithful to what meettray relies on (see ``shared/graph-notes.md``):
OpenID discovery, authorize with PKCE and ``form_post``, device code with
``authorization_pending``, the token endpoint's four grants with realistic
``AADSTS`` errors, and Graph's onlineMeetings (create, createOrGet, get,
patch, delete, for ``/me`` and ``/users/{id}``) and calendar events with
online meetings.  Bearer tokens are checked; errors use Graph's error body.

Tests steer it through knobs (``latency``, :meth:`FakeMicrosoft365.add_fault`,
:meth:`expire_access_tokens`, :meth:`revoke_refresh_tokens`, user and app
flags) and read :attr:`FakeMicrosoft365.requests` to see what it received.
The demo (``meettray --demo``) runs the same server in-process.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import html
import json
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import trustme

#: The tenant id Microsoft uses for personal (MSA) accounts.
PERSONAL_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEMO_JOIN_HOST = "demo.meettray.invalid"

_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_MEETING_SCOPES = frozenset({"OnlineMeetings.ReadWrite", "OnlineMeetings.ReadWrite.All"})
_CREATE_OR_GET_FIELDS = frozenset(
    {"externalId", "subject", "startDateTime", "endDateTime", "participants"}
)
_PATCHABLE_FIELDS = frozenset(
    {
        "subject",
        "startDateTime",
        "endDateTime",
        "participants",
        "lobbyBypassSettings",
        "allowedPresenters",
        "isEntryExitAnnounced",
        "allowMeetingChat",
        "recordAutomatically",
    }
)


@dataclass
class FakeUser:
    """A directory user (or a personal Microsoft account)."""

    upn: str
    name: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))
    tenant_id: str = DEFAULT_TENANT_ID
    personal: bool = False
    #: A guest from another organisation: Graph refuses meeting creation.
    guest: bool = False
    #: Whether a Teams application access policy lets app-only callers act for this user.
    app_policy_granted: bool = True


@dataclass
class FakeApp:
    """An app registration."""

    client_id: str
    #: Client secret of a confidential client (application mode); ``None`` for public clients.
    secret: str | None = None
    #: Application permissions an admin has consented to.
    roles: set[str] = field(default_factory=lambda: {"OnlineMeetings.ReadWrite.All"})
    #: The tenant requires an administrator to approve this app's delegated permissions.
    needs_admin_consent: bool = False


@dataclass
class Fault:
    """One injected failure, matched against incoming requests.

    ``kind`` is one of ``status`` (answer ``status``/``code``, with a
    ``Retry-After`` header if ``retry_after`` is set), ``drop_before`` (close
    the connection without doing the work), ``drop_after`` (do the work, then
    close without answering), ``delay`` (wait ``delay`` seconds, then answer
    normally), ``malformed`` (do the work, answer with broken JSON),
    ``no_join_url``, ``http_join_url`` and ``huge`` (do the work and answer
    with a damaged meeting).
    """

    kind: str
    method: str | None = None
    path: str = ""
    status: int = 503
    code: str = "ServiceUnavailable"
    retry_after: str | None = None
    delay: float = 0.0
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and re.search(
            self.path, path
        ) is not None


@dataclass
class RecordedRequest:
    """A request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    #: The client's (host, port): one port for several requests means a kept-alive connection.
    peer: tuple[str, int] = ("", 0)

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class _AccessToken:
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    user: FakeUser | None = None
    roles: frozenset[str] = frozenset()


@dataclass
class _RefreshToken:
    client_id: str
    user: FakeUser
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class _PendingCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scopes: frozenset[str]
    user: FakeUser


@dataclass
class _DeviceCode:
    client_id: str
    user_code: str
    scopes: frozenset[str]
    expires_at: float
    polls: int = 0
    approved_by: FakeUser | None = None


class _Drop(Exception):
    """Raised inside a handler to close the connection without an answer."""


class _Reply(Exception):
    """Raised inside a handler to answer at once (errors)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _now_iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _plain_scope(scope: str) -> str:
    """``https://graph.microsoft.com/OnlineMeetings.ReadWrite`` -> ``OnlineMeetings.ReadWrite``."""
    return scope.rsplit("/", 1)[-1] if scope.startswith("https://") else scope


class FakeMicrosoft365:
    """The fake service.  Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        join_host: str = "teams.microsoft.com",
        latency: float = 0.0,
        access_token_lifetime: int = 3600,
        device_polls_before_approval: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenant_id = tenant_id
        self.join_host = join_host
        #: Seconds every Graph request waits before it is answered.
        self.latency = latency
        self.access_token_lifetime = access_token_lifetime
        #: Device-code polls answered ``authorization_pending`` before the
        #: person "approves"; a negative value means never.
        self.device_polls_before_approval = device_polls_before_approval
        self.clock = clock
        #: Field name for the join link in meeting responses (``joinUrl`` = beta shape).
        self.join_url_field = "joinWebUrl"

        self._lock = threading.RLock()
        self.users: dict[str, FakeUser] = {}
        self.apps: dict[str, FakeApp] = {}
        self.meetings: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        #: The user who "types their password" in the browser or device-code page.
        self.signed_in_user: FakeUser = self.add_user(
            "adele@contoso.example", "Adele Vance", oid="6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"
        )

        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._codes: dict[str, _PendingCode] = {}
        #: Every secret the fake handed out (codes and tokens), for leak tests.
        self.issued_secrets: list[str] = []
        self._device: dict[str, _DeviceCode] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="meettray-fake365-")
        self._ca = trustme.CA(organization_name="meettray fake Microsoft 365")
        self.ca_path = Path(self._tmp.name) / "fake365-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeMicrosoft365:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    def __enter__(self) -> FakeMicrosoft365:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def graph_endpoint(self) -> str:
        return f"{self.base_url}/v1.0"

    # -- knobs -------------------------------------------------------------------------------

    def add_user(self, upn: str, name: str, **flags: Any) -> FakeUser:
        user = FakeUser(upn=upn, name=name, **flags)
        with self._lock:
            self.users[user.oid] = user
        return user

    def add_app(
        self, client_id: str | None = None, *, secret: str | None = None, **flags: Any
    ) -> FakeApp:
        app = FakeApp(client_id=client_id or str(uuid.uuid4()), secret=secret, **flags)
        with self._lock:
            self.apps[app.client_id] = app
        return app

    def add_fault(self, kind: str, path: str = "", **options: Any) -> Fault:
        """Inject a failure for the next matching request(s); see :class:`Fault`."""
        fault = Fault(kind=kind, path=path, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            for token in self._refresh.values():
                token.revoked = True

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and re.search(path_pattern, r.path) is not None
            ]

    # -- identity platform -------------------------------------------------------------------

    def _discovery(self, tenant: str) -> dict[str, Any]:
        base = f"{self.base_url}/{tenant}"
        return {
            "issuer": f"{self.base_url}/{self.tenant_id}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "tenant_region_scope": "EU",
        }

    def _authorize(self, query: dict[str, str]) -> str:
        """The sign-in page: the person consents at once; answer with a form_post page."""
        app = self.apps.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if app is None:
            return _error_page(
                "AADSTS700016: Application with identifier "
                f"'{query.get('client_id')}' was not found in the directory."
            )
        if not redirect_uri.startswith(("http://localhost", "http://127.0.0.1")):
            return _error_page(
                "AADSTS50011: The redirect URI specified in the request does not match "
                "the redirect URIs configured for the application."
            )
        if query.get("response_mode") != "form_post":
            return _error_page("This fake supports response_mode=form_post only, like MSAL.")
        fields = {"state": query.get("state", "")}
        if app.needs_admin_consent:
            fields |= {
                "error": "access_denied",
                "error_description": "AADSTS90094: The grant requires admin permission.",
            }
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            fields |= {
                "error": "invalid_request",
                "error_description": "AADSTS9002325: Proof Key for Code Exchange is required.",
            }
        else:
            code = "fakecode." + secrets.token_urlsafe(24)
            self.issued_secrets.append(code)
            user = self.signed_in_user
            with self._lock:
                self._codes[code] = _PendingCode(
                    client_id=app.client_id,
                    redirect_uri=redirect_uri,
                    code_challenge=query["code_challenge"],
                    nonce=query.get("nonce"),
                    scopes=frozenset(query.get("scope", "").split()),
                    user=user,
                )
            fields |= {"code": code, "client_info": _client_info(user), "session_state": "fake"}
        inputs = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
            for k, v in fields.items()
        )
        return (
            "<html><head><title>Working...</title></head>"
            '<body onload="document.forms[0].submit()">'
            f'<form method="POST" name="hiddenform" action="{html.escape(redirect_uri)}">'
            f"{inputs}<noscript><input type='submit' value='Continue'/></noscript>"
            "</form></body></html>"
        )

    def _devicecode(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("client_id") not in self.apps:
            raise _Reply(400, _aad_error("unauthorized_client", 700016, "Application not found."))
        device_code = "fakedevice." + secrets.token_urlsafe(24)
        self.issued_secrets.append(device_code)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        with self._lock:
            self._device[device_code] = _DeviceCode(
                client_id=form["client_id"],
                user_code=user_code,
                scopes=frozenset(form.get("scope", "").split()),
                expires_at=self.clock() + 900,
            )
        uri = f"{self.base_url}/devicelogin"
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, use a web browser to open the page {uri} "
            f"and enter the code {user_code} to authenticate.",
        }

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type", "")
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            raise _Reply(
                400,
                _aad_error(
                    "unauthorized_client",
                    700016,
                    f"Application with identifier '{form.get('client_id')}' was not found.",
                ),
            )
        if grant == "authorization_code":
            return self._grant_code(app, form)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            return self._grant_device(app, form)
        if grant == "refresh_token":
            return self._grant_refresh(app, form)
        if grant == "client_credentials":
            return self._grant_client(app, form)
        raise _Reply(400, _aad_error("unsupported_grant_type", 70003, "Unsupported grant."))

    def _grant_code(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            pending = self._codes.pop(form.get("code", ""), None)
        if pending is None or pending.client_id != app.client_id:
            raise _Reply(
                400,
                _aad_error(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired "
                    "due to inactivity.",
                ),
            )
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != pending.code_challenge:
            raise _Reply(
                400, _aad_error("invalid_grant", 501481, "The Code_Verifier does not match.")
            )
        if form.get("redirect_uri") != pending.redirect_uri:
            raise _Reply(400, _aad_error("invalid_grant", 500112, "The reply address mismatch."))
        return self._user_tokens(app, pending.user, pending.scopes, nonce=pending.nonce)

    def _grant_device(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            pending = self._device.get(form.get("device_code", ""))
            if pending is None or pending.client_id != app.client_id:
                raise _Reply(400, _aad_error("invalid_grant", 70000, "Unknown device code."))
            if pending.expires_at < self.clock():
                raise _Reply(400, _aad_error("expired_token", 70020, "The code expired."))
            pending.polls += 1
            if (
                pending.approved_by is None
                and self.device_polls_before_approval >= 0
                and pending.polls > self.device_polls_before_approval
            ):
                pending.approved_by = self.signed_in_user
            if pending.approved_by is None:
                raise _Reply(
                    400,
                    _aad_error(
                        "authorization_pending",
                        70016,
                        "OAuth 2.0 device flow error. Authorization is pending.",
                    ),
                )
            del self._device[form["device_code"]]
        if app.needs_admin_consent:
            raise _Reply(
                400,
                _aad_error(
                    "invalid_grant",
                    65001,
                    "The user or administrator has not consented to use the application.",
                    suberror="consent_required",
                ),
            )
        return self._user_tokens(app, pending.approved_by, pending.scopes)

    def _grant_refresh(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            record = self._refresh.get(form.get("refresh_token", ""))
        if record is None or record.revoked or record.client_id != app.client_id:
            raise _Reply(
                400,
                _aad_error(
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity.",
                    suberror="bad_token",
                ),
            )
        asked = frozenset(form.get("scope", "").split())
        new_resource_scopes = {_plain_scope(s) for s in asked - _OIDC_SCOPES} - {
            _plain_scope(s) for s in record.scopes
        }
        if new_resource_scopes:
            # Real Entra ID: permissions never consented need the person again.
            raise _Reply(
                400,
                _aad_error(
                    "invalid_grant",
                    65001,
                    "The user or administrator has not consented to use the application "
                    f"for {' '.join(sorted(new_resource_scopes))}.",
                    suberror="consent_required",
                ),
            )
        return self._user_tokens(app, record.user, asked or record.scopes)

    def _grant_client(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        if app.secret is None or not secrets.compare_digest(
            form.get("client_secret", ""), app.secret
        ):
            raise _Reply(
                401,
                _aad_error(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the "
                    "request is the client secret value, not the client secret ID.",
                ),
            )
        if form.get("scope", "") != f"{self.base_url}/.default":
            raise _Reply(
                400,
                _aad_error("invalid_scope", 1002012, "The provided value for scope is not valid."),
            )
        token = "fakeat." + secrets.token_urlsafe(32)
        self.issued_secrets.append(token)
        with self._lock:
            self._access[token] = _AccessToken(
                client_id=app.client_id,
                scopes=frozenset(),
                roles=frozenset(app.roles),
                expires_at=self.clock() + self.access_token_lifetime,
            )
        return {
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": token,
        }

    def _user_tokens(
        self, app: FakeApp, user: FakeUser, scopes: frozenset[str], nonce: str | None = None
    ) -> dict[str, Any]:
        granted = frozenset(s for s in scopes if s not in ("offline_access",))
        access = "fakeat." + secrets.token_urlsafe(32)
        refresh = "fakert." + secrets.token_urlsafe(32)
        self.issued_secrets.extend([access, refresh])
        now = self.clock()
        with self._lock:
            self._access[access] = _AccessToken(
                client_id=app.client_id,
                scopes=frozenset(_plain_scope(s) for s in granted),
                user=user,
                expires_at=now + self.access_token_lifetime,
            )
            self._refresh[refresh] = _RefreshToken(app.client_id, user, granted)
        claims = {
            "aud": app.client_id,
            "iss": f"{self.base_url}/{user.tenant_id}/v2.0",
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + 3600,
            "name": user.name,
            "oid": user.oid,
            "preferred_username": user.upn,
            "sub": _b64url(hashlib.sha256(user.oid.encode()).digest()),
            "tid": user.tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        header = _b64url(json.dumps({"typ": "JWT", "alg": "none"}).encode())
        id_token = f"{header}.{_b64url(json.dumps(claims).encode())}."
        self.issued_secrets.append(id_token)
        return {
            "token_type": "Bearer",
            "scope": " ".join(sorted(granted)),
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
            "client_info": _client_info(user),
        }

    # -- Graph -------------------------------------------------------------------------------

    def _caller(self, headers: dict[str, str]) -> _AccessToken:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with self._lock:
            record = self._access.get(token)
        if record is None or record.expires_at <= self.clock():
            raise _Reply(
                401,
                _graph_error(
                    "InvalidAuthenticationToken",
                    "Access token has expired or is not yet valid."
                    if record
                    else "IDX14100: JWT is not well formed.",
                ),
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        return record

    def _organizer(self, caller: _AccessToken, owner: str, needed: frozenset[str]) -> FakeUser:
        """Who the meeting belongs to, after Graph's permission checks."""
        if caller.user is not None:  # delegated
            if owner not in ("me", caller.user.oid, caller.user.upn):
                raise _Reply(403, _graph_error("Forbidden", "Access is denied."))
            if not caller.scopes & needed:
                raise _Reply(
                    403,
                    _graph_error(
                        "Forbidden",
                        "Missing scope permissions on the request. API requires one "
                        f"of '{', '.join(sorted(needed))}'.",
                    ),
                )
            if caller.user.personal or caller.user.guest:
                raise _Reply(
                    403,
                    _graph_error("Forbidden", "This API is not supported for this account type."),
                )
            return caller.user
        if owner == "me":
            raise _Reply(
                400,
                _graph_error(
                    "BadRequest", "/me request is only valid with delegated authentication flow."
                ),
            )
        if "OnlineMeetings.ReadWrite.All" not in caller.roles:
            raise _Reply(
                403, _graph_error("Forbidden", "Insufficient privileges to complete the operation.")
            )
        with self._lock:
            user = next((u for u in self.users.values() if owner in (u.oid, u.upn)), None)
        if user is None:
            raise _Reply(404, _graph_error("NotFound", f"User '{owner}' was not found."))
        if not user.app_policy_granted:
            raise _Reply(
                403,
                _graph_error(
                    "Forbidden",
                    f"Application is not authorized to create meeting on behalf of '{owner}'. "
                    "No application access policy found for this app.",
                ),
            )
        return user

    def _new_meeting(self, organizer: FakeUser, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(timezone.utc)
        start = _parse_iso(body["startDateTime"]) if "startDateTime" in body else now
        if "endDateTime" in body:
            if "startDateTime" not in body:
                raise _Reply(400, _graph_error("BadRequest", "End time without start time."))
            end = _parse_iso(body["endDateTime"])
        else:
            end = start + timedelta(hours=1)
        if end < start:
            raise _Reply(400, _graph_error("BadRequest", "End time is before start time."))
        thread = _b64url(secrets.token_bytes(24))
        context = {"Tid": organizer.tenant_id, "Oid": organizer.oid}
        meeting_id = _b64url(f"1*{organizer.oid}*0**19:meeting_{thread}@thread.v2".encode())
        join = (
            f"https://{self.join_host}/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
            f"?context={quote(json.dumps(context, separators=(',', ':')))}"
        )
        code = str(secrets.randbelow(9 * 10**11) + 10**11)
        conference = str(secrets.randbelow(9 * 10**8) + 10**8)
        participants = copy.deepcopy(body.get("participants") or {})
        participants["organizer"] = {
            "upn": organizer.upn,
            "role": "presenter",
            "identity": {"user": {"id": organizer.oid, "displayName": organizer.name}},
        }
        meeting: dict[str, Any] = {
            "@odata.context": f"{self.graph_endpoint}/$metadata#onlineMeetings/$entity",
            "id": meeting_id,
            "creationDateTime": _now_iso(now),
            "startDateTime": _now_iso(start),
            "endDateTime": _now_iso(end),
            "joinWebUrl": join,
            "subject": body.get("subject"),
            "externalId": body.get("externalId"),
            "isBroadcast": False,
            "autoAdmittedUsers": "everyoneInCompany",
            "allowedPresenters": body.get("allowedPresenters", "everyone"),
            "isEntryExitAnnounced": True,
            "allowMeetingChat": "enabled",
            "recordAutomatically": False,
            "videoTeleconferenceId": None,
            "participants": participants,
            "lobbyBypassSettings": body.get(
                "lobbyBypassSettings", {"scope": "organization", "isDialInBypassEnabled": False}
            ),
            "joinMeetingIdSettings": {
                "isPasscodeRequired": True,
                "joinMeetingId": code,
                "passcode": secrets.token_urlsafe(4)[:6],
            },
            "audioConferencing": {
                "conferenceId": conference,
                "tollNumber": "+1 425-555-0123",
                "tollFreeNumber": "+1 800-555-0199",
                "tollNumbers": ["+1 425-555-0123"],
                "tollFreeNumbers": ["+1 800-555-0199"],
                "dialinUrl": f"https://dialin.teams.microsoft.com/fake?id={conference}",
            },
            "chatInfo": {
                "threadId": f"19:meeting_{thread}@thread.v2",
                "messageId": "0",
                "replyChainMessageId": None,
            },
            "_organizer": organizer.oid,
        }
        with self._lock:
            self.meetings[meeting_id] = meeting
        return meeting

    def _graph(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        query: dict[str, list[str]] | None = None,
    ) -> _Answer:
        caller = self._caller(headers)
        match = re.fullmatch(r"/v1\.0/(me|users/([^/]+))/(onlineMeetings|events)(/.*)?", path)
        if match is None:
            raise _Reply(400, _graph_error("BadRequest", f"Resource not found for {path}."))
        owner = "me" if match.group(1) == "me" else unquote(match.group(2))
        collection, rest = match.group(3), match.group(4) or ""
        if collection == "events":
            if caller.user is None or owner != "me":
                raise _Reply(403, _graph_error("ErrorAccessDenied", "Access is denied."))
            organizer = self._organizer(caller, owner, frozenset({"Calendars.ReadWrite"}))
            return self._events(method, rest, organizer, body)
        organizer = self._organizer(caller, owner, _MEETING_SCOPES)
        payload = _json_body(body) if method in ("POST", "PATCH") else {}
        if method == "POST" and rest == "":
            return _Answer(201, self._new_meeting(organizer, payload))
        if method == "GET" and rest == "":
            # Graph lists meetings only through $filter=JoinWebUrl eq '<url>'.
            wanted = re.fullmatch(r"JoinWebUrl eq '(.*)'", (query or {}).get("$filter", [""])[0])
            if wanted is None:
                raise _Reply(400, _graph_error("BadRequest", "Filter on JoinWebUrl is required."))
            with self._lock:
                found = [
                    m
                    for m in self.meetings.values()
                    if m["_organizer"] == organizer.oid and m["joinWebUrl"] == wanted.group(1)
                ]
            return _Answer(200, {"value": [_public(m) for m in found]})
        if method == "POST" and rest == "/createOrGet":
            if not payload.get("externalId"):
                raise _Reply(400, _graph_error("BadRequest", "externalId is required."))
            extra = set(payload) - _CREATE_OR_GET_FIELDS
            if extra:
                raise _Reply(
                    400,
                    _graph_error(
                        "BadRequest", f"Unsupported properties: {', '.join(sorted(extra))}"
                    ),
                )
            with self._lock:
                existing = next(
                    (
                        m
                        for m in self.meetings.values()
                        if m["_organizer"] == organizer.oid
                        and m["externalId"] == payload["externalId"]
                    ),
                    None,
                )
                if existing is not None:
                    return _Answer(200, existing)
                return _Answer(201, self._new_meeting(organizer, payload))
        meeting_id = unquote(rest.lstrip("/"))
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or meeting["_organizer"] != organizer.oid:
                raise _Reply(
                    404, _graph_error("NotFound", "The meeting does not exist or was deleted.")
                )
            if method == "GET":
                return _Answer(200, meeting)
            if method == "DELETE":
                del self.meetings[meeting_id]
                return _Answer(204, None)
            if method == "PATCH":
                unknown = set(payload) - _PATCHABLE_FIELDS
                if unknown:
                    raise _Reply(
                        400, _graph_error("BadRequest", f"Cannot update {sorted(unknown)}.")
                    )
                if ("startDateTime" in payload) != ("endDateTime" in payload):
                    raise _Reply(
                        400,
                        _graph_error(
                            "BadRequest", "Both startDateTime and endDateTime are needed."
                        ),
                    )
                meeting.update(copy.deepcopy(payload))
                return _Answer(200, meeting)
        raise _Reply(405, _graph_error("BadRequest", f"{method} is not supported here."))

    def _events(self, method: str, rest: str, organizer: FakeUser, body: bytes) -> _Answer:
        if method == "POST" and rest == "":
            payload = _json_body(body)
            transaction = payload.get("transactionId")
            with self._lock:
                for event in self.events.values():
                    if transaction and event.get("transactionId") == transaction:
                        return _Answer(201, event)  # a retried POST: the first event
            try:
                start = datetime.fromisoformat(payload["start"]["dateTime"])
                end = datetime.fromisoformat(payload["end"]["dateTime"])
            except (KeyError, TypeError, ValueError) as exc:
                raise _Reply(
                    400, _graph_error("ErrorInvalidRequest", f"Bad start or end: {exc}")
                ) from None
            if end < start:
                raise _Reply(
                    400,
                    _graph_error("ErrorInvalidRequest", "The end is before the start."),
                )
            meeting = self._new_meeting(
                organizer,
                {
                    "subject": payload.get("subject"),
                    "startDateTime": start.replace(tzinfo=timezone.utc).isoformat(),
                    "endDateTime": end.replace(tzinfo=timezone.utc).isoformat(),
                },
            )
            event_id = "AAMk" + _b64url(secrets.token_bytes(30))
            online = payload.get("isOnlineMeeting") is True
            event = {
                "id": event_id,
                "transactionId": transaction,
                "subject": payload.get("subject"),
                "start": payload["start"],
                "end": payload["end"],
                "attendees": payload.get("attendees", []),
                "isOnlineMeeting": online,
                "onlineMeetingProvider": payload.get("onlineMeetingProvider", "unknown"),
                "onlineMeeting": {
                    "joinUrl": meeting["joinWebUrl"],
                    "conferenceId": meeting["audioConferencing"]["conferenceId"],
                    "tollNumber": meeting["audioConferencing"]["tollNumber"],
                }
                if online
                else None,
                "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}",
                "_organizer": organizer.oid,
            }
            with self._lock:
                self.events[event_id] = event
            return _Answer(201, event)
        event_id = unquote(rest.lstrip("/"))
        with self._lock:
            if method == "DELETE" and event_id in self.events:
                del self.events[event_id]
                return _Answer(204, None)
        raise _Reply(404, _graph_error("ErrorItemNotFound", "The specified object was not found."))

    # -- request plumbing --------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        peer: tuple[str, int] = ("", 0),
    ) -> _Answer:
        """Answer one request; raises :class:`_Drop` to close the connection instead."""
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, headers, body, peer))
        fault = self._take_fault(method, path)
        is_graph = path.startswith("/v1.0/")
        if is_graph and self.latency:
            time.sleep(self.latency)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.delay)
            elif fault.kind == "drop_before":
                raise _Drop
            elif fault.kind == "status":
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                body_obj = (
                    _graph_error(fault.code, "Injected failure.")
                    if is_graph
                    else _aad_error(fault.code, 50001, "Injected failure.")
                )
                raise _Reply(fault.status, body_obj, extra)
        answer = self._route(method, path, query, headers, body)
        if fault is not None and fault.kind == "drop_after":
            raise _Drop  # the work is done; the answer never arrives
        if fault is not None:
            answer = _damage(answer, fault.kind)
        return answer

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> _Answer:
        if path.startswith("/v1.0/"):
            if method == "GET" and path == "/v1.0/me":
                user = self._caller(headers).user
                if user is None:
                    raise _Reply(400, _graph_error("BadRequest", "/me needs a delegated token."))
                return _Answer(
                    200,
                    {
                        "id": user.oid,
                        "displayName": user.name,
                        "userPrincipalName": user.upn,
                        "mail": user.upn,
                    },
                )
            answer = self._graph(method, path, headers, body, query)
            if (
                self.join_url_field != "joinWebUrl"
                and isinstance(answer.body, dict)
                and "joinWebUrl" in answer.body
            ):
                body_copy = dict(answer.body)
                body_copy[self.join_url_field] = body_copy.pop("joinWebUrl")
                return _Answer(answer.status, body_copy)
            return answer
        match = re.fullmatch(r"/([^/]+)(?:/v2\.0)?/\.well-known/openid-configuration", path)
        if method == "GET" and match:
            return _Answer(200, self._discovery(match.group(1)))
        match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/(authorize|token|devicecode)", path)
        if match:
            endpoint = match.group(2)
            if endpoint == "authorize" and method == "GET":
                page = self._authorize({k: v[0] for k, v in query.items()})
                return _Answer(200, page, content_type="text/html; charset=utf-8")
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if endpoint == "token" and method == "POST":
                return _Answer(200, self._token(form))
            if endpoint == "devicecode" and method == "POST":
                return _Answer(200, self._devicecode(form))
        if path == "/devicelogin":
            return _Answer(
                200,
                "<html><body><h1>Fake device login</h1><p>Enter the code.</p></body></html>",
                content_type="text/html; charset=utf-8",
            )
        raise _Reply(404, {"error": "not_found", "error_description": f"No route for {path}"})


@dataclass
class _Answer:
    status: int
    body: Any
    content_type: str = "application/json"
    raw: bytes | None = None


def _damage(answer: _Answer, kind: str) -> _Answer:
    if kind == "malformed":
        return _Answer(answer.status, None, raw=b'{"id": "truncated", "joinWebUrl": ')
    if not isinstance(answer.body, dict):
        return answer
    body = {k: v for k, v in answer.body.items() if k not in ("joinWebUrl", "joinUrl")}
    if kind == "http_join_url":
        body["joinWebUrl"] = answer.body.get("joinWebUrl", "").replace("https://", "http://")
    elif kind == "huge":
        body = dict(answer.body, padding="x" * (32 * 1024 * 1024))
    return _Answer(answer.status, body)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise _Reply(400, _graph_error("BadRequest", "Invalid JSON in request body.")) from None
    if not isinstance(value, dict):
        raise _Reply(400, _graph_error("BadRequest", "The body must be a JSON object."))
    return value


def _client_info(user: FakeUser) -> str:
    return _b64url(json.dumps({"uid": user.oid, "utid": user.tenant_id}).encode())


def _aad_error(error: str, code: int, description: str, suberror: str = "") -> dict[str, Any]:
    trace = str(uuid.uuid4())
    correlation = str(uuid.uuid4())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
        f"Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
    }
    if suberror:
        body["suberror"] = suberror
    return body


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": "",
            },
        }
    }


def _error_page(message: str) -> str:
    return f"<html><body><h1>Sign in</h1><p id='error'>{html.escape(message)}</p></body></html>"


def _make_handler(fake: FakeMicrosoft365) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeMicrosoft365/1.0"
        # Headers and body go out as separate writes; without TCP_NODELAY the second
        # waits for the client's delayed ACK (~40 ms), which no real service does.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            client_request_id = headers.get("client-request-id", "")
            try:
                answer = fake.handle(
                    self.command, self.path, headers, body, self.client_address[:2]
                )
                extra: dict[str, str] = {}
            except _Drop:
                self._drop()
                return
            except _Reply as reply:
                answer, extra = _Answer(reply.status, reply.body), reply.headers
            if isinstance(answer.body, dict) and "error" in answer.body:
                inner = answer.body["error"]
                if isinstance(inner, dict):
                    inner["innerError"]["client-request-id"] = client_request_id
            self._send(answer, extra, client_request_id)

        def _send(self, answer: _Answer, extra: dict[str, str], client_request_id: str) -> None:
            if answer.raw is not None:
                payload = answer.raw
            elif answer.body is None:
                payload = b""
            elif isinstance(answer.body, str):
                payload = answer.body.encode()
            else:
                payload = json.dumps(
                    {k: v for k, v in answer.body.items() if not k.startswith("_")}
                ).encode()
            request_id = str(uuid.uuid4())
            if isinstance(answer.body, dict) and isinstance(answer.body.get("error"), dict):
                request_id = answer.body["error"]["innerError"]["request-id"]
            self.send_response(answer.status)
            if payload or answer.status != 204:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", request_id)
            if client_request_id:
                self.send_header("client-request-id", client_request_id)
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":  # a HEAD answer has headers only, and keeps the connection
                self.wfile.write(payload)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.connection, socket.SHUT_RDWR)

        do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests read fake.requests instead

    return Handler
