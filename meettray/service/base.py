"""What every part of the service stands on: its parts (settings, sign-in, Graph, history),
whose meetings these are, and the monthly count of meetings made.

:class:`~meettray.service.MeetingService` is put together from this base and the
mixins beside it (sign-in, spares, settling); each reaches the others only through
what is here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from meettray import auth, quota
from meettray.config import Config
from meettray.errors import StorageError
from meettray.graph import GraphClient
from meettray.handouts import spare_kind, spare_owners
from meettray.history import HistoryStore, Spare
from meettray.results import utc_now

log = logging.getLogger(__name__)


class ServiceBase:
    """The service's parts and the facts every part of it asks: who organizes, and how
    many meetings were made this month."""

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
        self._device_scopes: tuple[str, ...] = (auth.MEETINGS,)

    def close(self) -> None:
        self.auth.close()
        self.graph.close()
        self.history.close()

    def account(self) -> auth.Account | None:
        return self.auth.account()

    @property
    def profile(self) -> str:
        """The settings profile (account) this service makes meetings for."""
        return self.config.profile

    def _others_spare(self, spare: Spare) -> bool:
        """Whether ``spare`` is another profile's (its organizer and kind are that
        profile's, as noted): that profile's service judges it, never this one."""
        owners = spare_owners(self.config, demo=self.demo)
        return owners.get((spare.account, spare.mode), self.profile) != self.profile

    def _others_organizer(self, who: str) -> bool:
        """Whether ``who`` organizes another profile's meetings and not this one's: their
        lost answers and due PATCHes are that profile's service's to settle."""
        if len(self.config.account_names()) == 1 or who == self._organizer():
            return False
        owners = spare_owners(self.config, demo=self.demo)
        return any(o == who and name != self.profile for (o, _k), name in owners.items())

    def created_this_month(self) -> int:
        """Meetings meettray made this month for the signed-in organizer (Graph allows
        :data:`quota.MONTHLY_LIMIT`); 0 where History cannot say."""
        try:
            return self.history.created_in(self._organizer(), quota.month_of(self._clock()))
        except StorageError:
            return 0

    def _count_created(self, who: str) -> None:
        """Count one meeting made on the server against Graph's monthly limit."""
        try:
            self.history.count_created(who, quota.month_of(self._clock()))
        except StorageError as exc:  # a count lost never costs the meeting
            log.info("meeting not counted: %s", exc.detail)

    @property
    def _spare_kind(self) -> str:
        return spare_kind(self.config.account)

    def _organizer(self) -> str:
        if self.config.account.mode == "application":
            return self.config.account.user_id
        account = self.auth.account()
        return account.username if account else ""
