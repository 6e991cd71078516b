"""Global hotkeys in one platform-neutral form, and their translations per OS.

A :class:`Hotkey` is parsed once from Qt's portable text (``"Ctrl+Alt+M"``,
as written in ``config.toml`` and shown by the key-sequence editor).  Each
backend then needs its own numbers: X keysyms and modifier masks, Windows
virtual-key codes and ``MOD_*`` flags, macOS Carbon key codes and modifiers,
or the XDG portal's trigger text.  All translations are pure functions.

Following Qt, "Ctrl" means the Command key on macOS and "Meta" the Control
key there; elsewhere "Meta" is the Super/Windows key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from meettray.i18n import N_, _

_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_DIGITS = [str(d) for d in range(10)]
_FUNCTION = [f"F{n}" for n in range(1, 25)]
_NAMED = [
    "Space", "Return", "Tab", "Escape", "Backspace", "Delete", "Insert", "Home", "End",
    "PgUp", "PgDown", "Left", "Right", "Up", "Down",
]  # fmt: skip
_PUNCTUATION = ["-", "=", ",", ".", "/", ";", "'", "[", "]", "\\", "`"]
KEYS = frozenset(_LETTERS + _DIGITS + _FUNCTION + _NAMED + _PUNCTUATION)

_ALIASES = {
    "ENTER": "Return", "ESC": "Escape", "DEL": "Delete", "INS": "Insert",
    "PAGEUP": "PgUp", "PAGEDOWN": "PgDown", "PGUP": "PgUp", "PGDOWN": "PgDown",
    "BACKSPACE": "Backspace", "SPACE": "Space", "RETURN": "Return", "TAB": "Tab",
    "ESCAPE": "Escape", "DELETE": "Delete", "INSERT": "Insert", "HOME": "Home", "END": "End",
    "LEFT": "Left", "RIGHT": "Right", "UP": "Up", "DOWN": "Down", "MINUS": "-", "EQUAL": "=",
    "COMMA": ",", "PERIOD": ".", "SLASH": "/", "SEMICOLON": ";", "APOSTROPHE": "'",
    "BRACKETLEFT": "[", "BRACKETRIGHT": "]", "BACKSLASH": "\\", "GRAVE": "`",
}  # fmt: skip
_MODIFIERS = {
    "CTRL": "ctrl", "CONTROL": "ctrl", "ALT": "alt", "OPTION": "alt", "SHIFT": "shift",
    "META": "meta", "SUPER": "meta", "WIN": "meta", "CMD": "ctrl",
}  # fmt: skip


@dataclass(frozen=True)
class Hotkey:
    """One key with modifiers, e.g. Ctrl+Alt+M."""

    key: str
    ctrl: bool = False
    alt: bool = False
    shift: bool = False
    meta: bool = False

    @classmethod
    def parse(cls, text: str) -> Hotkey | None:
        """Parse ``"Ctrl+Alt+M"``; ``""`` or ``"none"`` mean no hotkey.

        Raises ValueError with a sentence a person understands.
        """
        cleaned = text.strip()
        if cleaned.lower() in ("", "none"):
            return None
        # "+" is a separator, but also a key ("Ctrl++"): take the last part as-is.
        if cleaned.endswith("++"):
            parts, key_text = cleaned[:-2].split("+"), "+"
        else:
            *parts, key_text = cleaned.split("+")
        modifiers: dict[str, bool] = {}
        for part in parts:
            name = _MODIFIERS.get(part.strip().upper())
            if name is None:
                raise ValueError(
                    _("{text} is not a modifier (use Ctrl, Alt, Shift, Meta)").format(
                        text=repr(part.strip())
                    )
                )
            modifiers[name] = True
        key = _key_name(key_text.strip())
        hotkey = cls(key=key, **modifiers)
        if not (hotkey.ctrl or hotkey.alt or hotkey.meta) and not key.startswith("F"):
            raise ValueError(
                _("{hotkey} would take that key from every program: add Ctrl, Alt or Meta").format(
                    hotkey=hotkey.portable()
                )
            )
        return hotkey

    def portable(self) -> str:
        """Qt's portable text, the form saved in config.toml: ``Ctrl+Alt+M``."""
        names = [n for n, on in (("Ctrl", self.ctrl), ("Alt", self.alt),
                                 ("Shift", self.shift), ("Meta", self.meta)) if on]  # fmt: skip
        return "+".join([*names, self.key])


