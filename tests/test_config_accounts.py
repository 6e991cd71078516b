"""Several accounts in the settings file: ``[account]`` is "main", ``[accounts.NAME]`` adds
profiles, ``[ui] default_account`` picks whose meeting a plain Meet now makes, and views
(``Config.for_account``) that save the same file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from meettray.config import MAIN_ACCOUNT, AccountConfig, load_config, save_config
from meettray.errors import ConfigError, ExitCode, UnknownAccount

TWO = """\
# my accounts
[account]
client_id = "11111111-1111-1111-1111-111111111111"
tenant = "contoso.example"  # our own

[accounts.fabrikam]  # the customer
label = "Fabrikam"
client_id = "22222222-2222-2222-2222-222222222222"
tenant = "fabrikam.example"

[accounts.ops]
mode = "application"
tenant = "33333333-3333-3333-3333-333333333333"
user_id = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"

[ui]
default_account = "fabrikam"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profiles_in_the_files_order_main_first(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO))
    assert config.profile == MAIN_ACCOUNT
    assert config.account.tenant == "contoso.example"
    assert [name for name, _a in config.accounts] == ["fabrikam", "ops"]
    assert config.account_names() == ("main", "fabrikam", "ops")
    assert config.account_config("fabrikam").tenant == "fabrikam.example"
    assert config.account_config(None).tenant == "fabrikam.example"  # the default
    assert config.account_config("ops").mode == "application"
    assert config.label_of("fabrikam") == "Fabrikam"
    assert config.label_of("ops") == "ops"
    assert config.warnings == ()


def test_a_view_is_lossless_and_the_same_on_every_view(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO))
    view = config.for_account("fabrikam")
    assert view.profile == "fabrikam"
    assert view.account.label == "Fabrikam"
    assert view.account.authority_url == "https://login.microsoftonline.com/fabrikam.example"
    assert dict(view.accounts)["main"] == config.account
    assert view.account_names() == config.account_names()
    assert view.for_account("ops").account_names() == config.account_names()
    assert view.for_account("main") == config.for_account("main")
    assert view.for_account("main").account == config.account
    assert config.for_account(None).profile == "fabrikam"
    assert config.for_account("main") is config
    assert view.meeting == config.meeting
    assert view.presets == config.presets


