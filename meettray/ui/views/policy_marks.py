"""Settings that an organisation enforces, shown greyed with "Set by your organisation".

The Settings dialog hands its widgets by setting (``"meeting.prepare_next_link"`` →
its checkbox); each one whose setting is enforced is disabled and says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QAbstractButton, QWidget

from meettray.policy import Policy

SET_BY_ORGANISATION = "Set by your organisation"


def mark_enforced(widgets: Mapping[str, QWidget], policy: Policy | None) -> list[str]:
    """Grey each widget whose ``section.key`` the policy enforces; the keys marked."""
    marked = []
    for name, widget in widgets.items():
        section, _dot, key = name.rpartition(".")
        found = policy.enforcer(section, key) if policy else None
        if found is None:
            continue
        widget.setEnabled(False)
        widget.setToolTip(f"{SET_BY_ORGANISATION} ({found[1]}).")
        if isinstance(widget, QAbstractButton) and SET_BY_ORGANISATION not in widget.text():
            widget.setText(f"{widget.text()} ({SET_BY_ORGANISATION.lower()})")
        marked.append(name)
    return marked
