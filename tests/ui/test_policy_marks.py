"""Enforced settings greyed, saying who set them."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit
from pytestqt.qtbot import QtBot

from meettray.policy import Policy, PolicySource
from meettray.ui.views.policy_marks import mark_enforced


def test_enforced_settings_are_greyed_with_who_set_them(qtbot: QtBot) -> None:
    source = PolicySource("/etc/xdg/meettray/policy.toml", (
        ("enforced", "meeting", "prepare_next_link", False),
        ("recommended", "meeting", "subject", "Contoso call"),
    ))  # fmt: skip
    prepare, subject = QCheckBox("&Prepare the next link in advance"), QLineEdit()
    qtbot.addWidget(prepare)
    qtbot.addWidget(subject)
    marked = mark_enforced({"meeting.prepare_next_link": prepare, "meeting.subject": subject},
                           Policy((source,)))  # fmt: skip
    assert marked == ["meeting.prepare_next_link"]
    assert not prepare.isEnabled()
    assert prepare.text().endswith("(set by your organisation)")
    assert "Set by your organisation (/etc/xdg/meettray/policy.toml)" in prepare.toolTip()
    assert subject.isEnabled()  # a recommendation is the person's to change
    assert mark_enforced({"meeting.subject": subject}, None) == []


def test_settings_greys_what_the_organisation_enforces(qtbot: QtBot) -> None:
    import dataclasses

    from meettray.config import Config
    from meettray.ui.views.settings_dialog import SettingsDialog

    source = PolicySource("HKEY_LOCAL_MACHINE\\Software\\Policies\\meettray",
                          (("enforced", "meeting", "prepare_next_link", False),))  # fmt: skip
    config = dataclasses.replace(Config(), policy=Policy((source,)))
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    assert not dialog.prepare_next.isEnabled()
    assert "set by your organisation" in dialog.prepare_next.text()
    assert dialog.notifications.isEnabled()
