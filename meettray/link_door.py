"""``meettray open-link URL``: the door a ``meettray://`` link comes in by.

The desktop runs it for a link (the ``.desktop`` file's ``Exec``, the app's URL
handler).  A running tray gets the link as it is and reads it itself; with no
tray, a ``now`` link is made here, as a cold ``meettray now`` (at most one per
5 s across processes), a ``join`` link opens in the browser, and links that
need a window (``schedule``, ``history``, a ``now`` link with link meetings off)
start the tray and hand it the link.  Anything refused is said on stderr and
as a desktop notification, since whoever clicked a link has no terminal.
"""

from __future__ import annotations

import html
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from meettray.errors import ConfigError, ExitCode, MeettrayError
from meettray.i18n import _
from meettray.links import (
    LINK_INTERVAL,
    NEEDS_UPCOMING,
    JoinLink,
    JoinNextLink,
    LinkRefused,
    NowLink,
    allow_cold,
    parse_link,
)
from meettray.plaintext import displayable

log = logging.getLogger(__name__)

#: How long a tray started for a link has to answer.
TRAY_START_SECONDS = 20.0


@dataclass(frozen=True)
class ColdNow:
    """A ``now`` link to make here, as ``meettray now`` would (no tray runs)."""

    subject: str | None
    preset: str | None
    #: The id a tray that died was given (``None``: a new meeting, the spare allowed).
    external_id: str | None = None


def follow_link(url: str, *, demo: bool, config: Path | None, out: TextIO) -> int | ColdNow:
    """Follow ``url``: through the running tray, or here; an exit status, or the Meet
    now the caller makes as a cold ``meettray now``."""
    from meettray import ipc, new_external_id

    external_id = new_external_id()
    shown: list[ipc.Outcome] = []

    def link_ready(first: ipc.Outcome) -> None:
        if first.ok and first.meeting is not None:
            print(displayable(str(first.meeting["join_url"])), file=out, flush=True)
            shown.append(first)

    request = ipc.Request("link", link=url, external_id=external_id)
    try:
        answer = ipc.ask(request, demo=demo, on_link=link_ready)
    except ipc.NoAnswer as exc:
        if shown:
            return ExitCode.OK
        print(f"meettray: {exc}.", file=sys.stderr)
        return _cold(url, demo=demo, config=config, external_id=external_id)
    if answer is None:
        return _cold(url, demo=demo, config=config)
    return _answered(answer, out, shown=bool(shown))


def _answered(answer: object, out: TextIO, *, shown: bool) -> int:
    """The tray's final answer (it told the person itself)."""
    from meettray.ipc import Outcome

    assert isinstance(answer, Outcome)
    if not answer.ok:
        print(f"meettray: {displayable(answer.message)}", file=sys.stderr)
        return answer.exit_code if answer.exit_code in set(ExitCode) else ExitCode.UNEXPECTED
    if answer.meeting is not None and not shown:
        print(displayable(str(answer.meeting["join_url"])), file=out)
    return ExitCode.OK


def _cold(url: str, *, demo: bool, config: Path | None, external_id: str | None = None
          ) -> int | ColdNow:  # fmt: skip
    from meettray import paths
    from meettray.config import load_config

    try:
        settings = load_config(config or paths.config_file(demo=demo))
        link = parse_link(url, hosts=settings.account.link_hosts(demo=demo))
        if isinstance(link, NowLink):
            if link.preset is not None:
                try:
                    settings.preset(link.preset)
                except ConfigError:
                    raise LinkRefused(
                        _("The meettray link was refused: there is no preset '{preset}'.").format(
                            preset=link.preset
                        )
                    ) from None
            if not settings.ui.allow_link_meetings:
                return _through_new_tray(url, demo=demo, config=config)
            if external_id is None and not allow_cold(_runtime_folder()):
                raise LinkRefused(
                    _("A meeting was made from a meettray link less than {seconds} s ago; this "
                      "link made none.").format(seconds=f"{LINK_INTERVAL:.0f}")
                )  # fmt: skip
            return ColdNow(link.subject, link.preset, external_id)
        if isinstance(link, JoinLink):
            import webbrowser

            if not webbrowser.open(link.url):
                raise MeettrayError(_("No browser could be opened for the Teams link."))
            return ExitCode.OK
        if isinstance(link, JoinNextLink):
            raise LinkRefused(NEEDS_UPCOMING)
        return _through_new_tray(url, demo=demo, config=config)
    except MeettrayError as exc:
        tell(exc.message)
        return exc.exit_code


def _runtime_folder() -> Path:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import platformdirs

        folder = Path(platformdirs.user_runtime_dir("meettray", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    from meettray.lock import runtime_dir

    return Path(runtime_dir())


def _through_new_tray(url: str, *, demo: bool, config: Path | None) -> int:
    """Start the tray app, and give it the link once it answers."""
    from meettray import ipc
    from meettray.platform.autostart import launch_command

    command = launch_command() + (["--demo"] if demo else [])
    command += ["--config", str(config)] if config else []
    log.info("link: starting the tray app for it")
    options: dict[str, object] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                                  "stderr": subprocess.DEVNULL}  # fmt: skip
    if sys.platform == "win32":  # pragma: no cover - Windows only
        options["creationflags"] = subprocess.DETACHED_PROCESS  # type: ignore[attr-defined,unused-ignore]
    else:
        options["start_new_session"] = True
    try:
        subprocess.Popen(command, **options)  # type: ignore[call-overload]  # noqa: S603
    except OSError as exc:
        raise MeettrayError(
            _("meettray could not start its tray app for the link: {problem}.").format(problem=exc)
        ) from None
    deadline = time.monotonic() + TRAY_START_SECONDS
    while time.monotonic() < deadline:
        answer = ipc.ask(ipc.Request("link", link=url), demo=demo)
        if answer is not None:
            return _answered(answer, sys.stdout, shown=False)
        time.sleep(0.2)
    raise MeettrayError(_("The meettray tray app did not start in time to open the link."))


def tell(message: str) -> None:
    """Say ``message`` on stderr and, where the desktop has ``notify-send``, as a
    notification: whoever clicked a link has no terminal."""
    print(f"meettray: {displayable(message)}", file=sys.stderr)
    notify_send = shutil.which("notify-send") if sys.platform.startswith("linux") else None
    if notify_send is None:
        return
    try:  # the body may be rendered as markup: escaped
        command = [notify_send, "--app-name=meettray", "meettray link refused",
                   html.escape(displayable(message), quote=False)]  # fmt: skip
        subprocess.run(command, timeout=5, check=False, stdout=subprocess.DEVNULL,  # noqa: S603
                       stderr=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("no notification for the refused link: %s", exc)
