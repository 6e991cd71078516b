"""The Settings dialog edits the one Config."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from meettray.auth import Account, CacheStatus
from meettray.config import Config
from meettray.ui.views.settings_dialog import SettingsDialog


def test_edits_become_a_config(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.cloud.setCurrentIndex(dialog.cloud.findData("usgov"))
    dialog.client_id.setText("  abc  ")
    dialog.subject.setText("Bridge {date}")
    dialog.duration.setValue(25)
    dialog.clipboard.setCurrentIndex(dialog.clipboard.findData("details"))
    dialog.click_action.setCurrentIndex(dialog.click_action.findData("menu"))
    dialog.notifications.setChecked(False)
    dialog.start_on_login.setChecked(True)

    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog.buttons.accepted.emit()
    config: Config = saved.args[0]

    assert config.account.cloud == "usgov"
    assert config.account.client_id == "abc"
    assert config.meeting.subject == "Bridge {date}"
    assert config.meeting.duration_minutes == 25
    assert config.ui.clipboard == "details"
    assert config.ui.click_action == "menu"
    assert config.ui.notifications is False
    assert config.ui.start_on_login is True


def test_empty_subject_is_refused_inline(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.subject.setText("  ")
    emitted: list[object] = []
    dialog.save_requested.connect(emitted.append)
    dialog.buttons.accepted.emit()
    assert emitted == []
    assert dialog.error.text() == "Enter a default subject."


def test_account_state_and_cache_encryption_are_shown(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    status = CacheStatus("/x", False, "Tokens are stored unencrypted (mode 0600) because …")
    dialog.show_account(Account("ana@contoso.com", "Ana", "t", "o"), status)
    assert dialog.account_label.text() == "ana@contoso.com"
    assert dialog.sign_out.isEnabled()
    assert "unencrypted" in dialog.cache_label.text()
    dialog.show_account(None, status, signing_in=True)
    assert dialog.account_label.text() == "Signing in…"
    assert not dialog.sign_in.isEnabled()


def test_hotkeys_are_edited_with_key_sequence_editors(qtbot: QtBot) -> None:
    from PySide6.QtGui import QKeySequence

    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    assert dialog.hotkey_edits["meet_now"].keySequence().toString() == "Ctrl+Alt+M"
    assert dialog.hotkey_edits["copy_last"].keySequence().isEmpty()

    dialog.hotkey_edits["meet_now"].clear()  # "none": turned off
    dialog.hotkey_edits["copy_last"].setKeySequence(QKeySequence("Ctrl+Alt+L"))
    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog.buttons.accepted.emit()
    assert saved.args[0].hotkeys.meet_now == ""
    assert saved.args[0].hotkeys.copy_last == "Ctrl+Alt+L"

    dialog.hotkey_edits["copy_last"].setKeySequence(QKeySequence("L"))  # no modifier
    emitted: list[object] = []
    dialog.save_requested.connect(emitted.append)
    dialog.buttons.accepted.emit()
    assert emitted == []
    assert "add Ctrl, Alt or Meta" in dialog.error.text()

    dialog.show_hotkeys(lambda action: f"{action} status")
    assert dialog.hotkey_status["meet_now"].text() == "meet_now status"


def test_a_hotkey_just_typed_is_not_called_off(qtbot: QtBot) -> None:
    """Was: "Off." beside a hotkey the person had just typed (the status was the saved one)."""
    from PySide6.QtGui import QKeySequence

    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.show_hotkeys(lambda action: "Off." if action == "copy_last" else "works")
    dialog.hotkey_edits["copy_last"].setKeySequence(QKeySequence("Ctrl+Alt+L"))
    assert dialog.hotkey_status["copy_last"].text() == "Ctrl+Alt+L: used once you save."
    dialog.hotkey_edits["copy_last"].clear()
    assert dialog.hotkey_status["copy_last"].text() == "Off once you save."


def test_the_gnome_shortcut_is_offered_only_when_asked(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.gnome_shortcut.isVisible()
    dialog.offer_gnome_shortcut(True)
    assert dialog.gnome_shortcut.isVisible()
    with qtbot.waitSignal(dialog.gnome_shortcut_requested):
        dialog.gnome_shortcut.click()
    dialog.gnome_shortcut_added()
    assert not dialog.gnome_shortcut.isEnabled()


def test_untouched_built_in_presets_are_not_written(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    assert dialog.presets.list.count() == 3
    assert dialog.edited().own_presets == ()  # they keep following [meeting]


def test_presets_are_edited_added_and_removed(qtbot: QtBot, tmp_path: Path) -> None:
    from meettray.config import load_config, save_config
    from meettray.meetings import MeetingOptions

    dialog = SettingsDialog(Config(path=tmp_path / "config.toml"))
    qtbot.addWidget(dialog)
    editor = dialog.presets
    editor.list.setCurrentRow(1)  # Incident bridge
    chat = editor.options.boxes["meeting_chat"]
    chat.setCurrentIndex(chat.findData("disabled"))
    editor.hotkey.setKeySequence(QKeySequence("Ctrl+Alt+I"))
    editor.list.setCurrentRow(2)  # Customer call: goes
    editor.remove.click()
    editor.add.click()
    editor.label.setText("War room")
    editor.duration.setValue(240)
    editor.default.setChecked(True)
    camera = editor.options.boxes["attendee_camera"]
    camera.setCurrentIndex(camera.findData(False))

    edited = dialog.edited()

    assert [p.name for p in edited.own_presets] == ["quick", "incident", "war-room"]
    incident, room = edited.own_presets[1], edited.own_presets[2]
    assert incident.options.meeting_chat == "disabled"
    assert incident.options.record_automatically is True  # the rest as it was
    assert incident.hotkey == "Ctrl+Alt+I"
    assert (room.label, room.subject, room.duration_minutes) == ("War room", "War room", 240)
    assert room.options == MeetingOptions(attendee_camera=False)
    assert [p.default for p in edited.own_presets] == [False, False, True]  # one default
    save_config(edited)
    assert load_config(edited.path).preset().label == "War room"


def _saved(dialog: SettingsDialog, qtbot: QtBot) -> Config:
    """Save the dialog as Save does, to its file, and read the file back."""
    from meettray.config import load_config, save_config

    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog.save_button.click()
    path = save_config(saved.args[0])
    return load_config(path)


def _click_subject(config: Config) -> str:
    """The subject a click (Meet now with no preset named) gives its meeting."""
    from datetime import datetime, timezone

    return config.preset().request(datetime(2026, 12, 7, 9, tzinfo=timezone.utc)).subject


def test_generals_default_subject_is_what_a_click_uses_before_and_after_presets_are_saved(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from meettray.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[meeting]\nsubject = "Standup"\nduration_minutes = 15\n')
    dialog = SettingsDialog(load_config(path))
    qtbot.addWidget(dialog)
    assert dialog.subject.text() == "Standup"
    dialog.subject.setText("Sync")
    dialog.subject.textEdited.emit("Sync")  # as typing does
    config = _saved(dialog, qtbot)
    assert _click_subject(config) == "Sync"
    assert config.own_presets == ()  # still the built-in presets, following [meeting]

    # The Presets tab saved once: the presets are the file's own from now on.
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.presets.list.setCurrentRow(1)
    dialog.presets.hotkey.set_text("Ctrl+Alt+I")
    config = _saved(dialog, qtbot)
    assert config.own_presets
    assert _click_subject(config) == "Sync"

    # General edits the default preset's subject and length, which a click uses.
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    assert (dialog.subject.text(), dialog.duration.value()) == ("Sync", 15)
    dialog.subject.setText("Weekly")
    dialog.subject.textEdited.emit("Weekly")
    dialog.duration.setValue(45)
    config = _saved(dialog, qtbot)
    assert _click_subject(config) == "Weekly"
    assert config.preset().duration_minutes == 45
    assert "subject" not in path.read_text().split("[presets")[0]  # one place in the file

    # And the Presets tab edits the same value: General shows it at once.
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.presets.list.setCurrentRow(0)
    dialog.presets.subject.setText("Daily")
    assert dialog.subject.text() == "Daily"
    assert _click_subject(_saved(dialog, qtbot)) == "Daily"


def test_an_older_files_meeting_subject_is_read_into_its_default_preset(tmp_path: Path) -> None:
    from meettray.config import load_config, save_config

    path = tmp_path / "config.toml"
    path.write_text(
        '[meeting]\nsubject = "Standup"\n\n[presets.room]\nlabel = "Room"\n\n'
        '[presets.bridge]\nlabel = "Bridge"\nsubject = "Bridge"\n'
    )
    config = load_config(path)
    assert _click_subject(config) == "Standup"
    assert config.meeting.subject == "Standup"
    assert config.preset("bridge").subject == "Bridge"
    save_config(config)
    text = path.read_text()
    assert text.count("Standup") == 1  # in the default preset, no longer in [meeting]
    assert "[presets.room]" in text.split("Standup")[0]
    assert _click_subject(load_config(path)) == "Standup"


def test_a_hotkeys_status_in_the_desktops_words_is_shown_as_text(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    dialog = SettingsDialog(Config())
    qtbot.addWidget(dialog)
    said = 'Bound by the desktop, which shows it as <a href="file:///etc">Ctrl+Alt+M</a>.'
    dialog.show_hotkeys(lambda _action: said)
    status = dialog.hotkey_status["meet_now"]
    assert status.textFormat() == Qt.TextFormat.PlainText
    assert status.text() == said


def test_upcoming_meetings_links_and_the_update_check_are_switched_here(qtbot: QtBot) -> None:
    """Issues 30 and 32: settings a person turns on without editing the file."""
    config = Config()
    dialog = SettingsDialog(config)
    qtbot.addWidget(dialog)
    assert not dialog.upcoming.isChecked()  # off until the person turns it on (consent)
    assert dialog.link_meetings.isChecked()  # on by default
    assert not dialog.check_updates.isChecked()  # opt-in
    dialog.upcoming.setChecked(True)
    dialog.link_meetings.setChecked(False)
    dialog.check_updates.setChecked(True)

    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog.buttons.accepted.emit()
    edited: Config = saved.args[0]

    assert edited.calendar.upcoming is True
    assert edited.ui.allow_link_meetings is False
    assert edited.ui.check_for_updates is True
