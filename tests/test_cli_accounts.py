"""Several accounts through the real path: the ``meettray`` command in its own process,
msal and requests against the fake Microsoft 365 over HTTPS, with two tenants (Contoso,
whose person is Adele, and Fabrikam, whose person is Alex)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meettray import paths
from meettray.accounts import MEETINGS
from meettray.auth import build_token_cache
from meettray.config import load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode

from .conftest import CLIENT_ID, run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def settings(fake: FakeMicrosoft365, *, spares: bool = False, extra: str = "") -> str:
    return (
        "[account]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
        "[accounts.fabrikam]  # the customer\n"
        'label = "Fabrikam"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority_for("fabrikam")}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
        "[meeting]\n"
        f"prepare_next_link = {'true' if spares else 'false'}\n"
        '[presets.quick]\nsubject = "Quick"\n'
        '[presets.customer]\nsubject = "Customer call"\naccount = "fabrikam"\n' + extra
    )


@pytest.fixture
def two_accounts(config_file: Path, fake: FakeMicrosoft365) -> Path:
    """Settings with two accounts, both signed in."""
    config_file.write_text(settings(fake))
    login("main")
    login("fabrikam")
    return config_file


def login(account: str) -> None:
    done = run_cli("login", "--device-code", "--account", account, env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr


def cli_json(*args: str) -> Any:
    done = run_cli(*args, "--json", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def owner_of(fake: FakeMicrosoft365, meeting_id: str) -> tuple[str, str]:
    """Whose meeting it is on the server: the organizer's name and tenant."""
    organizer = fake.meetings[meeting_id]["participants"]["organizer"]
    person = next(u for u in fake.identity.users.values() if u.upn == organizer["upn"])
    return person.upn, person.tenant_id


def test_two_accounts_signed_in_each_its_own_person(
    two_accounts: Path, fake: FakeMicrosoft365
) -> None:
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    listed = cli_json("accounts")
    assert listed == [
        {"name": "main", "label": "main", "username": fake.signed_in_user.upn,
         "tenant_id": fake.tenant_id, "signed_in": True, "default": True},
        {"name": "fabrikam", "label": "Fabrikam", "username": alex.upn,
         "tenant_id": alex.tenant_id, "signed_in": True, "default": False},
    ]  # fmt: skip
    assert alex.tenant_id != fake.tenant_id
    text = run_cli("accounts").stdout
    assert "* main: adele@contoso.example" in text
    assert "  fabrikam “Fabrikam”: alex@fabrikam.example" in text


def test_now_account_and_a_presets_account_make_the_meeting_in_that_tenant(
    two_accounts: Path, fake: FakeMicrosoft365
) -> None:
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    theirs = cli_json("now", "--no-copy", "--account", "fabrikam")
    assert owner_of(fake, theirs["id"]) == (alex.upn, alex.tenant_id)
    assert (theirs["account"], theirs["organizer"]) == ("fabrikam", alex.upn)

    customer = cli_json("now", "--no-copy", "--preset", "customer")
    assert owner_of(fake, customer["id"]) == (alex.upn, alex.tenant_id)
    assert customer["subject"] == "Customer call"

    ours = cli_json("now", "--no-copy")  # the default account
    assert owner_of(fake, ours["id"]) == (fake.signed_in_user.upn, fake.tenant_id)
    assert ours["account"] == "main"
    # --account wins over the preset's
    mine = cli_json("now", "--no-copy", "--preset", "customer", "--account", "main")
    assert owner_of(fake, mine["id"]) == (fake.signed_in_user.upn, fake.tenant_id)

    later = cli_json("schedule", "--subject", "Review", "--start", "2030-01-02T10:00",
                     "--duration", "30", "--no-copy", "--account", "fabrikam")  # fmt: skip
    assert owner_of(fake, later["id"]) == (alex.upn, alex.tenant_id)

    rows = cli_json("history", "--account", "fabrikam")
    assert [(r["id"], r["account"], r["organizer"]) for r in rows] == [
        (later["id"], "fabrikam", alex.upn),
        (customer["id"], "fabrikam", alex.upn),
        (theirs["id"], "fabrikam", alex.upn),
    ]
    everyone = cli_json("history")
    assert {r["account"] for r in everyone} == {"main", "fabrikam"}
    assert len(everyone) == 5


