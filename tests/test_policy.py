"""Settings an organisation sets: enforced over the person's file, recommended under it;
a bad policy reported and ignored; the CLI and saving refuse to override; doctor names it."""

from __future__ import annotations

import dataclasses
import plistlib
from pathlib import Path

import pytest

from meettray.config import load_config, load_config_or_defaults, save_config
from meettray.errors import ConfigError, ExitCode
from meettray.policy import POLICY_KEY, MacPolicy, WindowsPolicy, XdgPolicy, read_policy

from .conftest import run_cli

POLICY = """
[enforced.meeting]
prepare_next_link = false

[recommended.meeting]
subject = "Contoso call"
duration_minutes = 30

[recommended.presets.standup]
label = "Daily stand-up"
subject = "Stand-up {date}"
duration_minutes = 15
lobby = "organization"
"""


@pytest.fixture
def policy_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    first, second = tmp_path / "etc-a", tmp_path / "etc-b"
    for folder in (first, second):
        (folder / "meettray").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{first}:{second}")
    return first / "meettray" / "policy.toml", second / "meettray" / "policy.toml"


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[meeting]\nprepare_next_link = true\nsubject = "My own"\n')
    return path


def test_enforced_beats_the_person_who_beats_recommended(
    policy_dirs: tuple[Path, Path], settings: Path
) -> None:
    policy_dirs[0].write_text(POLICY)
    config = load_config(settings)
    assert config.meeting.prepare_next_link is False  # enforced: the person's true loses
    assert config.meeting.subject == "My own"  # the person's, over the recommendation
    # One source of truth: Meet now's length is the default preset's, here the
    # organisation's stand-up (its presets replace the built-in ones).
    assert config.meeting.duration_minutes == 15
    assert config.preset().subject == "My own"  # what a click uses, the person's
    (standup,) = [p for p in config.presets if p.name == "standup"]
    assert (standup.label, standup.duration_minutes, standup.lobby) == (
        "Daily stand-up", 15, "organization")  # fmt: skip
    settings.unlink()
    # No file of the person's: the organisation's default preset names its own subject.
    assert load_config(settings).meeting.subject == "Stand-up {date}"


def test_the_first_folder_wins_and_each_is_listed(
    policy_dirs: tuple[Path, Path], settings: Path
) -> None:
    policy_dirs[0].write_text("[enforced.ui]\nclipboard = 'details'\n")
    policy_dirs[1].write_text("[enforced.ui]\nclipboard = 'link'\nnotifications = false\n")
    config = load_config(settings)
    assert (config.ui.clipboard, config.ui.notifications) == ("details", False)
    assert config.policy is not None
    assert [s.name for s in config.policy.sources] == [str(p) for p in policy_dirs]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[enforced.meeting\n", "not valid TOML"),
        ("[enforced.meeting]\nduration_minutes = 'long'\n", "duration_minutes must be"),
        ("[enforced.meeting]\nnot_a_setting = 1\n", "unknown setting"),
        ("[mandatory.meeting]\nsubject = 'x'\n", "neither [enforced] nor [recommended]"),
        ("[enforced.presets.BAD]\nsubject = 'x'\n", "preset's name"),
    ],
)
def test_a_bad_policy_is_reported_and_ignored(
    policy_dirs: tuple[Path, Path], settings: Path, text: str, problem: str
) -> None:
    policy_dirs[0].write_text(text)
    policy_dirs[1].write_text("[enforced.ui]\nnotifications = false\n")
    config = load_config(settings)
    assert config.policy is not None
    bad, good = config.policy.sources
    assert problem in bad.problem
    assert not good.problem
    assert config.ui.notifications is False  # the other source still counts
    assert config.meeting.subject == "My own"


def test_saving_never_overrides_and_never_copies_the_policy(
    policy_dirs: tuple[Path, Path], settings: Path
) -> None:
    policy_dirs[0].write_text(POLICY)
    config = load_config(settings)
    spares_on = dataclasses.replace(
        config, meeting=dataclasses.replace(config.meeting, prepare_next_link=True)
    )
    with pytest.raises(ConfigError, match="set by your organisation"):
        save_config(spares_on, settings)
    notifications_off = dataclasses.replace(
        config, ui=dataclasses.replace(config.ui, notifications=False)
    )
    save_config(notifications_off, settings)
    saved = settings.read_text()
    assert "notifications = false" in saved
    assert "prepare_next_link = true" in saved  # the person's own, left as they wrote it
    assert "Contoso call" not in saved
    assert "duration_minutes" not in saved
    assert "standup" not in saved


