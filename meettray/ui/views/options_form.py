"""The Teams meeting options as a form: one choice per option, "Organisation default"
first.  Used by Schedule… and by Settings' presets."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from meettray.i18n import N_
from meettray.meetings import OPTION_SPECS, MeetingOptions
from meettray.ui.views.translation import tr

#: How each enumeration value of an option reads in the form.
OPTION_VALUE_LABELS = {
    "enabled": N_("On"),
    "disabled": N_("Off"),
    "limited": N_("Only during the meeting"),
    "organizerAndCoOrganizersAndPresenters": N_("Organisers and presenters"),
    "organizerAndCoOrganizers": N_("Organisers only"),
    "none": N_("None"),
    "all": N_("All of it"),
}


class OptionsForm(QWidget):
    """Edits a :class:`MeetingOptions`; every option left at "Organisation default" is
    not sent at all."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QComboBox] = {}
        for name, spec in OPTION_SPECS.items():
            box = QComboBox()
            box.setObjectName(f"option_{name}")
            box.addItem(tr("Organisation default"), None)
            if spec.choices is None:
                box.addItem(tr("On"), True)
                box.addItem(tr("Off"), False)
            else:
                for value in spec.choices:
                    box.addItem(tr(OPTION_VALUE_LABELS.get(value, value)), value)
            box.currentIndexChanged.connect(lambda _index: self.changed.emit())
            self.boxes[name] = box
            form.addRow(tr("{option}:").format(option=tr(spec.label)), box)
        self.form = form

    def options(self) -> MeetingOptions:
        """The options chosen (the others left to the organisation)."""
        chosen = {name: box.currentData() for name, box in self.boxes.items()}
        return MeetingOptions(**{name: v for name, v in chosen.items() if v is not None})

    def set_options(self, options: MeetingOptions) -> None:
        for name, box in self.boxes.items():
            box.setCurrentIndex(max(0, box.findData(getattr(options, name))))
