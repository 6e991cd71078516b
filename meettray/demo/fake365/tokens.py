"""The tokens the fake identity platform hands out, and Graph's check of a caller's:
access and refresh tokens, pending authorization codes and device codes, ID tokens as
MSAL reads them (``header.payload.``, unsigned), and every secret issued, for leak
tests."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meettray.demo.fake365.directory import (
    DEFAULT_TENANT_ID,
    FakeApp,
    FakeTenant,
    FakeUser,
    client_info,
    plain_scope,
)
from meettray.demo.fake365.wire import Reply, b64url, graph_error


@dataclass
class AccessToken:
    """What Graph reads from a bearer token: the app, the tenant (``tid``), the person
    (``oid``, delegated tokens only) and what they may do."""

    client_id: str
    scopes: frozenset[str]
    expires_at: float
    user: FakeUser | None = None
    roles: frozenset[str] = frozenset()
    tenant_id: str = DEFAULT_TENANT_ID

    @property
    def oid(self) -> str | None:
        return self.user.oid if self.user is not None else None


@dataclass
class RefreshToken:
    client_id: str
    user: FakeUser
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class PendingCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scopes: frozenset[str]
    user: FakeUser


@dataclass
class DeviceCode:
    client_id: str
    user_code: str
    scopes: frozenset[str]
    expires_at: float
    polls: int = 0
    approved_by: FakeUser | None = None
    #: The tenant whose authority started the flow (None: organizations or common).
    tenant: FakeTenant | None = None


class TokenIssuer:
    """Tokens handed out, by their text; the identity platform's grants add to them."""

    def __init__(
        self,
        *,
        base_url: Callable[[], str],
        access_token_lifetime: int,
        clock: Callable[[], float],
        lock: threading.RLock,
    ) -> None:
        self._base_url = base_url
        self.access_token_lifetime = access_token_lifetime
        self.clock = clock
        self._lock = lock
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._codes: dict[str, PendingCode] = {}
        self._device: dict[str, DeviceCode] = {}
        #: Every secret handed out (codes and tokens), for leak tests.
        self.issued_secrets: list[str] = []

    @property
    def base_url(self) -> str:
        return self._base_url()

    def expire_access_tokens(self, user: FakeUser | None = None) -> None:
        """Every access token expires (``user``: only that person's)."""
        with self._lock:
            for token in self._access.values():
                if user is None or token.user is user:
                    token.expires_at = 0

    def revoke_refresh_tokens(self, user: FakeUser | None = None) -> None:
        """Every refresh token is revoked (``user``: only that person's)."""
        with self._lock:
            for token in self._refresh.values():
                if user is None or token.user is user:
                    token.revoked = True

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
                tenant_id=user.tenant_id,
            )
            self._refresh[refresh] = RefreshToken(app.client_id, user, granted)
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
