"""meettray's languages: one gettext catalog (``meettray/locale/<lang>.po``) per
language, read by the command line and the core (``_``: errors, validation, Recent
labels, hotkey names) and, through a ``QTranslator`` made from the same catalog
(``ui/views/translation.py``), by the tray app's ``tr`` calls.  Dates and times that
the core and the command line write for people follow the same language
(:func:`date_text`, :func:`time_text`, :func:`weekday_text`).

One catalog for both because the command line never loads Qt (a ``.qm`` file needs
Qt to read) and a translator works on one file per language, in the format Weblate
and every translation tool know.  The ``.po`` files are read as they are (no compile
step, no ``.mo`` to keep in step): the German catalog's 670 entries parse in 3 to
6 ms, and only when a message is said in a language other than English.  No Qt
here: this module belongs to the core.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TYPE_CHECKING = False  # typing is not loaded on the command line's fast path
if TYPE_CHECKING:
    from datetime import datetime

LOCALE_DIR = Path(__file__).with_name("locale")
#: Languages written right to left: their windows are mirrored.
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur"})
#: Where the language comes from, in gettext's order.
_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class Catalog:
    """One language's translations; an empty one for English.  (A plain class, not a
    dataclass: the command line imports this module, and dataclasses cost it 4 ms.)"""

    __slots__ = ("language", "messages")

    def __init__(self, language: str = "en", messages: Mapping[str, str] | None = None) -> None:
        self.language = language
        self.messages: Mapping[str, str] = messages or {}

    def __repr__(self) -> str:
        return f"Catalog({self.language!r}, {len(self.messages)} messages)"

    def gettext(self, message: str) -> str:
        """``message`` in this language, or as it is where there is no translation."""
        return self.messages.get(message) or message

    @property
    def right_to_left(self) -> bool:
        return self.language in RIGHT_TO_LEFT


def shipped() -> list[str]:
    """The languages meettray has a catalog for."""
    return sorted(p.stem for p in LOCALE_DIR.glob("*.po"))


def requested(environ: Mapping[str, str]) -> list[str]:
    """The languages the environment asks for, best first (``de_DE.UTF-8`` gives
    ``de_DE``, then ``de``).  ``C`` and ``POSIX`` mean English."""
    for name in _ENV:
        value = environ.get(name, "")
        if not value:
            continue
        wanted: list[str] = []
        for item in value.split(":") if name == "LANGUAGE" else [value]:
            tag = item.split(".")[0].split("@")[0]
            if tag in ("", "C", "POSIX"):
                continue
            for candidate in (tag, tag.split("_")[0]):
                if candidate not in wanted:
                    wanted.append(candidate)
        return wanted
    return []


def parse_po(text: str) -> dict[str, str]:
    """The translated entries of a ``.po`` file (entries apart by a blank line; fuzzy
    and empty ones left out)."""
    messages: dict[str, str] = {}
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        fuzzy = False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith('"') and key:
                fields[key] += _unquote(line)
            elif line and not line.startswith("#"):
                key, _, rest = line.partition(" ")
                fields[key] = _unquote(rest)
        msgid, msgstr = fields.get("msgid", ""), fields.get("msgstr", "")
        if msgid and msgstr and not fuzzy:
            messages[msgid] = msgstr
    return messages


def _unquote(literal: str) -> str:
    # A PO string is a C string literal; for the escapes translators use (\n, \t, \",
    # \\) Python's literal syntax is the same.  Anything else is refused.  Most have no
    # escape at all: those are taken as they are (ast costs 50 µs a string, and every
    # command that says something in German reads the whole catalog).
    text = literal.strip()
    if "\\" not in text and len(text) >= 2 and text[0] == text[-1] == '"' and '"' not in text[1:-1]:
        return text[1:-1]
    import ast  # only for an escape: the command line's fast path skips it

    value = ast.literal_eval(literal.strip())
    if not isinstance(value, str):
        raise ValueError(f"not a string: {literal!r}")
    return value


def load(environ: Mapping[str, str] | None = None) -> Catalog:
    """The catalog for the language the environment asks for (English if none)."""
    have: set[str] | None = None  # looked for only when a language other than English is asked
    for language in requested(os.environ if environ is None else environ):
        if language.startswith("en"):
            break
        have = set(shipped()) if have is None else have
        if language in have:
            path = LOCALE_DIR / f"{language}.po"
            return Catalog(language, parse_po(path.read_text(encoding="utf-8")))
    return Catalog()


_catalog: Catalog | None = None


def catalog() -> Catalog:
    """The process's catalog, read once from ``LANGUAGE``/``LC_ALL``/``LANG``."""
    global _catalog  # noqa: PLW0603  # read once, at the first message
    if _catalog is None:
        _catalog = load()
    return _catalog


def use(chosen: Catalog | None) -> Catalog | None:
    """Speak ``chosen`` from now on (``None``: read the environment again at the next
    message); the catalog used so far.  The tray app hands its catalog to Qt and here,
    so a window's words and the core's messages in it are one language."""
    global _catalog  # the process's one language
    previous, _catalog = _catalog, chosen
    return previous


def _(message: str) -> str:
    """``message`` in the person's language (gettext's name: the command line's and the
    core's messages).  Placeholders stay named: ``_("Signed in as {user}.").format(...)``."""
    return catalog().gettext(message)


def N_(message: str) -> str:  # gettext's name for it
    """Marks a constant for translation where it is defined; translated where shown."""
    return message


#: Weekdays as Recent labels write them (``datetime.weekday()`` order), translated where
#: shown.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday_text(value: datetime) -> str:
    """``Mon`` (``Mo``, ``الاثنين``): ``value``'s day of the week, short, in the person's
    language (``strftime("%a")`` would follow the C locale, which Python keeps)."""
    return _(WEEKDAYS[value.weekday()])


def date_text(value: datetime) -> str:
    """``2027-02-05`` (``05.02.2027``, ``05/02/2027``): a day as the person's language
    writes it; the order comes from the catalog, so a translator can change it."""
    # TRANSLATORS: a date with numbers only; reorder the fields, keep them.
    pattern = _("{year}-{month}-{day}")
    return pattern.format(year=f"{value.year:04d}", month=f"{value.month:02d}",
                          day=f"{value.day:02d}")  # fmt: skip


def time_text(value: datetime, *, seconds: bool = False) -> str:
    """``14:05`` (or ``14:05:12``): 24-hour time, as German and Arabic write it too."""
    return f"{value:%H:%M:%S}" if seconds else f"{value:%H:%M}"


def date_time_text(value: datetime) -> str:
    """``2027-02-05 14:05`` in the person's language (``05.02.2027 14:05``)."""
    return _("{date} {time}").format(date=date_text(value), time=time_text(value))
