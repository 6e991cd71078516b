"""The fake Microsoft Entra ID's directory: tenants, users and app registrations, who
signs in on a tenant's sign-in page, and the sign-in errors Entra ID gives some of them.

Two tenants are there from the start, each with its own person: Contoso (the fake's
``tenant_id``, ``contoso.example``, Adele Vance) and Fabrikam (:data:`FABRIKAM_TENANT_ID`,
``fabrikam.example``, Alex Wilber).  An authority path names a tenant by its id or one
of its domains; ``organizations`` and ``common`` name none, and let the sign-in pick.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field

from meettray.config import DEMO_LINK_HOST
from meettray.demo.fake365.wire import Reply, aad_error, b64url

#: The tenant id Microsoft uses for personal (MSA) accounts.
PERSONAL_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
#: The second organisation: a customer's tenant, with its own person.
FABRIKAM_TENANT_ID = "3c7e9f12-8b4d-4a61-9e2f-fab1ca7e0001"
#: Authority paths that name no tenant: the person signing in decides.
ANY_TENANT = frozenset({"organizations", "common"})
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
    #: refuse it (AADSTS50194), and another tenant does not know it (AADSTS700016).
    single_tenant: bool = False
    #: The tenant the app is registered in.
    tenant_id: str = DEFAULT_TENANT_ID


@dataclass
class FakeTenant:
    """An organisation in Entra ID."""

    tenant_id: str
    name: str
    #: Its verified domains; the first is its people's.
    domains: tuple[str, ...]
    #: Who signs in on this tenant's own sign-in page when a test chose no one.
    person: FakeUser | None = None

    def named_by(self, segment: str) -> bool:
        """Whether an authority path's tenant segment (an id or a domain) names it."""
        segment = segment.lower()
        return segment == self.tenant_id.lower() or segment in self.domains


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
    return app.single_tenant and tenant in ANY_TENANT


def not_in_tenant(user: FakeUser, tenant: FakeTenant | None, client_id: str) -> Reply | None:
    """AADSTS50020 for a work account used with another organisation's authority (a
    person's own tenant, ``organizations`` and ``common`` let them in).  Personal
    accounts keep their own answer (AADSTS500200 or a refused token)."""
    if tenant is None or user.personal or user.tenant_id == tenant.tenant_id:
        return None
    text = (
        f"User account '{user.upn}' from identity provider "
        f"'https://sts.windows.net/{user.tenant_id}/' does not exist in tenant "
        f"'{tenant.name}' and cannot access the application '{client_id}' in that tenant. "
        "The account needs to be added as an external user in the tenant first. Sign out "
        "and sign in again with a different Azure Active Directory user account."
    )
    return Reply(400, aad_error("invalid_grant", 50020, text))


def unknown_app(app: FakeApp, tenant: FakeTenant | None) -> Reply | None:
    """AADSTS700016 for a single-tenant app asked for at another organisation."""
    if not app.single_tenant or tenant is None or tenant.tenant_id == app.tenant_id:
        return None
    text = (
        f"Application with identifier '{app.client_id}' was not found in the directory "
        f"'{tenant.name}'."
    )
    return Reply(400, aad_error("unauthorized_client", 700016, text))


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


ADELE_OID = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"
ALEX_OID = "a1e7c0de-5b2f-4c8d-9e3a-fab1ca7e0a01"


