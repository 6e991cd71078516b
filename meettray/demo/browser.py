"""A tiny stand-in for the person's browser, for the fake's sign-in page.

It fetches the authorize URL (trusting the fake's CA), reads the auto-submitting
``form_post`` page and posts the form to the app's loopback redirect, exactly as
a browser would after the person has signed in.  Tests and ``meettray --demo``
use it instead of opening a real browser on a self-signed certificate.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import requests


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values.get("name", "")] = values.get("value", "")


class FakeBrowser:
    """Callable ``(url) -> None`` that completes a sign-in against the fake."""

    def __init__(self, ca_path: Path) -> None:
        self.ca_path = ca_path
        self.visited: list[str] = []

    def __call__(self, url: str) -> None:
        self.visited.append(url)
        page = requests.get(url, verify=str(self.ca_path), timeout=10)
        parser = _FormParser()
        parser.feed(page.text)
        if not parser.action:
            raise RuntimeError(f"the sign-in page has no form: {page.text[:200]}")
        # The redirect goes to the app's own plain-http loopback listener.
        requests.post(parser.action, data=parser.fields, timeout=10)


def main(argv: list[str]) -> int:
    """``BROWSER="python -m meettray.demo.browser %s"``: sign in from a subprocess."""
    import os

    FakeBrowser(Path(os.environ["REQUESTS_CA_BUNDLE"]))(argv[1])
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv))
