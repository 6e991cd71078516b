"""Wayland global hotkeys through the XDG desktop portal's GlobalShortcuts interface.

Flow, every call and its answer on one D-Bus connection (the portal sends a
request's ``Response`` signal to the caller alone):

1. ``CreateSession`` with a fixed session token and the shortcuts.  The
   desktop keeps the person's assignment under the application and that
   token, so the same token finds it again at the next start.  Plasma 5.27
   binds the shortcuts given here; its ``BindShortcuts`` only opens System
   Settings.
2. ``ListShortcuts``: when every wanted shortcut is listed, it is bound.
3. Otherwise ``BindShortcuts`` with each action's preferred trigger; the
   desktop may ask the person first.
4. ``Activated`` signals, for our session only.

Each step has a deadline: no answer is a failure, never a silent wait.  The
outcome per action is :attr:`~.HotkeyBackend.bound` (with the trigger as the
desktop shows it) or :attr:`~.HotkeyBackend.registration_failed`.  The D-Bus
side sits behind :class:`PortalBus`; :class:`JeepneyPortalBus` does it off
the GUI thread.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer

from meettray.hotkeys.base import HotkeyBackend
from meettray.hotkeys.keys import Hotkey, portal_trigger
from meettray.i18n import N_, _
from meettray.plaintext import displayable

log = logging.getLogger(__name__)

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
REQUEST_PATH = "/org/freedesktop/portal/desktop/request"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
#: The session token: fixed, so that the desktop finds the person's assignment again.
SESSION_TOKEN = "meettray"  # noqa: S105 - a name, not a secret

DESCRIPTIONS = {
    "meet_now": N_("Create a Teams meeting and copy its link"),
    "copy_last": N_("Copy the most recent meeting link again"),
}


def describe(action: str) -> str:
    """What the desktop's shortcut settings show for an action."""
    if action.startswith("preset:"):
        return _("Create a Teams meeting ({preset}) and copy its link").format(
            preset=action.removeprefix("preset:")
        )
    return _(DESCRIPTIONS[action]) if action in DESCRIPTIONS else action


#: Milliseconds to wait for CreateSession and ListShortcuts to be answered.
ANSWER_TIMEOUT_MS = 10_000
#: BindShortcuts may wait for the person in the desktop's dialog.
BIND_TIMEOUT_MS = 120_000
#: Where the portal cannot help, what the person can do instead.
NO_PORTAL_HELP = N_(
    "Bind a shortcut in your desktop's keyboard settings to the command 'meettray now'."
)

#: On GNOME, Settings does that in one click (see platform.gnome_shortcut).
GNOME_HELP = N_("On GNOME, Settings → Global hotkeys adds it for you.")

#: The portal's codes, and ours for "no answer at all".
SUCCESS, CANCELLED, ENDED, NO_ANSWER = 0, 1, 2, -1


@dataclass(frozen=True)
class Answer:
    """A portal request's outcome: its code and results, or why none came."""

    code: int
    results: dict[str, Any] = field(default_factory=dict)
    #: For ``NO_ANSWER``: why (no portal, a refused call, a closed bus).
    problem: str = ""


OnAnswer = Callable[[Answer], None]
Shortcuts = list[tuple[str, dict[str, str]]]


class PortalBus(Protocol):
    """The portal's calls; every ``on_answer`` runs on the GUI thread, exactly once."""

    def create_session(
        self, session_token: str, shortcuts: Shortcuts, on_answer: OnAnswer
    ) -> None: ...

    def list_shortcuts(self, session: str, on_answer: OnAnswer) -> None: ...

    def bind_shortcuts(self, session: str, shortcuts: Shortcuts, on_answer: OnAnswer) -> None: ...

    def on_activated(self, callback: Callable[[str, str], None]) -> None: ...

    def close(self) -> None: ...