class Directory:
    """Every tenant, user and app registration, and who is at the keyboard."""

    def __init__(self, *, tenant_id: str, lock: threading.RLock) -> None:
        self._lock = lock
        self.users: dict[str, FakeUser] = {}
        self.apps: dict[str, FakeApp] = {}
        self.tenants: dict[str, FakeTenant] = {}
        #: The person a test chose to sign in everywhere (None: each tenant's own person).
        self.chosen_person: FakeUser | None = None
        self.home = self.add_tenant("Contoso", "contoso.example", tenant_id=tenant_id,
                                    person=("Adele Vance", ADELE_OID))  # fmt: skip
        self.add_tenant("Fabrikam", "fabrikam.example", tenant_id=FABRIKAM_TENANT_ID,
                        person=("Alex Wilber", ALEX_OID))  # fmt: skip

    @property
    def tenant_id(self) -> str:
        """The first tenant's id (Contoso's): the fake's own."""
        return self.home.tenant_id

    @property
    def signed_in_user(self) -> FakeUser:
        """The person a test chose, else the first tenant's person (Adele Vance)."""
        person = self.chosen_person or self.home.person
        assert person is not None
        return person

    @signed_in_user.setter
    def signed_in_user(self, user: FakeUser) -> None:
        self.chosen_person = user

    def add_tenant(
        self,
        name: str,
        domain: str,
        *,
        tenant_id: str | None = None,
        person: tuple[str, str] | None = None,
    ) -> FakeTenant:
        """A new organisation; ``person``: (display name, object id) of its own person,
        whose user name is the name's first word at ``domain``."""
        tenant = FakeTenant(
            tenant_id=tenant_id or str(uuid.uuid4()),
            name=name,
            domains=(domain.lower(), f"{name.lower()}.onmicrosoft.com"),
        )
        with self._lock:
            self.tenants[tenant.tenant_id] = tenant
        if person is not None:
            display, oid = person
            upn = f"{display.split()[0].lower()}@{tenant.domains[0]}"
            tenant.person = self.add_user(upn, display, oid=oid, tenant_id=tenant.tenant_id)
        return tenant

    def tenant(self, name: str) -> FakeTenant:
        """A tenant by id, domain or name (``"fabrikam"``); KeyError if there is none."""
        with self._lock:
            for tenant in self.tenants.values():
                if tenant.named_by(name) or tenant.name.lower() == name.lower():
                    return tenant
        raise KeyError(name)

    def tenant_at(self, segment: str, app: FakeApp | None = None) -> FakeTenant | None:
        """The tenant an authority path names; None for ``organizations`` or ``common``.
        Entra ID's AADSTS90002 for one it does not know, and AADSTS700016 for a
        single-tenant ``app`` registered in another."""
        if segment.lower() in ANY_TENANT:
            return None
        with self._lock:
            found = next((t for t in self.tenants.values() if t.named_by(segment)), None)
        if found is None:
            raise Reply(
                400,
                aad_error(
                    "invalid_tenant",
                    90002,
                    f"Tenant '{segment}' not found. Check to make sure you have the correct "
                    "tenant ID and are signing into the correct cloud.",
                ),
            )
        if app is not None and (stranger := unknown_app(app, found)) is not None:
            raise stranger
        return found

    def signer(self, tenant: FakeTenant | None, login_hint: str = "") -> FakeUser:
        """Who signs in on ``tenant``'s page: the user ``login_hint`` names (AADSTS50034,
        and Entra ID stays on its page, for one it does not know), else :meth:`person_for`."""
        if not login_hint:
            return self.person_for(tenant)
        user = self.user_named(login_hint)
        if user is None:
            text = ("The user account does not exist in the directory. To sign into this "
                    "application, the account must be added to the directory.")  # fmt: skip
            raise Reply(400, aad_error("invalid_request", 50034, text))
        return user

    def sign_in_as(self, who: FakeUser | str | None) -> None:
        """Who signs in from now on, at any authority: a user, a user name, or ``None``
        (each tenant's own person again; the first tenant's for organizations/common)."""
        if isinstance(who, str):
            found = self.user_named(who)
            if found is None:
                raise KeyError(who)
            who = found
        self.chosen_person = who

    def add_user(self, upn: str, name: str, **flags: object) -> FakeUser:
        if "tenant_id" not in flags:
            flags["tenant_id"] = self.home.tenant_id
        user = FakeUser(upn=upn, name=name, **flags)  # type: ignore[arg-type]
        with self._lock:
            self.users[user.oid] = user
        return user

    def add_app(
        self, client_id: str | None = None, *, secret: str | None = None, **flags: object
    ) -> FakeApp:
        if "tenant_id" not in flags:
            flags["tenant_id"] = self.home.tenant_id
        app = FakeApp(client_id=client_id or str(uuid.uuid4()), secret=secret, **flags)  # type: ignore[arg-type]
        with self._lock:
            self.apps[app.client_id] = app
        return app

    def user_named(self, upn: str) -> FakeUser | None:
        """The first user with this user name (case does not matter)."""
        with self._lock:
            return next((u for u in self.users.values() if u.upn.lower() == upn.lower()), None)

    def person_for(self, tenant: FakeTenant | None) -> FakeUser:
        """Who signs in on this tenant's page (``None``: ``organizations``/``common``) when
        no ``login_hint`` names someone: the person a test chose, else the tenant's own
        person, else the first tenant's."""
        if self.chosen_person is not None:
            return self.chosen_person
        if tenant is not None and tenant.person is not None:
            return tenant.person
        return self.signed_in_user
