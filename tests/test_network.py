"""The company's network: TLS verified against the operating system's certificate store
(truststore) by default, REQUESTS_CA_BUNDLE as an override, and the proxy doctor names."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import certifi
import pytest

from meettray import network
from meettray.auth import DelegatedAuth, memory_token_cache
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import NetworkError
from meettray.graph import GraphClient
from meettray.meetings import MeetingRequest

from .conftest import run_cli

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def _meeting_through(fake: FakeMicrosoft365, account: AccountConfig) -> str:
    """Sign in (MSAL over HTTPS) and create a meeting (requests over HTTPS)."""
    signer = DelegatedAuth(account, memory_token_cache()[0], open_browser=FakeBrowser(fake.ca_path))
    signer.sign_in_browser(["OnlineMeetings.ReadWrite"], timeout=20)
    graph = GraphClient(fake.graph_endpoint, signer)
    try:
        request = MeetingRequest("Through the proxy", NOW, NOW + timedelta(minutes=15))
        return graph.create_meeting(request, "ext-trust").meeting.join_url
    finally:
        graph.close()


def test_a_ca_only_in_the_system_store_is_trusted(
    fake: FakeMicrosoft365, account: AccountConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As behind Zscaler: the inspecting root is in the OS's store only (here OpenSSL's,
    through SSL_CERT_FILE), and nobody set REQUESTS_CA_BUNDLE.  Was: TLS failed, because
    requests trusts certifi's bundle alone."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_path))

    assert network.trust_store().kind == "system"
    assert _meeting_through(fake, account).startswith("https://")


def test_requests_ca_bundle_stays_an_override_and_verification_stays_on(
    fake: FakeMicrosoft365, account: AccountConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())  # without the fake's CA
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_path))

    assert network.trust_store().description == (
        f"the CA bundle in REQUESTS_CA_BUNDLE ({certifi.where()})"
    )
    with pytest.raises(NetworkError, match="could not be verified"):
        _meeting_through(fake, account)


def test_the_proxy_doctor_names_hides_its_password_and_honours_no_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
                     "no_proxy"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    url = "https://graph.microsoft.com/v1.0"
    assert network.proxy_description(url).startswith("direct to graph.microsoft.com")

    monkeypatch.setenv("HTTPS_PROXY", "http://lee:S3cret@proxy.contoso.example:3128")
    shown = network.proxy_description(url)
    assert shown == "http://proxy.contoso.example:3128 for graph.microsoft.com"
    assert network.proxy_for(url) == "http://lee:S3cret@proxy.contoso.example:3128"

    monkeypatch.setenv("NO_PROXY", ".microsoft.com")
    assert network.proxy_for(url) == ""


def test_doctor_says_which_certificates_and_proxy_it_used(
    config_file: Path, fake: FakeMicrosoft365, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.ca_path))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    done = run_cli("doctor", "--json", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})

    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["Network"]["detail"] == (
        "certificates: the operating system's certificate store (truststore); proxy: direct "
        "to 127.0.0.1 (no proxy set in the environment or the system)"
    )
    assert checks["App registration"]["status"] == "ok"  # reached over the OS's trust


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GNOME's proxy settings")
def test_doctor_says_when_the_system_uses_a_pac_file_it_does_not_read(
    config_file: Path, fake: FakeMicrosoft365, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GNOME set to "automatic" with a PAC address: meettray goes direct, and says so."""
    tools = tmp_path / "bin"
    tools.mkdir()
    gsettings = tools / "gsettings"
    gsettings.write_text('#!/bin/sh\ncase "$3" in mode) echo "\'auto\'";; '
                         'autoconfig-url) echo "\'http://wpad.contoso.example/proxy.pac\'";; '
                         "esac\n")  # fmt: skip
    gsettings.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    for variable in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    assert network.system_pac() == "http://wpad.contoso.example/proxy.pac"

    done = run_cli("doctor", "--json", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})

    (_, pac) = [c for c in json.loads(done.stdout)["checks"] if c["name"] == "Network"]
    assert pac["status"] == "warning"
    assert "use a PAC file (http://wpad.contoso.example/proxy.pac)" in pac["detail"]
    assert "set HTTPS_PROXY" in pac["fix"]
