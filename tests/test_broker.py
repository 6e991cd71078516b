"""Sign-in that meets device-based Conditional Access: which broker, and Edge on Linux.

No broker runs here (WAM, Company Portal and microsoft-identity-broker need
their OS and an enrolled device): the choice, the fallback and the redirects
are tested; the broker's own sign-in is not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from meettray import auth
from meettray.auth.broker import BROKER_REDIRECTS, choose_broker, edge
from meettray.config import AccountConfig

from .conftest import CLIENT_ID


@pytest.mark.parametrize(
    ("platform", "name", "flag"),
    [("win32", "Web Account Manager", "enable_broker_on_windows"),
     ("darwin", "Company Portal", "enable_broker_on_mac"),
     ("linux", "Microsoft identity broker", "enable_broker_on_linux")],
)  # fmt: skip
def test_each_os_has_its_broker_where_its_runtime_is_installed(
    platform: str, name: str, flag: str
) -> None:
    chosen = choose_broker("auto", platform=platform, runtime=True)
    assert (chosen.name, chosen.options) == (name, {flag: True})

    missing = choose_broker("auto", platform=platform, runtime=False)
    assert missing.name == ""
    assert missing.options == {}
    assert "runtime is not installed" in missing.reason


def test_off_and_a_foreign_authority_mean_no_broker() -> None:
    assert choose_broker("off", platform="win32", runtime=True).name == ""
    other = choose_broker("auto", microsoft=False, platform="win32", runtime=True)
    assert other.name == ""
    assert "not Microsoft's" in other.reason


def test_each_broker_redirect_is_the_documented_one() -> None:
    """The README's registration steps list these; a typo there is a failed sign-in."""
    assert BROKER_REDIRECTS == {
        "win32": "ms-appx-web://microsoft.aad.brokerplugin/{client_id}",
        "darwin": "msauth.com.msauth.unsignedapp://auth",
        "linux": "https://login.microsoftonline.com/common/oauth2/nativeclient",
    }
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for uri in BROKER_REDIRECTS.values():
        assert uri in readme


def test_the_fake_sign_in_service_gets_no_broker(account: AccountConfig, tmp_path: Path) -> None:
    """Tests and the demo sign in at 127.0.0.1: a broker would go to Microsoft instead."""
    cache, _ = auth.build_token_cache(tmp_path / "token-cache.bin", encrypt=False)
    assert auth.DelegatedAuth(account, cache).broker.name == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Edge is preferred on Linux")
def test_on_linux_browser_sign_in_uses_microsoft_edge_where_installed(
    fake: object, account: AccountConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edge presents the device to Conditional Access.  A stand-in 'microsoft-edge' on PATH
    records the page it was given and signs in as the demo's browser does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "edge-opened"
    script = bin_dir / "microsoft-edge"
    script.write_text(f'#!/bin/sh\necho "$1" > {record}\nexec {sys.executable} -m '
                      'meettray.demo.browser "$1"\n')  # fmt: skip
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert edge() == str(script)
    other_browser: list[str] = []
    cache, _ = auth.build_token_cache(tmp_path / "token-cache.bin", encrypt=False)

    who = auth.DelegatedAuth(account, cache, open_browser=other_browser.append).sign_in_browser(
        timeout=30
    )

    assert who.username == "adele@contoso.example"
    assert record.read_text().startswith(account.authority_url)
    assert other_browser == []
    assert CLIENT_ID in record.read_text()
