"""Settings…: account, Meet now defaults and behaviour, saved to the same TOML the CLI reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from meettray.accounts import Account, CacheStatus
from meettray.config import CLOUDS, Config, MeetingConfig, Preset, builtin_presets
from meettray.errors import ConfigError
from meettray.hotkeys.keys import Hotkey
from meettray.i18n import N_
from meettray.ui.views.accounts_tab import AccountsTab
from meettray.ui.views.colours import show_as_error
from meettray.ui.views.fit import Scrolling, fit_to_screen, tab_order_as_shown
from meettray.ui.views.hotkey_edit import HotkeyEdit
from meettray.ui.views.icons import icon
from meettray.ui.views.presets_editor import PresetsEditor
from meettray.ui.views.text import plain_label
from meettray.ui.views.translation import tr

CLOUD_LABELS = {
    "global": N_("Global (commercial, GCC)"),
    "usgov": N_("US Government (GCC High)"),
    "usgov-dod": N_("US Government (DoD)"),
}


class SettingsDialog(QDialog):
    """Edits a :class:`Config`; emits ``save_requested`` with the new one.

    Meet now's subject and length are the default preset's: the General tab and the
    Presets tab show the same value, and an edit in one is seen in the other.

    Mnemonics are unique among the widgets shown together (a hidden tab's do not fire):
    General uses A C D F G I K L M N O P R S T U W Y, Presets A E G H K L M N R U Y,
    Accounts A C D E L M N O S T Z (with the tab bar's G R on each)."""

    save_requested = Signal(Config)
    sign_in_requested = Signal(bool)  # device code
    sign_out_requested = Signal()
    #: Settings → Accounts: sign this profile in, or out (its name).
    account_sign_in_requested = Signal(str)
    account_sign_out_requested = Signal(str)
    gnome_shortcut_requested = Signal()
    #: True while a hotkey field has the focus: the global hotkeys should let go of their
    #: keys meanwhile, so that pressing one records it instead of making a meeting.
    hotkey_editing = Signal(bool)

    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Settings — meettray"))
        self.setWindowIcon(icon())
        self.config = config
        self._syncing = False
        layout = QVBoxLayout(self)
        # The presets first: General's subject and length are the default preset's.
        self.presets = PresetsEditor(config.presets)
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(self._account_group(config))
        general_layout.addWidget(self._meeting_group(config))
        general_layout.addWidget(self._behaviour_group(config))
        general_layout.addWidget(self._hotkeys_group(config))
        self.tabs = QTabWidget()
        self.tabs.addTab(Scrolling(general), tr("&General"))
        self.tabs.addTab(self.presets, tr("P&resets"))
        self.accounts = AccountsTab(config, CLOUD_LABELS)
        self.accounts.sign_in_requested.connect(self.account_sign_in_requested)
        self.accounts.sign_out_requested.connect(self.account_sign_out_requested)
        # No letter of "Accounts" is free of General's: Ctrl+Tab reaches it.
        self.tabs.addTab(Scrolling(self.accounts), tr("Accounts"))
        self.tabs.tabBar().setAccessibleName(tr("Settings pages"))
        # AT-SPI lists the tab widget as focusable too (its focus goes to the tab bar):
        # named, it is not an unnamed "filler" to a screen reader.
        self.tabs.setAccessibleName(tr("Settings pages"))
        layout.addWidget(self.tabs, 1)
        self.error = plain_label()
        show_as_error(self.error)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)  # Enter saves (set once in the dialog: see Schedule)
        tab_order_as_shown(self.buttons)
        self.presets.default_changed.connect(self._default_from_presets)
        self.subject.textEdited.connect(self._default_to_presets)
        self.duration.valueChanged.connect(self._default_to_presets)
        for edit in (*self.hotkey_edits.values(), self.presets.hotkey):
            edit.editing.connect(self.hotkey_editing.emit)
        from meettray.ui.views.policy_marks import mark_enforced  # what IT set: greyed

        mark_enforced({"account.cloud": self.cloud, "account.client_id": self.client_id,
                       "account.tenant": self.tenant, "meeting.subject": self.subject,
                       "meeting.duration_minutes": self.duration,
                       "meeting.prepare_next_link": self.prepare_next,
                       "ui.clipboard": self.clipboard, "ui.click_action": self.click_action,
                       "ui.notifications": self.notifications,
                       "ui.start_on_login": self.start_on_login,
                       "ui.allow_link_meetings": self.link_meetings,
                       "ui.check_for_updates": self.check_updates,
                       "calendar.upcoming": self.upcoming}, config.policy)  # fmt: skip
        fit_to_screen(self)

    def _default_to_presets(self) -> None:
        if not self._syncing:
            self.presets.set_default_meeting(self.subject.text(), self.duration.value())

    def _default_from_presets(self) -> None:
        meeting = self.presets.default_meeting()
        if meeting is None:  # no presets left: the built-in ones, from these fields
            return
        self._syncing = True
        try:
            self.subject.setText(meeting[0])
            self.duration.setValue(meeting[1])
        finally:
            self._syncing = False

    def _account_group(self, config: Config) -> QGroupBox:
        group = QGroupBox(tr("Account"))
        form = QFormLayout(group)
        account = config.account
        self.cloud = QComboBox()
        for name in CLOUDS:
            self.cloud.addItem(tr(CLOUD_LABELS[name]), name)
        self.cloud.setCurrentIndex(list(CLOUDS).index(account.cloud))
        self.client_id = QLineEdit(account.client_id)
        self.client_id.setPlaceholderText(tr("Application (client) ID from Microsoft Entra ID"))
        self.tenant = QLineEdit(account.tenant)
        self.account_label = plain_label(wrap=False)  # names come from the sign-in
        self.cache_label = plain_label()
        self.sign_in = QPushButton(tr("Sign i&n…"))
        self.sign_in_code = QPushButton(tr("Sign in with a c&ode…"))
        self.sign_out = QPushButton(tr("Sign o&ut"))
        self.sign_in.clicked.connect(lambda: self.sign_in_requested.emit(False))
        self.sign_in_code.clicked.connect(lambda: self.sign_in_requested.emit(True))
        self.sign_out.clicked.connect(self.sign_out_requested.emit)
        row = QHBoxLayout()
        for button in (self.sign_in, self.sign_in_code, self.sign_out):
            row.addWidget(button)
        row.addStretch(1)
        form.addRow(tr("&Cloud:"), self.cloud)
        form.addRow(tr("Client &ID:"), self.client_id)
        form.addRow(tr("&Tenant:"), self.tenant)
        form.addRow(tr("Signed in:"), self.account_label)
        form.addRow(row)
        form.addRow(tr("Tokens:"), self.cache_label)
        if account.mode == "application":
            note = QLabel(
                tr("Application mode: meetings are created for {user}").format(user=account.user_id)
            )
            form.addRow("", note)
        return group

    def _meeting_group(self, config: Config) -> QGroupBox:
        group = QGroupBox(tr("Meet now"))
        form = QFormLayout(group)
        default = config.preset()  # what a click uses: the default preset's
        self.subject = QLineEdit(default.subject)
        self.subject.setToolTip(tr("{date} and {time} are replaced by today's date and the time"))
        self.duration = QSpinBox()
        self.duration.setRange(5, 24 * 60)
        self.duration.setSuffix(tr(" minutes"))
        self.duration.setValue(default.duration_minutes)
        form.addRow(tr("Default &subject:"), self.subject)
        form.addRow("", QLabel(tr("Use {date} and {time} for today's date and the time.")))
        form.addRow(tr("&Duration:"), self.duration)
        self.prepare_next = QCheckBox(tr("&Prepare the next link in advance"))
        self.prepare_next.setChecked(config.meeting.prepare_next_link)
        self.prepare_next.setToolTip(
            tr(
                "One meeting is kept ready in your Teams account (on no calendar), so that "
                "Meet now copies its link at once, even offline; its subject and times follow."
            )
        )
        form.addRow("", self.prepare_next)
        return group

    def _behaviour_group(self, config: Config) -> QGroupBox:
        group = QGroupBox(tr("Behaviour"))
        form = QFormLayout(group)
        self.clipboard = QComboBox()
        self.clipboard.addItem(tr("The link only"), "link")
        self.clipboard.addItem(tr("The link, meeting ID, passcode and dial-in"), "details")
        self.clipboard.setCurrentIndex(0 if config.ui.clipboard == "link" else 1)
        self.teams_words = QCheckBox(tr("Details in Teams' own &words, in my language"))
        self.teams_words.setChecked(config.ui.details_text == "teams")
        self.teams_words.setToolTip(
            tr(
                "Microsoft's invitation text for the meeting, as Teams writes it; meettray's own "
                "lines where Microsoft Graph sends none."
            )
        )
        self.click_action = QComboBox()
        self.click_action.addItem(tr("Creates a meeting and copies its link"), "meet_now")
        self.click_action.addItem(tr("Opens the menu"), "menu")
        self.click_action.setCurrentIndex(0 if config.ui.click_action == "meet_now" else 1)
        self.notifications = QCheckBox(tr("Show noti&fications"))
        self.notifications.setChecked(config.ui.notifications)
        self.start_on_login = QCheckBox(tr("Start meettray when I &log in"))
        self.start_on_login.setChecked(config.ui.start_on_login)
        # Reading the calendar is a permission of its own: nobody is asked before this is on.
        self.upcoming = QCheckBox(tr("Show today's upcoming meetings from my calendar"))
        self.upcoming.setChecked(config.calendar.upcoming)
        self.link_meetings = QCheckBox(tr("Let other apps make meetings through meettray:// links"))
        self.link_meetings.setChecked(config.ui.allow_link_meetings)
        self.link_meetings.setToolTip(tr("Off: such a link opens Schedule filled in instead."))
        self.check_updates = QCheckBox(tr("Tell me when a new version of meettray is out"))
        self.check_updates.setChecked(config.ui.check_for_updates)
        form.addRow(tr("Cop&y:"), self.clipboard)
        form.addRow("", self.teams_words)
        form.addRow(tr("Clic&king the icon:"), self.click_action)
        form.addRow("", self.notifications)
        form.addRow("", self.start_on_login)
        form.addRow("", self.upcoming)
        form.addRow("", self.link_meetings)
        form.addRow("", self.check_updates)
        return group

    def _hotkeys_group(self, config: Config) -> QGroupBox:
        group = QGroupBox(tr("Global hotkeys"))
        form = QFormLayout(group)
        self.hotkey_edits: dict[str, HotkeyEdit] = {}
        self.hotkey_status: dict[str, QLabel] = {}
        for action, label in (
            ("meet_now", tr("&Meet now:")),
            ("copy_last", tr("Copy l&ast link:")),
        ):
            edit = HotkeyEdit(getattr(config.hotkeys, action))
            edit.setAccessibleName(
                tr("{action} hotkey").format(action=label.replace("&", "").rstrip(":"))
            )
            status = plain_label()  # may quote the desktop's words (the portal's trigger)
            self.hotkey_edits[action] = edit
            self.hotkey_status[action] = status
            edit.keySequenceChanged.connect(lambda _keys, a=action: self._hotkey_typed(a))
            form.addRow(label, edit)
            form.addRow("", status)
        form.addRow("", QLabel(tr("Backspace clears a field: that hotkey is then off.")))
        #: GNOME without a shortcuts portal: shown by offer_gnome_shortcut().
        self.gnome_shortcut = QPushButton(tr("Add a GNOME keyboard shortcut for 'meettray now'"))
        self.gnome_shortcut.setToolTip(
            tr(
                "GNOME runs 'meettray now' when you press the Meet now hotkey: it asks this "
                "meettray to make the meeting. It is listed under Settings → Keyboard → "
                "Custom Shortcuts."
            )
        )
        self.gnome_shortcut.clicked.connect(self.gnome_shortcut_requested.emit)
        self.gnome_shortcut.hide()
        form.addRow("", self.gnome_shortcut)
        return group

    def offer_gnome_shortcut(self, offer: bool) -> None:
        self.gnome_shortcut.setVisible(offer)

    def gnome_shortcut_added(self) -> None:
        self.gnome_shortcut.setText(tr("Added to GNOME's keyboard shortcuts"))
        self.gnome_shortcut.setEnabled(False)

    def show_hotkeys(self, describe: Callable[[str], str]) -> None:
        """Show whether each hotkey works (or why not)."""
        for action, label in self.hotkey_status.items():
            label.setText(describe(action))

    def _hotkey_typed(self, action: str) -> None:
        """What the status says is the saved hotkey's: a new one is not in use yet."""
        typed = self._hotkey_text(action)
        self.hotkey_status[action].setText(
            tr("{keys}: used once you save.").format(keys=typed)
            if typed
            else tr("Off once you save.")
        )

    def _hotkey_text(self, action: str) -> str:
        return self.hotkey_edits[action].text()

    def show_account(
        self, account: Account | None, cache: CacheStatus | None, *, signing_in: bool = False
    ) -> None:
        """Reflect the sign-in state (called whenever it changes)."""
        self.account_label.setText(
            tr("Signing in…")
            if signing_in
            else account.username
            if account
            else tr("Not signed in")
        )
        delegated = self.config.account.mode == "delegated"
        self.sign_in.setEnabled(delegated and not signing_in)
        self.sign_in_code.setEnabled(delegated and not signing_in)
        self.sign_out.setEnabled(delegated and account is not None and not signing_in)
        self.cache_label.setText(cache.explanation if cache else "")

    def edited(self) -> Config:
        """The configuration as the form shows it."""
        c = self.config
        meeting = dataclasses.replace(
            c.meeting,
            subject=self.subject.text().strip(),
            duration_minutes=self.duration.value(),
            prepare_next_link=self.prepare_next.isChecked(),
        )
        edited = dataclasses.replace(
            c,
            account=dataclasses.replace(
                c.account,
                cloud=self.cloud.currentData(),
                client_id=self.client_id.text().strip(),
                tenant=self.tenant.text().strip() or "organizations",
            ),
            meeting=meeting,
            ui=dataclasses.replace(
                c.ui,
                clipboard=self.clipboard.currentData(),
                details_text="teams" if self.teams_words.isChecked() else "meettray",
                click_action=self.click_action.currentData(),
                notifications=self.notifications.isChecked(),
                start_on_login=self.start_on_login.isChecked(),
                allow_link_meetings=self.link_meetings.isChecked(),
                check_for_updates=self.check_updates.isChecked(),
            ),
            calendar=dataclasses.replace(c.calendar, upcoming=self.upcoming.isChecked()),
            hotkeys=dataclasses.replace(
                c.hotkeys,
                meet_now=self._hotkey_text("meet_now"),
                copy_last=self._hotkey_text("copy_last"),
            ),
            own_presets=self._edited_presets(meeting),
        )
        return self.accounts.edited(edited)

    def _edited_presets(self, meeting: MeetingConfig) -> tuple[Preset, ...]:
        """The presets to save: none while the built-in ones are left as they are (they
        then follow ``[meeting]``'s subject and length, which General edits)."""
        self._default_to_presets()  # the same value in both tabs, whichever was edited
        edited = self.presets.presets()
        if not self.config.own_presets and edited == builtin_presets(meeting):
            return ()
        return edited

    def _save(self) -> None:
        if not self.subject.text().strip():
            self.error.setText(tr("Enter a default subject."))
            self.tabs.setCurrentIndex(0)
            self.subject.setFocus()
            return
        config = self.edited()
        for action in self.hotkey_edits:
            try:
                Hotkey.parse(getattr(config.hotkeys, action))
            except ValueError as exc:
                self.error.setText(tr("Hotkey: {problem}.").format(problem=exc))
                self.hotkey_edits[action].setFocus()
                return
        self.error.setText("")
        self.save_requested.emit(config)

    def show_error(self, error: ConfigError | Exception) -> None:
        self.error.setText(getattr(error, "message", str(error)))
