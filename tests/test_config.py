"""Loading and validating the settings file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meettray import paths
from meettray.config import load_config, save_config
from meettray.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.account.mode == "delegated"
    assert config.account.authority_url == "https://login.microsoftonline.com/organizations"
    assert config.account.graph_url == "https://graph.microsoft.com/v1.0"
    assert config.meeting.subject == "Quick meeting"
    assert config.meeting.duration_minutes == 60
    assert config.warnings == ()


def test_default_location_and_override(monkeypatch: pytest.MonkeyPatch, user_dirs: Path) -> None:
    assert paths.config_file() == user_dirs / "config" / "meettray" / "config.toml"
    monkeypatch.setenv("MEETTRAY_CONFIG", "/somewhere/else.toml")
    assert paths.config_file() == Path("/somewhere/else.toml")


def test_full_file(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
[account]
cloud = "usgov"
client_id = "abc"
tenant = "contoso.onmicrosoft.us"

[meeting]
subject = "Incident {date}"
duration_minutes = 30
""",
        )
    )
    assert config.account.authority_url == "https://login.microsoftonline.us/contoso.onmicrosoft.us"
    assert config.account.graph_url == "https://graph.microsoft.us/v1.0"
    assert config.meeting.duration_minutes == 30


def test_overrides_win(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[account]\nauthority = "https://login.example/t/"\n'
            'graph_endpoint = "https://graph.example/v1.0/"\n',
        )
    )
    assert config.account.authority_url == "https://login.example/t"
    assert config.account.graph_url == "https://graph.example/v1.0"
    assert config.account.graph_resource == "https://graph.example"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[account\n", "is not valid TOML"),
        ('[account]\ncloud = "moon"\n', "[account] cloud = 'moon' must be one of: global, usgov"),
        (
            '[meeting]\nduration_minutes = "60"\n',
            "[meeting] duration_minutes must be a whole number",
        ),
        ("[meeting]\nduration_minutes = true\n", "must be a whole number, not true or false"),
        ("[meeting]\nduration_minutes = 0\n", "must be between 5 and 1440"),
        ('[meeting]\nsubject = "  "\n', "[meeting] subject = '  ' must not be empty"),
        ('[account]\ngraph_endpoint = "http://x"\n', "must be an https:// address"),
        ('[account]\nmode = "application"\n', "user_id must name the meeting organizer"),
        (
            '[account]\nmode = "application"\nuser_id = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"\n',
            "tenant must be your organisation's tenant",
        ),
        (  # graph-notes, live behaviours: /users/{userId} takes the object ID, not a UPN
            '[account]\nmode = "application"\nuser_id = "adele@contoso.example"\n',
            "'adele@contoso.example' is not an object ID",
        ),
        ("account = 3\n", "[account] must be a table"),
    ],
)
def test_invalid_values_name_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message
    assert message in caught.value.message


