"""Owning the X11 CLIPBOARD selection through libxcb, for the clipboard holder.

Qt does this too, but a process that imports PySide6 takes about 0.2 s to start;
libxcb through ctypes is ready in a few milliseconds, which is what lets a cold
``meettray now`` put a prepared link on the clipboard before a process that merely
imports ``requests`` has started.  Only what a link needs (ICCCM section 2): the
targets ``TARGETS``, ``TIMESTAMP``, ``UTF8_STRING``, ``STRING``, ``TEXT``,
``text/plain``, ``text/plain;charset=utf-8`` and ``text/html``, answered in one
property change each (a link is far below the request size limit; larger data
is refused here and the holder falls back to Qt).  ``MULTIPLE`` and incremental
transfers are refused, as the ICCCM allows.

Whoever asks is another program on the display: its requests are answered only
for the targets above, and nothing it sends is trusted beyond the event's fields.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import select
import time
from collections.abc import Callable

_SELECTION_CLEAR, _SELECTION_REQUEST, _SELECTION_NOTIFY = 29, 30, 31
_ATOM, _INTEGER, _STRING, _NONE = 4, 19, 31, 0
_INPUT_ONLY = 2
_PROP_MODE_REPLACE = 0
#: The holder never sends more than this in one reply (far above a link with details).
MAX_PAYLOAD = 64 * 1024


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _AtomReply(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
                ("sequence", ctypes.c_uint16), ("length", ctypes.c_uint32),
                ("atom", ctypes.c_uint32)]  # fmt: skip


class _OwnerReply(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
                ("sequence", ctypes.c_uint16), ("length", ctypes.c_uint32),
                ("owner", ctypes.c_uint32)]  # fmt: skip


class _Screen(ctypes.Structure):
    _fields_ = [("root", ctypes.c_uint32), ("default_colormap", ctypes.c_uint32),
                ("white_pixel", ctypes.c_uint32), ("black_pixel", ctypes.c_uint32),
                ("current_input_masks", ctypes.c_uint32)]  # fmt: skip  # (the rest unused)


class _ScreenIterator(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(_Screen)), ("rem", ctypes.c_int),
                ("index", ctypes.c_int)]  # fmt: skip


class _Event(ctypes.Structure):
    """The 32 bytes of any X event; the selection events' fields read from them."""

    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
                ("sequence", ctypes.c_uint16), ("time", ctypes.c_uint32),
                ("owner", ctypes.c_uint32), ("requestor", ctypes.c_uint32),
                ("selection", ctypes.c_uint32), ("target", ctypes.c_uint32),
                ("property", ctypes.c_uint32), ("pad1", ctypes.c_uint8 * 4),
                ("full_sequence", ctypes.c_uint32)]  # fmt: skip


class _Notify(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8),
                ("sequence", ctypes.c_uint16), ("time", ctypes.c_uint32),
                ("requestor", ctypes.c_uint32), ("selection", ctypes.c_uint32),
                ("target", ctypes.c_uint32), ("property", ctypes.c_uint32),
                ("pad1", ctypes.c_uint8 * 8)]  # fmt: skip


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    xcb = ctypes.CDLL(name)
    p, u8, u16, u32, i16 = (ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16,
                            ctypes.c_uint32, ctypes.c_int16)  # fmt: skip
    signatures: dict[str, tuple[object, list[object]]] = {
        "xcb_connect": (p, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]),
        "xcb_connection_has_error": (ctypes.c_int, [p]),
        "xcb_disconnect": (None, [p]),
        "xcb_get_setup": (p, [p]),
        "xcb_setup_roots_iterator": (_ScreenIterator, [p]),
        "xcb_screen_next": (None, [ctypes.POINTER(_ScreenIterator)]),
        "xcb_generate_id": (u32, [p]),
        "xcb_create_window": (_Cookie, [p, u8, u32, u32, i16, i16, u16, u16, u16, u16, u32,
                                        u32, p]),
        "xcb_intern_atom": (_Cookie, [p, u8, u16, ctypes.c_char_p]),
        "xcb_intern_atom_reply": (ctypes.POINTER(_AtomReply), [p, _Cookie, p]),
        "xcb_set_selection_owner": (_Cookie, [p, u32, u32, u32]),
        "xcb_get_selection_owner": (_Cookie, [p, u32]),
        "xcb_get_selection_owner_reply": (ctypes.POINTER(_OwnerReply), [p, _Cookie, p]),
        "xcb_change_property": (_Cookie, [p, u8, u32, u32, u32, u8, u32, p]),
        "xcb_send_event": (_Cookie, [p, u8, u32, u32, p]),
        "xcb_flush": (ctypes.c_int, [p]),
        "xcb_poll_for_event": (ctypes.POINTER(_Event), [p]),
        "xcb_get_file_descriptor": (ctypes.c_int, [p]),
    }  # fmt: skip
    for function, (result, arguments) in signatures.items():
        getattr(xcb, function).restype = result
        getattr(xcb, function).argtypes = arguments
    return xcb


def _free() -> Callable[[object], None]:
    """libc's free(), for what libxcb hands back."""
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free.restype = None
    free: Callable[[object], None] = libc.free
    return free


