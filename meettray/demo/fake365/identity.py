"""The fake Microsoft identity platform's endpoints: sign-in and tokens.

OpenID discovery, authorize with PKCE and ``form_post``, device code with
``authorization_pending``, and the token endpoint's four grants with the
``AADSTS`` errors Entra ID gives.  Consent is per permission: a refresh for a
permission never granted answers ``invalid_grant`` / AADSTS65001.  Who exists is
``directory``; the tokens handed out are ``tokens``.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import threading
from collections.abc import Callable
from typing import Any

from meettray.demo.fake365.directory import (
    DEFAULT_TENANT_ID,
    DEMO_JOIN_HOST,
    PERSONAL_TENANT_ID,
    SIGN_IN_ERRORS,
    Directory,
    FakeApp,
    FakeTenant,
    FakeUser,
    client_info,
    multi_tenant_path,
    not_in_tenant,
    plain_scope,
    sign_in_refusal,
)
from meettray.demo.fake365.tokens import AccessToken, DeviceCode, PendingCode, TokenIssuer
from meettray.demo.fake365.wire import Reply, aad_error, b64url, error_page

__all__ = [
    "DEFAULT_TENANT_ID", "DEMO_JOIN_HOST", "PERSONAL_TENANT_ID", "AccessToken", "FakeApp",
    "FakeUser", "IdentityPlatform",
]  # fmt: skip

_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class IdentityPlatform(TokenIssuer, Directory):
    """The directory and the tokens handed out in it: the sign-in service's endpoints.

    Who signs in: a ``login_hint`` naming a user (the browser flow), else the person a
    test chose (:attr:`signed_in_user`), else the tenant the authority names' own
    person, else (``organizations``, ``common``) the first tenant's.
    """

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
        TokenIssuer.__init__(self, base_url=base_url, access_token_lifetime=access_token_lifetime,
                             clock=clock, lock=lock)  # fmt: skip
        Directory.__init__(self, tenant_id=tenant_id, lock=lock)
        #: Device-code polls answered ``authorization_pending`` before the
        #: person "approves"; a negative value means never.
        self.device_polls_before_approval = device_polls_before_approval

    def discovery(self, tenant: str) -> dict[str, Any]:
        named = self.tenant_at(tenant)
        base = f"{self.base_url}/{tenant}"
        return {
            # As Entra ID writes it: the tenant's id, or a placeholder for any tenant.
            "issuer": f"{self.base_url}/{named.tenant_id if named else '{tenantid}'}/v2.0",
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
        if app is not None and multi_tenant_path(app, tenant):
            return error_page(f"AADSTS50194: {SIGN_IN_ERRORS[50194][1]}")
        redirect_uri = query.get("redirect_uri", "")
        if app is None:
            return error_page(
                "AADSTS700016: Application with identifier "
                f"'{query.get('client_id')}' was not found in the directory."
            )
        try:
            named = self.tenant_at(tenant, app)
            user = self.signer(named, query.get("login_hint", ""))
        except Reply as stays:  # shown on Entra ID's own page, never sent back
            return error_page(stays.body["error_description"])
        if not redirect_uri.startswith(("http://localhost", "http://127.0.0.1")):
            return error_page(
                "AADSTS50011: The redirect URI specified in the request does not match "
                "the redirect URIs configured for the application."
            )
        if query.get("response_mode") != "form_post":
            return error_page("This fake supports response_mode=form_post only, like MSAL.")
        fields = {"state": query.get("state", "")}
        refused = user.sign_in_error
        stranger = not_in_tenant(user, named, app.client_id)
        if refused is not None:
            # The browser flow's answer carries the AADSTS code only in the text.
            error, text = SIGN_IN_ERRORS[refused]
            fields |= {"error": error, "error_description": f"AADSTS{refused}: {text}"}
        elif stranger is not None:
            fields |= {k: stranger.body[k] for k in ("error", "error_description")}
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
            with self._lock:
                self._codes[code] = PendingCode(
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
        app = self.apps[form["client_id"]]
        if multi_tenant_path(app, tenant):
            raise Reply(400, aad_error("invalid_request", 50194, SIGN_IN_ERRORS[50194][1]))
        named = self.tenant_at(tenant, app)
        device_code = "fakedevice." + secrets.token_urlsafe(24)
        self.issued_secrets.append(device_code)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        with self._lock:
            self._device[device_code] = DeviceCode(
                client_id=form["client_id"],
                user_code=user_code,
                scopes=frozenset(form.get("scope", "").split()),
                expires_at=self.clock() + 900,
                tenant=named,
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
        if app is not None and multi_tenant_path(app, tenant):
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
        named = self.tenant_at(tenant, app)
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
            return self._grant_code(app, form, named)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            return self._grant_device(app, form, named)
        if grant == "refresh_token":
            return self._grant_refresh(app, form, named)
        if grant == "client_credentials":
            return self._grant_client(app, form, named)
        raise Reply(400, aad_error("unsupported_grant_type", 70003, "Unsupported grant."))

    def _grant_code(
        self, app: FakeApp, form: dict[str, str], named: FakeTenant | None
    ) -> dict[str, Any]:
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
        if (stranger := not_in_tenant(pending.user, named, app.client_id)) is not None:
            raise stranger  # a code redeemed at another organisation's token endpoint
        return self._user_tokens(app, pending.user, pending.scopes, nonce=pending.nonce)

    def _grant_device(
        self, app: FakeApp, form: dict[str, str], named: FakeTenant | None
    ) -> dict[str, Any]:
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
                pending.approved_by = self.person_for(pending.tenant)
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
        if (stranger := not_in_tenant(pending.approved_by, named, app.client_id)) is not None:
            raise stranger
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

    def _grant_refresh(
        self, app: FakeApp, form: dict[str, str], named: FakeTenant | None
    ) -> dict[str, Any]:
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
        if (stranger := not_in_tenant(record.user, named, app.client_id)) is not None:
            raise stranger  # one organisation's refresh token at another's authority
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

    def _grant_client(
        self, app: FakeApp, form: dict[str, str], named: FakeTenant | None
    ) -> dict[str, Any]:
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
                tenant_id=(named or self.home).tenant_id,
            )
        return {
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": token,
        }
