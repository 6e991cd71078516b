"""Sign-in that meets device-based Conditional Access: which broker, and Edge on Linux.

No broker runs here (WAM, Company Portal and microsoft-identity-broker need
their OS and an enrolled device): the choice, the fallback and the redirects
are tested; the broker's own sign-in is not.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from meettray import auth
from meettray.accounts import Cancellation
from meettray.auth.broker import BROKER_REDIRECTS, choose_broker, edge, wait_for_broker
from meettray.auth.errors import BrokerRedirectMissing, call_msal
from meettray.config import AccountConfig
from meettray.errors import SignInCancelled

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
    chosen = choose_broker("auto", platform=platform, runtime=True, machine="arm64")
    assert (chosen.name, chosen.options) == (name, {flag: True})

    missing = choose_broker("auto", platform=platform, runtime=False, machine="arm64")
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


def test_on_an_intel_mac_doctor_says_there_is_no_broker() -> None:
    """msal's Mac broker is Apple silicon only."""
    intel = choose_broker("auto", platform="darwin", runtime=True, machine="x86_64")
    assert intel.name == ""
    assert intel.options == {}
    assert "Apple silicon Macs only, not on this Intel Mac" in intel.reason


@pytest.mark.parametrize(("platform", "too_old", "enough"),
                         [("linux", (1, 32), (1, 33)), ("darwin", (1, 30), (1, 31)),
                          ("win32", (1, 24), (1, 25))])  # fmt: skip
def test_a_broker_flag_is_passed_only_to_an_msal_that_knows_it(
    platform: str, too_old: tuple[int, int], enough: tuple[int, int]
) -> None:
    """msal 1.31 and 1.32 raise TypeError on enable_broker_on_linux."""
    old = choose_broker("auto", platform=platform, runtime=True, machine="arm64", msal=too_old)
    assert old.options == {}
    assert f"needs msal {enough[0]}.{enough[1]} or later" in old.reason
    new = choose_broker("auto", platform=platform, runtime=True, machine="arm64", msal=enough)
    assert new.options


def test_msal_is_at_least_the_version_the_linux_flag_needs() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"msal>=1.33"' in pyproject
    assert 'broker = ["msal[broker]>=1.33"]' in pyproject
    assert auth.broker.msal_version() >= (1, 33)


def test_a_broker_sign_in_can_be_cancelled_while_the_broker_waits() -> None:
    """msal ignores the timeout when a broker signs in; the wait is meettray's own."""
    release = threading.Event()
    cancel = Cancellation()
    threading.Timer(0.05, cancel.cancel).start()
    try:
        with pytest.raises(SignInCancelled, match="Sign-in was cancelled"):
            wait_for_broker(lambda: release.wait(60), timeout=60, cancel=cancel)
    finally:
        release.set()

    assert wait_for_broker(lambda: {"access_token": "x"}, timeout=5) == {"access_token": "x"}
    with pytest.raises(SignInCancelled, match="did not finish within 0 seconds"):
        wait_for_broker(lambda: release.wait(60) and threading.Event().wait(60), timeout=0.05)


class RedirectUriError(ValueError):
    """msal.broker's exception (importing msal.broker needs the broker runtime)."""


def test_a_missing_broker_redirect_says_to_register_it() -> None:
    """Was: msal's RedirectUriError (a ValueError) read "the sign-in authority is not
    valid"."""

    def broker_without_redirect() -> None:
        raise RedirectUriError("MsalRuntime needs the current app to register these ...")

    with pytest.raises(BrokerRedirectMissing) as raised:
        call_msal(broker_without_redirect)
    assert "redirect URI is not registered" in raised.value.message
    advice = auth.errors.broker_redirect_advice(
        "Microsoft identity broker", BROKER_REDIRECTS["linux"]
    )
    assert "register this redirect URI in the app registration" in advice
    assert BROKER_REDIRECTS["linux"] in advice
    assert advice.endswith("Signing in with the browser instead.")
