"""Handing out the meeting made ahead of need (the "spare"), with no network.

The rules shared by the service and the command line's fast path: which spare
may be taken (its kind, its age), and what it becomes when taken.  Taking it,
writing its History row and noting the PATCH still due are one transaction
(:meth:`HistoryStore.take_spare`).  :func:`first_stage` is every creation's first
stage, the one with no network: the service's (:meth:`MeetingService.make`) and the
cold ``meettray now``'s (:func:`take_for_now`), which prints and copies a prepared
link before it imports msal or requests; the service sends the PATCH afterwards.
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
from meettray.creation import Creation
from meettray.errors import StorageError
from meettray.history import Handout, HistoryStore, Spare

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


@dataclass(frozen=True)
class Taken:
    """What the first stage found with no network: the meeting to answer with, an expired
    spare to delete, or a history too busy to wait for."""

    #: The meeting to answer with: a spare handed out now (in History, its PATCH due), or
    #: the one handed out before for a retry's id (its PATCH due or done).
    handout: Handout | None = None
    #: The asker's spare, taken out too old (or dated in the future): to be deleted on
    #: the server once the meeting asked for exists.
    stale: Spare | None = None
    #: The history was held by another process past :data:`BUSY_WAIT_BEFORE_LINK` (or
    #: failed): Graph is asked at once, with no second wait.
    busy: bool = False

    @property
    def decided(self) -> bool:
        """Whether this settles the first stage (a meeting, or no waiting again)."""
        return self.handout is not None or self.busy


def first_stage(
    creation: Creation,
    history: HistoryStore,
    *,
    organizer: str | None,
    kind: str,
    now: datetime,
    prepare: bool,
    take_expired: bool,
) -> Taken:
    """The first stage of every creation, the one with no network, in the service and the
    cold ``meettray now`` alike (:meth:`MeetingService.make`).

    A retry gets the meeting handed out for its id, if one was; Meet now takes the spare
    of ``organizer`` and ``kind`` while it is usable (``prepare``: "Prepare the next link"
    is on), handing it out in one transaction (History row and due PATCH with it).  An
    expired one is taken out as :attr:`Taken.stale` only where the caller can delete it
    on the server (``take_expired``); otherwise it is left for one that can.  A history
    that cannot be read or written means nothing taken: Graph is asked as before.
    """
    if creation.retry:
        assert creation.external_id is not None
        try:
            handout = history.handout_for(creation.external_id)
        except StorageError as exc:
            log.info("hand-outs not read: %s", exc.message)
            return Taken()
        if handout is not None:
            log.info("the meeting for %s had been handed out already", creation.external_id)
        return Taken(handout)
    if not (creation.may_take_spare and prepare and organizer):
        return Taken()
    request = creation.request

    def hand_out(spare: Spare) -> Handout | None:
        if judge(spare, organizer=organizer, kind=kind, now=now) != "usable":
            return None
        asked = dataclasses.replace(
            spare.meeting, subject=request.subject, start=request.start, end=request.end,
            created_at=now, note=UPDATING_NOTE,
        )  # fmt: skip
        return Handout(asked, request.to_json(), creation.external_id, spare.account, now)

    try:
        with history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):
            verdicts = {judge(s, organizer=organizer, kind=kind, now=now)
                        for s in history.spares()}  # fmt: skip
            if "usable" not in verdicts and not (take_expired and "expired" in verdicts):
                return Taken()
            taken = history.take_spare(organizer, kind, hand_out)
    except StorageError as exc:
        log.info("no spare taken: %s", exc.message)
        return Taken(busy=True)
    if taken is None:  # another process took it meanwhile
        return Taken()
    spare, handout = taken
    return Taken(handout) if handout is not None else Taken(stale=spare)


def take_for_now(
    config: Config, creation: Creation, now: datetime, *, set_aside: Callable[[Path], None]
) -> Taken:
    """The first stage of ``meettray now`` with no tray running, before anything loads the
    network stack: the spare handed out to whoever the note says is signed in, or the
    meeting handed out for a retry's id; the service then sends its PATCH
    (:meth:`MeetingService.make` with this).  An expired spare is left for the service,
    which deletes it on the server.  ``set_aside`` hears where a damaged history went."""
    history = HistoryStore(paths.history_file(), lazy=True)  # opened only if looked at
    try:
        return first_stage(
            creation, history, organizer=organizer_of(config), kind=spare_kind(config.account),
            now=now, prepare=config.meeting.prepare_next_link, take_expired=False,
        )  # fmt: skip
    finally:
        history.close()
        if history.set_aside is not None:
            set_aside(history.set_aside)
