"""Doctor's desktop checks: the running tray app asked when there is one (on this
display), otherwise the display, tray, clipboard and hotkeys probed here; a hotkey the
silent tray holds is said to be the tray's, not another program's."""

from __future__ import annotations

import os
import sys

from meettray import ipc
from meettray.doctor.report import OK, SKIP, WARN, Report
from meettray.i18n import _
from meettray.ipc import HotkeyState


def desktop_checks(report: Report, *, demo: bool, hotkeys: dict[str, str] | None = None) -> None:
    try:
        answer = ipc.ask(ipc.Request("status"), demo=demo, timeout=5)
    except ipc.NoAnswer as exc:
        said = _("running, but {problem}: quit it and start it again").format(problem=exc)
        report.add("Tray app", WARN, said)
        answer = None
    here = ipc.display_name()
    if (
        answer is not None
        and answer.ok
        and answer.status is not None
        and (answer.status.display and here and answer.status.display != here)
    ):
        report.add(
            "Tray app",
            WARN,
            _(
                "running on another display ({other}; this is {here}): the checks below probe "
                "this one"
            ).format(other=answer.status.display, here=here),
            _("Quit that tray and start meettray here, or run doctor on that display."),
        )
        answer = None
    if answer is not None and answer.ok and answer.status is not None:
        status = answer.status
        running = (
            _("running on {display}").format(display=status.display)
            if status.display
            else _("running")
        )
        report.add("Tray app", OK, running)
        report.add(
            "System tray",
            OK if status.tray else WARN,
            _("the icon is in the tray") if status.tray else _("no system tray: a window is used"),
        )
        _hotkey_lines(report, status.backend, status.hotkeys)
        return
    if answer is not None:
        report.add("Tray app", WARN, _("running, but it did not answer: {problem}").format(
            problem=answer.message))  # fmt: skip
    elif not any(check.name == "Tray app" for check in report.checks):
        report.add("Tray app", OK, _("not running (checks below probe this session)"))
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        report.add(
            "Display",
            WARN,
            _("no desktop session: the tray app cannot run here"),
            _("The command line still works: meettray now"),
        )
        for name in ("System tray", "Clipboard", "Hotkeys"):
            report.add(name, SKIP, _("not checked: {why}").format(why=_("no display")))
        return
    from meettray.platform.probe import desktop_probe

    probe = desktop_probe(hotkeys or {})
    probed = probe.hotkeys if not _tray_holds_lock(demo) else _held_by_tray(probe.hotkeys)
    report.add("Display", OK, _("{platform} session").format(platform=probe.platform))
    report.add(
        "System tray",
        OK if probe.tray else WARN,
        _("available") if probe.tray else _("not available: meettray will show a window instead"),
    )
    report.add(
        "Clipboard",
        OK if probe.clipboard else WARN,
        probe.clipboard_detail,
    )
    _hotkey_lines(report, probe.backend, probed)


def _tray_holds_lock(demo: bool) -> bool:
    """Whether a tray runs (it holds the one-tray lock) although it did not answer."""
    from meettray import lock

    try:
        claimed = lock.claim_instance(demo=demo)
    except (OSError, NotImplementedError):
        return False
    if claimed is None:
        return True
    claimed.release()
    return False


def _held_by_tray(hotkeys: dict[str, HotkeyState]) -> dict[str, HotkeyState]:
    """A hotkey the probe found taken while meettray's own tray runs: that tray holds
    it, not another program."""
    from meettray.hotkeys.keys import taken_hotkey

    held: dict[str, HotkeyState] = {}
    for action, state in hotkeys.items():
        key = None if state.ok else taken_hotkey(state.detail)
        held[action] = state if key is None else HotkeyState(
            _("{hotkey} is held by the meettray tray that is running (it did not answer "
              "doctor).").format(hotkey=key),
            False,
            _("Quit that tray and start meettray again, then run doctor once more."),
        )  # fmt: skip
    return held


def _hotkey_lines(report: Report, backend: str, hotkeys: dict[str, HotkeyState]) -> None:
    for action, state in hotkeys.items():
        report.add(
            f"Hotkey ({action}, {backend})",
            OK if state.ok else WARN,
            state.detail,
            "" if state.ok else state.fix,
        )
