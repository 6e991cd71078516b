"""A fake Microsoft identity platform and Microsoft Graph, served over HTTPS on 127.0.0.1.

It is faithful to what meettray relies on (see ``shared/graph-notes.md``):
OpenID discovery, authorize with PKCE and ``form_post``, device code with
``authorization_pending``, the token endpoint's four grants with realistic
``AADSTS`` errors, and Graph's onlineMeetings (create, createOrGet, get,
patch, delete, for ``/me`` and ``/users/{id}``) and calendar events with
online meetings.  Bearer tokens are checked; errors use Graph's error body.

Two tenants, each with its own person: Contoso (:attr:`FakeMicrosoft365.tenant_id`,
``contoso.example``, Adele Vance, ``adele@contoso.example``) and Fabrikam
(:data:`FABRIKAM_TENANT_ID`, ``fabrikam.example``, Alex Wilber,
``alex@fabrikam.example``); :meth:`FakeMicrosoft365.add_tenant` adds more.  An authority
path names a tenant by id or domain (:meth:`FakeMicrosoft365.authority_for`); an unknown
one is AADSTS90002.  Every token carries its tenant and person (``tid``, ``oid``), and
Graph answers by them: ``/me``, ``/users/{id}``, meetings, events, calendarView; one
person's meeting or event id is 404 for another, createOrGet's ``externalId`` is per
organizer, and an app's token sees its own tenant's people only.  A person used with
another organisation's authority (a sign-in, a refresh token, a device code) is refused
with AADSTS50020.

Who signs in, in the browser flow and with a device code, is decided in this order:

1. a ``login_hint`` naming a user (browser flow only; an unknown one stays on the
   sign-in page with AADSTS50034, as Entra ID does);
2. the person a test chose with :meth:`FakeMicrosoft365.sign_in_as` (or by setting
   :attr:`FakeMicrosoft365.signed_in_user`), everywhere until ``sign_in_as(None)``;
3. the own person of the tenant the authority names (Alex at Fabrikam's authority);
4. for ``organizations`` and ``common``: Adele Vance.

So every sign-in at Contoso's authority is Adele's, as it always was, and Fabrikam's is
Alex's, without a setting.

Tests steer it through knobs (``latency``, :meth:`FakeMicrosoft365.add_fault`,
:meth:`expire_access_tokens`, :meth:`revoke_refresh_tokens` (everyone's, or one
person's), user and app flags) and read :attr:`FakeMicrosoft365.requests` to see what
it received.
The demo (``meettray --demo``) runs the same server in-process.

The package follows the real services' seams: ``directory``, ``identity`` and ``tokens``
(Entra ID and login.microsoftonline.com), ``graph`` with ``meetings``, ``options``,
``invitation`` and ``events`` (graph.microsoft.com), ``faults`` (injected failures),
``wire`` (answers and error bodies) and ``server`` (HTTPS, routing, recording).
"""

from meettray.demo.fake365.directory import (
    DEFAULT_TENANT_ID,
    DEMO_JOIN_HOST,
    FABRIKAM_TENANT_ID,
    PERSONAL_TENANT_ID,
    FakeApp,
    FakeTenant,
    FakeUser,
)
from meettray.demo.fake365.faults import Fault
from meettray.demo.fake365.server import FakeMicrosoft365, RecordedRequest

__all__ = [
    "DEFAULT_TENANT_ID",
    "DEMO_JOIN_HOST",
    "FABRIKAM_TENANT_ID",
    "PERSONAL_TENANT_ID",
    "FakeApp",
    "FakeMicrosoft365",
    "FakeTenant",
    "FakeUser",
    "Fault",
    "RecordedRequest",
]
