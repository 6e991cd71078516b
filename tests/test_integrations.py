"""Every ready-made command in integrations/, run against the demo (``--demo``)."""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent / "integrations"
RAYCAST = sorted((ROOT / "raycast").glob("*.sh"))

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="bash scripts")


def env() -> dict[str, str]:
    return {**os.environ, "MEETTRAY": f"{sys.executable} -m meettray --demo", "DISPLAY": "",
            "WAYLAND_DISPLAY": ""}  # fmt: skip


def bash(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", *args], env=env(), capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def subjects() -> list[str]:
    done = run_cli("--demo", "history", "--json")
    return [str(m["subject"]) for m in json.loads(done.stdout)]


def test_raycast_script_commands_declare_what_raycast_needs() -> None:
    assert len(RAYCAST) == 5
    for script in RAYCAST:
        text = script.read_text()
        for field in ("schemaVersion 1", "title ", "mode ", "packageName meettray"):
            assert f"# @raycast.{field}" in text, (script.name, field)
        assert os.access(script, os.X_OK), script.name


def test_every_raycast_script_command_against_the_demo(user_dirs: Path) -> None:
    script = {s.name.removeprefix("meettray-").removesuffix(".sh"): str(s) for s in RAYCAST}
    empty = bash(script["copy-last-link"])
    assert (empty.returncode, empty.stdout.strip()) == (1, "No meeting yet")
    for name, subject in (("meet-now", "Quick meeting"),
                          ("meet-now-incident", "Incident bridge"),
                          ("meet-now-customer", "Customer call")):  # fmt: skip
        done = bash(script[name])
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("https://demo.meettray.invalid/")
        assert subjects()[0].startswith(subject)
    last = bash(script["copy-last-link"])
    assert last.returncode == 0, last.stderr
    assert last.stdout.strip() == done.stdout.strip()
    join = bash(script["join-next"])
    assert join.returncode != 0
    assert "upcoming-meetings" in join.stderr


def test_the_alfred_workflows_scripts_against_the_demo(user_dirs: Path) -> None:
    workflow = plistlib.loads((ROOT / "alfred" / "info.plist").read_bytes())
    objects = {o["uid"]: o for o in workflow["objects"]}
    keywords = {}
    for source, targets in workflow["connections"].items():
        (target,) = targets
        assert objects[source]["type"] == "alfred.workflow.input.keyword"
        action = objects[target["destinationuid"]]
        assert action["type"] == "alfred.workflow.action.script"
        keywords[objects[source]["config"]["keyword"]] = action["config"]["script"]
    assert set(keywords) == {"meet", "meetjoin"}
    done = bash("-c", keywords["meet"], "alfred", "incident")
    assert done.returncode == 0, done.stderr
    assert subjects()[0].startswith("Incident bridge")
    done = bash("-c", keywords["meet"], "alfred")
    assert done.returncode == 0, done.stderr
    assert subjects()[0] == "Quick meeting"
    assert "upcoming-meetings" in bash("-c", keywords["meetjoin"], "alfred").stderr


@pytest.mark.skipif(shutil.which("gsettings") is None, reason="needs gsettings (GLib)")
def test_the_gnome_shortcut_example_with_gsettings() -> None:
    done = subprocess.run(["bash", str(ROOT / "desktop" / "gnome-shortcut.sh")],
                          env={**os.environ, "GSETTINGS_BACKEND": "memory"},
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "now runs: meettray now --preset incident" in done.stdout


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_the_kde_shortcut_entry_is_valid() -> None:
    entry = ROOT / "desktop" / "meettray-incident.desktop"
    checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                             text=True, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout
