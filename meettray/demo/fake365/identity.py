"""The fake Microsoft identity platform: users, app registrations, sign-in and tokens.

OpenID discovery, authorize with PKCE and ``form_post``, device code with
``authorization_pending``, and the token endpoint's four grants with the
``AADSTS`` errors Entra ID gives.  Consent is per permission: a refresh for a
permission never granted answers ``invalid_grant`` / AADSTS65001.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meettray.config import DEMO_LINK_HOST
from meettray.demo.fake365.wire import Reply, aad_error, b64url, error_page, graph_error

#: The tenant id Microsoft uses for personal (MSA) accounts.
PERSONAL_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEMO_JOIN_HOST = DEMO_LINK_HOST  # the client accepts it in the demo only

_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


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
    #: An AADSTS code Entra ID answers this user's sign-ins with (53003 Conditional
    #: Access, 50020 not in this tenant, 500200 personal account): in the browser flow
    #: only inside ``error_description``; from the token endpoint with ``error_codes`` too.
    sign_in_error: int | None = None


@dataclass
class FakeApp:
    """An app registration."""

    client_id: str
    #: Client secret of a confidential client (application mode); ``None`` for public clients.
    secret: str | None = None
    #: A certificate (PEM) the app may prove itself with instead: a signed client assertion.
    certificate: bytes | None = None
    #: Application permissions an admin has consented to.
    roles: set[str] = field(default_factory=lambda: {"OnlineMeetings.ReadWrite.All"})
    #: The tenant requires an administrator to approve this app's delegated permissions.
    needs_admin_consent: bool = False
    #: "Allow public client flows" (and the redirect registered under Mobile and desktop):
    #: without it a desktop app's token requests fail with AADSTS7000218.
    allow_public_client: bool = True
    #: "Accounts in this organizational directory only": /organizations and /common
    #: refuse it (AADSTS50194).
    single_tenant: bool = False


_JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: What Entra ID says with each sign-in error the fake can give (abridged).
SIGN_IN_ERRORS = {
    53003: ("access_denied", "Access has been blocked by Conditional Access policies. "
            "The access policy does not allow token issuance."),
    50020: ("invalid_grant", "User account from identity provider 'live.com' does not "
            "exist in tenant 'Contoso' and cannot access the application."),
    500200: ("invalid_grant", "User account is a personal Microsoft account. Personal "
             "Microsoft accounts are not supported for this application unless explicitly "
             "invited to an organization."),
    53000: ("access_denied", "Device is not in required device state: compliant. Conditional "
            "Access policy requires a compliant device, and the device is not compliant."),
    53001: ("access_denied", "Device is not in required device state: domain_joined. "
            "Conditional Access policy requires a domain joined device."),
    53002: ("access_denied", "Application used is not an approved application for Conditional "
            "Access. User needs to use one of the apps from the list of approved applications."),
    50097: ("interaction_required", "Device authentication is required."),
    50194: ("invalid_request", "Application is not configured as a multi-tenant application. "
            "Usage of the /common endpoint is not supported for such applications."),
    65004: ("access_denied", "User declined to consent to access the app."),
}  # fmt: skip


def _multi_tenant_path(app: FakeApp, tenant: str) -> bool:
    """A single-tenant app asked for through /organizations or /common."""
    return app.single_tenant and tenant in ("organizations", "common")


def sign_in_refusal(user: FakeUser) -> Reply | None:
    """The token endpoint's answer for a user whose sign-in Entra ID refuses."""
    if user.sign_in_error is None:
        return None
    error, text = SIGN_IN_ERRORS[user.sign_in_error]
    return Reply(400, aad_error(error, user.sign_in_error, text))


@dataclass
class AccessToken:
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


def plain_scope(scope: str) -> str:
    """``https://graph.microsoft.com/OnlineMeetings.ReadWrite`` -> ``OnlineMeetings.ReadWrite``."""
    return scope.rsplit("/", 1)[-1] if scope.startswith("https://") else scope


def client_info(user: FakeUser) -> str:
    return b64url(json.dumps({"uid": user.oid, "utid": user.tenant_id}).encode())


