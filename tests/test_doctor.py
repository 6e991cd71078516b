"""meettray doctor: a healthy setup, and each broken one it diagnoses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode

from .conftest import CLIENT_ID, run_cli, wait_for
from .xserver import find_tray_icon, tray_host, xvfb

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def doctor(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    done = run_cli("doctor", "--json", *args, env={**NO_DISPLAY, **(env or {})})
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> Path:
    assert run_cli("login", "--device-code", env=NO_DISPLAY).returncode == 0
    return config_file


def test_healthy_setup(logged_in: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli("doctor", env=NO_DISPLAY)
    assert done.returncode == 0, done.stdout
    assert "✓ Signed in: adele@contoso.example (work/school)" in done.stdout
    assert "✓ Microsoft Graph: reachable; OnlineMeetings permission works" in done.stdout
    assert "! Token cache:" in done.stdout  # no keyring here: a warning, not a failure
    assert "Everything meettray needs works." in done.stdout
    assert fake.meetings == {}  # the Graph check created nothing
    tokens = [*fake.identity._access, *fake.identity._refresh]
    assert tokens
    assert not any(token in done.stdout for token in tokens)

    code, report = doctor()
    assert code == 0
    assert report["ok"] is True
    checks = by_name(report)
    assert checks["Cloud"]["detail"].startswith("global: sign-in https://127.0.0.1:")
    assert checks["Display"]["status"] == "warning"


def test_invalid_settings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[account]\ncloud = "moon"\n')
    code, report = doctor("--config", str(bad))
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    checks = by_name(report)
    assert checks["Settings file"]["status"] == "failure"
    assert "cloud" in checks["Settings file"]["detail"]
    assert checks["Signed in"]["status"] == "skipped"


def test_missing_client_id(tmp_path: Path) -> None:
    code, report = doctor("--config", str(tmp_path / "none.toml"))
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    assert "client_id" in by_name(report)["App registration"]["detail"]


def test_not_signed_in(config_file: Path) -> None:
    code, report = doctor()
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    signed_in = by_name(report)["Signed in"]
    assert signed_in["status"] == "failure"
    assert signed_in["fix"] == "Run: meettray login"


def test_graph_refusal_shows_the_request_id(logged_in: Path, fake: FakeMicrosoft365) -> None:
    fake.signed_in_user.guest = True
    code, report = doctor()
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    graph = by_name(report)["Microsoft Graph"]
    assert graph["status"] == "failure"
    assert "not allowed to create Teams meetings" in graph["detail"]
    assert graph["request_id"]


def test_graph_unreachable(logged_in: Path, fake: FakeMicrosoft365) -> None:
    logged_in.write_text(
        logged_in.read_text().replace(fake.graph_endpoint, "https://127.0.0.1:9/v1.0")
    )
    code, report = doctor()
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    assert "cannot be reached" in by_name(report)["Microsoft Graph"]["detail"]


def test_sign_in_service_unreachable_gives_a_fix_and_keeps_details_apart(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    logged_in.write_text(logged_in.read_text().replace(fake.authority, "https://127.0.0.1:9/t"))
    code, report = doctor()
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    signed_in = by_name(report)["Signed in"]
    assert signed_in["status"] == "failure"
    assert "internet connection" in signed_in["fix"]
    assert "Error" not in signed_in["fix"]  # an exception name is no fix
    assert signed_in["technical"]  # kept for support, apart from the fix
    text = run_cli("doctor", env=NO_DISPLAY).stdout
    assert "→ Check the internet connection" in text
    assert "(details: " in text


@pytest.mark.parametrize(
    ("code", "fix_words"),
    [
        (53003, "Sign in from a device and place that meets it"),
        (50020, "set [account] tenant"),
        (500200, "Sign in with a work or school account"),
        (53000, "ask your IT support to enrol this one"),
        (53002, "allow meettray's app registration"),
        (50097, "Sign in with the browser on a registered device"),
        (65004, "Sign in again and accept them"),
    ],
)
def test_live_row_doctor_recognises_sign_in_errors(
    logged_in: Path, fake: FakeMicrosoft365, code: int, fix_words: str
) -> None:
    """graph-notes, live behaviours: doctor names the AADSTS cause and its own fix."""
    fake.signed_in_user.sign_in_error = code
    fake.expire_access_tokens()  # the Graph check must refresh, and meets the refusal

    status, report = doctor()

    assert status == ExitCode.DOCTOR_FOUND_PROBLEMS
    graph = by_name(report)["Microsoft Graph"]
    assert graph["status"] == "failure"
    assert fix_words in graph["fix"]
    assert f"AADSTS{code}" in graph["technical"]


def test_live_row_doctor_recognises_public_client_flows_off(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    fake.apps[CLIENT_ID].allow_public_client = False
    fake.expire_access_tokens()

    _status, report = doctor()

    assert "Allow public client flows" in by_name(report)["Microsoft Graph"]["fix"]


def test_live_row_doctor_says_a_single_tenant_app_cannot_serve_organizations(
    tmp_path: Path, fake: FakeMicrosoft365
) -> None:
    """AADSTS50194: found before anyone signs in, with the fix (set the tenant)."""
    fake.apps[CLIENT_ID].single_tenant = True
    config = tmp_path / "any-organisation.toml"
    config.write_text(f'[account]\nclient_id = "{CLIENT_ID}"\n'
                      f'authority = "{fake.base_url}/organizations"\n'
                      f'graph_endpoint = "{fake.graph_endpoint}"\n')  # fmt: skip

    status, report = doctor("--config", str(config))

    assert status == ExitCode.DOCTOR_FOUND_PROBLEMS
    registration = [c for c in report["checks"] if c["name"] == "App registration"]
    assert registration[-1]["status"] == "failure"
    assert "accepts sign-ins from one organisation only" in registration[-1]["detail"]
    assert "Set [account] tenant to your organisation's domain" in registration[-1]["fix"]


def test_application_mode_without_secret(tmp_path: Path, fake: FakeMicrosoft365) -> None:
    config = tmp_path / "app.toml"
    config.write_text(
        f'[account]\nmode = "application"\nclient_id = "x"\n'
        f'user_id = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"\n'
        f'authority = "{fake.authority}"\n'
    )
    code, report = doctor("--config", str(config))
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    assert "MEETTRAY_CLIENT_SECRET" in by_name(report)["Sign-in setup"]["detail"]


@pytest.mark.x11
def test_desktop_checks_on_a_real_display(logged_in: Path, fake: FakeMicrosoft365) -> None:
    with xvfb() as display, tray_host(display):
        env = {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        code, report = doctor(env=env)
        assert code == 0
        checks = by_name(report)
        assert checks["System tray"]["status"] == "ok"
        assert checks["Clipboard"]["status"] == "ok"
        assert checks["Hotkey (meet_now, x11)"]["detail"] == "Ctrl+Alt+M works everywhere."

        # With the tray app running, doctor asks it instead of probing.
        app = subprocess.Popen(
            [sys.executable, "-m", "meettray"], env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            find_tray_icon(display)
            assert wait_for(lambda: doctor(env=env)[1]["checks"][0] is not None)
            code, report = doctor(env=env)
            checks = by_name(report)
            assert checks["Tray app"]["detail"] == f"running on DISPLAY={display}"
            assert checks["Hotkey (meet_now, x11)"]["detail"] == "Ctrl+Alt+M works everywhere."

            # Was: doctor on another display reported this display's tray as its own.
            with xvfb() as other:
                code, report = doctor(env={"DISPLAY": other, "QT_QPA_PLATFORM": "xcb"})
            tray_check = by_name(report)["Tray app"]
            assert tray_check["status"] == "warning"
            assert f"running on another display (DISPLAY={display}" in tray_check["detail"]
        finally:
            app.terminate()
            app.wait(15)


@pytest.mark.x11
def test_a_hotkey_held_by_meettrays_own_tray_is_not_blamed_on_another_program(
    config_file: Path,
) -> None:
    """A tray that holds the one-tray lock and Ctrl+Alt+M but does not answer doctor (its
    socket is gone): doctor's probe finds the hotkey taken, by meettray itself."""
    from Xlib import XK, X
    from Xlib import display as xdisplay

    from meettray import lock

    with xvfb() as display:
        held = xdisplay.Display(display)
        keycode = held.keysym_to_keycode(XK.string_to_keysym("m"))
        held.screen().root.grab_key(keycode, X.ControlMask | X.Mod1Mask, False,
                                    X.GrabModeAsync, X.GrabModeAsync)  # fmt: skip
        held.sync()
        tray = lock.claim_instance()  # as the running tray holds it
        assert tray is not None
        try:
            _code, report = doctor(env={"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        finally:
            tray.release()
            held.close()
    hotkey = by_name(report)["Hotkey (meet_now, x11)"]
    assert hotkey["status"] == "warning"
    assert "another program" not in hotkey["detail"]
    assert hotkey["detail"] == (
        "Ctrl+Alt+M is held by the meettray tray that is running (it did not answer doctor)."
    )


def test_upcoming_meetings_and_joining_in_teams_app(
    config_file: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    """The calendar permission is checked once upcoming meetings are on, and 'join in the
    app' says whether an app here opens msteams: links."""
    config_file.write_text(config_file.read_text() + '[calendar]\nupcoming = true\njoin = "app"\n')
    assert run_cli("login", "--device-code", env=NO_DISPLAY).returncode == 0
    code, report = doctor()
    checks = by_name(report)
    assert code == ExitCode.DOCTOR_FOUND_PROBLEMS
    assert checks["Upcoming meetings"]["status"] == "failure"
    assert "meettray login --calendar" in checks["Upcoming meetings"]["detail"]
    assert checks["Joining meetings"]["status"] == "warning"
    assert 'join = "browser"' in checks["Joining meetings"]["fix"]

    assert run_cli("login", "--device-code", "--calendar", env=NO_DISPLAY).returncode == 0
    # Teams' app installed: its desktop file, and the msteams: links given to it.
    config = Path(os.environ["XDG_CONFIG_HOME"])
    (config / "mimeapps.list").write_text(
        "[Default Applications]\nx-scheme-handler/msteams=teams.desktop\n"
    )
    apps = Path(os.environ["XDG_DATA_HOME"]) / "applications"
    apps.mkdir(parents=True, exist_ok=True)
    (apps / "teams.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Teams\nExec=teams %u\n"
        "MimeType=x-scheme-handler/msteams;\n"
    )
    code, report = doctor()
    checks = by_name(report)
    assert checks["Upcoming meetings"]["status"] == "ok"
    assert checks["Joining meetings"]["detail"] == "in Teams' app (teams.desktop)"