def _key_name(text: str) -> str:
    if len(text) == 1:
        upper = text.upper()
        if upper in KEYS:
            return upper
    canonical = _ALIASES.get(text.upper())
    if canonical:
        return canonical
    upper = text.upper()
    if upper.startswith("F") and upper[1:].isdigit() and upper in {f.upper() for f in _FUNCTION}:
        return upper
    raise ValueError(_("{text} is not a key meettray can use for a hotkey").format(text=repr(text)))


# -- X11 --------------------------------------------------------------------------------------

X_SHIFT, X_LOCK, X_CONTROL, X_MOD1, X_MOD2, X_MOD4 = 1, 2, 4, 8, 16, 64
_X_NAMED = {
    "Space": 0x20, "Return": 0xFF0D, "Tab": 0xFF09, "Escape": 0xFF1B, "Backspace": 0xFF08,
    "Delete": 0xFFFF, "Insert": 0xFF63, "Home": 0xFF50, "End": 0xFF57, "PgUp": 0xFF55,
    "PgDown": 0xFF56, "Left": 0xFF51, "Up": 0xFF52, "Right": 0xFF53, "Down": 0xFF54,
}  # fmt: skip
_XKB_NAMES = {
    "Space": "space", "Return": "Return", "Tab": "Tab", "Escape": "Escape",
    "Backspace": "BackSpace", "Delete": "Delete", "Insert": "Insert", "Home": "Home",
    "End": "End", "PgUp": "Prior", "PgDown": "Next", "Left": "Left", "Right": "Right",
    "Up": "Up", "Down": "Down", "-": "minus", "=": "equal", ",": "comma", ".": "period",
    "/": "slash", ";": "semicolon", "'": "apostrophe", "[": "bracketleft",
    "]": "bracketright", "\\": "backslash", "`": "grave",
}  # fmt: skip


def x11_keysym(hotkey: Hotkey) -> int:
    """The X keysym (letters as their lower-case keysym, like the keyboard sends)."""
    key = hotkey.key
    if key in _X_NAMED:
        return _X_NAMED[key]
    if key.startswith("F") and len(key) > 1:
        return 0xFFBE + int(key[1:]) - 1  # XK_F1 = 0xFFBE, consecutive to F35
    return ord(key.lower())  # Latin-1 keysyms equal their code points


def x11_modifiers(hotkey: Hotkey) -> int:
    """The modifier mask (Alt is Mod1 and Super Mod4 on every mainstream layout)."""
    return (
        (X_CONTROL if hotkey.ctrl else 0)
        | (X_MOD1 if hotkey.alt else 0)
        | (X_SHIFT if hotkey.shift else 0)
        | (X_MOD4 if hotkey.meta else 0)
    )


def x11_grab_masks(hotkey: Hotkey, numlock_mask: int = X_MOD2) -> list[int]:
    """Every mask to grab, so the hotkey works with Caps Lock and Num Lock on or off."""
    base = x11_modifiers(hotkey)
    return sorted({base, base | X_LOCK, base | numlock_mask, base | X_LOCK | numlock_mask})


def x11_ignored_mask(numlock_mask: int = X_MOD2) -> int:
    """Bits to clear from an event's state before matching it."""
    return X_LOCK | numlock_mask


# -- Windows ----------------------------------------------------------------------------------

MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
_VK_NAMED = {
    "Space": 0x20, "Return": 0x0D, "Tab": 0x09, "Escape": 0x1B, "Backspace": 0x08,
    "Delete": 0x2E, "Insert": 0x2D, "Home": 0x24, "End": 0x23, "PgUp": 0x21, "PgDown": 0x22,
    "Left": 0x25, "Up": 0x26, "Right": 0x27, "Down": 0x28, "-": 0xBD, "=": 0xBB, ",": 0xBC,
    ".": 0xBE, "/": 0xBF, ";": 0xBA, "'": 0xDE, "[": 0xDB, "]": 0xDD, "\\": 0xDC, "`": 0xC0,
}  # fmt: skip