def test_unknown_keys_are_reported_not_fatal(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[account]\ncolour = "blue"\n[extras]\na = 1\n'))
    assert len(config.warnings) == 2
    assert "unknown setting [account] colour" in config.warnings[0]
    assert "unknown section [extras]" in config.warnings[1]


def test_invalid_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[meeting]\nsubject = "\xff"\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_ui_section(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[ui]\nclick_action = "menu"\nclipboard = "details"\n'))
    assert config.ui.click_action == "menu"
    assert config.ui.clipboard == "details"
    assert config.ui.notifications is True


@pytest.mark.posix
def test_save_keeps_comments_and_only_writes_what_matters(tmp_path: Path) -> None:
    import dataclasses
    import os
    import stat

    path = write(tmp_path, '# my notes\n[account]\nclient_id = "abc"  # from IT\n')
    config = load_config(path)
    changed = dataclasses.replace(
        config,
        meeting=dataclasses.replace(config.meeting, subject='Bridge "{date}"'),
        ui=dataclasses.replace(config.ui, notifications=False),
    )

    save_config(changed)

    text = path.read_text()
    assert "# my notes" in text
    assert 'client_id = "abc"  # from IT' in text
    assert "duration_minutes" not in text  # still the default: not written
    assert load_config(path) == dataclasses.replace(changed, warnings=())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_save_creates_a_new_file(tmp_path: Path) -> None:
    from meettray.config import Config, MeetingConfig

    path = tmp_path / "new" / "config.toml"
    save_config(Config(meeting=MeetingConfig(duration_minutes=15)), path)
    assert load_config(path).meeting.duration_minutes == 15


def test_hotkeys_section(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[hotkeys]\nmeet_now = "Meta+F9"\ncopy_last = "none"\n'))
    assert config.hotkeys.meet_now == "Meta+F9"
    assert config.hotkeys.copy_last == "none"
    assert load_config(tmp_path / "absent").hotkeys.meet_now == "Ctrl+Alt+M"
    with pytest.raises(ConfigError, match=r"\[hotkeys\] meet_now = 'Ctrl\+Alt\+Banana' is not a"):
        load_config(write(tmp_path, '[hotkeys]\nmeet_now = "Ctrl+Alt+Banana"\n'))


def test_the_tray_never_fails_on_its_settings_file(tmp_path: Path) -> None:
    from meettray.config import load_config_or_defaults

    damaged = write(tmp_path, "[account\nclient_id = ")
    config, problem = load_config_or_defaults(damaged)
    assert config.account.client_id == ""
    assert "not valid TOML" in problem
    (aside,) = tmp_path.glob("config.toml.corrupt-*")
    assert aside.read_text() == "[account\nclient_id = "  # kept, not deleted
    assert str(aside) in problem

    invalid = write(tmp_path, '[meeting]\nduration_minutes = "long"\n')
    config, problem = load_config_or_defaults(invalid)
    assert config.meeting.duration_minutes == 60
    assert "until the file is corrected" in problem
    assert invalid.exists()  # a wrong value is for the person to fix, in place

    fine = write(tmp_path, '[meeting]\nsubject = "Ok"\n')
    assert load_config_or_defaults(fine) == (load_config(fine), "")


def test_presets_are_saved_keeping_comments_and_removed_ones_go(tmp_path: Path) -> None:
    import dataclasses

    from meettray.config import builtin_presets, save_config
    from meettray.meetings import MeetingOptions

    path = tmp_path / "config.toml"
    path.write_text(
        "# my settings\n"
        "[presets.standup]  # the daily one\n"
        'label = "Standup"\n'
        "duration_minutes = 15  # short!\n"
        "[presets.old]\n"
        'label = "Old"\n'
    )
    config = load_config(path)
    standup = dataclasses.replace(
        config.preset("standup"), duration_minutes=20,
        options=MeetingOptions(meeting_chat="disabled"), hotkey="Ctrl+Alt+S",
    )  # fmt: skip
    incident = builtin_presets(config.meeting)[1]

    save_config(dataclasses.replace(config, own_presets=(standup, incident)))

    text = path.read_text()
    assert "# my settings" in text
    assert "[presets.standup]  # the daily one" in text
    assert "duration_minutes = 20  # short!" in text
    assert "[presets.old]" not in text
    saved = load_config(path)
    assert [p.name for p in saved.presets] == ["standup", "incident"]
    assert saved.preset("standup").options == MeetingOptions(meeting_chat="disabled")
    assert saved.preset("standup").hotkey == "Ctrl+Alt+S"
    assert saved.preset("standup").default  # the first one, as before
    assert saved.preset("incident") == incident

    save_config(dataclasses.replace(saved, own_presets=()))  # back to the built-in ones
    assert "presets" not in path.read_text()
    assert [p.name for p in load_config(path).presets] == ["quick", "incident", "customer"]


@pytest.mark.parametrize("nested", ["a = " + "[" * 50_000, "a = " + "{b = " * 50_000])
def test_a_pathologically_nested_file_is_a_settings_error_on_every_read(
    tmp_path: Path, nested: str
) -> None:
    """50,000 nested brackets overflowed the parser (RecursionError, uncaught)."""
    from meettray.config import Config, load_config_or_defaults

    path = tmp_path / "config.toml"
    path.write_text(nested)

    with pytest.raises(ConfigError) as read:
        load_config(path)
    assert str(path) in read.value.message
    assert "nested too deeply" in read.value.message
    with pytest.raises(ConfigError, match="nested too deeply"):
        save_config(Config(path=path), path)
    config, problem = load_config_or_defaults(path)  # the tray: defaults, the file aside
    import dataclasses

    assert dataclasses.replace(config, policy=None) == Config(path=path)  # no policy here
    assert "nested too deeply" in problem
    assert list(tmp_path.glob("config.toml.corrupt-*"))


def test_a_pathologically_nested_file_on_the_command_line(tmp_path: Path) -> None:
    from meettray.errors import ExitCode

    from .conftest import run_cli

    path = tmp_path / "config.toml"
    path.write_text("a = " + "[" * 50_000)
    for command in (["now", "--no-copy"], ["doctor"], ["autostart", "status"]):
        done = run_cli("--config", str(path), *command, env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
        assert "something unexpected" not in done.stderr, command
        assert "Traceback" not in done.stderr
    done = run_cli("--config", str(path), "now", "--no-copy", env={"DISPLAY": ""})
    assert done.returncode == ExitCode.SETTINGS
    assert f"The settings file {path} is not valid TOML" in done.stderr


def test_the_calendar_section_is_checked_and_off_by_default(tmp_path: Path) -> None:
    from meettray.config import CalendarConfig

    assert CalendarConfig() == CalendarConfig(upcoming=False, refresh_minutes=5,
                                              join="browser", remind_minutes=1)  # fmt: skip
    path = tmp_path / "config.toml"
    for bad, named in (('join = "zoom"', "[calendar] join"),
                       ("refresh_minutes = 0", "[calendar] refresh_minutes"),
                       ('upcoming = "yes"', "[calendar] upcoming")):  # fmt: skip
        path.write_text(f"[calendar]\n{bad}\n")
        with pytest.raises(ConfigError, match=re.escape(named)):
            load_config(path)
    path.write_text('[calendar]\nupcoming = true\njoin = "app"\n')
    config = load_config(path)
    assert (config.calendar.upcoming, config.calendar.join) == (True, "app")
    save_config(config, path)
    assert load_config(path).calendar == config.calendar