def listed(results: dict[str, Any]) -> dict[str, str]:
    """The ``shortcuts`` of a ListShortcuts or BindShortcuts answer: id → how the desktop
    shows its trigger.  Text from another program: checked, bounded, made displayable."""
    entries = results.get("shortcuts")
    found: dict[str, str] = {}
    if not isinstance(entries, list):
        return found
    for entry in entries[:64]:
        if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
            continue
        options = entry[1] if isinstance(entry[1], dict) else {}
        trigger = options.get("trigger_description", "")
        if isinstance(trigger, tuple) and len(trigger) == 2:  # a variant: (signature, value)
            trigger = trigger[1]
        found[entry[0]] = displayable(trigger)[:80].strip() if isinstance(trigger, str) else ""
    return found


class PortalBackend(HotkeyBackend):
    name = "portal"
    confirms_later = True

    def __init__(
        self,
        bus: PortalBus,
        parent: QObject | None = None,
        *,
        answer_timeout_ms: int = ANSWER_TIMEOUT_MS,
        bind_timeout_ms: int = BIND_TIMEOUT_MS,
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._answer_timeout = answer_timeout_ms
        self._bind_timeout = bind_timeout_ms
        self._session: str | None = None
        self._wanted: dict[str, Hotkey] = {}
        #: The step waiting for an answer (its answer is taken once), or None.
        self._step: object | None = None
        #: A register() came while a step was running: check again after it.
        self._again = False
        self._closed = False
        #: One deadline, for the step in flight; what it does when it passes.
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._deadline_passed)
        self._expire: Callable[[], None] = lambda: None
        bus.on_activated(self._activated)

    def register(self, action: str, hotkey: Hotkey) -> None:
        self._wanted[action] = hotkey
        self._again = True
        if self._step is None:
            QTimer.singleShot(0, self, self._next)  # the actions of one apply() share one round

    def unregister(self, action: str) -> None:
        # Portal v1 cannot unbind; a shortcut no longer wanted is simply ignored.
        self._wanted.pop(action, None)

    def close(self) -> None:
        self._closed = True
        self._deadline.stop()
        self._wanted.clear()
        self._bus.close()

    # -- the steps ---------------------------------------------------------------------

    def _next(self) -> None:
        if self._closed or self._step is not None or not self._again or not self._wanted:
            return
        self._again = False
        if self._session is None:
            self._ask(self._bus.create_session, (SESSION_TOKEN, self._shortcuts()),
                      self._session_created, self._answer_timeout)  # fmt: skip
        else:
            self._ask(self._bus.list_shortcuts, (self._session,), self._listed,
                      self._answer_timeout)  # fmt: skip

    def _ask(
        self, call: Callable[..., None], args: tuple[Any, ...], then: OnAnswer, timeout_ms: int
    ) -> None:
        """Make one portal call; ``then`` gets its answer, or NO_ANSWER at the deadline."""
        step = object()
        self._step = step

        def answered(answer: Answer) -> None:
            if self._step is not step or self._closed:
                return  # late: the deadline already failed it
            self._step = None
            self._deadline.stop()
            then(answer)
            self._next()

        late = _("The desktop's shortcuts portal did not answer within {seconds} s.").format(
            seconds=f"{timeout_ms / 1000:g}"
        )
        self._expire = lambda: answered(Answer(NO_ANSWER, problem=late))
        self._deadline.start(timeout_ms)
        call(*args, answered)

    def _deadline_passed(self) -> None:
        self._expire()

    def _shortcuts(self) -> Shortcuts:
        return [
            (action, {"description": describe(action),
                      "preferred_trigger": portal_trigger(hotkey)})
            for action, hotkey in self._wanted.items()
        ]  # fmt: skip

    def _session_created(self, answer: Answer) -> None:
        session = answer.results.get("session_handle")
        if answer.code != SUCCESS or not isinstance(session, str) or not session:
            self._fail_all(answer, _("The desktop did not open a global-shortcuts session."))
            return
        self._session = session
        self._again = True  # list what it holds now

    def _listed(self, answer: Answer) -> None:
        if answer.code != SUCCESS:
            self._fail_all(answer, _("The desktop did not list its global shortcuts."))
            return
        shortcuts = listed(answer.results)
        if all(action in shortcuts for action in self._wanted):
            self._report(shortcuts)  # bound before (this token, or CreateSession on Plasma)
            return
        self._ask(self._bus.bind_shortcuts, (self._session, self._shortcuts()), self._bound,
                  self._bind_timeout)  # fmt: skip

    def _bound(self, answer: Answer) -> None:
        if answer.code == CANCELLED:
            self._fail_all(answer, "The shortcut was not confirmed in the desktop's dialog.")
        elif answer.code != SUCCESS:
            self._fail_all(answer, _("The desktop refused the shortcut."))
        else:
            self._report(listed(answer.results))

    def _report(self, shortcuts: dict[str, str]) -> None:
        for action, hotkey in self._wanted.items():
            if action in shortcuts:
                self.bound.emit(action, shortcuts[action] or hotkey.portable())
            else:
                self.registration_failed.emit(
                    action,
                    _(
                        "The desktop did not accept {hotkey}. "
                        "Assign it in the desktop's keyboard settings, under meettray."
                    ).format(hotkey=hotkey.portable()),
                )

    def _fail_all(self, answer: Answer, message: str) -> None:
        from meettray.platform.gnome_shortcut import is_gnome

        text = answer.problem or message
        log.info("portal shortcuts: %s (code %d)", text, answer.code)
        help_text = f"{_(NO_PORTAL_HELP)} {_(GNOME_HELP)}" if is_gnome() else _(NO_PORTAL_HELP)
        for action in self._wanted:
            self.registration_failed.emit(action, f"{text} {help_text}")

    def _activated(self, session: str, shortcut_id: str) -> None:
        if session == self._session and shortcut_id in self._wanted:
            self.activated.emit(shortcut_id)


