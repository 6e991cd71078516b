"""The portal flow with the D-Bus side faked: session, bind, activation, refusals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.keys import Hotkey
from meettray.hotkeys.portal import PortalBackend


class FakePortal:
    """Records calls; the test answers each Request like the desktop would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.pending: dict[str, Callable[[int, dict[str, Any]], None]] = {}
        self.activated: Callable[[str, str], None] | None = None

    def available(self) -> bool:
        return True

    def create_session(self, handle_token: str, session_token: str) -> str:
        self.calls.append(("CreateSession", (handle_token, session_token)))
        return f"/request/{len(self.calls)}"

    def bind_shortcuts(self, session: str, shortcuts: Any, handle_token: str) -> str:
        self.calls.append(("BindShortcuts", (session, shortcuts)))
        return f"/request/{len(self.calls)}"

    def on_response(self, request_path: str, callback: Any) -> None:
        self.pending[request_path] = callback

    def on_activated(self, callback: Callable[[str, str], None]) -> None:
        self.activated = callback

    def close(self) -> None:
        self.calls.append(("close", None))

    def answer(self, code: int, results: dict[str, Any]) -> None:
        _path, callback = self.pending.popitem()
        callback(code, results)


def test_session_then_bind_then_activation(qtbot: QtBot) -> None:
    portal = FakePortal()
    backend = PortalBackend(portal)
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    assert [c[0] for c in portal.calls] == ["CreateSession"]

    portal.answer(0, {"session_handle": "/session/1"})
    assert portal.calls[-1] == (
        "BindShortcuts",
        ("/session/1", [("meet_now", {"description": "Create a Teams meeting and copy its link",
                                      "preferred_trigger": "CTRL+ALT+m"})]),
    )  # fmt: skip
    portal.answer(0, {"shortcuts": [("meet_now", {"trigger_description": "Ctrl+Alt+M"})]})

    assert portal.activated is not None
    with qtbot.waitSignal(backend.activated) as pressed:
        portal.activated("/session/1", "meet_now")
    assert pressed.args == ["meet_now"]
    with qtbot.assertNotEmitted(backend.activated):
        portal.activated("/session/other", "meet_now")
        backend.unregister("meet_now")
        portal.activated("/session/1", "meet_now")


def test_refusals_are_reported(qtbot: QtBot) -> None:
    portal = FakePortal()
    backend = PortalBackend(portal)
    failures: list[tuple[str, str]] = []
    backend.registration_failed.connect(lambda action, text: failures.append((action, text)))
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    portal.answer(0, {"session_handle": "/s"})
    portal.answer(1, {})  # the person cancelled the desktop's dialog
    assert failures == [("meet_now", "The shortcut was not confirmed in the desktop's dialog.")]

    backend.register("copy_last", Hotkey("L", ctrl=True, alt=True))
    portal.answer(0, {"shortcuts": [("meet_now", {})]})
    assert failures[-1] == ("copy_last", "The desktop did not accept Ctrl+Alt+L.")


def test_no_session_is_reported() -> None:
    portal = FakePortal()
    backend = PortalBackend(portal)
    failures: list[str] = []
    backend.registration_failed.connect(lambda _a, text: failures.append(text))
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    portal.answer(2, {})
    assert failures == ["The desktop did not open a global-shortcuts session."]


ON_DBUS = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs a D-Bus session bus and jeepney (Linux)"
)


@ON_DBUS
def test_real_dbus_round_trip_against_a_fake_portal(qtbot: QtBot) -> None:
    """The jeepney bus really marshals the portal calls and reads its signals."""
    from meettray.hotkeys.portal import open_portal_bus

    from ..dbus_service import private_bus
    from .fake_portal import FakePortalService

    with private_bus() as address:
        service = FakePortalService(address)
        bus = open_portal_bus(address)
        assert bus is not None
        backend = PortalBackend(bus)
        try:
            backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
            qtbot.waitUntil(lambda: [c[0] for c in service.calls][-1:] == ["BindShortcuts"],
                            timeout=5000)  # fmt: skip
            _session, shortcuts, _parent, _options = service.calls[-1][1]
            assert shortcuts == [
                ("meet_now", {"description": ("s", "Create a Teams meeting and copy its link"),
                              "preferred_trigger": ("s", "CTRL+ALT+m")}),
            ]  # fmt: skip
            with qtbot.waitSignal(backend.activated, timeout=5000) as pressed:
                service.press("meet_now")
            assert pressed.args == ["meet_now"]
        finally:
            backend.close()
            service.connection.close()


@ON_DBUS
def test_no_portal_on_the_bus_means_none() -> None:
    from meettray.hotkeys.portal import open_portal_bus

    from ..dbus_service import private_bus

    with private_bus() as address:
        assert open_portal_bus(address) is None
    assert open_portal_bus("unix:path=/nonexistent/bus") is None