def test_saving_a_view_writes_the_same_file_keeping_comments(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    config = load_config(path)
    view = config.for_account("fabrikam")
    save_config(view)
    assert path.read_text() == TWO  # nothing changed: nothing rewritten
    renamed = dataclasses.replace(view, account=dataclasses.replace(view.account, label="F"))
    save_config(renamed)
    text = path.read_text()
    assert "[accounts.fabrikam]  # the customer" in text
    assert 'tenant = "contoso.example"  # our own' in text
    assert 'label = "F"' in text
    again = load_config(path)
    assert again.label_of("fabrikam") == "F"
    assert again.account_names() == ("main", "fabrikam", "ops")
    assert again.account == config.account


def test_adding_and_removing_a_profile_is_saved(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    config = load_config(path)
    added = dataclasses.replace(
        config,
        accounts=(*config.accounts[1:], ("lab", AccountConfig(tenant="lab.example"))),
        ui=dataclasses.replace(config.ui, default_account="lab"),
    )
    save_config(added)
    text = path.read_text()
    assert "fabrikam" not in text
    assert "[accounts.lab]" in text
    saved = load_config(path)
    assert saved.account_names() == ("main", "ops", "lab")
    assert saved.for_account(None).profile == "lab"
    save_config(dataclasses.replace(saved, accounts=(), ui=dataclasses.replace(saved.ui,
                                    default_account="main")))  # fmt: skip
    assert "[accounts" not in path.read_text()


def test_a_profile_with_every_default_is_still_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_config(load_config(path).__class__(path=path, accounts=(("spare", AccountConfig()),)))
    assert load_config(path).account_names() == ("main", "spare")


def test_an_unknown_name_lists_the_names_there_are(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    config = load_config(path)
    for call in (config.account_config, config.for_account, config.label_of):
        with pytest.raises(UnknownAccount) as raised:
            call("globex")
        assert raised.value.message == (
            f"There is no account 'globex' in {path}; the accounts are: main, fabrikam, ops."
        )
        assert isinstance(raised.value, ConfigError)
        assert raised.value.exit_code == ExitCode.SETTINGS


def test_a_default_account_naming_no_profile_is_a_warning_and_main(tmp_path: Path) -> None:
    path = write(tmp_path, '[ui]\ndefault_account = "gone"\n')
    config = load_config(path)
    assert config.for_account(None).profile == "main"
    assert config.ui.default_account == "main"
    assert config.warnings == (
        f"{path}: [ui] default_account = 'gone' names no account (the accounts are: main); "
        "'main' is used",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[accounts.Main]\n", "[accounts.Main]: an account's name is lower-case letters"),
        ("[accounts.main]\n", "not 'main' ([account] is)"),
        ("accounts = 3\n", "accounts must be tables, as in [accounts.fabrikam]."),
        ("[accounts]\nx = 3\n", "[accounts.x] must be a table of settings."),
        ('[accounts.x]\nmode = "sometimes"\n',
         "[accounts.x] mode = 'sometimes' must be one of: delegated, application."),
        ('[accounts.x]\nmode = "application"\ntenant = "t.example"\n',
         "[accounts.x] user_id must name the meeting organizer"),
        ('[ui]\ndefault_account = "Not A Name"\n',
         "[ui] default_account = 'Not A Name' is not an account's name"),
    ],
)  # fmt: skip
def test_bad_profiles_name_the_file_and_the_table(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.message.startswith(f"{path}: ")
    assert message in raised.value.message


def test_an_unknown_key_in_a_profile_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, '[accounts.x]\ncolour = "red"\n')
    assert load_config(path).warnings == (f"{path}: unknown setting [accounts.x] colour ignored",)


def test_label_is_valid_in_account_too(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[account]\nlabel = "Contoso"\n'))
    assert config.label_of("main") == "Contoso"


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The organisation's ``policy.toml`` (XDG), for the test to write."""
    folder = tmp_path / "etc" / "meettray"
    folder.mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc"))
    return folder / "policy.toml"


def test_a_policy_enforces_a_profiles_key_and_saving_keeps_out_of_it(
    tmp_path: Path, policy: Path
) -> None:
    policy.write_text(
        '[enforced.accounts.fabrikam]\nauthority = "https://login.microsoftonline.com/fab"\n'
        '[recommended.accounts.lab]\ntenant = "lab.example"\n'
    )
    path = write(tmp_path, TWO)
    config = load_config(path)
    assert config.account_names() == ("main", "lab", "fabrikam", "ops")  # the recommended first
    fabrikam = config.account_config("fabrikam")
    assert fabrikam.authority_url == "https://login.microsoftonline.com/fab"
    moved = dataclasses.replace(fabrikam, authority="https://login.microsoftonline.com/other")
    with pytest.raises(ConfigError, match=r"\[accounts.fabrikam\] authority is set by your"):
        save_config(dataclasses.replace(config.for_account("fabrikam"), account=moved))
    save_config(config.for_account("lab"))
    text = path.read_text()
    assert "[accounts.lab]" not in text  # the organisation's
    assert "lab.example" not in text
    assert "microsoftonline.com/fab" not in text
    assert load_config(path).account_names() == ("main", "lab", "fabrikam", "ops")


def test_a_policy_may_name_the_persons_accounts(tmp_path: Path, policy: Path) -> None:
    """A policy's tables are checked on their own: a default account or a preset's account
    that only the person's file defines is no reason to ignore the policy."""
    policy.write_text(
        '[recommended.ui]\ndefault_account = "fabrikam"\n'
        '[enforced.presets.customer]\nsubject = "Customer call"\naccount = "fabrikam"\n'
    )
    config = load_config(write(tmp_path, TWO.replace('default_account = "fabrikam"', "")))
    assert all(not source.problem for source in config.policy.sources)  # type: ignore[union-attr]
    assert config.for_account(None).profile == "fabrikam"
    assert config.preset("customer").account == "fabrikam"
    with pytest.raises(UnknownAccount, match=r"\(\[presets.customer\]\)"):
        load_config(write(tmp_path, ""))  # a file without that account: the preset says so
