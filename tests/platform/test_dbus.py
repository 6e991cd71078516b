"""meettray's D-Bus connection among other peers on a real bus (dbus-daemon, jeepney).

Other programs talk to every name on the session bus: GNOME's AppIndicator
extension introspects each one and waits for the answer; any peer can send a
signal to us or broadcast one that looks like a service's.  Only what we
subscribed to, from the service we subscribed to, may reach a handler.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("jeepney", reason="needs jeepney and a D-Bus session bus (Linux)")
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs a D-Bus session bus (Linux)"
)

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call, new_signal  # noqa: E402
from jeepney.io.blocking import open_dbus_connection  # noqa: E402

from meettray.platform.dbus import BusConnection, BusError, Subscription  # noqa: E402

from ..dbus_service import FakeDBusService, private_bus  # noqa: E402

SERVICE = "org.example.Service"
INTERFACE = "org.example.Service"


class Service(FakeDBusService):
    def handle(self, member: str, interface: str, message: Any) -> None:
        from jeepney import new_error, new_method_return

        if member == "Echo":
            self.send(new_method_return(message, "s", message.body))
        else:
            self.send(new_error(message, "org.example.Error.Nope", "s", ("no such thing",)))

    def emit(self, member: str, path: str = "/thing", destination: str | None = None) -> None:
        signal = new_signal(DBusAddress(path, interface=INTERFACE), member, "s", (member,))
        if destination is not None:
            signal.header.fields[HeaderFields.destination] = destination
        self.send(signal)


@pytest.fixture
def bus() -> Iterator[tuple[str, Service, BusConnection]]:
    with private_bus() as address:
        service = Service(address, SERVICE)
        connection = BusConnection(address)
        try:
            yield address, service, connection
        finally:
            connection.close()
            service.connection.close()


def _ask(address: str, destination: str, interface: str | None, member: str) -> Any:
    """A call from another peer on the bus, as the AppIndicator extension makes."""
    peer = open_dbus_connection(bus=address)
    try:
        call = new_method_call(DBusAddress("/", bus_name=destination, interface=interface), member)
        return peer.send_and_get_reply(call, timeout=5)
    finally:
        peer.close()


def test_calls_to_us_are_answered_as_a_peer_expects(
    bus: tuple[str, Service, BusConnection],
) -> None:
    address, _service, connection = bus

    introspected = _ask(address, connection.unique_name, "org.freedesktop.DBus.Introspectable",
                        "Introspect")  # fmt: skip
    assert introspected.header.message_type == MessageType.method_return
    assert '<interface name="org.freedesktop.DBus.Peer">' in introspected.body[0]
    pinged = _ask(address, connection.unique_name, "org.freedesktop.DBus.Peer", "Ping")
    assert pinged.header.message_type == MessageType.method_return
    other = _ask(address, connection.unique_name, "org.kde.StatusNotifierItem", "Activate")
    assert other.header.message_type == MessageType.error
    assert (
        other.header.fields[HeaderFields.error_name] == "org.freedesktop.DBus.Error.UnknownMethod"
    )

    assert connection.call(new_method_call(DBusAddress("/", SERVICE, INTERFACE), "Echo", "s",
                                           ("still works",))) == ("still works",)  # fmt: skip


def test_only_the_subscribed_signal_from_its_sender_reaches_the_handler(
    bus: tuple[str, Service, BusConnection],
) -> None:
    address, service, connection = bus
    got: list[str] = []
    subscription = Subscription(connection.owner(SERVICE), INTERFACE, "Changed", path="/thing")
    connection.subscribe(subscription, lambda message: got.append(message.body[0]))

    impostor = Service(address, "org.example.Impostor")
    try:
        impostor.emit("Changed")  # same interface, member and path: another sender
        impostor.emit("Changed", destination=connection.unique_name)  # sent to us alone
        service.emit("Closed")  # the right sender, another member
        service.emit("Changed", path="/other")  # the right sender, another path
        service.emit("Changed")
        # The call's reply comes after every signal sent before it: they have all been read.
        connection.call(new_method_call(DBusAddress("/", SERVICE, INTERFACE), "Echo", "s", ("",)))
    finally:
        impostor.connection.close()
    assert got == ["Changed"]


def test_an_error_reply_and_a_closed_bus_are_bus_errors(
    bus: tuple[str, Service, BusConnection],
) -> None:
    _address, _service, connection = bus
    with pytest.raises(BusError, match=r"org\.example\.Error\.Nope: no such thing"):
        connection.call(new_method_call(DBusAddress("/", SERVICE, INTERFACE), "Other"))
    connection.close()
    with pytest.raises(BusError, match="closed"):
        connection.call(new_method_call(DBusAddress("/", SERVICE, INTERFACE), "Echo", "s", ("",)))


def test_a_bus_that_went_away_still_has_its_socket_closed() -> None:
    """The reader ends when the bus dies; close() must still release the socket (a
    leaked one surfaced as a ResourceWarning in a later test)."""
    import time

    with private_bus() as address:
        connection = BusConnection(address)
    deadline = time.monotonic() + 5
    while connection._reader.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not connection._reader.is_alive()  # the bus is gone: the reader ended

    connection.close()

    assert connection._connection.sock.fileno() == -1
