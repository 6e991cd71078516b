"""One D-Bus session-bus connection, read by one thread (jeepney, no Qt D-Bus).

PySide6's QtDBus cannot marshal some of the types the desktop's services use
from Python; jeepney can.  jeepney is blocking, so each :class:`BusConnection`
has a daemon thread that reads every message that arrives on it:

- a reply goes to the call that waits for it;
- a signal goes to a subscription only when it matches that subscription's
  sender (the unique name that owned the service when we subscribed), path,
  interface and member.  Anything else is dropped: the bus delivers unicast
  signals and other peers' broadcasts to us too;
- a method call addressed to us is answered: ``Introspect`` and ``Ping`` as
  every D-Bus peer does, an ``UnknownMethod`` error for the rest.  GNOME's
  AppIndicator extension introspects every name on the bus and waits for
  the answer.

A portal answers a request with a signal sent only to the connection that
made the call, so calls and their signals must share one connection: this
class is that connection.  Opening it and :meth:`BusConnection.call` block
(D-Bus round trips): run them off the GUI thread.  Handlers run on the reader
thread; :class:`GuiRelay` moves them to the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

#: What a method call on one of our connections learns about us.
INTROSPECTION = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
  </interface>
</node>
"""
#: Seconds a call waits for its reply by default.
CALL_TIMEOUT = 5.0

Handler = Callable[[Any], None]


class BusError(OSError):
    """A call got an error reply, no reply, or the connection closed."""


@dataclass(frozen=True)
class Subscription:
    """Which signals a handler gets; ``None`` matches any value of that field."""

    sender: str  #: a unique name (":1.42"), resolved from the service's name
    interface: str
    member: str
    path: str | None = None
    #: Matches this path and every path below it (portal requests).
    path_namespace: str | None = None

    def matches(self, message: Any) -> bool:
        from jeepney import HeaderFields

        fields = message.header.fields
        path = str(fields.get(HeaderFields.path, ""))
        if self.path is not None and path != self.path:
            return False
        if self.path_namespace is not None and not (
            path == self.path_namespace or path.startswith(self.path_namespace + "/")
        ):
            return False
        return bool(
            fields.get(HeaderFields.sender) == self.sender
            and fields.get(HeaderFields.interface) == self.interface
            and fields.get(HeaderFields.member) == self.member
        )

    def rule(self) -> Any:
        """The bus-side match rule, so that the bus sends us these broadcasts at all."""
        from jeepney import MatchRule

        return MatchRule(type="signal", sender=self.sender, interface=self.interface,
                         member=self.member, path=self.path,
                         path_namespace=self.path_namespace)  # fmt: skip


