"""The checks a setting's value must pass, each a sentence on what is wrong (``None``:
nothing), and how a settings field declares its default and its check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

from meettray.i18n import N_, _


def choice(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return (
            None
            if value in allowed
            else _("must be one of: {choices}").format(choices=", ".join(allowed))
        )

    return check


def https_url_or_empty(value: Any) -> str | None:
    if value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return _("must be an https:// address")
    return None


#: How long a meeting may be, in minutes: settings, presets and ``schedule --duration``.
MIN_MINUTES, MAX_MINUTES = 5, 24 * 60


def int_range(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return _("must be between {low} and {high}").format(low=low, high=high)

    return check


def not_blank(value: Any) -> str | None:
    return _("must not be empty") if not value.strip() else None


def account_name(value: Any) -> str | None:
    from meettray.choices import ACCOUNT_NAME

    if ACCOUNT_NAME.fullmatch(value):
        return None
    return "is not an account's name (lower-case letters, digits, - and _, at most 32)"


def setting(default: Any, check: Callable[[Any], str | None] | None = None) -> Any:
    return field(default=default, metadata={"check": check})


def hotkey_text(value: Any) -> str | None:
    from meettray.hotkeys.keys import Hotkey

    try:
        Hotkey.parse(value)
    except ValueError as exc:
        return _("is not a usable hotkey: {problem}").format(problem=exc)
    return None


def type_name(kind: type[Any]) -> str:
    names = {str: N_("text"), int: N_("a whole number"), bool: N_("true or false"),
             float: N_("a number")}  # fmt: skip
    return _(names[kind]) if kind in names else kind.__name__