class SelectionOwner:
    """A connection to the display and an invisible window that can own CLIPBOARD.

    Raises :class:`OSError` where libxcb is missing or the display refuses.
    """

    def __init__(self) -> None:
        self._xcb = xcb = _library()
        self._free = _free()
        screen_number = ctypes.c_int(0)
        self._c = xcb.xcb_connect(None, ctypes.byref(screen_number))
        if not self._c or xcb.xcb_connection_has_error(self._c):
            raise OSError("cannot connect to the X display")
        roots = xcb.xcb_setup_roots_iterator(xcb.xcb_get_setup(self._c))
        for _ in range(screen_number.value):
            xcb.xcb_screen_next(ctypes.byref(roots))
        root = roots.data.contents.root
        self.window = xcb.xcb_generate_id(self._c)
        xcb.xcb_create_window(self._c, 0, self.window, root, -10, -10, 1, 1, 0, _INPUT_ONLY,
                              0, 0, None)  # fmt: skip
        names = ("CLIPBOARD", "TARGETS", "TIMESTAMP", "MULTIPLE", "UTF8_STRING", "TEXT",
                 "text/plain", "text/plain;charset=utf-8", "text/html")  # fmt: skip
        cookies = [xcb.xcb_intern_atom(self._c, 0, len(n), n.encode()) for n in names]
        self._atoms = {n: self._atom(cookie) for n, cookie in zip(names, cookies, strict=True)}
        self._data: dict[int, tuple[int, bytes]] = {}
        self._owned_since = 0

    def _atom(self, cookie: _Cookie) -> int:
        reply = self._xcb.xcb_intern_atom_reply(self._c, cookie, None)
        if not reply:
            raise OSError("the X display did not answer")
        try:
            return int(reply.contents.atom)
        finally:
            self._free(reply)

    def own(self, text: str, html: str | None) -> bool:
        """Take CLIPBOARD with ``text`` (and ``html``); whether the display gave it to us."""
        a, utf8 = self._atoms, text.encode()
        # Each target's data and the type it is sent as (TEXT: the sender's choice).
        self._data = {
            a["UTF8_STRING"]: (a["UTF8_STRING"], utf8),
            a["TEXT"]: (a["UTF8_STRING"], utf8),
            a["text/plain;charset=utf-8"]: (a["text/plain;charset=utf-8"], utf8),
            a["text/plain"]: (a["text/plain"], utf8),
            _STRING: (_STRING, text.encode("latin-1", "replace")),
        }
        if html:
            self._data[a["text/html"]] = (a["text/html"], html.encode())
        if any(len(value) > MAX_PAYLOAD for _kind, value in self._data.values()):
            return False
        xcb = self._xcb
        xcb.xcb_set_selection_owner(self._c, self.window, a["CLIPBOARD"], 0)
        reply = xcb.xcb_get_selection_owner_reply(
            self._c, xcb.xcb_get_selection_owner(self._c, a["CLIPBOARD"]), None
        )
        if not reply:
            return False
        try:
            return bool(reply.contents.owner == self.window)
        finally:
            self._free(reply)

    def serve(self, seconds: float) -> None:
        """Answer requests for the copy until another program takes CLIPBOARD, the display
        goes away, or ``seconds`` pass."""
        xcb = self._xcb
        fd = xcb.xcb_get_file_descriptor(self._c)
        deadline = time.monotonic() + seconds
        while True:
            while event := xcb.xcb_poll_for_event(self._c):  # what is queued already first
                try:
                    kind = event.contents.response_type & 0x7F
                    if kind == _SELECTION_CLEAR:  # only CLIPBOARD is ever ours
                        return
                    if kind == _SELECTION_REQUEST:
                        self._answer(event.contents)
                finally:
                    self._free(event)
            if xcb.xcb_connection_has_error(self._c):
                return
            xcb.xcb_flush(self._c)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            select.select([fd], [], [], min(left, 60.0))

    def _answer(self, request: _Event) -> None:
        a, xcb = self._atoms, self._xcb
        # An obsolete client names no property: the target is the property (ICCCM 2.2).
        prop = request.property or request.target
        target = request.target
        if request.selection != a["CLIPBOARD"]:
            prop = _NONE
        elif target == a["TARGETS"]:
            atoms = [a["TARGETS"], a["TIMESTAMP"], *self._data]
            array = (ctypes.c_uint32 * len(atoms))(*atoms)
            xcb.xcb_change_property(self._c, _PROP_MODE_REPLACE, request.requestor, prop, _ATOM,
                                    32, len(atoms), array)  # fmt: skip
        elif target == a["TIMESTAMP"]:
            stamp = (ctypes.c_uint32 * 1)(0)
            xcb.xcb_change_property(self._c, _PROP_MODE_REPLACE, request.requestor, prop,
                                    _INTEGER, 32, 1, stamp)  # fmt: skip
        elif target in self._data:
            kind, value = self._data[target]
            xcb.xcb_change_property(self._c, _PROP_MODE_REPLACE, request.requestor, prop, kind,
                                    8, len(value), value)  # fmt: skip
        else:  # MULTIPLE, images, anything else: refused
            prop = _NONE
        notify = _Notify(response_type=_SELECTION_NOTIFY, time=request.time,
                         requestor=request.requestor, selection=request.selection,
                         target=target, property=prop)  # fmt: skip
        xcb.xcb_send_event(self._c, 0, request.requestor, 0, ctypes.byref(notify))

    def close(self) -> None:
        """Leave the display (once; a second call does nothing)."""
        connection, self._c = self._c, None
        if connection:
            self._xcb.xcb_disconnect(connection)
