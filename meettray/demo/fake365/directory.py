"""The fake Microsoft Entra ID's directory: tenants, users and app registrations, and
the sign-in errors Entra ID gives some of them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from meettray.config import DEMO_LINK_HOST
from meettray.demo.fake365.wire import Reply, aad_error, b64url

#: The tenant id Microsoft uses for personal (MSA) accounts.
PERSONAL_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
DEMO_JOIN_HOST = DEMO_LINK_HOST  # the client accepts it in the demo only


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


def multi_tenant_path(app: FakeApp, tenant: str) -> bool:
    """A single-tenant app asked for through /organizations or /common."""
    return app.single_tenant and tenant in ("organizations", "common")


def sign_in_refusal(user: FakeUser) -> Reply | None:
    """The token endpoint's answer for a user whose sign-in Entra ID refuses."""
    if user.sign_in_error is None:
        return None
    error, text = SIGN_IN_ERRORS[user.sign_in_error]
    return Reply(400, aad_error(error, user.sign_in_error, text))


def plain_scope(scope: str) -> str:
    """``https://graph.microsoft.com/OnlineMeetings.ReadWrite`` -> ``OnlineMeetings.ReadWrite``."""
    return scope.rsplit("/", 1)[-1] if scope.startswith("https://") else scope


def client_info(user: FakeUser) -> str:
    return b64url(json.dumps({"uid": user.oid, "utid": user.tenant_id}).encode())
