"""Settings' presets: a list, and the chosen preset's subject, length, lobby, presenters,
hotkey and Teams options.  What it returns is checked with the rest of the settings
when they are saved (the file's own rules: one default, no hotkey twice)."""

from __future__ import annotations

import dataclasses
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from meettray.choices import LOBBY_BYPASS_SCOPES
from meettray.config import PRESET_PRESENTERS, Preset
from meettray.plaintext import displayable
from meettray.ui.views.fit import Scrolling
from meettray.ui.views.hotkey_edit import HotkeyEdit
from meettray.ui.views.options_form import OptionsForm
from meettray.ui.views.translation import tr


def preset_name(label: str, taken: set[str]) -> str:
    """A name for ``[presets.NAME]`` from a label: "War room" → ``war-room``."""
    base = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:28] or "preset"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    return name


class PresetsEditor(QWidget):
    """Edits a list of :class:`Preset`; :meth:`presets` gives them back.

    The default preset's subject and length are Meet now's: Settings' General tab shows
    and edits them through :meth:`default_meeting` and :meth:`set_default_meeting`, and
    hears ``default_changed`` when they change here."""

    #: The default preset's subject or length changed, or another preset became the default.
    default_changed = Signal()

    def __init__(self, presets: tuple[Preset, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._presets = list(presets)
        #: Names of presets added here: they follow their label (``--preset war-room``).
        self._added: set[str] = set()
        self._shown = -1
        #: Set while the form is filled from a preset (that changes nothing).
        self._filling = False
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Presets"))
        self.list.setMaximumWidth(170)
        self.add = QPushButton(tr("&Add"))
        self.remove = QPushButton(tr("Re&move"))
        self.add.setAccessibleName(tr("Add a preset"))
        self.remove.setAccessibleName(tr("Remove the chosen preset"))
        self.add.clicked.connect(self._add)
        self.remove.clicked.connect(self._remove)
        left = QVBoxLayout()
        left.addWidget(self.list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        left.addLayout(buttons)

        self.label = QLineEdit()
        self.subject = QLineEdit()
        self.subject.setPlaceholderText(tr("Incident bridge {date} {time}"))
        self.duration = QSpinBox()
        self.duration.setRange(5, 24 * 60)
        self.duration.setSuffix(tr(" min"))
        self.lobby = QComboBox()
        self.presenters = QComboBox()
        for box, values in ((self.lobby, LOBBY_BYPASS_SCOPES),
                            (self.presenters, PRESET_PRESENTERS)):  # fmt: skip
            box.addItem(tr("Organisation default"), "")
            for value in values:
                box.addItem(value, value)
        self.hotkey = HotkeyEdit()
        self.hotkey.setAccessibleName(tr("Hotkey"))
        self.default = QCheckBox(tr("Used by a click and the Meet now &hotkey"))
        self.options = OptionsForm()
        # Mnemonics: unique with the tabs' (&General, P&resets) and the buttons'.
        form = QFormLayout()
        form.addRow(tr("&Name:"), self.label)
        form.addRow(tr("S&ubject:"), self.subject)
        form.addRow(tr("&Length:"), self.duration)
        form.addRow(tr("Lobb&y:"), self.lobby)
        form.addRow(tr("Pr&esenters:"), self.presenters)
        form.addRow(tr("Hot&key:"), self.hotkey)
        form.addRow("", self.default)
        right_page = QWidget()
        right = QVBoxLayout(right_page)
        right.addLayout(form)
        right.addWidget(self.options)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(Scrolling(right_page), 1)  # the options are long: they scroll
        for preset in self._presets:
            self.list.addItem(displayable(preset.label))
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0 if self._presets else -1)
        for signal in (self.label.textChanged, self.subject.textChanged,
                       self.duration.valueChanged, self.default.toggled):  # fmt: skip
            signal.connect(self._form_changed)
        self._enable()

    # -- the list ------------------------------------------------------------------------------

    def presets(self) -> tuple[Preset, ...]:
        """The presets as edited (the one shown included)."""
        self._keep()
        return tuple(self._presets)

    def _default_row(self) -> int:
        """The default preset's row (the first, when none is marked; -1: no presets)."""
        return next(
            (i for i, p in enumerate(self._presets) if p.default), 0 if self._presets else -1
        )

    def default_meeting(self) -> tuple[str, int] | None:
        """The default preset's subject and length (``None``: there are no presets)."""
        presets = self.presets()
        row = self._default_row()
        return None if row < 0 else (presets[row].subject, presets[row].duration_minutes)

    def set_default_meeting(self, subject: str, minutes: int) -> None:
        """Meet now's subject and length, as edited in General: the default preset's."""
        self._keep()
        row = self._default_row()
        if row < 0:
            return
        preset = self._presets[row]
        self._presets[row] = dataclasses.replace(
            preset, subject=subject.strip() or preset.label, duration_minutes=minutes
        )
        if row == self._shown:
            self._filling = True
            try:
                self.subject.setText(subject.strip())
                self.duration.setValue(minutes)
            finally:
                self._filling = False

    def _form_changed(self) -> None:
        if not self._filling:
            self.default_changed.emit()

    def _add(self) -> None:
        self._keep()
        taken = {p.name for p in self._presets}
        label = tr("New preset")
        name = preset_name(label, taken)
        self._added.add(name)
        self._presets.append(Preset(name, label, label, 30))
        self.list.addItem(label)
        self.list.setCurrentRow(len(self._presets) - 1)
        self.subject.clear()  # empty: the same as the name
        self.label.setFocus()
        self.label.selectAll()
        self._enable()
        self.default_changed.emit()  # the first preset of an empty list is the default

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self._shown = -1  # nothing to keep: it goes
        del self._presets[row]
        self.list.takeItem(row)
        self._enable()
        self.default_changed.emit()  # it may have been the default

    def _enable(self) -> None:
        has = bool(self._presets)
        self.remove.setEnabled(has)
        for widget in (self.label, self.subject, self.duration, self.lobby, self.presenters,
                       self.hotkey, self.default, self.options):  # fmt: skip
            widget.setEnabled(has)

    # -- the chosen preset ---------------------------------------------------------------------

    def _show(self, row: int) -> None:
        self._keep()
        self._shown = row
        if row < 0 or row >= len(self._presets):
            return
        preset = self._presets[row]
        self._filling = True
        try:
            self.label.setText(preset.label)
            self.subject.setText(preset.subject)
            self.duration.setValue(preset.duration_minutes)
            self.lobby.setCurrentIndex(max(0, self.lobby.findData(preset.lobby)))
            self.presenters.setCurrentIndex(max(0, self.presenters.findData(preset.presenters)))
            self.hotkey.set_text(preset.hotkey)
            self.default.setChecked(preset.default)
            self.options.set_options(preset.options)
        finally:
            self._filling = False

    def _keep(self) -> None:
        """The form back into the preset it shows."""
        row = self._shown
        if row < 0 or row >= len(self._presets):
            return
        old = self._presets[row]
        label = self.label.text().strip() or old.label
        hotkey = self.hotkey.text()
        kept = dataclasses.replace(
            old, label=label, subject=self.subject.text().strip() or label,
            duration_minutes=self.duration.value(), lobby=self.lobby.currentData(),
            presenters=self.presenters.currentData(), hotkey=hotkey,
            default=self.default.isChecked(), options=self.options.options(),
        )  # fmt: skip
        if old.name in self._added:  # a new one's name follows its label
            taken = {p.name for p in self._presets} - {old.name}
            kept = dataclasses.replace(kept, name=preset_name(label, taken))
            self._added = (self._added - {old.name}) | {kept.name}
        if kept.default:  # one default: choosing this one unmarks the others
            self._presets = [dataclasses.replace(p, default=False) for p in self._presets]
        self._presets[row] = kept
        item = self.list.item(row)
        if item is not None:
            item.setText(displayable(label))
