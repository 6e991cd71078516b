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

The package follows the real services' seams: ``directory``, ``identity`` and ``tokens``
(Entra ID and login.microsoftonline.com), ``graph`` with ``meetings``, ``options``,
``invitation`` and ``events`` (graph.microsoft.com), ``faults`` (injected failures),
``wire`` (answers and error bodies) and ``server`` (HTTPS, routing, recording).
"""

from meettray.demo.fake365.directory import (
    DEFAULT_TENANT_ID,
    DEMO_JOIN_HOST,
    PERSONAL_TENANT_ID,
    FakeApp,
    FakeUser,
)
from meettray.demo.fake365.faults import Fault
from meettray.demo.fake365.server import FakeMicrosoft365, RecordedRequest

__all__ = [
    "DEFAULT_TENANT_ID",
    "DEMO_JOIN_HOST",
    "PERSONAL_TENANT_ID",
    "FakeApp",
    "FakeMicrosoft365",
    "FakeUser",
    "Fault",
    "RecordedRequest",
]
