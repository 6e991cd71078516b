"""Settling lost answers: a meeting request noted as pending before it goes out, and
settled later (found on the server and put in History, or given up) when its answer
was lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from meettray.errors import GraphError, NetworkError, StorageError
from meettray.handouts import BUSY_WAIT_BEFORE_LINK
from meettray.history import PendingAction
from meettray.meetings import Meeting, MeetingRequest
from meettray.service.base import ServiceBase

log = logging.getLogger(__name__)


#: Tries to settle a lost answer before giving up (once per start-up or creation).
MAX_SETTLE_ATTEMPTS = 5
#: Only actions older than this are settled: a request lives at most 4 attempts of
#: (5 + 20) s plus 30 s of waiting, so a younger one may still be in flight (in this
#: process or another) and settling it could delete the meeting it is creating.
SETTLE_AFTER = timedelta(minutes=3)


class Settling(ServiceBase):
    """Notes each online meeting's request before it goes out, and settles those whose
    answer was lost (:meth:`reconcile`)."""

    def reconcile(self, *, older_than: timedelta = SETTLE_AFTER) -> list[Meeting]:
        """Settle actions whose answer was lost; returns meetings recovered into history.

        Never raises: it runs after a success (a link already printed or copied).  An
        entry is put back whenever it could not be settled and saved, so nothing is lost.
        """
        recovered: list[Meeting] = []
        try:
            entries = self.history.pending(noted_before=self._clock() - older_than)
        except StorageError:
            return recovered
        for entry in entries:
            if self._others_organizer(entry.account):
                continue  # another account's: settled through its own sign-in
            try:
                if not self.history.claim_pending(entry.external_id):
                    continue  # another meettray process is on it
            except StorageError:
                return recovered
            if (meeting := self._settle(entry)) is not None:
                recovered.append(meeting)
        return recovered

    def _settle(self, entry: PendingAction) -> Meeting | None:
        request = MeetingRequest.from_json(entry.request)
        attempts = entry.attempts
        try:
            meeting = self.graph.settle(request, entry.external_id, account=entry.account)
        except (NetworkError, GraphError) as exc:
            attempts += 1
            if attempts >= MAX_SETTLE_ATTEMPTS:
                log.warning("gave up settling %s: %s", entry.external_id, exc.message)
                return None
            self._put_back(entry, attempts)
            return None
        # Either way one meeting was made: by the lost attempt, or by this repeat (deleted).
        self._count_created(entry.account)
        if meeting is None:
            return None
        try:
            self.history.add(meeting)
        except StorageError as exc:
            # Found, but not saved: the entry goes back, and the next try finds it again.
            log.warning("recovered meeting %s not saved yet: %s", meeting.id, exc.detail)
            self._put_back(entry, attempts)
            return None
        log.info("recovered meeting %s whose answer had been lost", meeting.id)
        return meeting

    def _put_back(self, entry: PendingAction, attempts: int) -> None:
        try:
            self.history.release_pending(
                entry.external_id, entry.request, entry.account, attempts, self._clock()
            )
        except StorageError as exc:
            log.error("could not keep the pending action %s: %s", entry.external_id, exc.detail)

    def _note_pending(self, external_id: str, request: MeetingRequest, who: str) -> bool:
        try:
            with self.history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):  # before the link
                self.history.add_pending(external_id, request.to_json(), who, self._clock())
        except StorageError as exc:
            log.warning("could not note the pending action: %s", exc.detail)
            return False
        return True

    def _drop_pending(self, external_id: str) -> None:
        try:
            self.history.claim_pending(external_id)
        except StorageError as exc:
            log.warning("could not clear the pending action: %s", exc.detail)
