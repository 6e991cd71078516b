"""macOS global hotkeys: Carbon's ``RegisterEventHotKey`` (ctypes, no permission prompt).

Carbon hot keys need no Accessibility permission, unlike event taps.  They are
registered exclusive (``kEventHotKeyExclusive``), so a combination another app
holds is refused and reported, not silently shared; letters are looked up in
the current keyboard layout (``UCKeyTranslate``).  The framework calls sit
behind :class:`CarbonApi`, so the logic is tested on any OS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import QObject

from meettray.hotkeys.base import HotkeyBackend, HotkeyError
from meettray.hotkeys.keys import (
    Hotkey,
    mac_key_code,
    mac_modifiers,
    mac_refusal,
    taken_by_another,
)
from meettray.i18n import _

log = logging.getLogger(__name__)

EVENT_HOT_KEY_EXISTS = -9878  # eventHotKeyExistsErr
#: RegisterEventHotKey's option: fail with eventHotKeyExistsErr when another app holds it.
HOT_KEY_EXCLUSIVE = 1 << 1  # kEventHotKeyExclusive
SIGNATURE = int.from_bytes(b"MTRY", "big")


class CarbonApi(Protocol):
    def install_handler(self, on_pressed: Callable[[int], None]) -> None:
        """Call ``on_pressed(hotkey_id)`` for every hot-key press."""
        ...

    def register(
        self, key_code: int, modifiers: int, hotkey_id: int, options: int
    ) -> tuple[int, Any]:
        """(OSStatus, EventHotKeyRef)."""
        ...

    def unregister(self, ref: Any) -> None: ...

    def layout(self) -> Mapping[int, str]:
        """What each key code types, unmodified, in the current keyboard layout ({} if
        that cannot be known)."""
        ...


class Carbon:  # pragma: no cover - needs macOS
    """The real Carbon calls."""

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        self._c = ctypes
        path = ctypes.util.find_library("Carbon")
        self._carbon = ctypes.CDLL(path)

        class EventHotKeyID(ctypes.Structure):
            _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]

        class EventTypeSpec(ctypes.Structure):
            _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]

        self._EventHotKeyID = EventHotKeyID
        self._EventTypeSpec = EventTypeSpec
        self._carbon.GetApplicationEventTarget.restype = ctypes.c_void_p
        self._carbon.RegisterEventHotKey.argtypes = [
            ctypes.c_uint32, ctypes.c_uint32, EventHotKeyID, ctypes.c_void_p,
            ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p),
        ]  # fmt: skip
        self._carbon.UnregisterEventHotKey.argtypes = [ctypes.c_void_p]
        self._handler: Any = None

    def install_handler(self, on_pressed: Callable[[int], None]) -> None:
        c = self._c
        handler_type = c.CFUNCTYPE(c.c_int32, c.c_void_p, c.c_void_p, c.c_void_p)
        hotkey_id = self._EventHotKeyID()
        carbon = self._carbon

        def handler(_call: Any, event: Any, _data: Any) -> int:
            carbon.GetEventParameter(
                c.c_void_p(event),
                c.c_uint32(int.from_bytes(b"----", "big")),  # kEventParamDirectObject
                c.c_uint32(int.from_bytes(b"hkid", "big")),  # typeEventHotKeyID
                None, c.sizeof(hotkey_id), None, c.byref(hotkey_id),
            )  # fmt: skip
            if hotkey_id.signature == SIGNATURE:
                on_pressed(int(hotkey_id.id))
            return 0

        self._handler = handler_type(handler)  # kept alive for as long as we are
        spec = self._EventTypeSpec(int.from_bytes(b"keyb", "big"), 5)  # kEventHotKeyPressed
        carbon.InstallEventHandler(
            c.c_void_p(carbon.GetApplicationEventTarget()), self._handler, 1,
            c.byref(spec), None, None,
        )  # fmt: skip

    def register(
        self, key_code: int, modifiers: int, hotkey_id: int, options: int
    ) -> tuple[int, Any]:
        ref = self._c.c_void_p()
        status = self._carbon.RegisterEventHotKey(
            key_code, modifiers, self._EventHotKeyID(SIGNATURE, hotkey_id),
            self._carbon.GetApplicationEventTarget(), options, self._c.byref(ref),
        )  # fmt: skip
        return int(status), ref

    def layout(self) -> Mapping[int, str]:
        c = self._c
        carbon = self._carbon
        foundation = c.CDLL(c.util.find_library("CoreFoundation"))
        carbon.TISCopyCurrentKeyboardLayoutInputSource.restype = c.c_void_p
        carbon.TISGetInputSourceProperty.restype = c.c_void_p
        carbon.TISGetInputSourceProperty.argtypes = [c.c_void_p, c.c_void_p]
        carbon.LMGetKbdType.restype = c.c_uint8
        foundation.CFDataGetBytePtr.restype = c.c_void_p
        foundation.CFDataGetBytePtr.argtypes = [c.c_void_p]
        foundation.CFRelease.argtypes = [c.c_void_p]
        carbon.UCKeyTranslate.argtypes = [
            c.c_void_p, c.c_uint16, c.c_uint16, c.c_uint32, c.c_uint32, c.c_uint32,
            c.POINTER(c.c_uint32), c.c_ulong, c.POINTER(c.c_ulong), c.POINTER(c.c_uint16),
        ]  # fmt: skip
        source = carbon.TISCopyCurrentKeyboardLayoutInputSource()
        if not source:
            return {}
        try:
            key = c.c_void_p.in_dll(carbon, "kTISPropertyUnicodeKeyLayoutData")
            data = carbon.TISGetInputSourceProperty(source, key)
            if not data:  # an input method (Japanese, Chinese) has no key layout of its own
                return {}
            layout_ptr = foundation.CFDataGetBytePtr(data)
            kind = carbon.LMGetKbdType()
            table: dict[int, str] = {}
            for code in range(128):
                dead, length = c.c_uint32(0), c.c_ulong(0)
                chars = (c.c_uint16 * 4)()
                status = carbon.UCKeyTranslate(
                    layout_ptr, code, 3, 0, kind, 1,  # kUCKeyActionDisplay, NoDeadKeys
                    c.byref(dead), 4, c.byref(length), chars,
                )  # fmt: skip
                if status == 0 and length.value == 1:
                    table[code] = chr(chars[0])
            return table
        finally:
            foundation.CFRelease(source)

    def unregister(self, ref: Any) -> None:
        self._carbon.UnregisterEventHotKey(ref)


class MacBackend(HotkeyBackend):
    name = "macos"

    def __init__(self, api: CarbonApi | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api if api is not None else Carbon()
        self._refs: dict[str, tuple[int, Any]] = {}
        self._next_id = 1
        self._api.install_handler(self._pressed)

    def register(self, action: str, hotkey: Hotkey) -> None:
        if refusal := mac_refusal(hotkey):
            raise HotkeyError(f"{hotkey.portable()}: {refusal}.")
        try:
            code = mac_key_code(hotkey, self._layout())
        except ValueError as exc:
            raise HotkeyError(f"{hotkey.portable()}: {exc}.") from None
        self.unregister(action)
        hotkey_id = self._next_id
        self._next_id += 1
        status, ref = self._api.register(code, mac_modifiers(hotkey), hotkey_id, HOT_KEY_EXCLUSIVE)
        if status == EVENT_HOT_KEY_EXISTS:
            raise HotkeyError(taken_by_another(hotkey))
        if status != 0:
            raise HotkeyError(
                _("macOS refused the hotkey {hotkey} (error {code}).").format(
                    hotkey=hotkey.portable(), code=status
                )
            )
        self._refs[action] = (hotkey_id, ref)

    def _layout(self) -> Mapping[int, str]:
        try:
            return self._api.layout()
        except (OSError, ValueError, AttributeError) as exc:  # ctypes: a symbol missing
            log.info("keyboard layout unknown (%s): hotkeys use US key positions", exc)
            return {}

    def unregister(self, action: str) -> None:
        entry = self._refs.pop(action, None)
        if entry is not None:
            self._api.unregister(entry[1])

    def close(self) -> None:
        for action in list(self._refs):
            self.unregister(action)

    def _pressed(self, hotkey_id: int) -> None:
        for action, (known, _ref) in self._refs.items():
            if known == hotkey_id:
                self.activated.emit(action)