def windows_virtual_key(hotkey: Hotkey) -> int:
    """The virtual-key code (``VK_*``) for RegisterHotKey."""
    key = hotkey.key
    if key in _VK_NAMED:
        return _VK_NAMED[key]
    if key.startswith("F") and len(key) > 1:
        return 0x70 + int(key[1:]) - 1  # VK_F1 = 0x70 .. VK_F24 = 0x87
    return ord(key)  # 'A'..'Z' and '0'..'9' are their ASCII codes


def windows_modifiers(hotkey: Hotkey) -> int:
    """``MOD_*`` flags; MOD_NOREPEAT so holding the keys makes one meeting."""
    return (
        (MOD_CONTROL if hotkey.ctrl else 0)
        | (MOD_ALT if hotkey.alt else 0)
        | (MOD_SHIFT if hotkey.shift else 0)
        | (MOD_WIN if hotkey.meta else 0)
        | MOD_NOREPEAT
    )


# -- macOS (Carbon) -----------------------------------------------------------------------------

MAC_CMD, MAC_SHIFT, MAC_OPTION, MAC_CONTROL = 0x100, 0x200, 0x800, 0x1000
_MAC_CODES = {
    "A": 0x00, "S": 0x01, "D": 0x02, "F": 0x03, "H": 0x04, "G": 0x05, "Z": 0x06, "X": 0x07,
    "C": 0x08, "V": 0x09, "B": 0x0B, "Q": 0x0C, "W": 0x0D, "E": 0x0E, "R": 0x0F, "Y": 0x10,
    "T": 0x11, "1": 0x12, "2": 0x13, "3": 0x14, "4": 0x15, "6": 0x16, "5": 0x17, "=": 0x18,
    "9": 0x19, "7": 0x1A, "-": 0x1B, "8": 0x1C, "0": 0x1D, "]": 0x1E, "O": 0x1F, "U": 0x20,
    "[": 0x21, "I": 0x22, "P": 0x23, "Return": 0x24, "L": 0x25, "J": 0x26, "'": 0x27,
    "K": 0x28, ";": 0x29, "\\": 0x2A, ",": 0x2B, "/": 0x2C, "N": 0x2D, "M": 0x2E, ".": 0x2F,
    "Tab": 0x30, "Space": 0x31, "`": 0x32, "Backspace": 0x33, "Escape": 0x35,
    "F1": 0x7A, "F2": 0x78, "F3": 0x63, "F4": 0x76, "F5": 0x60, "F6": 0x61, "F7": 0x62,
    "F8": 0x64, "F9": 0x65, "F10": 0x6D, "F11": 0x67, "F12": 0x6F, "F13": 0x69, "F14": 0x6B,
    "F15": 0x71, "F16": 0x6A, "F17": 0x40, "F18": 0x4F, "F19": 0x50, "F20": 0x5A,
    "Insert": 0x72, "Home": 0x73, "PgUp": 0x74, "Delete": 0x75, "End": 0x77, "PgDown": 0x79,
    "Left": 0x7B, "Right": 0x7C, "Down": 0x7D, "Up": 0x7E,
}  # fmt: skip


#: Keys whose code depends on the keyboard layout: what they type, not where they are.
#: Digits stay on the number row (AZERTY types them with Shift there).
_MAC_TYPED = frozenset(_LETTERS + _PUNCTUATION)
#: The keypad's codes: the same characters as the main keys, never the ones meant.
_MAC_KEYPAD = frozenset({0x41, 0x43, 0x45, 0x47, 0x4B, 0x4C, 0x4E, 0x51, *range(0x52, 0x5D)})


