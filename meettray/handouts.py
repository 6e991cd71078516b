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
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from meettray import paths
from meettray.config import AccountConfig, Config
from meettray.errors import StorageError
from meettray.history import Handout, HistoryStore, Spare
from meettray.meetings import MeetingRequest

log = logging.getLogger(__name__)

#: A spare older than this is replaced before use, and deleted on the server.
SPARE_MAX_AGE = timedelta(hours=8)
#: History's note on a handed-out meeting until its PATCH is answered.
UPDATING_NOTE = "Teams may still show the prepared meeting's subject and times (being updated)."


def spare_kind(account: AccountConfig) -> str:
    """What a spare was made for besides the person: the sign-in mode, tenant, app and
    cloud.  A spare is handed out only under the same settings it was made with."""
    return " ".join((account.mode, account.authority_url, account.client_id, account.graph_url))


def take(
    history: HistoryStore,
    kind: str,
    request: MeetingRequest,
    now: datetime,
    *,
    account: str | None,
    request_id: str | None = None,
) -> Handout | Spare | None:
    """Take the spare of ``account`` (``None``: the only one of this kind, as the command
    line's fast path knows no account before loading MSAL).

    Returns the :class:`Handout` (in History already, its PATCH due), or the spare itself
    when it was too old to hand out (to be deleted on the server), or ``None``.  A history
    that cannot be read or written means no spare: the caller asks Graph as before.
    """

    def hand_out(spare: Spare) -> Handout | None:
        if now - spare.created_at > SPARE_MAX_AGE:
            return None
        asked = dataclasses.replace(
            spare.meeting, subject=request.subject, start=request.start, end=request.end,
            created_at=now, note=UPDATING_NOTE,
        )  # fmt: skip
        return Handout(asked, request.to_json(), request_id, spare.account, now)

    try:
        taken = history.take_spare(account, kind, hand_out)
    except StorageError as exc:
        log.info("no spare taken: %s", exc.message)
        return None
    if taken is None:
        return None
    spare, handout = taken
    return handout or spare


def take_for_now(
    config: Config,
    subject: str | None,
    now: datetime,
    *,
    preset: str | None = None,
    set_aside: Callable[[Path], None],
) -> Handout | None:
    """``meettray now`` with no tray running: the prepared meeting, if there is one to hand
    out, taken before anything loads the network stack (the service then sends its PATCH:
    :meth:`MeetingService.finish_handout`).  An expired one is left for the service,
    which deletes it on the server.  ``preset``: whose settings its PATCH applies (an
    unknown name is a :class:`ConfigError`).  ``set_aside`` hears where a damaged history
    went."""
    if not config.meeting.prepare_next_link:
        return None
    request = config.preset(preset).request(now, subject)
    history = HistoryStore(paths.history_file(), lazy=True)
    try:
        if any(now - s.created_at > SPARE_MAX_AGE for s in _spares(history)):
            return None
        taken = take(history, spare_kind(config.account), request, now, account=None)
    finally:
        history.close()
        if history.set_aside is not None:
            set_aside(history.set_aside)
    return taken if isinstance(taken, Handout) else None


def _spares(history: HistoryStore) -> list[Spare]:
    try:
        return history.spares()
    except StorageError:
        return []
