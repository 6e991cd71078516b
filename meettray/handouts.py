"""Handing out the meeting made ahead of need (the "spare"), with no network.

The rules shared by the service and the command line's fast path: which spare
may be taken (its kind, its age), and what it becomes when taken.  Taking it,
writing its History row and noting the PATCH still due are one transaction
(:meth:`HistoryStore.take_spare`).  No network stack is loaded here: a cold
``meettray now`` prints and copies a prepared link before it imports msal or
requests, and the service sends the PATCH afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from meettray import paths
from meettray.choices import MAIN_ACCOUNT
from meettray.config import AccountConfig, Config
from meettray.errors import StorageError
from meettray.history import Handout, HistoryStore, Spare
from meettray.meetings import MeetingRequest

log = logging.getLogger(__name__)

#: A spare older than this is replaced before use, and deleted on the server.
SPARE_MAX_AGE = timedelta(hours=8)
#: History's note on a handed-out meeting until its PATCH is answered.
UPDATING_NOTE = "Teams may still show the prepared meeting's subject and times (being updated)."


#: The longest a link waits for a history another process is writing, before Graph is
#: asked instead (one bounded wait, not SQLite's 15 s at every step).
BUSY_WAIT_BEFORE_LINK = 1.5

Verdict = Literal["usable", "expired", "foreign"]


def spare_kind(account: AccountConfig) -> str:
    """What a spare was made for besides the person: the sign-in mode, tenant, app and
    cloud.  A spare is handed out only under the same settings it was made with."""
    return " ".join((account.mode, account.authority_url, account.client_id, account.graph_url))


def kind_graph_url(kind: str) -> str:
    """The Graph endpoint a spare of ``kind`` lives on (its last part)."""
    return kind.rsplit(" ", 1)[-1]


def judge(spare: Spare, *, organizer: str | None, kind: str, now: datetime) -> Verdict:
    """The one rule for every spare, in the tray and the command line alike: it may be
    handed out only to its organizer (the signed-in account's username, or application
    mode's ``user_id``), under the settings it was made with, and only while young.  One
    dated in the future (a clock set back, a row edited) is expired, never fresh."""
    if not organizer or (spare.account, spare.mode) != (organizer, kind):
        return "foreign"
    age = now - spare.created_at
    return "usable" if timedelta(0) <= age <= SPARE_MAX_AGE else "expired"


def organizer_of(config: Config, *, demo: bool = False) -> str | None:
    """Who the meetings of ``config``'s active profile are for, known with no network
    stack: application mode's ``user_id``; in delegated mode the account the profile's
    last sign-in noted (:func:`note_organizer`), ``None`` when nobody is noted."""
    if config.account.mode == "application":
        return config.account.user_id
    return _noted(_organizer_file(demo, config.profile))


def spare_owners(config: Config, *, demo: bool = False) -> dict[tuple[str, str], str]:
    """Whose spare each (organizer, kind) is: every profile's, as noted, by profile name.
    A spare of another profile is that profile's to judge, never this one's."""
    owners: dict[tuple[str, str], str] = {}
    for name in config.account_names():
        view = config.for_account(name)
        organizer = organizer_of(view, demo=demo)
        if organizer:
            owners.setdefault((organizer, spare_kind(view.account)), name)
    return owners


def note_organizer(
    username: str | None, *, demo: bool = False, profile: str = MAIN_ACCOUNT
) -> None:
    """Note who is signed in to ``profile`` (``None``: nobody), for the command line's fast
    path, which cannot read the token cache before it hands out a link.  The old note
    goes first: should writing the new one fail, no spare is handed out until a service
    checks."""
    path = _organizer_file(demo, profile)
    if _noted(path) == username:
        return
    try:
        path.unlink(missing_ok=True)
        if username:
            paths.ensure_private_dir(path.parent)
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            temporary.write_text(username, encoding="utf-8")
            os.replace(temporary, path)
    except OSError as exc:
        log.info("signed-in account not noted: %s", exc)


def _noted(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _organizer_file(demo: bool, profile: str) -> Path:
    """ "main"'s note keeps the name it had when there was one account."""
    name = "signed-in-account" if profile == MAIN_ACCOUNT else f"signed-in-account.{profile}"
    return paths.data_dir(demo=demo) / name


def take(
    history: HistoryStore,
    kind: str,
    request: MeetingRequest,
    now: datetime,
    *,
    organizer: str,
    request_id: str | None = None,
) -> Handout | Spare | None:
    """Take the spare of ``organizer`` and ``kind``.

    Returns the :class:`Handout` (in History already, its PATCH due), or the spare itself
    when it may not be handed out (too old, dated in the future: to be deleted on the
    server), or ``None``.  A history that cannot be read or written means no spare: the
    caller asks Graph as before.
    """

    def hand_out(spare: Spare) -> Handout | None:
        if judge(spare, organizer=organizer, kind=kind, now=now) != "usable":
            return None
        asked = dataclasses.replace(
            spare.meeting, subject=request.subject, start=request.start, end=request.end,
            created_at=now, note=UPDATING_NOTE,
        )  # fmt: skip
        return Handout(asked, request.to_json(), request_id, spare.account, now)

    try:
        taken = history.take_spare(organizer, kind, hand_out)
    except StorageError as exc:
        log.info("no spare taken: %s", exc.message)
        return None
    if taken is None:
        return None
    spare, handout = taken
    return handout or spare


@dataclass(frozen=True)
class FastPath:
    """What ``meettray now``'s fast path found: the hand-out, or whether the history was
    too busy to wait for (then the service asks Graph at once)."""

    handout: Handout | None
    busy: bool = False


def take_for_now(
    config: Config,
    subject: str | None,
    now: datetime,
    *,
    preset: str | None = None,
    set_aside: Callable[[Path], None],
) -> FastPath:
    """``meettray now`` with no tray running: the prepared meeting, if there is one to hand
    out to whoever is signed in, taken before anything loads the network stack (the
    service then sends its PATCH: :meth:`MeetingService.finish_handout`).  An expired one
    is left for the service, which deletes it on the server.  ``preset``: whose settings
    its PATCH applies (an unknown name is a :class:`ConfigError`).  ``set_aside`` hears
    where a damaged history went.  A history another process holds is waited for
    :data:`BUSY_WAIT_BEFORE_LINK` at most."""
    if not config.meeting.prepare_next_link:
        return FastPath(None)
    request = config.preset(preset).request(now, subject)
    organizer, kind = organizer_of(config), spare_kind(config.account)
    if organizer is None:
        return FastPath(None)
    history = HistoryStore(paths.history_file(), lazy=True)
    try:
        with history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):
            try:
                spares = history.spares()
            except StorageError as exc:
                log.info("no spare taken: %s", exc.message)
                return FastPath(None, busy=True)
            if any(judge(s, organizer=organizer, kind=kind, now=now) == "expired"
                   for s in spares):  # fmt: skip
                return FastPath(None)
            if not any(judge(s, organizer=organizer, kind=kind, now=now) == "usable"
                       for s in spares):  # fmt: skip
                return FastPath(None)
            taken = take(history, kind, request, now, organizer=organizer)
    finally:
        history.close()
        if history.set_aside is not None:
            set_aside(history.set_aside)
    if isinstance(taken, Handout):
        return FastPath(taken)
    return FastPath(None, busy=taken is None)