class IdentityPlatform:
    """Users, apps and the tokens handed out to them: the sign-in service's endpoints."""

    def __init__(
        self,
        *,
        tenant_id: str,
        base_url: Callable[[], str],
        access_token_lifetime: int,
        device_polls_before_approval: int,
        clock: Callable[[], float],
        lock: threading.RLock,
    ) -> None:
        self.tenant_id = tenant_id
        self._base_url = base_url
        self.access_token_lifetime = access_token_lifetime
        #: Device-code polls answered ``authorization_pending`` before the
        #: person "approves"; a negative value means never.
        self.device_polls_before_approval = device_polls_before_approval
        self.clock = clock
        self._lock = lock
        self.users: dict[str, FakeUser] = {}
        self.apps: dict[str, FakeApp] = {}
        #: The user who "types their password" in the browser or device-code page.
        self.signed_in_user: FakeUser = self.add_user(
            "adele@contoso.example", "Adele Vance", oid="6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"
        )
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._codes: dict[str, _PendingCode] = {}
        self._device: dict[str, _DeviceCode] = {}
        #: Every secret handed out (codes and tokens), for leak tests.
        self.issued_secrets: list[str] = []

    @property
    def base_url(self) -> str:
        return self._base_url()

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

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            for token in self._refresh.values():
                token.revoked = True

    def discovery(self, tenant: str) -> dict[str, Any]:
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

    def authorize(self, query: dict[str, str], *, tenant: str = "") -> str:
        """The sign-in page: the person consents at once; answer with a form_post page."""
        app = self.apps.get(query.get("client_id", ""))
        if app is not None and _multi_tenant_path(app, tenant):
            return error_page(f"AADSTS50194: {SIGN_IN_ERRORS[50194][1]}")
        redirect_uri = query.get("redirect_uri", "")
        if app is None:
            return error_page(
                "AADSTS700016: Application with identifier "
                f"'{query.get('client_id')}' was not found in the directory."
            )
        if not redirect_uri.startswith(("http://localhost", "http://127.0.0.1")):
            return error_page(
                "AADSTS50011: The redirect URI specified in the request does not match "
                "the redirect URIs configured for the application."
            )
        if query.get("response_mode") != "form_post":
            return error_page("This fake supports response_mode=form_post only, like MSAL.")
        fields = {"state": query.get("state", "")}
        refused = self.signed_in_user.sign_in_error
        if refused is not None:
            # The browser flow's answer carries the AADSTS code only in the text.
            error, text = SIGN_IN_ERRORS[refused]
            fields |= {"error": error, "error_description": f"AADSTS{refused}: {text}"}
        elif app.needs_admin_consent:
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
            fields |= {"code": code, "client_info": client_info(user), "session_state": "fake"}
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

    def devicecode(self, form: dict[str, str], *, tenant: str = "") -> dict[str, Any]:
        if form.get("client_id") not in self.apps:
            raise Reply(400, aad_error("unauthorized_client", 700016, "Application not found."))
        if _multi_tenant_path(self.apps[form["client_id"]], tenant):
            raise Reply(400, aad_error("invalid_request", 50194, SIGN_IN_ERRORS[50194][1]))
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

    def token(self, form: dict[str, str], *, tenant: str = "") -> dict[str, Any]:
        grant = form.get("grant_type", "")
        app = self.apps.get(form.get("client_id", ""))
        if app is not None and _multi_tenant_path(app, tenant):
            raise Reply(400, aad_error("invalid_request", 50194, SIGN_IN_ERRORS[50194][1]))
        if app is None:
            raise Reply(
                400,
                aad_error(
                    "unauthorized_client",
                    700016,
                    f"Application with identifier '{form.get('client_id')}' was not found.",
                ),
            )
        if (
            not app.allow_public_client
            and app.secret is None
            and grant != "client_credentials"
            and not form.get("client_secret")
        ):
            raise Reply(
                401,
                aad_error(
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: "
                    "'client_assertion' or 'client_secret'.",
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
        raise Reply(400, aad_error("unsupported_grant_type", 70003, "Unsupported grant."))

    def _grant_code(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            pending = self._codes.pop(form.get("code", ""), None)
        if pending is None or pending.client_id != app.client_id:
            raise Reply(
                400,
                aad_error(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired "
                    "due to inactivity.",
                ),
            )
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != pending.code_challenge:
            raise Reply(
                400, aad_error("invalid_grant", 501481, "The Code_Verifier does not match.")
            )
        if form.get("redirect_uri") != pending.redirect_uri:
            raise Reply(400, aad_error("invalid_grant", 500112, "The reply address mismatch."))
        return self._user_tokens(app, pending.user, pending.scopes, nonce=pending.nonce)

    def _grant_device(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            pending = self._device.get(form.get("device_code", ""))
            if pending is None or pending.client_id != app.client_id:
                raise Reply(400, aad_error("invalid_grant", 70000, "Unknown device code."))
            if pending.expires_at < self.clock():
                raise Reply(400, aad_error("expired_token", 70020, "The code expired."))
            pending.polls += 1
            if (
                pending.approved_by is None
                and self.device_polls_before_approval >= 0
                and pending.polls > self.device_polls_before_approval
            ):
                pending.approved_by = self.signed_in_user
            if pending.approved_by is None:
                raise Reply(
                    400,
                    aad_error(
                        "authorization_pending",
                        70016,
                        "OAuth 2.0 device flow error. Authorization is pending.",
                    ),
                )
            del self._device[form["device_code"]]
        if (refusal := sign_in_refusal(pending.approved_by)) is not None:
            raise refusal
        if app.needs_admin_consent:
            raise Reply(
                400,
                aad_error(
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
            raise Reply(
                400,
                aad_error(
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity.",
                    suberror="bad_token",
                ),
            )
        if (refusal := sign_in_refusal(record.user)) is not None:
            raise refusal  # e.g. a Conditional Access policy applied since the last sign-in
        asked = frozenset(form.get("scope", "").split())
        new_resource_scopes = {plain_scope(s) for s in asked - _OIDC_SCOPES} - {
            plain_scope(s) for s in record.scopes
        }
        if new_resource_scopes:
            # Real Entra ID: permissions never consented need the person again.
            raise Reply(
                400,
                aad_error(
                    "invalid_grant",
                    65001,
                    "The user or administrator has not consented to use the application "
                    f"for {' '.join(sorted(new_resource_scopes))}.",
                    suberror="consent_required",
                ),
            )
        return self._user_tokens(app, record.user, asked or record.scopes)

    def _check_assertion(self, app: FakeApp, assertion: str) -> None:
        """Entra ID's check of a certificate credential: the JWT is signed by the app's
        registered certificate (named by its SHA-1 thumbprint, ``x5t``), is for this
        token endpoint, and was issued by the app about itself."""
        import base64
        import hashlib

        import jwt
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        failed = "Client assertion failed signature validation."
        refused = Reply(401, aad_error("invalid_client", 700027, failed))
        if app.certificate is None:
            raise refused
        certificate = x509.load_pem_x509_certificate(app.certificate)
        der = certificate.public_bytes(Encoding.DER)
        thumbprint = hashlib.sha1(der, usedforsecurity=False).digest()  # Entra ID's x5t
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion, certificate.public_key(), algorithms=["RS256", "PS256"],  # type: ignore[arg-type]
                options={"require": ["exp", "aud", "iss", "sub"], "verify_aud": False},
            )  # fmt: skip
            x5t = base64.urlsafe_b64decode(str(header.get("x5t", "")) + "==")
        except (jwt.PyJWTError, ValueError):
            raise refused from None
        audience = str(claims["aud"])
        for_us = audience.startswith(self.base_url) and audience.endswith("/oauth2/v2.0/token")
        about_itself = claims["iss"] == claims["sub"] == app.client_id
        if x5t != thumbprint or not for_us or not about_itself:
            raise refused

    def _grant_client(self, app: FakeApp, form: dict[str, str]) -> dict[str, Any]:
        if form.get("client_assertion_type") == _JWT_BEARER:
            self._check_assertion(app, form.get("client_assertion", ""))
        elif app.secret is None or not secrets.compare_digest(
            form.get("client_secret", ""), app.secret
        ):
            raise Reply(
                401,
                aad_error(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the "
                    "request is the client secret value, not the client secret ID.",
                ),
            )
        if form.get("scope", "") != f"{self.base_url}/.default":
            raise Reply(
                400,
                aad_error("invalid_scope", 1002012, "The provided value for scope is not valid."),
            )
        token = "fakeat." + secrets.token_urlsafe(32)
        self.issued_secrets.append(token)
        with self._lock:
            self._access[token] = AccessToken(
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
            self._access[access] = AccessToken(
                client_id=app.client_id,
                scopes=frozenset(plain_scope(s) for s in granted),
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
            "sub": b64url(hashlib.sha256(user.oid.encode()).digest()),
            "tid": user.tenant_id,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        header = b64url(json.dumps({"typ": "JWT", "alg": "none"}).encode())
        id_token = f"{header}.{b64url(json.dumps(claims).encode())}."
        self.issued_secrets.append(id_token)
        return {
            "token_type": "Bearer",
            "scope": " ".join(sorted(granted)),
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
            "client_info": client_info(user),
        }

    def caller(self, headers: dict[str, str]) -> AccessToken:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with self._lock:
            record = self._access.get(token)
        if record is None or record.expires_at <= self.clock():
            raise Reply(
                401,
                graph_error(
                    "InvalidAuthenticationToken",
                    "Access token has expired or is not yet valid."
                    if record
                    else "IDX14100: JWT is not well formed.",
                ),
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        return record
