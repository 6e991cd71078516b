"""`meettray setup`: the registration an admin can follow, run against a stand-in `az`.

The stand-in records each call's arguments and answers as the Azure CLI does
(`az ad app create … --query appId -o tsv` prints the new application id).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from meettray.registration import GRAPH_APP_ID, PERMISSIONS

from .conftest import run_cli

pytestmark = pytest.mark.posix

NEW_APP = "0b7e3c55-1f2a-4d1e-9c8b-2f6a4e5d7c10"
AZ = f"""#!{sys.executable}
import json, os, sys
with open(os.environ["AZ_CALLS"], "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:4] == ["ad", "app", "create"]:
    print("{NEW_APP}")
elif sys.argv[1:4] == ["ad", "app", "update"] and os.environ.get("AZ_FAIL_UPDATE"):
    print("ERROR: Insufficient privileges to complete the operation.", file=sys.stderr)
    sys.exit(1)
else:
    print("{{}}")
"""


@pytest.fixture
def az(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "az-bin"
    folder.mkdir()
    (folder / "az").write_text(AZ)
    (folder / "az").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
            "AZ_CALLS": str(tmp_path / "az-calls")}  # fmt: skip


def _calls(env: dict[str, str]) -> list[list[str]]:
    path = Path(env["AZ_CALLS"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_it_writes_the_manifest_and_prints_the_steps(config_file: Path, az: dict[str, str]) -> None:
    done = run_cli("setup", "--print-only", env=az)

    assert done.returncode == 0, done.stderr
    manifest = json.loads((config_file.parent / "meettray-app-registration.json").read_text())
    assert manifest == [{"resourceAppId": GRAPH_APP_ID, "resourceAccess": [
        {"id": PERMISSIONS["OnlineMeetings.ReadWrite"], "type": "Scope"},
        {"id": PERMISSIONS["Calendars.ReadWrite"], "type": "Scope"},
        {"id": "662d75ba-a364-42ad-adee-f5f880ea4878", "type": "Scope"},  # Calendars.ReadBasic
    ]}]  # fmt: skip
    steps = [line.strip() for line in done.stdout.splitlines() if "az ad" in line]
    create = "APP_ID=$(az ad app create --display-name meettray --sign-in-audience AzureADMyOrg"
    assert steps[0].startswith(f"{create} --is-fallback-public-client true")
    assert '"ms-appx-web://microsoft.aad.brokerplugin/$APP_ID"' in steps[1]
    assert steps[2] == 'az ad sp create --id "$APP_ID"'
    assert "/adminconsent?client_id=$APP_ID" in done.stdout
    assert _calls(az) == []  # nothing run


def test_with_az_and_a_yes_it_registers_and_saves_the_client_id(
    config_file: Path, az: dict[str, str]
) -> None:
    config_file.write_text("# our settings\n" + config_file.read_text())

    done = run_cli("setup", "--yes", env=az)

    assert done.returncode == 0, done.stderr
    create, update, principal = _calls(az)
    assert create[:7] == ["ad", "app", "create", "--display-name", "meettray",
                          "--sign-in-audience", "AzureADMyOrg"]  # fmt: skip
    assert create[create.index("--is-fallback-public-client") + 1] == "true"
    assert create[create.index("--required-resource-accesses") + 1] == (
        f"@{config_file.parent / 'meettray-app-registration.json'}"
    )
    uris = update[update.index("--public-client-redirect-uris") + 1 :]
    assert uris == [
        "http://localhost",
        f"ms-appx-web://microsoft.aad.brokerplugin/{NEW_APP}",
        "msauth.com.msauth.unsignedapp://auth",
        "https://login.microsoftonline.com/common/oauth2/nativeclient",
    ]
    assert principal == ["ad", "sp", "create", "--id", NEW_APP]
    saved = config_file.read_text()
    assert f'client_id = "{NEW_APP}"' in saved
    assert saved.startswith("# our settings\n")  # the file's comments are kept
    assert f"/adminconsent?client_id={NEW_APP}" in done.stdout


def test_a_failing_step_says_what_az_said_and_saves_nothing(
    config_file: Path, az: dict[str, str]
) -> None:
    before = config_file.read_text()

    done = run_cli("setup", "--yes", env={**az, "AZ_FAIL_UPDATE": "1"})

    assert done.returncode == 3  # a settings problem (README, "Exit codes")
    assert "'az ad app update' failed: ERROR: Insufficient privileges" in done.stderr
    assert config_file.read_text() == before


def test_without_a_terminal_and_without_yes_it_only_prints(
    config_file: Path, az: dict[str, str]
) -> None:
    done = run_cli("setup", env=az)

    assert done.returncode == 0
    assert "Run again with --yes" in done.stdout
    assert _calls(az) == []


def test_a_client_id_the_organisation_enforces_is_not_registered_again(
    config_file: Path, az: dict[str, str], tmp_path: Path
) -> None:
    policy = tmp_path / "xdg" / "meettray" / "policy.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text('[enforced.account]\nclient_id = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"\n')
    done = run_cli("setup", "--yes", env={**az, "XDG_CONFIG_DIRS": str(tmp_path / "xdg")})
    assert done.returncode == 3
    assert "client_id is set by your organisation" in done.stderr
    assert _calls(az) == []  # nothing registered
