"""Settings → Accounts: every profile (who is signed in, which one Meet now uses), each
signed in or out, and a new one added for another organisation's tenant.

A new profile is checked as ``meettray setup`` checks the settings it starts from: the
settings file's own reading of an ``[accounts.NAME]`` table (its name, each value, what
its mode needs: :func:`check_new_account`); it is written with the other settings when
the person saves (which reads the whole file back before writing it).

Mnemonics, unique on this tab with the tab bar's (G R): A C D E L M N O S T Z; its own
words where a shared one's translation would take a letter twice (Sign in, Tenant).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from meettray.config import CLOUDS, AccountConfig, Config, config_from_mapping
from meettray.errors import ConfigError
from meettray.i18n import N_
from meettray.plaintext import displayable
from meettray.ui.app_model.state import AccountStatus
from meettray.ui.views.colours import show_as_error
from meettray.ui.views.text import plain_label
from meettray.ui.views.translation import tr

#: The table's columns.
COLUMNS = (N_("Account"), N_("Name"), N_("Signed in as"), N_("Tenant"))
USER_ROLE = Qt.ItemDataRole.UserRole
MODE_LABELS = {
    "delegated": N_("Each person signs in (delegated)"),
    "application": N_("The app acts for one organizer (application)"),
}


def check_new_account(config: Config, name: str, account: AccountConfig) -> None:
    """A :class:`ConfigError` saying what is wrong with profile ``name`` to be added to
    ``config``: the checks the settings file's ``[accounts.NAME]`` gets when it is read
    (``meettray setup`` and every command start from them), and a name not taken."""
    if name in config.account_names():
        raise ConfigError(f"There is an account called {name!r} already: choose another name.")
    values = {spec.name: getattr(account, spec.name) for spec in dataclasses.fields(account)
              if getattr(account, spec.name) != spec.default}  # fmt: skip
    config_from_mapping({"accounts": {name: values}})


class AccountsTab(QWidget):
    """The profiles, and a form that adds one.  Sign-ins act at once; the default account
    and the new profiles are saved with the rest of Settings."""

    sign_in_requested = Signal(str)
    sign_out_requested = Signal(str)

    def __init__(self, config: Config, cloud_labels: dict[str, str]) -> None:
        super().__init__()
        self.config = config
        #: Profiles added here, saved with the settings.
        self.added: list[tuple[str, AccountConfig]] = []
        self._statuses: tuple[AccountStatus, ...] = ()
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAccessibleName(tr("Accounts"))
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.sign_in = QPushButton(tr("&Sign in…"))
        self.sign_out = QPushButton(tr("Sign &out"))
        self.sign_in.clicked.connect(self._sign_in_clicked)
        self.sign_out.clicked.connect(self._sign_out_clicked)
        for button in (self.sign_in, self.sign_out):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        self.default = QComboBox()
        form.addRow(tr("&Meet now uses:"), self.default)
        layout.addLayout(form)
        layout.addWidget(self._add_group(cloud_labels))
        self._fill()

    def _add_group(self, cloud_labels: dict[str, str]) -> QGroupBox:
        group = QGroupBox(tr("Add an account"))
        form = QFormLayout(group)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText(tr("for example fabrikam"))
        self.new_label = QLineEdit()
        self.new_label.setPlaceholderText(tr("for example Fabrikam"))
        self.new_cloud = QComboBox()
        for name in CLOUDS:
            self.new_cloud.addItem(tr(cloud_labels[name]), name)
        self.new_tenant = QLineEdit()
        self.new_tenant.setPlaceholderText(tr("The organisation's tenant ID or domain"))
        self.new_client_id = QLineEdit()
        self.new_client_id.setPlaceholderText(tr("Application (client) ID from Microsoft Entra ID"))
        self.new_mode = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.new_mode.addItem(tr(label), mode)
        self.new_user = QLineEdit()
        self.new_user.setPlaceholderText(tr("The organizer's object ID (application mode)"))
        self.new_mode.currentIndexChanged.connect(self._mode_changed)
        self.add = QPushButton(tr("&Add"))
        self.add.setAutoDefault(False)  # Enter saves the settings, as on the other tabs
        self.add.clicked.connect(self._add)
        self.error = plain_label()  # quotes what was typed
        show_as_error(self.error)
        form.addRow(tr("&Name:"), self.new_name)
        form.addRow(tr("&Label:"), self.new_label)
        form.addRow(tr("&Cloud:"), self.new_cloud)
        form.addRow(tr("Tenan&t:"), self.new_tenant)
        form.addRow(tr("Client I&D:"), self.new_client_id)
        form.addRow(tr("Mod&e:"), self.new_mode)
        form.addRow(tr("Organi&zer:"), self.new_user)
        form.addRow("", self.add)
        form.addRow(self.error)
        self._mode_changed()
        return group

    def _mode_changed(self) -> None:
        self.new_user.setEnabled(self.new_mode.currentData() == "application")

    # -- what the tab shows --------------------------------------------------------------

    def names(self) -> list[str]:
        return [*self.config.account_names(), *(name for name, _a in self.added)]

    def _label(self, name: str) -> str:
        added = dict(self.added)
        if name in added:
            return added[name].label or name
        return self.config.label_of(name)

    def show_accounts(self, statuses: tuple[AccountStatus, ...]) -> None:
        """Who is signed in to each profile (called whenever it changes)."""
        self._statuses = statuses
        self._fill()

    def _fill(self) -> None:
        chosen = self._current()
        default = self.default.currentData() or self.config.default_account()
        names = self.names()
        by_name = {status.name: status for status in self._statuses}
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            status = by_name.get(name)
            if name not in self.config.account_names():
                who = tr("Added once you save")
            elif status is None or not status.signed_in:
                who = tr("Signing in…") if status and status.signing_in else tr("Not signed in")
            else:
                who = status.username
            tenant = status.tenant_id if status and status.tenant_id else self._tenant(name)
            for column, text in enumerate((self._label(name), name, who, tenant)):
                item = QTableWidgetItem(displayable(text))  # plain text, never markup
                item.setData(USER_ROLE, name)  # the profile's name
                self.table.setItem(row, column, item)
        self.default.blockSignals(True)
        self.default.clear()
        for name in names:
            self.default.addItem(displayable(self._label(name)), name)
        self.default.setCurrentIndex(max(0, names.index(default)) if default in names else 0)
        self.default.blockSignals(False)
        if chosen in names:
            self.table.selectRow(names.index(chosen))
        self._selected()

    def _tenant(self, name: str) -> str:
        added = dict(self.added)
        account = added[name] if name in added else self.config.account_config(name)
        return account.tenant

    def _current(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        name = item.data(USER_ROLE) if item is not None else None
        return str(name) if name else None

    def _selected(self) -> None:
        name = self._current()
        status = next((s for s in self._statuses if s.name == name), None)
        can = status is not None and status.signs_in and not status.signing_in
        self.sign_in.setEnabled(can and status is not None and not status.signed_in)
        self.sign_out.setEnabled(can and status is not None and status.signed_in)

    def _sign_in_clicked(self) -> None:
        if (name := self._current()) is not None:
            self.sign_in_requested.emit(name)

    def _sign_out_clicked(self) -> None:
        if (name := self._current()) is not None:
            self.sign_out_requested.emit(name)

    # -- adding a profile ----------------------------------------------------------------

    def _add(self) -> None:
        name = self.new_name.text().strip()
        account = AccountConfig(
            mode=self.new_mode.currentData(),
            cloud=self.new_cloud.currentData(),
            client_id=self.new_client_id.text().strip(),
            tenant=self.new_tenant.text().strip() or "organizations",
            user_id=self.new_user.text().strip() if self.new_user.isEnabled() else "",
            label=self.new_label.text().strip(),
        )
        try:
            check_new_account(self.edited(self.config), name, account)
        except ConfigError as exc:
            self.error.setText(exc.message)
            self.new_name.setFocus()
            return
        self.error.setText("")
        self.added.append((name, account))
        for field in (self.new_name, self.new_label, self.new_tenant, self.new_client_id,
                      self.new_user):  # fmt: skip
            field.clear()
        self._fill()
        self.table.selectRow(len(self.names()) - 1)

    def edited(self, config: Config) -> Config:
        """``config`` with the profiles added here and the default account chosen."""
        default = self.default.currentData() or config.ui.default_account
        return dataclasses.replace(
            config,
            accounts=(*config.accounts, *self.added),
            ui=dataclasses.replace(config.ui, default_account=default),
        )