def mac_key_code(hotkey: Hotkey, layout: Mapping[int, str] | None = None) -> int:
    """The Carbon virtual key code.  Raises ValueError for F21-F24.

    Carbon codes are key positions (an ANSI keyboard's): ``layout``, what each key
    code types without modifiers in the current keyboard layout (``UCKeyTranslate``),
    turns a letter or sign into the key that types it, so that Cmd+Z is the Z
    of an AZERTY, QWERTZ or Dvorak keyboard.  Without it, or for a character the layout
    has no plain key for, the ANSI position.
    """
    if layout and hotkey.key in _MAC_TYPED:
        wanted = hotkey.key.lower()
        typed = sorted(
            code
            for code, text in layout.items()
            if text.lower() == wanted and code not in _MAC_KEYPAD
        )
        if typed:
            ansi = _MAC_CODES.get(hotkey.key)
            return ansi if ansi in typed else typed[0]
    try:
        return _MAC_CODES[hotkey.key]
    except KeyError:
        raise ValueError(_("{key} has no key on a Mac keyboard").format(key=hotkey.key)) from None


def mac_refusal(hotkey: Hotkey) -> str:
    """Why macOS would not deliver ``hotkey`` ("" when it would).  Since macOS 15 a
    hot key whose only modifiers are Option, or Option and Shift, registers but never
    fires (Apple closed it to keyloggers)."""
    if hotkey.alt and not (hotkey.ctrl or hotkey.meta):
        if hotkey.shift:
            return _(
                "macOS does not deliver shortcuts held with only Option and Shift; add Command "
                "or Control"
            )
        return _("macOS does not deliver shortcuts held with only Option; add Command or Control")
    return ""


def mac_modifiers(hotkey: Hotkey) -> int:
    """Carbon modifiers; Qt's Ctrl is the Command key on macOS."""
    return (
        (MAC_CMD if hotkey.ctrl else 0)
        | (MAC_OPTION if hotkey.alt else 0)
        | (MAC_SHIFT if hotkey.shift else 0)
        | (MAC_CONTROL if hotkey.meta else 0)
    )


def default_meet_now(platform: str) -> str:
    """The Meet now hotkey out of the box.  On a Mac Qt's Ctrl is Command, and
    Command+Option+M minimises every window of the app in front: Control+Command+M
    there ("Meta" is the Control key on macOS)."""
    return "Ctrl+Meta+M" if platform == "darwin" else "Ctrl+Alt+M"


# -- XDG desktop portal and GNOME --------------------------------------------------------------


def portal_trigger(hotkey: Hotkey) -> str:
    """The portal's preferred trigger, e.g. ``CTRL+ALT+m`` (XDG shortcuts format)."""
    names = [n for n, on in (("CTRL", hotkey.ctrl), ("ALT", hotkey.alt),
                             ("SHIFT", hotkey.shift), ("LOGO", hotkey.meta)) if on]  # fmt: skip
    return "+".join([*names, _xkb_key(hotkey)])


def gnome_accelerator(hotkey: Hotkey) -> str:
    """GNOME's accelerator for a custom keyboard shortcut, e.g. ``<Control><Alt>m``."""
    held = (("<Control>", hotkey.ctrl), ("<Alt>", hotkey.alt),
            ("<Shift>", hotkey.shift), ("<Super>", hotkey.meta))  # fmt: skip
    return "".join([*(name for name, on in held if on), _xkb_key(hotkey)])


def _xkb_key(hotkey: Hotkey) -> str:
    """The key's XKB keysym name, as the portal and GNOME spell it (``m``, ``F5``)."""
    if hotkey.key in _XKB_NAMES:
        return _XKB_NAMES[hotkey.key]
    return hotkey.key.lower() if len(hotkey.key) == 1 else hotkey.key


#: What a backend says when another program holds the keys (translated where said).
TAKEN = N_("{hotkey} is already used by another program. Choose another combination in Settings.")


def taken_by_another(hotkey: Hotkey) -> str:
    """:data:`TAKEN` for ``hotkey``, in the person's language."""
    return _(TAKEN).format(hotkey=hotkey.portable())


def taken_hotkey(detail: str) -> str | None:
    """The hotkey a :func:`taken_by_another` sentence names (in this process's language);
    ``None`` for any other sentence."""
    before, _sep, after = _(TAKEN).partition("{hotkey}")
    if (
        len(detail) > len(before) + len(after)
        and detail.startswith(before)
        and detail.endswith(after)
    ):
        return detail[len(before) : len(detail) - len(after)]
    return None
