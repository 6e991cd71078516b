"""The ``meettray`` command, run as a real process against the fake service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meettray import __version__, ipc
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.graph import GraphClient
from meettray.meetings import build_schedule

from .conftest import BROWSER_COMMAND, CLIENT_ID, run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return config_file


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"meettray {__version__}"


@pytest.mark.parametrize(
    "command", [[], ["now"], ["schedule"], ["history"], ["login"], ["logout"], ["whoami"]]
)
def test_help_on_every_command(command: list[str]) -> None:
    done = run_cli(*command, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: meettray")


def test_tray_without_a_desktop_says_so() -> None:
    done = run_cli(env={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    assert done.returncode == ExitCode.NO_DESKTOP
    assert "no desktop session was found" in done.stderr
    assert "meettray now" in done.stderr


def test_tray_with_a_display_nobody_answers_says_so(user_dirs: Path) -> None:
    from .xserver import free_display

    display = f":{free_display()}"
    done = run_cli(env={"DISPLAY": display, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    assert done.returncode == ExitCode.NO_DESKTOP  # not Qt's abort (134)
    assert f"no desktop answers at DISPLAY={display}" in done.stderr
    assert "meettray now" in done.stderr
    assert "Reinstalling" not in done.stderr  # Qt's advice, which is wrong here
    log = (user_dirs / "state" / "meettray" / "log" / "meettray.log").read_text()
    assert "could not connect to display" in log  # Qt's own words, kept for support


@pytest.mark.posix
def test_no_runtime_folder_gives_no_warning_and_a_private_fallback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env["TMPDIR"] = str(tmp_path)  # where the fallback goes
    done = subprocess.run(
        [sys.executable, "-m", "meettray", "--demo", "now", "--json"],
        capture_output=True, text=True, timeout=60, env={**env, **NO_DISPLAY}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr
    assert done.stderr.strip() == "meettray: Not copied to the clipboard: there is no display."
    folder = tmp_path / f"meettray-{os.getuid()}"
    assert folder.is_dir()
    assert folder.stat().st_mode & 0o777 == 0o700


def test_an_unexpected_error_in_the_demo_is_a_message_and_a_log_entry(user_dirs: Path) -> None:
    import subprocess
    import sys

    broken = (
        "import sys, meettray.service as s\n"
        "def boom(*a, **k): raise RuntimeError('a bug')\n"
        "s.MeetingService.make = boom\n"
        "from meettray.cli import main\n"
        "sys.exit(main(['--demo', 'now', '--no-copy']))\n"
    )
    done = subprocess.run([sys.executable, "-c", broken], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
    assert done.returncode == ExitCode.UNEXPECTED
    assert done.stderr.strip() == f"meettray: something unexpected went wrong (details in {log})."
    assert "RuntimeError: a bug" in log.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "invalid choice"),
        (["schedule", "--subject", "x"], "required"),
        (["schedule", "--subject", "x", "--start", "2026-12-01T10:00"], "one of the arguments"),
        (["schedule", "--subject", "x", "--start", "t", "--duration", "abc"], "not a whole number"),
        (["history", "--limit", "0"], "must be at least 1"),
        (["now", "--bogus"], "unrecognized arguments"),
        (
            ["schedule", "--subject", "x", "--start", "t", "--duration", "5", "--lobby", "x"],
            "invalid choice",
        ),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == ExitCode.USAGE
    assert message in done.stderr
    assert "usage: meettray" in done.stderr


def test_device_code_login_then_now_json_then_history(
    logged_in: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    done = run_cli("now", "--json", env=NO_DISPLAY)

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"join_url", "id", "subject", "start", "end"} <= set(data)
    assert data["subject"] == "Incident bridge"
    assert data["id"] in fake.meetings
    assert "Not copied to the clipboard: there is no display." in done.stderr
    assert (user_dirs / "data" / "meettray" / "history.sqlite3").exists()

    listed = run_cli("history", "--json")
    assert listed.returncode == 0
    assert [m["id"] for m in json.loads(listed.stdout)] == [data["id"]]
    assert set(json.loads(listed.stdout)[0]) == set(data)


def test_now_prints_just_the_link(logged_in: Path) -> None:
    done = run_cli("now", "--subject", "Outage", "--no-copy", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert done.stdout.count("\n") == 1
    assert "clipboard" not in done.stderr


def test_browser_login(config_file: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli("login", env={**NO_DISPLAY, "BROWSER": BROWSER_COMMAND})
    assert done.returncode == 0, done.stderr
    assert "Signed in as adele@contoso.example." in done.stdout
    assert len(fake.requests_to("GET", "/authorize")) == 1


def test_whoami_and_logout(logged_in: Path) -> None:
    who = run_cli("whoami", "--json")
    assert who.returncode == 0
    info = json.loads(who.stdout)
    assert info["username"] == "adele@contoso.example"
    assert info["token_cache_encrypted"] is False  # no keyring on this machine

    plain = run_cli("whoami")
    assert "Warning: the token cache is not encrypted." in plain.stdout

    out = run_cli("logout")
    assert out.returncode == 0
    assert "Signed out adele@contoso.example." in out.stdout
    assert run_cli("whoami").returncode == ExitCode.SIGN_IN
    now = run_cli("now", "--no-copy")
    assert now.returncode == ExitCode.SIGN_IN
    assert now.stderr.strip() == "meettray: You are not signed in. Sign in to create meetings."


def test_whoami_with_nobody_signed_in_needs_no_network(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    config_file.write_text(
        config_file.read_text().replace(fake.authority, "https://127.0.0.1:9/tenant")
    )
    done = run_cli("whoami")
    assert done.returncode == ExitCode.SIGN_IN, done.stderr  # not signed in; not 6 (network)
    assert done.stdout.startswith("Not signed in.")


def test_schedule(logged_in: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli(
        "schedule",
        "--subject",
        "Design review",
        "--start",
        "2030-03-04T10:00+01:00",
        "--duration",
        "45",
        "--attendee",
        "b@example.com",
        "--attendee",
        "c@example.com",
        "--lobby",
        "everyone",
        "--presenters",
        "organizer",
        "--json",
        "--no-copy",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["start"] == "2030-03-04T09:00:00+00:00"
    assert data["end"] == "2030-03-04T09:45:00+00:00"
    stored = fake.meetings[data["id"]]
    assert [a["upn"] for a in stored["participants"]["attendees"]] == [
        "b@example.com",
        "c@example.com",
    ]
    assert stored["lobbyBypassSettings"]["scope"] == "everyone"


def test_schedule_with_named_presenters(logged_in: Path, fake: FakeMicrosoft365) -> None:
    """graph-notes, live behaviours: --presenter sends attendees with role presenter."""
    made = run_cli("schedule", "--subject", "Demo day", "--start", "2030-01-01T10:00Z",
                   "--duration", "30", "--attendee", "ana@contoso.example",
                   "--presenter", "pat@contoso.example", "--no-copy", "--json")  # fmt: skip

    assert made.returncode == 0, made.stderr
    (meeting,) = fake.meetings.values()
    assert meeting["allowedPresenters"] == "roleIsPresenter"
    assert meeting["participants"]["attendees"] == [
        {"upn": "ana@contoso.example", "role": "attendee"},
        {"upn": "pat@contoso.example", "role": "presenter"},
    ]
    refused = run_cli("schedule", "--subject", "x", "--start", "2030-01-01T10:00Z",
                      "--duration", "30", "--presenters", "roleIsPresenter")  # fmt: skip
    assert refused.returncode == ExitCode.USAGE
    assert "Name at least one presenter" in refused.stderr


def test_schedule_invalid_input_names_each_problem(logged_in: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli(
        "schedule",
        "--subject",
        "x",
        "--start",
        "2030-03-04T10:00",
        "--end",
        "2030-03-04T09:00",
        "--attendee",
        "bob",
    )
    assert done.returncode == ExitCode.USAGE
    assert "meettray: The end must be after the start." in done.stderr
    assert "meettray: Not an e-mail address: 'bob'." in done.stderr
    assert fake.meetings == {}


def test_schedule_in_the_past_needs_confirmation(logged_in: Path, fake: FakeMicrosoft365) -> None:
    args = ["schedule", "--subject", "x", "--start", "2020-01-01T10:00Z", "--duration", "5"]
    refused = run_cli(*args)
    assert refused.returncode == ExitCode.USAGE
    assert "--allow-past" in refused.stderr
    assert fake.meetings == {}
    assert run_cli(*args, "--allow-past", "--no-copy").returncode == 0


def test_calendar_schedule_without_permission_asks_to_sign_in(logged_in: Path) -> None:
    done = run_cli(
        "schedule",
        "--subject",
        "x",
        "--start",
        "2030-01-01T10:00Z",
        "--duration",
        "5",
        "--calendar",
        "--no-copy",
    )
    assert done.returncode == ExitCode.SIGN_IN
    assert "needs your permission" in done.stderr
    assert "meettray login --calendar" in done.stderr  # graph-notes, live behaviours


def test_live_row_calendar_consent_is_asked_for_by_login_calendar(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    """graph-notes, live behaviours: Calendars.ReadWrite is its own consent; login --calendar."""
    done = run_cli("login", "--device-code", "--calendar", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    (code_request,) = fake.requests_to("POST", "/devicecode")
    assert "Calendars.ReadWrite" in code_request.form()["scope"]

    made = run_cli("schedule", "--subject", "Review", "--start", "2030-01-01T10:00Z",
                   "--duration", "30", "--calendar", "--no-copy")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert len(fake.events) == 1


def test_live_row_a_calendar_event_without_a_teams_link_is_kept_in_history(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    """graph-notes, live behaviours: an event Exchange never adds Teams to is kept, recorded
    and explained; the person is not invited to try again (that would invite twice)."""
    assert run_cli("login", "--device-code", "--calendar", env=NO_DISPLAY).returncode == 0
    fake.graph.event_link_after_reads = None

    made = run_cli("schedule", "--subject", "Board", "--start", "2030-01-01T10:00Z",
                   "--duration", "30", "--calendar", "--no-copy", "--json")  # fmt: skip

    assert made.returncode == 0, made.stderr
    assert "allowedOnlineMeetingProviders" in made.stderr
    assert len(fake.events) == 1
    history = json.loads(run_cli("history", "--json").stdout)
    assert [m["id"] for m in history] == list(fake.events)


def test_graph_refusal_exit_5_with_request_id(logged_in: Path, fake: FakeMicrosoft365) -> None:
    fake.signed_in_user.guest = True

    done = run_cli("now", "--no-copy")

    assert done.returncode == ExitCode.GRAPH
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("meettray: You are not allowed to create Teams meetings.")
    assert lines[1].startswith("(request-id ")
    verbose = run_cli("-v", "now", "--no-copy")
    assert "HTTP 403 Forbidden" in verbose.stderr


def test_live_row_support_details_with_every_graph_failure(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    """graph-notes, live behaviours: keep request-id, client-request-id, x-ms-ags-diagnostic
    and innerError.date with every Graph failure, in the details and in --json."""
    fake.signed_in_user.guest = True

    done = run_cli("now", "--no-copy", "--json")

    assert done.returncode == ExitCode.GRAPH
    failure = json.loads(done.stdout)
    (sent,) = fake.requests_to("POST", "createOrGet")
    assert failure["request_id"]
    assert failure["client_request_id"] == sent.headers["client-request-id"]
    assert json.loads(failure["x_ms_ags_diagnostic"])["ServerInfo"]["DataCenter"]
    assert failure["date"].startswith("20")
    assert failure["message"].startswith("You are not allowed to create Teams meetings.")
    verbose = run_cli("-v", "now", "--no-copy").stderr
    for name in ("request-id:", "client-request-id:", "x-ms-ags-diagnostic:", "date:"):
        assert name in verbose


def test_busy_service_is_reported_while_waiting(logged_in: Path, fake: FakeMicrosoft365) -> None:
    fake.add_fault("status", "createOrGet", status=429, code="TooManyRequests", retry_after="1")

    done = run_cli("now", "--no-copy")

    assert done.returncode == 0, done.stderr
    assert "Microsoft Teams is busy; trying again in 1 s" in done.stderr


def test_unreachable_service_exit_6(logged_in: Path, fake: FakeMicrosoft365) -> None:
    text = logged_in.read_text().replace(fake.graph_endpoint, "https://127.0.0.1:9/v1.0")
    logged_in.write_text(text)

    done = run_cli("now", "--no-copy")

    assert done.returncode == ExitCode.NETWORK
    assert "Microsoft Graph cannot be reached" in done.stderr


def test_invalid_config_exit_3_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[account]\ncloud = "moon"\n')

    done = run_cli("--config", str(path), "now")

    assert done.returncode == ExitCode.SETTINGS
    assert str(path) in done.stderr
    assert "cloud" in done.stderr


def test_missing_client_id_exit_3(tmp_path: Path) -> None:
    done = run_cli("--config", str(tmp_path / "absent.toml"), "now")
    assert done.returncode == ExitCode.SETTINGS
    assert "client_id" in done.stderr


def test_damaged_history_is_set_aside_and_reported(logged_in: Path, user_dirs: Path) -> None:
    history = user_dirs / "data" / "meettray" / "history.sqlite3"
    history.write_bytes(b"garbage" * 1000)

    done = run_cli("now", "--no-copy")

    assert done.returncode == 0
    assert "history file was damaged" in done.stderr
    assert len(list(history.parent.glob("history.sqlite3.corrupt-*"))) == 1
    assert len(json.loads(run_cli("history", "--json").stdout)) == 1


def test_history_search_and_text_output(logged_in: Path) -> None:
    for subject in ("Alpha review", "Beta sync"):
        assert run_cli("now", "--subject", subject, "--no-copy").returncode == 0

    done = run_cli("history", "--search", "alpha")

    assert done.returncode == 0
    assert "Alpha review" in done.stdout
    assert "Beta sync" not in done.stdout
    assert run_cli("history", "--search", "zzz").stdout.strip() == "No meeting matches."


def test_demo_needs_no_account(user_dirs: Path) -> None:
    done = run_cli("--demo", "now", "--json", "--no-copy")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["join_url"].startswith("https://demo.meettray.invalid/")
    assert (user_dirs / "data" / "meettray" / "demo" / "history.sqlite3").exists()
    assert not (user_dirs / "data" / "meettray" / "history.sqlite3").exists()


def test_demo_settings_live_apart_and_every_demo_command_reads_them(
    user_dirs: Path, tmp_path: Path
) -> None:
    """The one rule: --config, else $MEETTRAY_CONFIG, else the demo's own config.toml."""
    real = user_dirs / "config" / "meettray" / "config.toml"
    real.parent.mkdir(parents=True)
    real.write_text('[meeting]\nsubject = "Real settings"\n')
    demo = user_dirs / "data" / "meettray" / "demo" / "config.toml"
    demo.parent.mkdir(parents=True)
    demo.write_text('[meeting]\nsubject = "Demo settings"\n')

    def subject(*args: str, env: dict[str, str] | None = None) -> str:
        done = run_cli(*args, "--demo", "now", "--json", "--no-copy", env=env)
        assert done.returncode == 0, done.stderr
        return str(json.loads(done.stdout)["subject"])

    assert subject() == "Demo settings"
    other = tmp_path / "other.toml"
    other.write_text('[meeting]\nsubject = "Named settings"\n')
    assert subject("--config", str(other)) == "Named settings"
    assert subject(env={"MEETTRAY_CONFIG": str(other)}) == "Named settings"
    doctor = run_cli("--demo", "doctor", env=NO_DISPLAY)
    assert f"{demo} is valid" in doctor.stdout
    assert "does not apply" in run_cli("--demo", "autostart", "status").stderr