def test_a_broken_settings_file_keeps_what_is_enforced(
    policy_dirs: tuple[Path, Path], settings: Path
) -> None:
    policy_dirs[0].write_text(POLICY)
    settings.write_text("[meeting]\nduration_minutes = 'x'\n")
    config, problem = load_config_or_defaults(settings)
    assert problem
    assert config.meeting.prepare_next_link is False


def test_the_done_when(policy_dirs: tuple[Path, Path], config_file: Path) -> None:
    """XDG_CONFIG_DIRS pointing at a policy that enforces no spares and recommends a
    preset: the person's file cannot turn spares on, the preset appears, doctor names it."""
    policy_dirs[0].write_text(POLICY)
    text = config_file.read_text().replace("prepare_next_link = false", "prepare_next_link = true")
    config_file.write_text(text)
    config = load_config(config_file)
    assert config.meeting.prepare_next_link is False
    assert "standup" in [p.name for p in config.presets]
    doctor = run_cli("doctor", "--config", str(config_file))
    assert f"✓ Policy: {policy_dirs[0]}: enforces [meeting] prepare_next_link = False" in (
        doctor.stdout
    )
    assert "recommends [presets.standup] subject = 'Stand-up {date}'" in doctor.stdout


def test_the_cli_refuses_to_override_an_enforced_value(
    policy_dirs: tuple[Path, Path], user_dirs: Path
) -> None:
    policy_dirs[0].write_text("[enforced.ui]\nstart_on_login = false\n")
    done = run_cli("autostart", "on")
    assert done.returncode == ExitCode.SETTINGS
    assert "[ui] start_on_login is set by your organisation to False" in done.stderr
    assert not (user_dirs / "config" / "autostart" / "meettray.desktop").exists()


class FakePolicyRegistry:
    def __init__(self, keys: dict[str, dict[str, object]]) -> None:
        self.keys = keys

    def subkeys(self, key: str) -> list[str]:
        prefix = key + "\\"
        return sorted({k[len(prefix) :].split("\\")[0] for k in self.keys if k.startswith(prefix)})

    def values(self, key: str) -> dict[str, object]:
        return dict(self.keys.get(key, {}))


def test_windows_policy_from_hklm() -> None:
    registry = FakePolicyRegistry({
        rf"{POLICY_KEY}\enforced\meeting": {"prepare_next_link": 0},
        rf"{POLICY_KEY}\enforced\account": {"client_id": "11111111-2222-3333-4444-555555555555",
                                            "tenant": "contoso.example"},
        rf"{POLICY_KEY}\recommended\presets\standup": {"subject": "Stand-up", "default": 1,
                                                       "allow_recording": 0},
    })  # fmt: skip
    policy = read_policy(WindowsPolicy(registry))
    (source,) = policy.sources
    assert not source.problem, source.problem
    assert policy.enforcer("meeting", "prepare_next_link") == (False, source.name)
    assert policy.enforcer("account", "tenant") == ("contoso.example", source.name)
    assert policy.tables("recommended")["presets.standup"] == {
        "subject": "Stand-up", "default": True, "allow_recording": False}  # fmt: skip
    bad = read_policy(WindowsPolicy(FakePolicyRegistry({
        rf"{POLICY_KEY}\enforced\meeting": {"duration_minutes": "sixty"}})))  # fmt: skip
    assert "duration_minutes" in bad.sources[0].problem
    assert read_policy(WindowsPolicy(FakePolicyRegistry({}))).sources == ()


def test_macos_managed_preferences(tmp_path: Path) -> None:
    (tmp_path / "adele").mkdir()
    (tmp_path / "io.github.meettray.plist").write_bytes(plistlib.dumps(
        {"enforced": {"meeting": {"prepare_next_link": False}}, "PayloadUUID": "x"}))  # fmt: skip
    (tmp_path / "adele" / "io.github.meettray.plist").write_bytes(b"not a plist")
    policy = read_policy(MacPolicy(tmp_path, user="adele"))
    damaged, computer = policy.sources
    assert "cannot be read" in damaged.problem
    assert policy.enforcer("meeting", "prepare_next_link") == (False, computer.name)


def test_no_policy_anywhere_is_no_policy(tmp_path: Path) -> None:
    assert read_policy(XdgPolicy([tmp_path])).sources == ()


def test_policy_can_turn_the_update_check_off(
    policy_dirs: tuple[Path, Path], settings: Path
) -> None:
    settings.write_text("[ui]\ncheck_for_updates = true\n")
    assert load_config(settings).ui.check_for_updates is True
    policy_dirs[0].write_text("[enforced.ui]\ncheck_for_updates = false\n")
    assert load_config(settings).ui.check_for_updates is False
