"""Settings → Accounts: the profiles with their people, signing one in or out, the default,
and a new profile added (checked as the settings file checks it), then saved."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from meettray.config import Config, load_config, save_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import SetDefaultAccount, SignIn
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.app import TrayApp
from meettray.ui.views.settings_dialog import SettingsDialog

from .accounts import FABRIKAM_PERSON, quick_preset, two_profiles
from .conftest import apply_settings, sign_in


def cells(dialog: SettingsDialog) -> list[list[str]]:
    table = dialog.accounts.table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]  # type: ignore[union-attr]
        for row in range(table.rowCount())
    ]


def fill(dialog: SettingsDialog, *, name: str, label: str = "", tenant: str = "",
         client_id: str = "", mode: str = "delegated", user: str = "") -> None:  # fmt: skip
    tab = dialog.accounts
    tab.new_name.setText(name)
    tab.new_label.setText(label)
    tab.new_tenant.setText(tenant)
    tab.new_client_id.setText(client_id)
    tab.new_mode.setCurrentIndex(tab.new_mode.findData(mode))
    tab.new_user.setText(user)
    tab.add.click()


def test_a_new_account_is_checked_added_and_saved(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[account]\nlabel = "Contoso"\n')
    dialog = SettingsDialog(load_config(path))
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(2)  # Accounts
    assert cells(dialog) == [["Contoso", "main", "Not signed in", "organizations"]]

    # What the settings file would refuse is refused here, saying why.
    fill(dialog, name="Fabrikam Ltd")
    assert "[accounts.Fabrikam Ltd]" in dialog.accounts.error.text()
    fill(dialog, name="main")
    assert "already" in dialog.accounts.error.text()
    fill(dialog, name="fabrikam", tenant="fabrikam.example", mode="application")
    assert "user_id" in dialog.accounts.error.text()  # application mode needs its organizer
    fill(dialog, name="fabrikam", tenant="fabrikam.example", mode="application", user="alex")
    assert "is not an object ID" in dialog.accounts.error.text()
    assert dialog.accounts.added == []

    fill(dialog, name="fabrikam", label="Fabrikam", tenant="fabrikam.example",
         client_id="22222222-3333-4444-5555-666666666666")  # fmt: skip
    assert dialog.accounts.error.text() == ""
    assert cells(dialog)[1] == ["Fabrikam", "fabrikam", "Added once you save",
                                "fabrikam.example"]  # fmt: skip
    fill(dialog, name="fabrikam")  # the same name twice is refused
    assert "already" in dialog.accounts.error.text()

    # Meet now's account is chosen here too, and both are saved with the rest.
    dialog.accounts.default.setCurrentIndex(dialog.accounts.default.findData("fabrikam"))
    save_config(dialog.edited(), path)
    saved = load_config(path)
    assert saved.account_names() == ("main", "fabrikam")
    assert saved.ui.default_account == "fabrikam"
    fabrikam = saved.account_config("fabrikam")
    assert (fabrikam.label, fabrikam.tenant, fabrikam.client_id) == (
        "Fabrikam", "fabrikam.example", "22222222-3333-4444-5555-666666666666",
    )  # fmt: skip
    assert saved.account.label == "Contoso"  # the main profile as it was


def test_the_tab_signs_each_profile_in_and_out(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    model = make_model()
    model.start()
    sign_in(model, qtbot)
    # A profile added to the settings joins at once: listed, and not signed in.
    apply_settings(model, qtbot, two_profiles(config, fake))
    qtbot.waitUntil(lambda: "fabrikam" in model.accounts.people, timeout=15_000)
    app = TrayApp(model)
    app.show_settings()
    dialog = app.settings_dialog
    assert dialog is not None
    assert [row[:3] for row in cells(dialog)] == [
        ["Contoso", "main", "adele@contoso.example"],
        ["Fabrikam", "fabrikam", "Not signed in"],
    ]
    tab = dialog.accounts
    tab.table.selectRow(1)
    assert tab.sign_in.isEnabled()
    assert not tab.sign_out.isEnabled()
    tab.sign_in.click()
    qtbot.waitUntil(lambda: cells(dialog)[1][2] == FABRIKAM_PERSON, timeout=20_000)
    assert cells(dialog)[1][3] == fake.tenant("fabrikam").tenant_id
    tab.table.selectRow(0)
    tab.sign_out.click()
    qtbot.waitUntil(lambda: cells(dialog)[0][2] == "Not signed in", timeout=10_000)
    assert model.state.accounts[1].signed_in  # Fabrikam stays
    dialog.close()
    app.close()
    QApplication.processEvents()


def test_an_account_removed_from_the_settings_is_dropped(
    two_accounts: AppModel, config: Config, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    model = two_accounts
    removed = dataclasses.replace(model.config, accounts=(), own_presets=(quick_preset(),))
    apply_settings(model, qtbot, removed)
    assert [a.name for a in model.state.accounts] == ["main"]
    assert "fabrikam" not in model.accounts.people
    assert model.state.account is not None  # main kept its person
    job = model.dispatch(SignIn(account="fabrikam"))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert job.error is not None
    assert "'fabrikam'" in job.error.message


def test_general_shows_and_signs_in_the_main_account_whichever_is_the_default(
    two_accounts: AppModel, qtbot: QtBot
) -> None:
    model = two_accounts
    job = model.dispatch(SetDefaultAccount("fabrikam"))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    app = TrayApp(model)
    app.show_settings()
    dialog = app.settings_dialog
    assert dialog is not None
    assert dialog.account_label.text() == "adele@contoso.example"  # [account], "main"
    assert dialog.accounts.default.currentData() == "fabrikam"
    dialog.sign_out.click()  # General's Sign out: the main account's, not the default's
    qtbot.waitUntil(lambda: dialog.account_label.text() == "Not signed in", timeout=10_000)
    assert [a.signed_in for a in model.state.accounts] == [False, True]
    dialog.close()
    app.close()
