"""How meettray reaches Microsoft over a company's network: whose certificates it trusts
and which proxy it goes through.

By default TLS is verified against the operating system's certificate store
(``truststore``: Windows' and macOS's own verifiers, OpenSSL's default paths on Linux,
which honour ``SSL_CERT_FILE``), so a company that inspects HTTPS (Zscaler and others
put their root only there) works without settings.  ``REQUESTS_CA_BUNDLE`` (or
``CURL_CA_BUNDLE``) stays an override: when set, that bundle alone is trusted, as
requests does.  Verification is never turned off.

Proxies are requests' own: ``HTTPS_PROXY``/``NO_PROXY`` and, on Windows and macOS, the
system's fixed proxy (the registry, System Settings).  A PAC file is not evaluated
(README, "Company networks", says why and what to do instead).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from meettray.i18n import _

#: The variables requests reads for a CA bundle, in its order.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class TrustStore:
    """Whose certificates TLS is verified against, as doctor reports it."""

    #: ``system``, ``bundle`` (a CA_BUNDLE variable) or ``certifi``.
    kind: str
    description: str


def trust_store() -> TrustStore:
    """The certificates a session made now trusts."""
    for variable in CA_BUNDLE_VARIABLES:
        if path := os.environ.get(variable):
            said = _("the CA bundle in {variable} ({path})")
            return TrustStore("bundle", said.format(variable=variable, path=path))
    if _system_context() is not None:
        return TrustStore("system", _("the operating system's certificate store (truststore)"))
    return TrustStore("certifi", _("certifi's CA bundle (truststore is not installed)"))


def _system_context() -> ssl.SSLContext | None:
    """An SSL context that verifies with the OS's store, or None without truststore."""
    try:
        import truststore
    except ImportError:
        return None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _SystemTrustAdapter(HTTPAdapter):
    """requests' adapter, verifying with the OS's store (through proxies too)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        if verify is True:  # the OS's store alone, not certifi's bundle as well
            conn.ca_certs = None
            conn.ca_cert_dir = None


class _TimedSession(requests.Session):
    """A session with a default timeout (msal passes none once given a session)."""

    def __init__(self, timeout: Any) -> None:
        super().__init__()
        self._default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._default_timeout)
        return super().request(method, url, *args, **kwargs)


def https_session(*, timeout: Any = None) -> requests.Session:
    """A requests session that trusts what :func:`trust_store` says; ``timeout``: the
    default for each request (for msal, which sets none on a session it is given)."""
    session = requests.Session() if timeout is None else _TimedSession(timeout)
    if trust_store().kind == "system" and (context := _system_context()) is not None:
        session.mount("https://", _SystemTrustAdapter(context))
    return session


def proxy_for(url: str) -> str:
    """The proxy requests uses for ``url`` ("" for a direct connection), from the
    environment or the system's fixed proxy setting, with ``NO_PROXY`` honoured."""
    proxies = requests.utils.get_environ_proxies(url)
    scheme = urlsplit(url).scheme
    return str(proxies.get(scheme) or proxies.get("all") or "")


def proxy_description(url: str) -> str:
    """Which proxy reaches ``url``, as doctor says it; credentials in it are hidden."""
    proxy = proxy_for(url)
    host = urlsplit(url).hostname or url
    if not proxy:
        return _("direct to {host} (no proxy set in the environment or the system)").format(
            host=host
        )
    parts = urlsplit(proxy)
    shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return _("{proxy} for {host}").format(proxy=shown, host=host)


def system_pac() -> str:
    """The proxy auto-configuration (PAC) address the system's settings name, "" for
    none or where it cannot be read.  meettray does not evaluate PAC files; doctor says
    when one is set, so that a network that needs it gets ``HTTPS_PROXY`` instead."""
    if sys.platform == "win32":
        import winreg

        path = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, path) as key:
                return str(winreg.QueryValueEx(key, "AutoConfigURL")[0] or "")
        except OSError:
            return ""
    if sys.platform == "darwin":
        settings = dict(_fields(_run("scutil", "--proxy"), " : "))
        enabled = settings.get("ProxyAutoConfigEnable") == "1"
        return settings.get("ProxyAutoConfigURLString", "") if enabled else ""
    if _run("gsettings", "get", "org.gnome.system.proxy", "mode").strip() == "'auto'":
        return _run("gsettings", "get", "org.gnome.system.proxy", "autoconfig-url").strip(" '\n")
    return ""


def _run(*command: str) -> str:
    """A settings tool's output; "" where it is missing or fails (never an error)."""
    if (tool := shutil.which(command[0])) is None:
        return ""
    try:
        done = subprocess.run(  # noqa: S603 - a resolved executable, fixed arguments
            [tool, *command[1:]], capture_output=True, text=True, timeout=3, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout[:4096] if done.returncode == 0 else ""


def _fields(text: str, separator: str) -> list[tuple[str, str]]:
    pairs = (line.strip().partition(separator) for line in text.splitlines())
    return [(key.strip(), value.strip()) for key, found, value in pairs if found]