class BusConnection:
    """A session-bus connection: calls, matched signals, and answers to peers' calls."""

    def __init__(self, address: str = "SESSION", *, name: str = "dbus") -> None:
        """Connect (blocking).  Raises ``OSError``, ``KeyError`` or ``ValueError`` when
        there is no usable bus at ``address``."""
        from jeepney.io.threading import open_dbus_connection

        self._connection = open_dbus_connection(bus=address)
        self.unique_name = str(self._connection.unique_name)
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[Any]] = {}
        self._subscriptions: list[tuple[Subscription, Handler]] = []
        #: No more calls: closed by us, or the bus went away (the reader ended).
        self._closed = False
        #: The socket is closed (once, by close(), whoever ended first).
        self._released = False
        self._reader = threading.Thread(target=self._read, name=f"{name}-bus", daemon=True)
        self._reader.start()

    # -- calls -------------------------------------------------------------------------

    def call(self, message: Any, *, timeout: float = CALL_TIMEOUT) -> Any:
        """Send a method call and return its reply's body.  Blocking.

        Raises :class:`BusError` on an error reply, no reply in time, or a closed bus.
        """
        from jeepney import MessageType

        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise BusError("the D-Bus connection is closed")
            serial = next(self._connection.outgoing_serial)
            self._waiting[serial] = future
        try:
            self._connection.send(message, serial=serial)
            reply = future.result(timeout=timeout)
        except TimeoutError as exc:
            raise BusError(f"no answer on D-Bus within {timeout:g} s") from exc
        except OSError as exc:
            raise BusError(f"the D-Bus connection failed ({exc})") from exc
        finally:
            with self._lock:
                self._waiting.pop(serial, None)
        if reply is None:
            raise BusError("the D-Bus connection closed before the answer came")
        if reply.header.message_type == MessageType.error:
            from jeepney import HeaderFields

            error = reply.header.fields.get(HeaderFields.error_name, "an error")
            detail = f": {reply.body[0]}" if reply.body and isinstance(reply.body[0], str) else ""
            raise BusError(f"{error}{detail}")
        return reply.body

    def owner(self, service: str) -> str:
        """The unique name that owns ``service`` now.  Blocking; raises :class:`BusError`."""
        from jeepney import message_bus

        return str(self.call(message_bus.GetNameOwner(service))[0])

    def subscribe(self, subscription: Subscription, handler: Handler | None = None) -> None:
        """Ask the bus for these signals (blocking), and hand them to ``handler``."""
        from jeepney import message_bus

        if handler is not None:
            self.listen(subscription, handler)
        self.call(message_bus.AddMatch(subscription.rule()))

    def listen(self, subscription: Subscription, handler: Handler) -> None:
        """Hand matching signals to ``handler`` on the reader thread.  Does not block:
        the bus sends only what a :meth:`subscribe` asked for (or what is sent to us)."""
        with self._lock:
            self._subscriptions.append((subscription, handler))

    # -- the reader thread -------------------------------------------------------------

    def _read(self) -> None:
        from jeepney import MessageType
        from jeepney.io.threading import ReceiveStopped

        while True:
            try:
                message = self._connection.receive()
            except (ReceiveStopped, OSError, ValueError):
                break  # closed, or the bus went away
            kind = message.header.message_type
            try:
                if kind in (MessageType.method_return, MessageType.error):
                    self._reply(message)
                elif kind == MessageType.signal:
                    self._signal(message)
                elif kind == MessageType.method_call:
                    self._answer(message)
            except Exception:  # a handler's bug must not stop the reading
                log.exception("D-Bus message not handled")
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_result(None)

    def _reply(self, message: Any) -> None:
        from jeepney import HeaderFields

        serial = message.header.fields.get(HeaderFields.reply_serial)
        with self._lock:
            future = self._waiting.pop(serial, None)
        if future is not None and not future.done():
            future.set_result(message)

    def _signal(self, message: Any) -> None:
        with self._lock:
            handlers = [handler for sub, handler in self._subscriptions if sub.matches(message)]
        for handler in handlers:
            handler(message)

    def _answer(self, call: Any) -> None:
        """Answer a peer's method call as a well-behaved D-Bus client does."""
        from jeepney import HeaderFields, MessageFlag, new_error, new_method_return

        if call.header.flags & MessageFlag.no_reply_expected:
            return
        fields = call.header.fields
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        if member == "Introspect" and interface in (None, "org.freedesktop.DBus.Introspectable"):
            reply = new_method_return(call, "s", (INTROSPECTION,))
        elif member == "Ping" and interface in (None, "org.freedesktop.DBus.Peer"):
            reply = new_method_return(call)
        else:
            reply = new_error(
                call,
                "org.freedesktop.DBus.Error.UnknownMethod",
                "s",
                (f"meettray has no method {member!s} here",),
            )
        with contextlib.suppress(OSError):  # closing
            self._connection.send(reply)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._released:
                return
            self._released = True
        self._connection.close()


class GuiRelay(QObject):
    """Runs callables on the thread it was created on (the GUI thread)."""

    _queued = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued.connect(self._run)

    def call(self, function: Callable[[], None]) -> None:
        """Run ``function`` on the GUI thread, soon (from any thread)."""
        self._queued.emit(function)

    def handler(self, function: Handler) -> Handler:
        """``function`` wrapped to run on the GUI thread, for :meth:`BusConnection.subscribe`."""
        return lambda message: self.call(lambda: function(message))

    @Slot(object)
    def _run(self, function: Callable[[], None]) -> None:
        function()
