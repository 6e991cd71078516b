"""Settings…: account, Meet now defaults and behaviour, saved to the same TOML the CLI reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from meettray.accounts import Account, CacheStatus
from meettray.config import CLOUDS, Config, Preset
from meettray.errors import ConfigError
from meettray.hotkeys.keys import Hotkey
from meettray.ui.views.icons import icon
from meettray.ui.views.presets_editor import PresetsEditor
from meettray.ui.views.text import plain_label

CLOUD_LABELS = {
    "global": "Global (commercial, GCC)",
    "usgov": "US Government (GCC High)",
    "usgov-dod": "US Government (DoD)",
}


class SettingsDialog(QDialog):
    """Edits a :class:`Config`; emits ``save_requested`` with the new one."""

    save_requested = Signal(Config)
    sign_in_requested = Signal(bool)  # device code
    sign_out_requested = Signal()
    gnome_shortcut_requested = Signal()

    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — meettray")
        self.setWindowIcon(icon())
        self.config = config
        layout = QVBoxLayout(self)
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(self._account_group(config))
        general_layout.addWidget(self._meeting_group(config))
        general_layout.addWidget(self._behaviour_group(config))
        general_layout.addWidget(self._hotkeys_group(config))
        self.presets = PresetsEditor(config.presets)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "&General")
        self.tabs.addTab(self.presets, "P&resets")
        layout.addWidget(self.tabs)
        self.error = plain_label()
        self.error.setStyleSheet("color: #C4314B;")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        from meettray.ui.views.policy_marks import mark_enforced  # what IT set: greyed

        mark_enforced({"account.cloud": self.cloud, "account.client_id": self.client_id,
                       "account.tenant": self.tenant, "meeting.subject": self.subject,
                       "meeting.duration_minutes": self.duration,
                       "meeting.prepare_next_link": self.prepare_next,
                       "ui.clipboard": self.clipboard, "ui.click_action": self.click_action,
                       "ui.notifications": self.notifications,
                       "ui.start_on_login": self.start_on_login}, config.policy)  # fmt: skip

    def _account_group(self, config: Config) -> QGroupBox:
        group = QGroupBox("Account")
        form = QFormLayout(group)
        account = config.account
        self.cloud = QComboBox()
        for name in CLOUDS:
            self.cloud.addItem(CLOUD_LABELS[name], name)
        self.cloud.setCurrentIndex(list(CLOUDS).index(account.cloud))
        self.client_id = QLineEdit(account.client_id)
        self.client_id.setPlaceholderText("Application (client) ID from Microsoft Entra ID")
        self.tenant = QLineEdit(account.tenant)
        self.account_label = plain_label(wrap=False)  # names come from the sign-in
        self.cache_label = plain_label()
        self.sign_in = QPushButton("Sign &in…")
        self.sign_in_code = QPushButton("Sign in with a &code…")
        self.sign_out = QPushButton("Sign &out")
        self.sign_in.clicked.connect(lambda: self.sign_in_requested.emit(False))
        self.sign_in_code.clicked.connect(lambda: self.sign_in_requested.emit(True))
        self.sign_out.clicked.connect(self.sign_out_requested.emit)
        row = QHBoxLayout()
        for button in (self.sign_in, self.sign_in_code, self.sign_out):
            row.addWidget(button)
        row.addStretch(1)
        form.addRow("&Cloud:", self.cloud)
        form.addRow("Client &ID:", self.client_id)
        form.addRow("&Tenant:", self.tenant)
        form.addRow("Signed in:", self.account_label)
        form.addRow("", row)
        form.addRow("Tokens:", self.cache_label)
        if account.mode == "application":
            note = QLabel("Application mode: meetings are created for " + account.user_id)
            form.addRow("", note)
        return group

    def _meeting_group(self, config: Config) -> QGroupBox:
        group = QGroupBox("Meet now")
        form = QFormLayout(group)
        self.subject = QLineEdit(config.meeting.subject)
        self.subject.setToolTip("{date} and {time} are replaced by today's date and the time")
        self.duration = QSpinBox()
        self.duration.setRange(5, 24 * 60)
        self.duration.setSuffix(" minutes")
        self.duration.setValue(config.meeting.duration_minutes)
        form.addRow("Default &subject:", self.subject)
        form.addRow("", QLabel("Use {date} and {time} for today's date and the time."))
        form.addRow("&Duration:", self.duration)
        self.prepare_next = QCheckBox("&Prepare the next link in advance")
        self.prepare_next.setChecked(config.meeting.prepare_next_link)
        self.prepare_next.setToolTip(
            "One meeting is kept ready in your Teams account (on no calendar), so that "
            "Meet now copies its link at once, even offline; its subject and times follow."
        )
        form.addRow("", self.prepare_next)
        return group

    def _behaviour_group(self, config: Config) -> QGroupBox:
        group = QGroupBox("Behaviour")
        form = QFormLayout(group)
        self.clipboard = QComboBox()
        self.clipboard.addItem("The link only", "link")
        self.clipboard.addItem("The link, meeting ID, passcode and dial-in", "details")
        self.clipboard.setCurrentIndex(0 if config.ui.clipboard == "link" else 1)
        self.teams_words = QCheckBox("Details in Teams' own &words, in my language")
        self.teams_words.setChecked(config.ui.details_text == "teams")
        self.teams_words.setToolTip(
            "Microsoft's invitation text for the meeting, as Teams writes it; meettray's own "
            "lines where Microsoft Graph sends none."
        )
        self.click_action = QComboBox()
        self.click_action.addItem("Creates a meeting and copies its link", "meet_now")
        self.click_action.addItem("Opens the menu", "menu")
        self.click_action.setCurrentIndex(0 if config.ui.click_action == "meet_now" else 1)
        self.notifications = QCheckBox("Show &notifications")
        self.notifications.setChecked(config.ui.notifications)
        self.start_on_login = QCheckBox("Start meettray when I &log in")
        self.start_on_login.setChecked(config.ui.start_on_login)
        form.addRow("&Copy:", self.clipboard)
        form.addRow("", self.teams_words)
        form.addRow("Clicking the &icon:", self.click_action)
        form.addRow("", self.notifications)
        form.addRow("", self.start_on_login)
        return group

    def _hotkeys_group(self, config: Config) -> QGroupBox:
        group = QGroupBox("Global hotkeys")
        form = QFormLayout(group)
        self.hotkey_edits: dict[str, QKeySequenceEdit] = {}
        self.hotkey_status: dict[str, QLabel] = {}
        for action, label in (("meet_now", "&Meet now:"), ("copy_last", "Copy &last link:")):
            edit = QKeySequenceEdit(
                QKeySequence.fromString(
                    getattr(config.hotkeys, action), QKeySequence.SequenceFormat.PortableText
                )
            )
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            status = QLabel()
            status.setWordWrap(True)
            self.hotkey_edits[action] = edit
            self.hotkey_status[action] = status
            edit.keySequenceChanged.connect(lambda _keys, a=action: self._hotkey_typed(a))
            form.addRow(label, edit)
            form.addRow("", status)
        form.addRow("", QLabel("Clear a field to turn that hotkey off."))
        #: GNOME without a shortcuts portal: shown by offer_gnome_shortcut().
        self.gnome_shortcut = QPushButton("Add a GNOME keyboard shortcut for 'meettray now'")
        self.gnome_shortcut.setToolTip(
            "GNOME runs 'meettray now' when you press the Meet now hotkey: it asks this "
            "meettray to make the meeting. It is listed under Settings → Keyboard → "
            "Custom Shortcuts."
        )
        self.gnome_shortcut.clicked.connect(self.gnome_shortcut_requested.emit)
        self.gnome_shortcut.hide()
        form.addRow("", self.gnome_shortcut)
        return group

    def offer_gnome_shortcut(self, offer: bool) -> None:
        self.gnome_shortcut.setVisible(offer)

    def gnome_shortcut_added(self) -> None:
        self.gnome_shortcut.setText("Added to GNOME's keyboard shortcuts")
        self.gnome_shortcut.setEnabled(False)

    def show_hotkeys(self, describe: Callable[[str], str]) -> None:
        """Show whether each hotkey works (or why not)."""
        for action, label in self.hotkey_status.items():
            label.setText(describe(action))

    def _hotkey_typed(self, action: str) -> None:
        """What the status says is the saved hotkey's: a new one is not in use yet."""
        typed = self._hotkey_text(action)
        self.hotkey_status[action].setText(
            f"{typed}: used once you save." if typed else "Off once you save."
        )

    def _hotkey_text(self, action: str) -> str:
        sequence = self.hotkey_edits[action].keySequence()
        return sequence.toString(QKeySequence.SequenceFormat.PortableText)

    def show_account(
        self, account: Account | None, cache: CacheStatus | None, *, signing_in: bool = False
    ) -> None:
        """Reflect the sign-in state (called whenever it changes)."""
        self.account_label.setText(
            "Signing in…" if signing_in else account.username if account else "Not signed in"
        )
        delegated = self.config.account.mode == "delegated"
        self.sign_in.setEnabled(delegated and not signing_in)
        self.sign_in_code.setEnabled(delegated and not signing_in)
        self.sign_out.setEnabled(delegated and account is not None and not signing_in)
        self.cache_label.setText(cache.explanation if cache else "")

    def edited(self) -> Config:
        """The configuration as the form shows it."""
        c = self.config
        return dataclasses.replace(
            c,
            account=dataclasses.replace(
                c.account,
                cloud=self.cloud.currentData(),
                client_id=self.client_id.text().strip(),
                tenant=self.tenant.text().strip() or "organizations",
            ),
            meeting=dataclasses.replace(
                c.meeting,
                subject=self.subject.text(),
                duration_minutes=self.duration.value(),
                prepare_next_link=self.prepare_next.isChecked(),
            ),
            ui=dataclasses.replace(
                c.ui,
                clipboard=self.clipboard.currentData(),
                details_text="teams" if self.teams_words.isChecked() else "meettray",
                click_action=self.click_action.currentData(),
                notifications=self.notifications.isChecked(),
                start_on_login=self.start_on_login.isChecked(),
            ),
            hotkeys=dataclasses.replace(
                c.hotkeys,
                meet_now=self._hotkey_text("meet_now"),
                copy_last=self._hotkey_text("copy_last"),
            ),
            own_presets=self._edited_presets(),
        )

    def _edited_presets(self) -> tuple[Preset, ...]:
        """The presets to save: none while the built-in ones are left as they are (they
        then follow the Meet now subject and length)."""
        edited = self.presets.presets()
        if not self.config.own_presets and edited == self.config.presets:
            return ()
        return edited

    def _save(self) -> None:
        config = self.edited()
        if not config.meeting.subject.strip():
            self.error.setText("Enter a default subject.")
            self.subject.setFocus()
            return
        for action in self.hotkey_edits:
            try:
                Hotkey.parse(getattr(config.hotkeys, action))
            except ValueError as exc:
                self.error.setText(f"Hotkey: {exc}.")
                self.hotkey_edits[action].setFocus()
                return
        self.error.setText("")
        self.save_requested.emit(config)

    def show_error(self, error: ConfigError | Exception) -> None:
        self.error.setText(getattr(error, "message", str(error)))
