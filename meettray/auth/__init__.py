"""Sign-in with MSAL: the only package that imports ``msal``.

msal and requests are imported on first use: the tray shows its icon before
the network stack is loaded.  Tokens live in a persistent cache, encrypted
where the OS offers it.  MSAL's error dicts and exceptions become the typed
errors of :mod:`meettray.errors`; no token, code or secret ever reaches a
message or log.

- ``clients``: the MSAL applications (delegated and application mode);
- ``cache``: the token cache and MSAL's HTTP cache;
- ``errors``: MSAL's exceptions and AADSTS codes mapped to typed errors;
- ``loopback``: the listener that receives the browser's answer;
- ``people``: whose sign-in each profile is, in the one shared cache.

The plain values (``Account``, ``CacheStatus``…) live in :mod:`meettray.accounts`.
"""

from meettray.accounts import (
    CALENDAR,
    MEETINGS,
    PERSONAL_ACCOUNT_TENANT,
    Account,
    CacheStatus,
    Cancellation,
    DeviceCodePrompt,
    TokenProvider,
)
from meettray.auth.broker import edge
from meettray.auth.cache import HttpCache, build_token_cache, memory_token_cache
from meettray.auth.clients import (
    HTTP_TIMEOUT,
    AppOnlyAuth,
    DelegatedAuth,
    qualified_scopes,
    read_client_credential,
    read_client_secret,
)
from meettray.auth.people import People

__all__ = [
    "CALENDAR",
    "HTTP_TIMEOUT",
    "MEETINGS",
    "PERSONAL_ACCOUNT_TENANT",
    "Account",
    "AppOnlyAuth",
    "CacheStatus",
    "Cancellation",
    "DelegatedAuth",
    "DeviceCodePrompt",
    "HttpCache",
    "People",
    "TokenProvider",
    "build_token_cache",
    "edge",
    "memory_token_cache",
    "qualified_scopes",
    "read_client_credential",
    "read_client_secret",
]
