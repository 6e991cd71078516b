"""The tray menu's upcoming meetings: today's next ones at the top (a click joins), their
links and Outlook in a submenu, and the tooltip's next meeting.  Renders the state only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from meettray.accounts import CALENDAR_SCOPES, MEETINGS, UPCOMING_CONSENT_MESSAGE
from meettray.i18n import _
from meettray.plaintext import displayable
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.notices import Notice
from meettray.ui.app_model.state import AppState
from meettray.ui.views.translation import tr
from meettray.upcoming import Upcoming, next_meeting, visible, when_label

#: Meetings listed at most (a menu is not a calendar; the command line lists them all).
MAX_ENTRIES = 8
#: Characters of a subject shown in the menu.
MAX_SUBJECT = 40


def todays(state: AppState, now: datetime) -> list[Upcoming]:
    """The meetings still to come today (local), or under way, in time order."""
    local = now.astimezone()
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return [m for m in visible(state.upcoming.items, now) if m.start < midnight][:MAX_ENTRIES]


def entry_label(item: Upcoming, now: datetime, whose: str = "") -> str:
    """``Stand-up · 09:00 · now`` (ampersands kept literal); ``whose``: the account's
    label, where several accounts' calendars are shown."""
    subject = displayable(item.subject) or tr("(no subject)")
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    start = item.start.astimezone().strftime("%H:%M")
    when = when_label(item, now)
    label = f"{subject} · {start}" + (f" · {when}" if when != start else "")
    if item.join_url is None:
        label += " · " + tr("no Teams link")
    if whose:
        label += f" · {displayable(whose)}"
    return label.replace("&", "&&")


def tooltip_line(state: AppState, now: datetime) -> str:
    """``next: Stand-up at 09:00 (in 5 min)`` for the tooltip ("" without one)."""
    item = next_meeting(state.upcoming.items, now)
    if item is None:
        return ""
    subject = displayable(item.subject)[:MAX_SUBJECT] or tr("a meeting")
    start = item.start.astimezone().strftime("%H:%M")
    line = tr("next: {subject} at {start}").format(subject=subject, start=start)
    when = when_label(item, now)
    return f"{line} ({when})" if when != start else line


def minute_ticks(
    parent: QObject, state: Callable[[], AppState], render: Callable[[], None]
) -> QTimer:
    """Call ``render`` every minute while upcoming meetings are shown, so that "in 5 min"
    in the tooltip stays true."""
    timer = QTimer(parent)
    timer.setInterval(60_000)
    timer.timeout.connect(lambda: render() if state().config.calendar.upcoming else None)
    timer.start()
    return timer


#: A reminder's notification buttons: (key, label).
REMINDER_ACTIONS = (("join", "Join"), ("copy", "Copy link"))


def notice_actions(notice: Notice) -> tuple[tuple[str, str], ...]:
    """The buttons a notice's notification gets: Join and Copy link for a reminder of a
    meeting with a Teams link; none for the rest."""
    item = notice.upcoming
    return REMINDER_ACTIONS if item is not None and item.join_url else ()


def notice_action(notice: object, action: str, dispatch: Callable[[i.Intent], object]) -> None:
    """One of those buttons was pressed: the intent it stands for."""
    item = notice.upcoming if isinstance(notice, Notice) else None
    if item is None:
        return
    if action == "join":
        dispatch(i.Join(item))
    elif action == "copy":
        dispatch(i.CopyJoinLink(item))


def add_upcoming(
    menu: QMenu, state: AppState, dispatch: Callable[[i.Intent], object], now: datetime
) -> None:
    """Put today's next meetings at the top of ``menu`` (nothing while the feature is off)."""
    if not state.config.calendar.upcoming or not any(a.signed_in for a in state.accounts):
        return
    several = len(state.accounts) > 1
    labels = {a.name: a.label for a in state.accounts} if several else {}
    items = todays(state, now)
    problem = state.upcoming.stale_because
    if problem == _(UPCOMING_CONSENT_MESSAGE):  # as the core said it, translated
        grant = i.SignIn(scopes=(MEETINGS, *CALENDAR_SCOPES))
        _add(menu, tr("Grant calendar permission…"), partial(dispatch, grant))
    elif problem:
        note = menu.addAction(tr("Calendar not refreshed (offline?)") if items
                              else tr("Upcoming meetings could not be read"))  # fmt: skip
        note.setToolTip(displayable(problem))
        note.setEnabled(False)
    if not items and not problem:
        none = menu.addAction(tr("No more meetings today"))
        none.setEnabled(False)
    for item in items:
        joins = i.Join(item) if item.join_url else i.OpenInOutlook(item)
        whose = labels.get(item.profile, "")
        _add(menu, entry_label(item, now, whose), partial(dispatch, joins))
    if items:
        links = menu.addMenu(tr("Meeting links"))
        for item in items:
            entry = links.addMenu(entry_label(item, now, labels.get(item.profile, "")))
            copy = _add(entry, tr("Copy link"), partial(dispatch, i.CopyJoinLink(item)))
            copy.setEnabled(item.join_url is not None)
            outlook = _add(entry, tr("Open in Outlook"),
                           partial(dispatch, i.OpenInOutlook(item)))  # fmt: skip
            outlook.setEnabled(bool(item.web_link))
    menu.addSeparator()


def _add(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: slot())
    return action
