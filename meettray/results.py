"""What the service hands back: plain values the tray, the CLI and tests share.

Kept apart from :mod:`meettray.service` so that a module that only reads
results (every view of the tray app) does not load the network stack that the
service needs (requests, msal, urllib3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from meettray.meetings import Meeting
from meettray.options import NotApplied


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class HistoryPage:
    """One page of history for a list: the meetings, and (first page) how many match."""

    meetings: list[Meeting]
    #: Matches in all, for the first page of a listing; ``None`` for later pages.
    total: int | None
    #: What went wrong reading it, in a sentence ("" if nothing).
    error: str = ""


@dataclass(frozen=True)
class Created:
    """A meeting that exists on the server, and what did not fully work around it."""

    meeting: Meeting
    warnings: tuple[str, ...] = ()
    #: Each setting asked for that the meeting does not have (Graph ignored it, or its
    #: PATCH failed), with its value: for a notification that names them.
    not_applied: tuple[NotApplied, ...] = ()
