"""With debug logging on, a whole sign-in, create, refresh and error cycle leaks no secret."""

from __future__ import annotations

from pathlib import Path

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import BROWSER_COMMAND, run_cli

SECRET = "Sup3r-Secret-Client-Value-0042"


def test_no_secret_in_logs_or_output(
    config_file: Path, fake: FakeMicrosoft365, user_dirs: Path, tmp_path: Path
) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "BROWSER": BROWSER_COMMAND}
    outputs = []

    def run(*args: str, **extra: str) -> None:
        done = run_cli("-vvv", *args, env={**env, **extra})  # debug, libraries included
        outputs.append(done.stdout + done.stderr)

    run("login")  # browser: authorization code + PKCE
    run("login", "--device-code")
    run("now", "--no-copy")
    fake.expire_access_tokens()
    run("now", "--no-copy")  # 401, refresh token grant
    fake.signed_in_user.guest = True
    run("now", "--no-copy")  # a Graph error with its body
    fake.signed_in_user.guest = False
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    run("now", "--no-copy")  # invalid_grant

    # Application mode with a client secret, right and wrong.
    fake.add_app("daemon-app", secret=SECRET)
    app_config = tmp_path / "app.toml"
    app_config.write_text(
        f'[account]\nmode = "application"\nclient_id = "daemon-app"\n'
        f'user_id = "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01"\nauthority = "{fake.authority}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
    )
    run("--config", str(app_config), "now", "--no-copy", MEETTRAY_CLIENT_SECRET=SECRET)
    run("--config", str(app_config), "now", "--no-copy", MEETTRAY_CLIENT_SECRET=SECRET + "x")

    logs = "".join(p.read_text() for p in (user_dirs / "state").rglob("*.log*"))
    everything = logs + "".join(outputs)
    assert "POST" in logs  # logging really was on, ours ...
    assert "DEBUG msal." in everything  # ... and the libraries' at debug level
    assert "DEBUG urllib3.connectionpool" in everything
    assert len(fake.issued_secrets) >= 8
    leaked = [s for s in [*fake.issued_secrets, SECRET] if s in everything]
    assert leaked == []
    # Nor fragments long enough to be useful.
    for secret in fake.issued_secrets:
        assert secret.split(".", 1)[-1][:20] not in everything