def test_the_default_account_makes_a_plain_meet_now(
    two_accounts: Path, fake: FakeMicrosoft365
) -> None:
    two_accounts.write_text(settings(fake, extra='[ui]\ndefault_account = "fabrikam"\n'))
    made = cli_json("now", "--no-copy")
    assert made["account"] == "fabrikam"
    assert owner_of(fake, made["id"])[0] == "alex@fabrikam.example"
    assert [r["default"] for r in cli_json("accounts")] == [False, True]


def test_logout_of_one_leaves_the_other_working(two_accounts: Path, fake: FakeMicrosoft365) -> None:
    done = run_cli("logout", "--account", "fabrikam")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Signed out alex@fabrikam.example. (account fabrikam: Fabrikam)\n"
    assert [r["signed_in"] for r in cli_json("accounts")] == [True, False]

    refused = run_cli("now", "--no-copy", "--account", "fabrikam", env=NO_DISPLAY)
    assert refused.returncode == ExitCode.SIGN_IN
    assert "meettray: Fabrikam: You are not signed in." in refused.stderr  # names the account

    made = cli_json("now", "--no-copy")
    assert owner_of(fake, made["id"]) == (fake.signed_in_user.upn, fake.tenant_id)


@pytest.mark.parametrize(
    "args",
    [("now", "--no-copy"), ("now",), ("schedule", "--subject", "x", "--start", "2030-01-01T10:00",
     "--duration", "30"), ("history",), ("login",), ("logout",), ("upcoming",)],
)  # fmt: skip
def test_an_unknown_account_exits_3_naming_the_accounts_there_are(
    config_file: Path, fake: FakeMicrosoft365, args: tuple[str, ...]
) -> None:
    config_file.write_text(settings(fake))
    done = run_cli(*args, "--account", "globex", env=NO_DISPLAY)
    assert done.returncode == ExitCode.SETTINGS, done.stderr
    assert done.stderr.strip().endswith(
        f"There is no account 'globex' in {config_file}; the accounts are: main, fabrikam."
    )


