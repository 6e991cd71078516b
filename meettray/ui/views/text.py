"""Text from outside shown as text: never markup, never a link Qt follows by itself.

Subjects, links and error details come from Graph, the identity platform or
history; Qt would render any of them as rich text where it guesses it is
(``<a href="file:///…">`` becomes a live link, ``<img src=…>`` loads a local
file).  Every label, box and tooltip that shows such text is made here.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A label that shows its text as typed."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip showing ``text`` as typed (Qt guesses rich text in tooltips)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question whose text is shown as typed; No is the default (Enter, Escape)."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    # Only its window waits for the answer: the tray icon, its menu and the hotkeys go on
    # working meanwhile (application-modal, a click on the icon did nothing at all).
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    return QMessageBox.StandardButton(box.exec()) == QMessageBox.StandardButton.Yes


def link_markup(url: str) -> str:
    """A clickable link for a label that opens links, when ``url`` is a plain https
    address; otherwise the address as escaped text, which nothing opens."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    escaped = html.escape(url, quote=True)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return escaped
    return f'<a href="{escaped}">{escaped}</a>'