def _unwrap(results: dict[str, Any]) -> dict[str, Any]:
    """An a{sv} from jeepney has (signature, value) pairs as values: keep the values.

    Only this level holds variants; unwrapping deeper would mistake the
    portal's (id, options) structs for variants.
    """
    return {
        key: value[1]
        for key, value in results.items()
        if isinstance(key, str) and isinstance(value, tuple) and len(value) == 2
    }


class JeepneyPortalBus:
    """:class:`PortalBus` over one jeepney connection, driven from one worker thread.

    Connecting, the availability check and every call run on the worker; the
    portal's signals are read by the connection's reader thread; answers and
    presses reach the GUI thread through a :class:`~meettray.platform.dbus.GuiRelay`.
    Create it on the GUI thread.
    """

    def __init__(self, address: str = "SESSION") -> None:
        from meettray.platform.dbus import GuiRelay

        self._relay = GuiRelay()
        self._lock = threading.Lock()
        self._connection: Any = None  # a BusConnection once connected
        self._portal: Any = None  # its DBusAddress
        self._problem = ""
        #: Request path → who waits for its Response; Responses that came first, by path.
        self._waiting: dict[str, OnAnswer] = {}
        self._early: dict[str, Answer] = {}
        self._activated: Callable[[str, str], None] | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal")
        self._worker.submit(self._connect, address)

    # -- on the worker thread ----------------------------------------------------------

    def _connect(self, address: str) -> None:
        from jeepney import DBusAddress, Properties

        from meettray.platform.dbus import BusConnection, BusError, Subscription

        try:
            connection = BusConnection(address, name="portal")
        except (OSError, KeyError, ValueError) as exc:  # no session bus, or an unusable one
            log.info("no D-Bus session bus for the shortcuts portal: %s", exc)
            self._problem = _("There is no D-Bus session bus to reach the desktop's portal.")
            return
        portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_SERVICE, interface=SHORTCUTS)
        try:
            connection.call(Properties(portal).get("version"))
            owner = connection.owner(PORTAL_SERVICE)
            connection.subscribe(
                Subscription(owner, REQUEST, "Response", path_namespace=REQUEST_PATH),
                self._response,
            )
            connection.subscribe(Subscription(owner, SHORTCUTS, "Activated", path=PORTAL_PATH),
                                 self._relay.handler(self._press))  # fmt: skip
        except BusError as exc:
            log.info("no GlobalShortcuts portal: %s", exc)
            connection.close()
            self._problem = _("This desktop offers no global-shortcuts portal.")
            return
        self._portal = portal
        self._connection = connection

    def _request(self, method: str, signature: str, body: Callable[[str], tuple[Any, ...]],
                 on_answer: OnAnswer) -> None:  # fmt: skip
        from jeepney import new_method_call

        from meettray.platform.dbus import BusError

        connection = self._connection
        if connection is None:
            self._answer(on_answer, Answer(NO_ANSWER, problem=self._problem))
            return
        token = "meettray_" + secrets.token_hex(6)
        sender = connection.unique_name.lstrip(":").replace(".", "_")
        expected = f"{REQUEST_PATH}/{sender}/{token}"
        with self._lock:  # before the call: the Response may come right after the reply
            self._waiting[expected] = on_answer
        try:
            reply = connection.call(new_method_call(self._portal, method, signature, body(token)))
            path = str(reply[0])
        except (BusError, IndexError) as exc:
            with self._lock:
                self._waiting.pop(expected, None)
            refused = Answer(NO_ANSWER, problem=f"The portal refused {method}: {exc}")
            self._answer(on_answer, refused)
            return
        if path != expected:  # an old portal chose its own path
            with self._lock:
                self._waiting.pop(expected, None)
                early = self._early.pop(path, None)
                if early is None:
                    self._waiting[path] = on_answer
            if early is not None:
                self._answer(on_answer, early)

    # -- on the connection's reader thread ---------------------------------------------

    def _response(self, message: Any) -> None:
        from jeepney import HeaderFields

        path = str(message.header.fields.get(HeaderFields.path, ""))
        body = message.body
        if len(body) != 2 or not isinstance(body[0], int) or not isinstance(body[1], dict):
            answer = Answer(NO_ANSWER, problem=_("The portal sent an answer meettray cannot read."))
        else:
            answer = Answer(int(body[0]), _unwrap(body[1]))
        with self._lock:
            on_answer = self._waiting.pop(path, None)
            if on_answer is None:
                self._early[path] = answer
                while len(self._early) > 8:  # never a pile: answers nobody asked for
                    self._early.pop(next(iter(self._early)))
        if on_answer is not None:
            self._answer(on_answer, answer)

    def _answer(self, on_answer: OnAnswer, answer: Answer) -> None:
        self._relay.call(lambda: on_answer(answer))

    # -- on the GUI thread -------------------------------------------------------------

    def _press(self, message: Any) -> None:
        body = message.body
        well_formed = len(body) >= 2 and isinstance(body[0], str) and isinstance(body[1], str)
        if well_formed and self._activated is not None:
            self._activated(body[0], body[1])

    def create_session(self, session_token: str, shortcuts: Shortcuts, on_answer: OnAnswer) -> None:
        def body(token: str) -> tuple[Any, ...]:
            options = {
                "handle_token": ("s", token),
                "session_handle_token": ("s", session_token),
                "shortcuts": ("a(sa{sv})", _wire(shortcuts)),
            }
            return (options,)

        self._worker.submit(self._request, "CreateSession", "a{sv}", body, on_answer)

    def list_shortcuts(self, session: str, on_answer: OnAnswer) -> None:
        def body(token: str) -> tuple[Any, ...]:
            return (session, {"handle_token": ("s", token)})

        self._worker.submit(self._request, "ListShortcuts", "oa{sv}", body, on_answer)

    def bind_shortcuts(self, session: str, shortcuts: Shortcuts, on_answer: OnAnswer) -> None:
        def body(token: str) -> tuple[Any, ...]:
            return (session, _wire(shortcuts), "", {"handle_token": ("s", token)})

        self._worker.submit(self._request, "BindShortcuts", "oa(sa{sv})sa{sv}", body, on_answer)

    def on_activated(self, callback: Callable[[str, str], None]) -> None:
        self._activated = callback

    def close(self) -> None:
        self._activated = None
        self._worker.submit(self._disconnect)
        self._worker.shutdown(wait=False)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _wire(shortcuts: Shortcuts) -> list[tuple[str, dict[str, tuple[str, str]]]]:
    return [(name, {k: ("s", v) for k, v in options.items()}) for name, options in shortcuts]


def open_portal_bus(address: str = "SESSION") -> PortalBus:
    """The session bus's GlobalShortcuts portal.  Does not block: where there is none,
    every request is answered ``NO_ANSWER`` with the reason."""
    return JeepneyPortalBus(address)