def test_an_old_single_account_install_keeps_working_without_a_new_sign_in(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    """The settings file of one account and a token cache as a single-account meettray
    wrote it (its msal application, nothing recorded per account)."""
    import msal

    cache, _status = build_token_cache(paths.data_dir() / "token-cache.bin")
    app = msal.PublicClientApplication(CLIENT_ID, authority=fake.authority, token_cache=cache,
                                       instance_discovery=False)  # fmt: skip
    result = app.acquire_token_by_device_flow(app.initiate_device_flow(scopes=[MEETINGS]))
    assert "access_token" in result
    assert not (paths.data_dir() / "accounts").exists()
    sign_ins = len([r for r in fake.requests if "devicecode" in r.path])

    made = cli_json("now", "--no-copy")
    assert owner_of(fake, made["id"]) == (fake.signed_in_user.upn, fake.tenant_id)
    assert cli_json("accounts")[0]["signed_in"] is True

    # A second account added later: its sign-in leaves the old one main's.
    config_file.write_text(
        config_file.read_text().replace("[meeting]", _fabrikam(fake) + "[meeting]")
    )
    login("fabrikam")
    assert [r["username"] for r in cli_json("accounts")] == [
        fake.signed_in_user.upn,
        "alex@fabrikam.example",
    ]
    made = cli_json("now", "--no-copy")
    assert made["organizer"] == fake.signed_in_user.upn
    assert len([r for r in fake.requests if "devicecode" in r.path]) == sign_ins + 1  # Alex's


def _fabrikam(fake: FakeMicrosoft365) -> str:
    return (
        "[accounts.fabrikam]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority_for("fabrikam")}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
    )


def test_a_spare_never_crosses_accounts(config_file: Path, fake: FakeMicrosoft365) -> None:
    """Each signed-in account's spare: taken only by its own account (the command's fast
    path too), left alone by the other's checks and sign-out."""
    from meettray.service import build_service

    config_file.write_text(settings(fake, spares=True))
    login("main")
    login("fabrikam")
    config = load_config(config_file)
    main, theirs = (
        build_service(config.for_account("main")),
        build_service(config.for_account("fabrikam")),
    )
    try:
        assert main.prepare_spare() is True
        assert theirs.prepare_spare() is True
        spares = {s.account: s for s in main.history.spares()}
        assert set(spares) == {"adele@contoso.example", "alex@fabrikam.example"}
        main.settle_spares()  # fabrikam's spare is not main's to judge
        theirs.settle_spares()
        assert len(main.history.spares()) == 2

        made = cli_json("now", "--no-copy", "--account", "fabrikam")
        assert made["id"] == spares["alex@fabrikam.example"].meeting.id  # its own spare
        assert owner_of(fake, made["id"])[0] == "alex@fabrikam.example"
        (left,) = main.history.spares()
        assert left.account == "adele@contoso.example"  # main's is still there

        assert theirs.prepare_spare() is True
        # Another person signs in to Fabrikam: Alex's spare goes, main's stays.
        alex = fake.tenant("fabrikam").person
        assert alex is not None
        fake.sign_in_as(fake.add_user("sam@fabrikam.example", "Sam", tenant_id=alex.tenant_id))
        login("fabrikam")
        fake.sign_in_as(None)
        assert [s.account for s in main.history.spares()] == ["adele@contoso.example"]
        assert cli_json("accounts")[1]["username"] == "sam@fabrikam.example"
        theirs.close()
        theirs = build_service(config.for_account("fabrikam"))
        assert theirs.prepare_spare() is True
        done = run_cli("logout", "--account", "main")  # deletes main's spare only
        assert done.returncode == 0, done.stderr
        (kept,) = main.history.spares()
        assert kept.account == "sam@fabrikam.example"
        assert kept.meeting.id in fake.meetings
        assert spares["adele@contoso.example"].meeting.id not in fake.meetings
    finally:
        main.close()
        theirs.close()


def test_an_application_mode_account_beside_a_delegated_one(
    config_file: Path, fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    """App-only and delegated profiles mixed: the app's meeting is made for its user_id,
    with its own secret file, while the person's account keeps its sign-in."""
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    fake.add_app("ops-app", secret="s3cret-value", tenant_id=alex.tenant_id)
    secret = tmp_path / "ops-secret"
    secret.write_text("s3cret-value")
    config_file.write_text(settings(fake) + (
        "[accounts.ops]\n"
        'mode = "application"\n'
        'client_id = "ops-app"\n'
        f'tenant = "{alex.tenant_id}"\n'
        f'authority = "{fake.authority_for("fabrikam")}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
        f'user_id = "{alex.oid}"\n'
        f'client_secret_file = "{secret}"\n'
    ))  # fmt: skip
    login("main")
    listed = {r["name"]: r for r in cli_json("accounts")}
    assert listed["ops"]["signed_in"] is True
    assert listed["ops"]["username"] == alex.oid
    assert listed["fabrikam"]["signed_in"] is False

    made = cli_json("now", "--no-copy", "--account", "ops")
    assert owner_of(fake, made["id"]) == (alex.upn, alex.tenant_id)
    assert made["account"] == "ops"
    mine = cli_json("now", "--no-copy")
    assert owner_of(fake, mine["id"]) == (fake.signed_in_user.upn, fake.tenant_id)


def test_doctor_checks_each_account(config_file: Path, fake: FakeMicrosoft365) -> None:
    config_file.write_text(settings(fake))
    login("main")
    done = run_cli("doctor", "--json", env=NO_DISPLAY)
    assert done.returncode == ExitCode.DOCTOR_FOUND_PROBLEMS  # fabrikam: nobody signed in
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["Signed in (main)"]["status"] == "ok"
    assert checks["Microsoft Graph (main)"]["status"] == "ok"
    assert checks["Signed in (fabrikam)"]["status"] == "failure"
    assert checks["Signed in (fabrikam)"]["fix"] == "Run: meettray login --account fabrikam"
    assert fake.tenant_id in checks["Cloud (main)"]["detail"]
    assert fake.tenant("fabrikam").tenant_id in checks["Cloud (fabrikam)"]["detail"]
    login("fabrikam")
    again = run_cli("doctor", "--json", env=NO_DISPLAY)
    checks = {c["name"]: c for c in json.loads(again.stdout)["checks"]}
    assert checks["Signed in (fabrikam)"]["detail"].startswith("alex@fabrikam.example")


def test_an_account_that_cannot_be_asked_does_not_hide_the_others(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    config_file.write_text(settings(fake) + (
        '[accounts.ops]\nmode = "application"\nclient_id = "x"\n'
        f'tenant = "{fake.tenant_id}"\nuser_id = "{fake.signed_in_user.oid}"\n'
    ))  # fmt: skip
    login("main")
    done = run_cli("accounts", "--json", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    assert [(r["name"], r["signed_in"]) for r in json.loads(done.stdout)] == [
        ("main", True),
        ("fabrikam", False),
        ("ops", False),
    ]
    assert "meettray: ops: Application mode needs the app's client secret" in done.stderr
