"""Several accounts in the menus: whose meeting Meet now makes, each preset's account, and
the Accounts submenu (each profile signed in or out, the default one checked).

The tray's menu and the no-tray window share these, so both say the same.  Nothing here
is shown while there is one profile: the menus then read as they always did.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from meettray.plaintext import displayable
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.state import AccountStatus, AppState
from meettray.ui.views.translation import tr

if TYPE_CHECKING:
    from meettray.config import Preset

#: Sends an intent to the app model (``AppModel.dispatch``).
Dispatch = Callable[[i.Intent], object]
#: Marks a "Sign in to…" entry (its data: the profile's name).
_SIGN_IN = "meettray-sign-in"


def sign_in_asked(action: QAction) -> str | None:
    """The profile a chosen Accounts entry asks to sign in, if it is a "Sign in to…" one."""
    if action.property(_SIGN_IN):
        return str(action.data())
    return None


def _menu_text(text: str) -> str:
    """A name from the settings as a menu shows it: plain, its ampersands literal."""
    return displayable(text).replace("&", "&&")


def default_status(state: AppState) -> AccountStatus | None:
    return next((a for a in state.accounts if a.default), None)


def meet_now_text(state: AppState) -> str:
    """``&Meet now``, or ``&Meet now (Contoso)`` when there is more than one profile."""
    default = default_status(state)
    if not state.several_accounts or default is None:
        return tr("&Meet now")
    return tr("&Meet now ({account})").format(account=_menu_text(default.label))


def preset_text(preset: Preset, state: AppState) -> str:
    """A "Meet now as" entry: the preset's label, `` (default)`` for the default one, and
    its account's label where it is not the default profile's."""
    text = _menu_text(preset.label) + (tr(" (default)") if preset.default else "")
    account = preset.account
    default = default_status(state)
    if account is None or not state.several_accounts or (default and default.name == account):
        return text
    status = state.account_status(account)
    label = status.label if status is not None else account
    return text + tr(" ({account})").format(account=_menu_text(label))


def account_text(status: AccountStatus) -> str:
    """``Contoso: ana@contoso.com``, ``Fabrikam: not signed in``, ``…: signing in…``."""
    if status.signing_in:
        who = tr("signing in…")
    elif status.signed_in:
        who = status.username
    else:
        who = tr("not signed in")
    return tr("{account}: {who}").format(account=_menu_text(status.label), who=_menu_text(who))


def fill_accounts(menu: QMenu, state: AppState, dispatch: Dispatch) -> None:
    """The Accounts submenu: each profile (checked: the default; choosing one makes it the
    default), then Sign in to… or Sign out of each profile whose people sign in.

    A "Sign in to…" entry is the view's to carry out (its sign-in window, the OS broker's
    parent): :func:`sign_in_asked` names its profile in the menu's ``triggered``.  Nothing
    here holds the view: an entry that did would keep it alive for ever (a connection's
    callable is not seen by Python's cycle collector).

    Every entry has a mnemonic of its own: the numbers 1 to 9, then the letters."""
    menu.clear()
    keys = iter("123456789abcdefghijklmnopqrstuvwxyz")

    def numbered(text: str) -> str:
        key = next(keys, "")
        return f"&{key} {text}" if key else text

    for status in state.accounts:
        action = menu.addAction(numbered(account_text(status)))
        action.setCheckable(True)
        action.setChecked(status.default)
        if not status.default:
            action.triggered.connect(
                lambda _checked=False, name=status.name: dispatch(i.SetDefaultAccount(name))
            )
        else:  # choosing the default again changes nothing: it stays checked
            action.triggered.connect(lambda _checked=False, a=action: a.setChecked(True))
    menu.addSeparator()
    for status in state.accounts:
        if not status.signs_in or status.signing_in:
            continue
        label = _menu_text(status.label)
        if status.signed_in:
            action = menu.addAction(numbered(tr("Sign out of {account}").format(account=label)))
            sign_out = partial(dispatch, i.SignOut(account=status.name))
            action.triggered.connect(lambda _checked=False, s=sign_out: s())
        else:
            action = menu.addAction(numbered(tr("Sign in to {account}…").format(account=label)))
            action.setData(status.name)
            action.setProperty(_SIGN_IN, True)
    if any(status.signing_in for status in state.accounts):
        cancel = menu.addAction(numbered(tr("Cancel sign-in")))
        cancel.triggered.connect(lambda _checked=False: dispatch(i.CancelSignIn()))