def test_global_options_work_after_the_command_too(logged_in: Path, fake: FakeMicrosoft365) -> None:
    fake.signed_in_user.guest = True
    before = run_cli("-v", "now", "--no-copy")
    after = run_cli("now", "--no-copy", "-v")
    assert before.returncode == after.returncode == ExitCode.GRAPH
    assert "HTTP 403 Forbidden" in before.stderr
    assert "HTTP 403 Forbidden" in after.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["now", "--bogus"],
        ["now", "--subject"],
        ["schedule", "--start", "x"],
        ["schedule", "--subject", "s", "--start", "t", "--duration", "-5"],
        ["history", "--limit", "many"],
        ["history", "extra"],
        ["login", "--password", "x"],
        ["logout", "now"],
        ["whoami", "--yaml"],
        ["doctor", "--fix"],
        ["autostart"],
        ["autostart", "maybe"],
        ["--config"],
    ],
)
def test_every_command_refuses_malformed_arguments(args: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.startswith("usage: meettray")
    assert done.stdout == ""


@pytest.mark.posix
def test_a_second_cold_run_skips_the_discovery_round_trip(
    logged_in: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    discovery = "/.well-known/openid-configuration"
    assert run_cli("now", "--no-copy").returncode == 0
    first = len(fake.requests_to("GET", discovery))

    assert run_cli("now", "--no-copy").returncode == 0

    assert len(fake.requests_to("GET", discovery)) == first  # kept in MSAL's HTTP cache
    cache = user_dirs / "data" / "meettray" / "http-cache.bin"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    tokens = [s for s in fake.issued_secrets]
    assert not any(token.encode() in cache.read_bytes() for token in tokens)  # no tokens in it


# -- 'meettray now' when the tray that took its request dies or hangs ---------------------
# A stand-in tray listens on the real socket path, takes the request and then behaves as a
# killed (closes) or stopped (never answers) tray would.  The command then asks Graph
# itself with the externalId it sent, through createOrGet: one meeting, never two.


class LostTray:
    """Takes one request on the tray's socket, then ``then(connection, request)``."""

    def __init__(self, then: Callable[[socket.socket, dict[str, object]], None]) -> None:
        self.requests: list[dict[str, object]] = []
        self._then = then
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(ipc.server_name())
        self._listener.listen(1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        line = connection.makefile("rb").readline()
        request = json.loads(line)
        self.requests.append(request)
        self._then(connection, request)

    def close(self) -> None:
        self._listener.close()
        Path(ipc.server_name()).unlink(missing_ok=True)


@pytest.fixture
def lost_tray() -> Iterator[Callable[..., LostTray]]:
    made: list[LostTray] = []

    def make(then: Callable[[socket.socket, dict[str, object]], None]) -> LostTray:
        tray = LostTray(then)
        made.append(tray)
        return tray

    yield make
    for tray in made:
        tray.close()


@pytest.mark.posix
def test_a_tray_killed_after_making_the_meeting_gives_that_meeting_not_a_second(
    logged_in: Path,
    fake: FakeMicrosoft365,
    graph: GraphClient,
    lost_tray: Callable[..., LostTray],
) -> None:
    """Was: a closed connection meant "no tray", so the command made a meeting of its own:
    25 duplicates in 40 kills."""

    def made_then_killed(connection: socket.socket, request: dict[str, object]) -> None:
        # The tray made the meeting (same person, the id the command chose), then died.
        made = build_schedule(subject="From the tray", start="2030-01-01T10:00Z",
                              duration_minutes=30)  # fmt: skip
        graph.create_meeting(made, str(request["external_id"]))
        connection.close()  # killed before it answered

    tray = lost_tray(made_then_killed)
    done = run_cli("now", "--json", env=NO_DISPLAY)

    assert done.returncode == 0, done.stderr
    assert "may exist already" in done.stderr
    (sent,) = tray.requests
    assert isinstance(sent["external_id"], str)
    assert len(fake.meetings) == 1  # the tray's, found again by its externalId
    (meeting,) = fake.meetings.values()
    assert meeting["externalId"] == sent["external_id"]
    assert json.loads(done.stdout)["id"] == meeting["id"]
    listed = json.loads(run_cli("history", "--json").stdout)
    assert [m["id"] for m in listed] == [meeting["id"]]


@pytest.mark.posix
def test_a_tray_killed_before_making_it_gives_exactly_one(
    logged_in: Path, fake: FakeMicrosoft365, lost_tray: Callable[..., LostTray]
) -> None:
    tray = lost_tray(lambda connection, _request: connection.close())
    done = run_cli("now", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    assert len(fake.meetings) == 1
    (meeting,) = fake.meetings.values()
    assert meeting["externalId"] == tray.requests[0]["external_id"]


def test_a_history_that_cannot_be_opened_costs_the_row_not_the_link(
    logged_in: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    """Was: exit 7 and no meeting when the history could not be opened (a full or
    read-only disk) and no tray ran.  The README promises the link, with a warning."""
    history = user_dirs / "data" / "meettray" / "history.sqlite3"
    history.mkdir(parents=True)  # where the file should be: it cannot be opened

    done = run_cli("now", "--no-copy", env=NO_DISPLAY)

    assert done.returncode == 0, done.stderr
    (meeting,) = fake.meetings.values()
    assert done.stdout.strip() == meeting["joinWebUrl"]
    assert "history" in done.stderr
    assert "The link still works." in done.stderr


# -- Ctrl+C and pipes, as Unix tools behave ------------------------------------------------


@pytest.mark.posix
@pytest.mark.parametrize("command", [["history", "--limit", "1000"], ["doctor", "--json"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(
    command: list[str], user_dirs: Path, config_file: Path
) -> None:
    """Was: 'something unexpected' and a BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    from .history_data import fill

    fill(user_dirs / "data" / "meettray" / "history.sqlite3", 1000)
    line = " ".join([sys.executable, "-m", "meettray", *command])
    done = subprocess.run(
        ["bash", "-c", f"{line} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **NO_DISPLAY},
    )  # fmt: skip
    assert done.stderr == ""  # no traceback, no "something unexpected"
    # 141 where the reader closed before the end; doctor here finds nobody signed in (9).
    ok = (ExitCode.BROKEN_PIPE, ExitCode.OK, ExitCode.DOCTOR_FOUND_PROBLEMS)
    assert int(done.stdout.strip()) in ok


def _python_still_starting(err: str) -> bool:
    """Whether Ctrl+C came while Python itself was starting (importing ``site`` or
    ``runpy``, as on a loaded machine 0.15 s in), before any code of meettray's could
    answer it: Python's own traceback, no frame of it in meettray's package."""
    import re

    import meettray

    package = str(Path(meettray.__file__).parent)
    frames = re.findall(r'File "([^"]+)"', err)
    return "KeyboardInterrupt" in err and not any(f.startswith(package) for f in frames)


@pytest.mark.posix
@pytest.mark.parametrize("after", [0.15, 0.3, 0.4, 0.6, 0.9])
def test_ctrl_c_at_any_moment_is_exit_130_and_one_line(after: float) -> None:
    """Was: tracebacks (SSLEOFError, KeyboardInterrupt in demo.stop()) when Ctrl+C came
    0.3-0.45 s into 'meettray --demo now'."""
    import os
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "meettray", "--demo", "now", "--no-copy"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **NO_DISPLAY},
    )  # fmt: skip
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    if _python_still_starting(err):  # on a busy machine: before any of meettray ran
        return
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    if process.returncode == ExitCode.INTERRUPTED:
        assert err.strip().splitlines()[-1] == "meettray: interrupted"
    else:  # it had finished (or Python had not started its handler): a clean end
        assert process.returncode in (ExitCode.OK, -signal.SIGINT), err


@pytest.mark.logs("the token cache was damaged")
def test_a_damaged_sign_in_is_said_with_what_to_do(config_file: Path, user_dirs: Path) -> None:
    cache = user_dirs / "data" / "meettray" / "token-cache.bin"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{ not json")
    done = run_cli("whoami", env=NO_DISPLAY)
    assert "The saved sign-in was damaged; it was moved to" in done.stderr
    assert "meettray login" in done.stderr


@pytest.mark.parametrize("command", ["now", "history", "doctor", "login", "schedule"])
def test_version_on_every_command(command: str) -> None:
    done = run_cli(command, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"meettray {__version__}"


def test_without_a_desktop_the_suggested_command_is_one_that_runs(tmp_path: Path) -> None:
    """Was: run.sh --demo (meettray from the checkout's venv, not on PATH) suggested
    'meettray now', which is not found there."""
    import os
    import subprocess
    import sys

    script = Path(sys.executable).parent / "meettray"  # what scripts/run.sh runs
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if Path(p).resolve() != script.parent.resolve())  # fmt: skip
    done = subprocess.run(
        [str(script), "--demo"], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PATH": path, "DISPLAY": "", "WAYLAND_DISPLAY": "",
             "QT_QPA_PLATFORM": ""},
    )  # fmt: skip
    assert done.returncode == ExitCode.NO_DESKTOP
    assert f"try '{script} --demo now'" in done.stderr
    suggested = subprocess.run(
        [str(script), "--demo", "now", "--no-copy"], capture_output=True, text=True,
        timeout=60, check=False, env={**os.environ, "PATH": path, **NO_DISPLAY},
    )  # fmt: skip
    assert suggested.returncode == 0, suggested.stderr  # the suggestion works as given


@pytest.mark.posix
def test_autostart_keeps_the_settings_file_it_was_given_in_step(
    tmp_path: Path, user_dirs: Path
) -> None:
    """With --config, the checkbox's setting goes to that file, not the default one."""
    chosen = tmp_path / "elsewhere.toml"
    chosen.write_text("# mine\n[ui]\nstart_on_login = false\n")

    done = run_cli("--config", str(chosen), "autostart", "on")

    assert done.returncode == 0, done.stderr
    assert "start_on_login = true" in chosen.read_text()
    assert chosen.read_text().startswith("# mine")
    assert not (user_dirs / "config" / "meettray" / "config.toml").exists()


def test_a_cold_now_takes_the_prepared_meeting_and_says_what_teams_still_shows(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    """A tray prepared the next meeting; the command, with no tray running, takes it: its
    link needs no network.  The PATCH after it fails (Graph unreachable): the link is
    printed all the same, and the warning and History say what Teams still shows."""
    spare_id = _prepared_meeting(logged_in, fake)
    fake.add_fault("drop_before", "/onlineMeetings/", times=20)

    done = run_cli("now", "--subject", "Outage 4711", "--no-copy", env=NO_DISPLAY)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == fake.meetings[spare_id]["joinWebUrl"]
    assert "The link works, but Teams still shows the prepared meeting's subject" in done.stderr
    assert list(fake.meetings) == [spare_id]
    listed = run_cli("history").stdout
    assert "Outage 4711" in listed
    assert "    note: Teams still shows the prepared meeting's subject and times" in listed
    (row,) = json.loads(run_cli("history", "--json").stdout)
    assert row["id"] == spare_id
    assert row["note"].startswith("Teams still shows")


def test_a_cold_now_prints_the_prepared_link_while_graph_still_holds_its_patch(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    """The fast path: the link is out before the PATCH is answered (the command is still
    waiting for it), and the PATCH then lands."""
    spare_id = _prepared_meeting(logged_in, fake)
    fake.add_fault("delay", "/onlineMeetings/", method="PATCH", delay=4.0)
    command = subprocess.Popen(
        [sys.executable, "-m", "meettray", "now", "--subject", "Outage", "--no-copy"],
        env={**os.environ, **NO_DISPLAY}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert command.stdout is not None
        line = command.stdout.readline()
        assert command.poll() is None  # still waiting for Graph's answer to the PATCH
        assert fake.meetings[spare_id]["subject"] != "Outage"
    finally:
        out, err = command.communicate(timeout=60)
    assert line.strip() == fake.meetings[spare_id]["joinWebUrl"]
    assert out == ""  # the link once
    assert command.returncode == 0, err
    assert fake.meetings[spare_id]["subject"] == "Outage"
    (row,) = json.loads(run_cli("history", "--json").stdout)
    assert (row["id"], row["subject"], row["note"]) == (spare_id, "Outage", None)


def test_a_prepared_meeting_of_other_settings_is_never_handed_out(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    """A spare made for one app registration, tenant or cloud; the settings then name
    another: the command asks Graph instead."""
    spare_id = _prepared_meeting(logged_in, fake)
    logged_in.write_text(logged_in.read_text().replace(
        CLIENT_ID, "aaaaaaaa-2222-3333-4444-555555555555"))  # fmt: skip

    done = run_cli("now", "--no-copy", env=NO_DISPLAY)

    assert done.returncode == ExitCode.SIGN_IN  # that app has nobody signed in
    assert fake.meetings[spare_id]["joinWebUrl"] not in done.stdout
    assert list(fake.meetings) == [spare_id]  # still there, for the settings it was made for


def test_now_with_a_preset_and_an_unknown_one(logged_in: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli("now", "--preset", "incident", "--no-copy", "--json", env=NO_DISPLAY)

    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    stored = fake.meetings[made["id"]]
    assert stored["subject"].startswith("Incident bridge ")
    assert stored["recordAutomatically"] is True
    assert stored["lobbyBypassSettings"]["scope"] == "organization"

    unknown = run_cli("now", "--preset", "standup", "--no-copy", env=NO_DISPLAY)
    assert unknown.returncode == ExitCode.SETTINGS
    assert "There is no preset 'standup' in " in unknown.stderr
    assert "the presets are: quick, incident, customer." in unknown.stderr
    assert len(fake.meetings) == 1

    malformed = run_cli("now", "--preset", "../x", "--no-copy", env=NO_DISPLAY)
    assert malformed.returncode == 2
    assert "is not a preset name" in malformed.stderr


def test_schedule_with_options_and_a_bad_one(logged_in: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli("schedule", "--subject", "Review", "--start", "2030-01-02T10:00",
                   "--duration", "30", "--option", "watermark=on",
                   "--option", "allow_recording=off", "--json", env=NO_DISPLAY)  # fmt: skip

    assert done.returncode == 0, done.stderr
    stored = fake.meetings[json.loads(done.stdout)["id"]]
    assert stored["watermarkProtection"] == {"isEnabledForContentSharing": True,
                                             "isEnabledForVideo": True}  # fmt: skip
    assert stored["allowRecording"] is False

    bad = run_cli("schedule", "--subject", "Review", "--start", "2030-01-02T10:00",
                  "--duration", "30", "--option", "watermark=maybe", env=NO_DISPLAY)  # fmt: skip
    assert bad.returncode == ExitCode.USAGE
    assert (
        "Watermark shared content and video (needs Teams Premium): must be true or false, "
        "not 'maybe'." in bad.stderr
    )
    assert len(fake.meetings) == 1


def _prepared_meeting(settings: Path, fake: FakeMicrosoft365) -> str:
    """Turn "Prepare the next link in advance" on and make the spare, as a tray would; its id."""
    from meettray.config import load_config
    from meettray.service import build_service

    settings.write_text(settings.read_text().replace("prepare_next_link = false",
                                                     "prepare_next_link = true"))  # fmt: skip
    tray = build_service(load_config(settings))
    try:
        assert tray.prepare_spare()
    finally:
        tray.close()
    (spare_id,) = fake.meetings
    return str(spare_id)
