"""Text from outside, made safe to print or show as text (no Qt, nothing else loaded)."""

from __future__ import annotations

import re

#: Characters that act on a terminal or on the text around them instead of showing:
#: C0 and C1 controls (a terminal's escapes start with ESC), and the Unicode direction
#: overrides and isolates that show a subject reversed.
INVISIBLE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def displayable(text: str) -> str:
    """Text from outside (Graph, history) made safe to show on one line: controls and
    direction overrides become a space.  The stored value is left as it was."""
    return _INVISIBLE.sub(" ", text)
