"""meettray's translation catalogs: finds every string marked for translation and
brings ``meettray/locale/meettray.pot`` and each ``<lang>.po`` up to date.

    python scripts/catalogs.py          # update the template and every catalog
    python scripts/catalogs.py --check  # list what a catalog has not translated

Marked strings are the first argument of ``tr(...)`` (Qt's translation, in the tray
app), ``_(...)`` (gettext, for the command line and the core's messages) and
``N_(...)`` (a constant translated where it is shown), the command line's
``help=``/``description=``/``epilog=`` texts, and the Teams options' labels.
A new entry gets an empty translation; an entry whose English is gone is dropped.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "meettray" / "locale"
#: Where marked strings are looked for: the tray app's views and app model, the command
#: line, then the rest of the package (the core's messages), in this order so that a
#: catalog's entries keep their places.  The demo's fake Microsoft 365 is left out: it
#: plays Graph's part and speaks as Graph does.
_FIRST = [
    *sorted((ROOT / "meettray" / "ui" / "views").glob("*.py")),
    *sorted((ROOT / "meettray" / "ui" / "app_model").glob("*.py")),
    *sorted((ROOT / "meettray").glob("cli*.py")),
]
SOURCES = _FIRST + sorted(
    path
    for path in (ROOT / "meettray").rglob("*.py")
    if path not in _FIRST and "demo" not in path.relative_to(ROOT / "meettray").parts
)
MARKERS = {"tr", "_", "N_"}
#: In the command line's modules, argparse's texts are marked by where they are given
#: (``help="…"``): its formatter translates them as the help is printed.
HELP_KEYWORDS = {"help", "description", "epilog"}


def _marked(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):  # tr("a" if x else "b")
        return _marked(node.body) + _marked(node.orelse)
    return []


def extract() -> dict[str, list[str]]:
    """Every marked string, with where it is (``path:line``), in the sources' order."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            where = path.relative_to(ROOT).as_posix()  # no line: less churn
            if name in MARKERS and node.args:
                for message in _marked(node.args[0]):
                    found.setdefault(message, []).append(where)
            if path.name.startswith("cli"):  # argparse's help, translated as it is shown
                for keyword in node.keywords:
                    if keyword.arg in HELP_KEYWORDS:
                        for message in _marked(keyword.value):
                            found.setdefault(message, []).append(where)
    sys.path.insert(0, str(ROOT))
    from meettray.options import OPTION_SPECS

    for spec in OPTION_SPECS.values():
        found.setdefault(spec.label, []).append("meettray/options.py")
    return found


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render(messages: dict[str, list[str]], translations: dict[str, str], header: str) -> str:
    """A ``.po`` (or, with no translations, ``.pot``) file's text."""
    blocks = [header.strip()]
    for message, places in messages.items():
        refs = "\n".join(f"#: {place}" for place in sorted(set(places)))
        blocks.append(
            f"{refs}\nmsgid {_quote(message)}\nmsgstr {_quote(translations.get(message, ''))}"
        )
    return "\n\n".join(blocks) + "\n"


def header(language: str) -> str:
    return (
        f"# meettray's messages ({language}). Update with: python scripts/catalogs.py\n"
        'msgid ""\n'
        f'msgstr "Language: {language}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"'
    )


def update() -> None:
    sys.path.insert(0, str(ROOT))
    from meettray.i18n import parse_po

    messages = extract()
    (LOCALE / "meettray.pot").write_text(render(messages, {}, header("template")), "utf-8")
    for po in sorted(LOCALE.glob("*.po")):
        have = parse_po(po.read_text(encoding="utf-8"))
        po.write_text(render(messages, have, header(po.stem)), encoding="utf-8")


def untranslated() -> dict[str, list[str]]:
    """Per shipped language, the marked strings its catalog does not translate."""
    sys.path.insert(0, str(ROOT))
    from meettray.i18n import parse_po

    messages = extract()
    missing: dict[str, list[str]] = {}
    for po in sorted(LOCALE.glob("*.po")):
        have = parse_po(po.read_text(encoding="utf-8"))
        missing[po.stem] = [m for m in messages if m not in have]
    return missing


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        gaps = untranslated()
        for language, messages in gaps.items():
            for message in messages:
                print(f"{language}: {message!r}")  # noqa: T201
        sys.exit(1 if any(gaps.values()) else 0)
    update()
