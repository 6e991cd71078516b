"""The tray app in the person's language: a ``QTranslator`` that answers Qt's ``tr``
from meettray's gettext catalog (see ``meettray/i18n.py`` for why one catalog), the
default ``QLocale`` for dates and times, and a mirrored layout for a right-to-left
language."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QLibraryInfo, QLocale, QObject, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from meettray import i18n
from meettray.i18n import Catalog
from meettray.ui.app_model.notices import tr

__all__ = ["CatalogTranslator", "install", "tr", "uninstall"]


class CatalogTranslator(QTranslator):
    """Qt's translator, fed from a gettext catalog."""

    def __init__(self, catalog: Catalog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        #: The default locale before :func:`install` (restored by :func:`uninstall`).
        self.previous_locale = QLocale()
        #: The core's catalog before :func:`install` (restored by :func:`uninstall`).
        self.previous_catalog: Catalog | None = None

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        # None (a null QString) makes Qt ask the next translator (Qt's own, for its
        # words), then keep the English; "" would be taken as the translation, and
        # blanked every string not in the catalog (Qt's key names, its menus).
        return self.catalog.messages.get(source_text)

    def isEmpty(self) -> bool:  # Qt's name
        return not self.catalog.messages

    def language(self) -> str:
        return self.catalog.language


def install(app: QApplication, catalog: Catalog) -> CatalogTranslator:
    """Speak ``catalog``'s language from now on: call before any window is built.
    Dates follow the environment's locale (``de_DE`` writes ``Mo., 7. Dez.``)."""
    translator = CatalogTranslator(catalog, app)
    translator.previous_locale = QLocale()
    translator.previous_catalog = i18n.use(catalog)  # the core's messages: the same language
    app.installTranslator(translator)
    if catalog.language != "en":
        QLocale.setDefault(QLocale(catalog.language))
        # Qt's own words (Close, Cancel, Yes, No, the context menus), from Qt's catalog.
        qtbase = QTranslator(translator)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qtbase.load(QLocale(catalog.language), "qtbase", "_", folder):
            app.installTranslator(qtbase)
    direction = (
        Qt.LayoutDirection.RightToLeft if catalog.right_to_left else Qt.LayoutDirection.LeftToRight
    )
    app.setLayoutDirection(direction)
    return translator


def uninstall(app: QApplication, translator: CatalogTranslator) -> None:
    """Back to English (tests)."""
    for qtbase in translator.findChildren(QTranslator):
        app.removeTranslator(qtbase)
    app.removeTranslator(translator)
    QLocale.setDefault(translator.previous_locale)
    i18n.use(translator.previous_catalog)
    app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)


def _english(locale: QLocale) -> bool:
    return locale.language() in (QLocale.Language.C, QLocale.Language.English)


def _local(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def date_and_time(value: datetime, english: str) -> str:
    """``value`` in local time as the person's locale writes it (``english``, a Qt
    pattern, in English: what the window has always shown there)."""
    locale = QLocale()
    if _english(locale):
        return locale.toString(_local(value), english)
    return locale.toString(_local(value), QLocale.FormatType.ShortFormat)


def time_of_day(value: datetime) -> str:
    """``14:30`` (or the locale's way)."""
    locale = QLocale()
    pattern = "HH:mm" if _english(locale) else locale.timeFormat(QLocale.FormatType.ShortFormat)
    return locale.toString(_local(value).time(), pattern)


def weekday(value: datetime) -> str:
    """``Monday`` (``Montag``)."""
    return QLocale().dayName(_local(value).date().dayOfWeek())


def long_date(value: datetime) -> str:
    """``7 December 2026`` (``Montag, 7. Dezember 2026``)."""
    locale = QLocale()
    date = _local(value).date()
    if _english(locale):
        return locale.toString(date, "d MMMM yyyy")
    return locale.toString(date, QLocale.FormatType.LongFormat)
