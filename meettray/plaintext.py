"""Text from outside, made safe to print or show as text (no Qt, nothing else loaded)."""

from __future__ import annotations

import re
from functools import cache

TYPE_CHECKING = False  # typing is not loaded: 'meettray now' prints through this module
if TYPE_CHECKING:
    from typing import Any

#: Characters that act on a terminal or on the text around them instead of showing:
#: C0 and C1 controls (a terminal's escapes start with ESC), and the Unicode direction
#: overrides and isolates that show a subject reversed.
INVISIBLE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
#: Characters that show as nothing at all (zero-width space, joiners, word joiner,
#: byte-order mark, soft hyphen): inside a host name they hide what a link really is.
ZERO_WIDTH = "\u00ad\u200b-\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")
#: What JSON leaves raw with ``ensure_ascii=False`` but a terminal acts on or hides.
_JSON_RAW = f"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069{ZERO_WIDTH}\u2028\u2029]"
#: Something a mail program or chat would make a link of: an address with a scheme, one
#: starting "www.", or a host name (two labels or more, a letter top-level domain).
_LINKABLE = (
    r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:/[^\s<>\"']*)?"
)
#: Domains whose addresses Teams' own invitation links to (and their subdomains).
TRUSTED_DOMAINS = ("microsoft.com", "microsoft.us", "aka.ms", "cloud.microsoft")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """The patterns only some callers need, compiled at first use: ``meettray now``
    prints through :func:`displayable` alone, and compiling the rest took 3 ms of it."""
    return re.compile(pattern)


def displayable(text: str) -> str:
    """Text from outside (Graph, history) made safe to show on one line: controls and
    direction overrides become a space.  The stored value is left as it was."""
    return _INVISIBLE.sub(" ", text)


def json_text(value: Any, **options: Any) -> str:
    """``value`` as JSON for a terminal or a script: readable text kept as it is (not
    ``\\u`` escapes), but DEL, C1 controls, direction overrides, invisible characters and
    line separators escaped, which ``ensure_ascii=False`` would print raw (JSON escapes
    only C0 itself).  They occur only inside strings, so the JSON stays the same data."""
    import json

    text = json.dumps(value, ensure_ascii=False, **options)
    return _compiled(_JSON_RAW).sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def without_zero_width(text: str) -> str:
    """``text`` without the characters that show as nothing (:data:`ZERO_WIDTH`)."""
    return _ZERO_WIDTH.sub("", text)


def unlinked(text: str, hosts: frozenset[str] = frozenset()) -> str:
    """Plain text in which every address on a host other than ``hosts`` and
    :data:`TRUSTED_DOMAINS` is written so that no program makes a link of it
    (``https[:]//teams[.]microsoft[.]com[.]evil[.]example/…``): a look-alike is shown
    as text, never as a link.  Invisible characters go first: they would hide the host."""
    text = without_zero_width(text)

    def written(found: re.Match[str]) -> str:
        address = found.group()
        host = _host(address)
        if host is not None and _trusted(host, hosts):
            return address
        return address.replace("://", "[:]//").replace(".", "[.]")

    return _compiled(_LINKABLE).sub(written, text)


def _host(address: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(address if "://" in address else f"http://{address}").hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def _trusted(host: str, hosts: frozenset[str]) -> bool:
    return host in hosts or any(host == d or host.endswith(f".{d}") for d in TRUSTED_DOMAINS)
