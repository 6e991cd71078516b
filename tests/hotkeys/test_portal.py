"""The GlobalShortcuts portal, through a real D-Bus to a portal as strict as the real one.

The portal (``fake_portal.py``) sends each answer to the caller alone, keeps
assignments per session token like a desktop does, and can behave as Plasma
5.27, as GNOME's portal, or not answer at all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.keys import Hotkey
from meettray.hotkeys.portal import PortalBackend, listed

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs a D-Bus session bus and jeepney (Linux)"
)

MEET = Hotkey("M", ctrl=True, alt=True)
COPY = Hotkey("L", ctrl=True, alt=True)


class Outcomes:
    """What a backend reported, per action."""

    def __init__(self, backend: PortalBackend) -> None:
        self.bound: dict[str, str] = {}
        self.failed: dict[str, str] = {}
        self.pressed: list[str] = []
        backend.bound.connect(self.bound.__setitem__)
        backend.registration_failed.connect(self.failed.__setitem__)
        backend.activated.connect(self.pressed.append)

    def settled(self, *actions: str) -> bool:
        return all(action in self.bound or action in self.failed for action in actions)


@pytest.fixture
def bus_address() -> Iterator[str]:
    from ..dbus_service import private_bus

    with private_bus(activation=False) as address:
        yield address


@pytest.fixture
def portal(bus_address: str) -> Iterator[Any]:
    """A portal that binds on request (not Plasma's), on the private bus."""
    from .fake_portal import FakePortalService

    service = FakePortalService(bus_address)
    yield service
    service.connection.close()


def _start(
    address: str, qtbot: QtBot, answer_timeout_ms: int = 10_000
) -> tuple[PortalBackend, Outcomes]:
    from meettray.hotkeys.portal import open_portal_bus

    backend = PortalBackend(open_portal_bus(address), answer_timeout_ms=answer_timeout_ms)
    outcomes = Outcomes(backend)
    backend.register("meet_now", MEET)
    backend.register("copy_last", COPY)
    qtbot.waitUntil(lambda: outcomes.settled("meet_now", "copy_last"), timeout=10_000)
    return backend, outcomes


def _members(service: Any) -> list[str]:
    return [member for member, _body in service.calls if member != "Get"]


def test_live_plasma_binds_at_create_session_and_never_opens_system_settings(
    bus_address: str, qtbot: QtBot
) -> None:
    from .fake_portal import FakePortalService

    service = FakePortalService(bus_address, plasma=True)
    try:
        backend, outcomes = _start(bus_address, qtbot)
        assert outcomes.bound == {"meet_now": "Ctrl+Alt+M", "copy_last": "Ctrl+Alt+L"}
        assert outcomes.failed == {}
        assert _members(service) == ["CreateSession", "ListShortcuts"]
        assert service.settings_opened == 0
        options = service.calls[1][1][0]
        assert options["session_handle_token"] == ("s", "meettray")  # fixed: found next time
        assert [name for name, _ in options["shortcuts"][1]] == ["meet_now", "copy_last"]

        service.press("meet_now")
        qtbot.waitUntil(lambda: outcomes.pressed == ["meet_now"], timeout=5000)
        backend.close()

        again, outcomes = _start(bus_address, qtbot)  # the next start
        assert outcomes.bound == {"meet_now": "Ctrl+Alt+M", "copy_last": "Ctrl+Alt+L"}
        assert "BindShortcuts" not in _members(service)
        again.close()
    finally:
        service.connection.close()


def test_a_portal_that_binds_on_request_is_asked_once_then_remembers(
    bus_address: str, qtbot: QtBot
) -> None:
    from .fake_portal import FakePortalService

    service = FakePortalService(bus_address)
    try:
        backend, outcomes = _start(bus_address, qtbot)
        assert outcomes.bound == {"meet_now": "Ctrl+Alt+M", "copy_last": "Ctrl+Alt+L"}
        assert _members(service) == ["CreateSession", "ListShortcuts", "BindShortcuts"]
        _session, shortcuts, _parent, _options = service.calls[-1][1]
        assert shortcuts[0] == (
            "meet_now", {"description": ("s", "Create a Teams meeting and copy its link"),
                         "preferred_trigger": ("s", "CTRL+ALT+m")},
        )  # fmt: skip
        backend.close()

        again, outcomes = _start(bus_address, qtbot)
        assert outcomes.bound == {"meet_now": "Ctrl+Alt+M", "copy_last": "Ctrl+Alt+L"}
        assert _members(service).count("BindShortcuts") == 1  # not asked again
        again.close()
    finally:
        service.connection.close()


def test_a_cancelled_dialog_is_a_failure_that_says_so(
    bus_address: str, portal: Any, qtbot: QtBot
) -> None:
    portal.accept = False
    backend, outcomes = _start(bus_address, qtbot)
    assert outcomes.bound == {}
    assert outcomes.failed["meet_now"].startswith(
        "The shortcut was not confirmed in the desktop's dialog."
    )
    backend.close()


def test_no_answer_is_a_failure_not_a_silent_wait(
    bus_address: str, portal: Any, qtbot: QtBot
) -> None:
    portal.silent = True
    backend, outcomes = _start(bus_address, qtbot, answer_timeout_ms=500)
    assert outcomes.bound == {}
    assert outcomes.failed["meet_now"].startswith(
        "The desktop's shortcuts portal did not answer within 0.5 s."
    )
    backend.close()


def test_no_portal_on_the_bus_is_a_failure_with_what_to_do(bus_address: str, qtbot: QtBot) -> None:
    backend, outcomes = _start(bus_address, qtbot)
    assert outcomes.failed["meet_now"] == (
        "This desktop offers no global-shortcuts portal. Bind a shortcut in your desktop's "
        "keyboard settings to the command 'meettray now'."
    )
    backend.close()
    backend, outcomes = _start("unix:path=/nonexistent/bus", qtbot)
    assert outcomes.failed["meet_now"].startswith("There is no D-Bus session bus")
    backend.close()


def test_a_forged_response_from_another_peer_is_not_an_answer(
    bus_address: str, qtbot: QtBot
) -> None:
    """Another program on the bus sends Response on our request's path first: ignored."""
    from jeepney import DBusAddress, HeaderFields, new_signal
    from jeepney.io.blocking import open_dbus_connection

    from meettray.hotkeys.portal import REQUEST, REQUEST_PATH, open_portal_bus

    from .fake_portal import FakePortalService

    service = FakePortalService(bus_address)
    service.silent = True
    forger = open_dbus_connection(bus=bus_address)
    try:
        backend = PortalBackend(open_portal_bus(bus_address), answer_timeout_ms=1500)
        outcomes = Outcomes(backend)
        backend.register("meet_now", MEET)
        qtbot.waitUntil(lambda: bool(service.calls) and service.calls[-1][0] == "CreateSession",
                        timeout=5000)  # fmt: skip
        options = service.calls[-1][1][0]
        caller = service.callers[-1]
        path = f"{REQUEST_PATH}/{caller.lstrip(':').replace('.', '_')}/{options['handle_token'][1]}"
        forged = new_signal(DBusAddress(path, interface=REQUEST), "Response", "ua{sv}",
                            (0, {"session_handle": ("s", "/forged")}))  # fmt: skip
        forged.header.fields[HeaderFields.destination] = caller
        forger.send(forged)
        qtbot.waitUntil(lambda: outcomes.settled("meet_now"), timeout=5000)
        assert "did not answer" in outcomes.failed["meet_now"]
        assert _members(service) == ["CreateSession"]  # "/forged" was never taken as a session
        backend.close()
    finally:
        forger.close()
        service.connection.close()


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({"shortcuts": [("meet_now", {"trigger_description": ("s", "Ctrl+Alt+M")})]},
         {"meet_now": "Ctrl+Alt+M"}),
        ({"shortcuts": [("meet_now", {"trigger_description": ("s", "\x1b[31mCtrl\u202e+M")})]},
         {"meet_now": "[31mCtrl +M"}),
        ({"shortcuts": [("meet_now", {})]}, {"meet_now": ""}),
        ({"shortcuts": "not a list"}, {}),
        ({"shortcuts": [("meet_now",), 42, ("x", "y", "z")]}, {}),
        ({}, {}),
    ],
)  # fmt: skip
def test_the_desktops_list_is_read_as_untrusted_text(
    results: dict[str, Any], expected: dict[str, str]
) -> None:
    assert listed(results) == expected


@pytest.mark.parametrize("silent", [False, True])
def test_doctor_reports_what_the_desktop_answered(
    silent: bool, bus_address: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """doctor said "works everywhere" on KDE while nothing could fire: now it waits for
    the portal's answer and reports that, or that none came."""
    from meettray.hotkeys.portal import open_portal_bus
    from meettray.platform import probe

    from .fake_portal import FakePortalService

    monkeypatch.setattr(probe, "CONFIRM_WAIT_MS", 1000)
    service = FakePortalService(bus_address, plasma=True)
    service.silent = silent
    backend = PortalBackend(open_portal_bus(bus_address))
    try:
        backend.register("meet_now", MEET)
        state = probe._confirmations(backend, {"meet_now": MEET})["meet_now"]
    finally:
        backend.close()
        service.connection.close()
    if silent:
        assert (state.ok, state.detail) == (
            False, "Ctrl+Alt+M: the desktop did not confirm it within 1 s."
        )  # fmt: skip
    else:
        assert (state.ok, state.detail) == (
            True, "Bound by the desktop, which shows it as Ctrl+Alt+M."
        )  # fmt: skip
