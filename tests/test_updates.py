"""The opt-in update check, against a fake releases server on 127.0.0.1."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from meettray import updates
from meettray.updates import INTERVAL, RELEASE_PAGES, Update, check, managed_by


class Releases:
    """GitHub's 'latest release' answer, as the test sets it; counts the requests."""

    def __init__(self) -> None:
        self.body: bytes = b""
        self.hits = 0
        handler = functools.partial(_Handler, self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/releases/latest"

    def release(self, tag: str, page: str | None = None) -> None:
        page = page or f"{RELEASE_PAGES}tag/{tag}"
        self.body = json.dumps({"tag_name": tag, "html_url": page}).encode()


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, releases: Releases, *args: object) -> None:
        self.releases = releases
        super().__init__(*args)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        self.releases.hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.releases.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def releases() -> Iterator[Releases]:
    server = Releases()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_a_newer_release_is_found_at_most_daily(releases: Releases, tmp_path: Path) -> None:
    stamp = tmp_path / "update-check"
    releases.release("v0.2.0")
    clock = [1_000_000.0]
    found = check(stamp, url=releases.url, current="0.1.0", now=lambda: clock[0])
    assert found == Update("0.2.0", f"{RELEASE_PAGES}tag/v0.2.0")
    clock[0] += INTERVAL - 1
    assert check(stamp, url=releases.url, current="0.1.0", now=lambda: clock[0]) is None
    assert releases.hits == 1  # not asked again within the day
    clock[0] += 1
    assert check(stamp, url=releases.url, current="0.2.0", now=lambda: clock[0]) is None
    assert releases.hits == 2  # asked; the same version is no news


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"tag_name": "v9.0.0"}',
        json.dumps({"tag_name": "v9.0.0", "html_url": "https://evil.example/"}).encode(),
        json.dumps({"tag_name": "v9.0.0", "html_url": f"{RELEASE_PAGES}tag/v9.0.0\u202e"}).encode(),
        json.dumps({"tag_name": "latest", "html_url": f"{RELEASE_PAGES}tag/latest"}).encode(),
        b'{"tag_name": "v9.0.0", "x": "' + b"a" * (updates.MAX_ANSWER + 1) + b'"}',
    ],
)
def test_an_odd_answer_is_no_update(releases: Releases, tmp_path: Path, body: bytes) -> None:
    releases.body = body
    assert check(tmp_path / "stamp", url=releases.url, current="0.1.0") is None


def test_only_https_away_from_this_machine(tmp_path: Path) -> None:
    assert check(tmp_path / "stamp", url="http://releases.example/latest") is None
    assert check(tmp_path / "other", url="file:///etc/passwd") is None


@pytest.mark.parametrize(
    ("executable", "prefix", "base", "frozen", "platform", "manager"),
    [
        ("/opt/homebrew/Cellar/meettray/1/libexec/bin/python", "/opt/homebrew/Cellar/x",
         "/opt/homebrew", False, "darwin", "Homebrew"),
        ("C:/Users/a/AppData/Local/Microsoft/WinGet/Packages/meettray/meettray.exe", "C:/x",
         "C:/x", True, "win32", "winget"),
        ("/opt/meettray/meettray", "/opt/meettray", "/opt/meettray", True, "linux",
         "the Linux package"),
        ("/usr/bin/python3", "/usr", "/usr", False, "linux",
         "your distribution's package manager"),
        ("/home/a/.local/pipx/venvs/meettray/bin/python", "/home/a/.local/pipx/venvs/meettray",
         "/usr", False, "linux", "your distribution's pipx"),
        ("/home/a/.venv/bin/python", "/home/a/.venv", "/usr", False, "linux", ""),
        ("/usr/local/bin/python3", "/usr/local", "/usr/local", False, "linux", ""),
        ("/Applications/meettray.app/Contents/MacOS/meettray", "/x", "/x", True, "darwin", ""),
    ],
)  # fmt: skip
def test_off_where_a_package_manager_owns_the_install(
    executable: str, prefix: str, base: str, frozen: bool, platform: str, manager: str
) -> None:
    assert managed_by(executable=executable, prefix=prefix, base_prefix=base, frozen=frozen,
                      platform=platform) == manager  # fmt: skip
