"""The app model: one place that turns "make me a meeting" into Graph calls and history.

The CLI and the tray controller both drive a :class:`MeetingService`; neither
talks to MSAL or requests directly.  A meeting that Graph created is never
lost because something after it failed: the link is returned with warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from meettray import auth, paths
from meettray.config import Config
from meettray.errors import GraphError, StorageError
from meettray.graph import CreateResult, GraphClient
from meettray.history import HistoryStore
from meettray.meetings import Meeting, MeetingRequest, instant_request, new_external_id

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Created:
    """A meeting that exists on the server, and what did not fully work around it."""

    meeting: Meeting
    warnings: tuple[str, ...] = ()


class MeetingService:
    """Creates, remembers and cancels meetings for one configured account."""

    def __init__(
        self,
        *,
        config: Config,
        authenticator: auth.DelegatedAuth | auth.AppOnlyAuth,
        graph: GraphClient,
        history: HistoryStore,
        cache_status: auth.CacheStatus,
        clock: Callable[[], datetime] = utc_now,
        demo: bool = False,
    ) -> None:
        self.config = config
        self.auth = authenticator
        self.graph = graph
        self.history = history
        self.cache_status = cache_status
        self.demo = demo
        self._clock = clock

    def close(self) -> None:
        self.graph.close()
        self.history.close()

    def account(self) -> auth.Account | None:
        return self.auth.account()

    def warm_up(self) -> None:
        """Do the slow first-time work (discovery, TLS) before anyone clicks."""
        self.auth.warm_up()
        self.graph.warm_up()

    def create_instant(self, subject: str | None = None) -> Created:
        """Meet now: a meeting starting now, with the configured subject and duration."""
        request = instant_request(
            self.config.meeting.subject,
            self.config.meeting.duration_minutes,
            self._clock(),
            subject=subject,
        )
        return self.create(request)

    def create(self, request: MeetingRequest, *, external_id: str | None = None) -> Created:
        """Create a meeting (or calendar event) and save it to history."""
        who = self._organizer()
        if request.calendar:
            result = self.graph.create_event(request, account=who)
        else:
            result = self.graph.create_meeting(
                request, external_id or new_external_id(), account=who
            )
        return self._remember(result)

    def cancel(self, meeting: Meeting) -> None:
        """Delete the meeting on the server, then from history.

        A meeting the server no longer knows (404) is simply removed from history.
        """
        try:
            self.graph.delete_meeting(meeting)
        except GraphError as exc:
            if exc.status != 404:
                raise
        self.history.delete(meeting.id)

    def _organizer(self) -> str:
        if self.config.account.mode == "application":
            return self.config.account.user_id
        account = self.auth.account()
        return account.username if account else ""

    def _remember(self, result: CreateResult) -> Created:
        warnings = list(result.warnings)
        try:
            self.history.add(result.meeting)
        except StorageError as exc:
            log.error("meeting %s not saved to history: %s", result.meeting.id, exc.detail)
            warnings.append(f"{exc.message} The link still works.")
        return Created(result.meeting, tuple(warnings))


def build_service(
    config: Config,
    *,
    demo: DemoEnvironment | None = None,
    on_wait: Callable[[float, str], None] | None = None,
    open_browser: Callable[[str], object] | None = None,
) -> MeetingService:
    """Wire a service from the configuration (or the demo's fake service).

    ``open_browser`` shows the sign-in page (default: the system browser).
    """
    if demo is not None:
        config = demo.config(config)
    account = config.account
    data = paths.ensure_private_dir(paths.data_dir(demo=demo is not None))
    authenticator: auth.DelegatedAuth | auth.AppOnlyAuth
    if demo is not None:
        cache, status = auth.memory_token_cache()
        authenticator = auth.DelegatedAuth(account, cache, open_browser=demo.browser)
    elif account.mode == "application":
        cache, status = auth.memory_token_cache()  # app tokens are cheap to fetch again
        authenticator = auth.AppOnlyAuth(account, auth.read_client_secret(account), cache)
    else:
        cache, status = auth.build_token_cache(data / "token-cache.bin")
        authenticator = auth.DelegatedAuth(account, cache, open_browser=open_browser)
    graph = GraphClient(
        account.graph_url,
        authenticator,
        user_id=account.user_id if account.mode == "application" else "",
        on_wait=on_wait,
    )
    history = HistoryStore(data / "history.sqlite3")
    return MeetingService(
        config=config,
        authenticator=authenticator,
        graph=graph,
        history=history,
        cache_status=status,
        demo=demo is not None,
    )
