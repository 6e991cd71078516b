"""The spare: the next Meet now's meeting, made ahead of need, and its hand-out.

Making it (idempotently, noted first), judging the kept ones by the rules of
:mod:`meettray.handouts`, deleting those nobody may use, handing one out (the link
first, then the PATCH that makes it the meeting asked for) and finishing hand-outs
whose PATCH is still due.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from meettray import handouts, new_external_id, quota
from meettray.errors import GraphError, MeettrayError, NetworkError, StorageError
from meettray.graph import GraphClient
from meettray.handouts import judge, kind_graph_url
from meettray.history import Handout, Preparing, Spare
from meettray.meetings import Meeting, MeetingRequest, asked_settings, instant_request
from meettray.options import NotApplied, running_meeting_caveat
from meettray.results import Created
from meettray.service.base import ServiceBase
from meettray.service.settling import MAX_SETTLE_ATTEMPTS, SETTLE_AFTER

log = logging.getLogger(__name__)


def _worth_retrying(exc: MeettrayError) -> bool:
    """A PATCH that failed on the way (network, throttling, Graph's own trouble, a sign-in
    to renew) is tried again later; one Graph refused (the meeting is gone, a bad value)
    is not."""
    return not isinstance(exc, GraphError) or exc.status in (408, 429) or exc.status >= 500


class Spares(ServiceBase):
    """Makes, judges, deletes and hands out the prepared meeting."""

    def prepare_spare(self) -> bool:
        """Make the next Meet now's meeting now, so that its link is copied with no network.

        One per account and mode, kept in the history database (no History row), made
        through the same idempotent createOrGet, whose externalId is noted first: should
        this process die before the spare is kept, the next start deletes the meeting
        (:meth:`settle_spares`).  Spares that may not be handed out are deleted first.
        Returns whether one was made.
        """
        if self.account() is None:
            return False
        if self.settle_spares() or not self.config.meeting.prepare_next_link:
            return False
        who, mode = self._organizer(), self._spare_kind
        if not quota.spares_allowed(made_so_far := self.created_this_month()):
            log.info("no spare: %d meetings made this month", made_so_far)
            return False
        external_id = new_external_id()
        # Made plain: whichever preset takes it, its PATCH applies that preset's settings.
        plain = instant_request(self.config.meeting.subject, self.config.meeting.duration_minutes,
                                self._clock())  # fmt: skip
        self.history.note_preparing(
            Preparing(external_id, who, mode, plain.to_json(), os.getpid(), self._clock())
        )
        try:
            made = self.graph.create_meeting(plain, external_id, account=who)
        except (NetworkError, GraphError) as exc:
            if not exc.server_may_have_acted:
                self.history.claim_preparing(external_id)
            raise
        self._count_created(who)
        if not self.history.put_spare(Spare(who, mode, made.meeting, external_id, self._clock())):
            self._delete_on_server(made.meeting)  # another meettray prepared one meanwhile
            self.history.claim_preparing(external_id)
            return False
        log.info("prepared the next meeting %s", made.meeting.id)
        return True

    def settle_spares(self) -> bool:
        """Apply the spare rules (:func:`handouts.judge`) to every kept spare, and settle
        the spares whose making was cut short; whether a usable one is left.

        A spare of another organizer or other settings, an expired one, and any with
        "Prepare the next link" off, leaves the table, and is deleted on the server
        where the current sign-in can (the same cloud, and the same organizer, or any in
        application mode).  A noted createOrGet whose process is gone is repeated and the
        meeting it made deleted.  Never raises for the network or a busy history.
        """
        who, kind, now = self._organizer(), self._spare_kind, self._clock()
        if self.config.account.mode == "delegated":
            handouts.note_organizer(who or None, demo=self.demo, profile=self.profile)
        usable = False
        try:
            for spare in self.history.spares():
                if self._others_spare(spare):
                    continue
                verdict = judge(spare, organizer=who, kind=kind, now=now)
                if verdict == "usable" and self.config.meeting.prepare_next_link:
                    usable = True
                    continue
                self.history.drop_spare(spare)
                self._delete_spare_on_server(spare)
            self._settle_preparing()
        except StorageError as exc:
            log.info("prepared meetings not checked: %s", exc.message)
        return usable

    def _settle_preparing(self) -> None:
        for entry in self.history.preparing():
            if self._others_spare(Spare(entry.account, entry.mode, _unknown_meeting(entry),
                                        entry.external_id, entry.created_at)):  # fmt: skip
                continue  # another account's: settled through its own sign-in
            in_flight = entry.pid != 0 and _alive(entry.pid)
            young = self._clock() - entry.created_at < SETTLE_AFTER
            if (in_flight and young) or not self.history.lease_preparing(entry, os.getpid()):
                continue  # kept until settled: a process killed meanwhile leaves it
            spare = Spare(entry.account, entry.mode, _unknown_meeting(entry), entry.external_id,
                          entry.created_at)  # fmt: skip
            with self._graph_of(spare) as graph:
                if graph is None:
                    log.info("cut-short spare %s not settled: another sign-in's",
                             entry.external_id)  # fmt: skip
                    self.history.claim_preparing(entry.external_id)
                    continue
                request = (MeetingRequest.from_json(entry.request) if entry.request
                           else instant_request("", 30, self._clock()))  # fmt: skip
                try:
                    found = graph.settle(request, entry.external_id, account=entry.account)
                except (NetworkError, GraphError) as exc:
                    if entry.attempts + 1 < MAX_SETTLE_ATTEMPTS:
                        self.history.note_preparing(
                            dataclasses.replace(entry, attempts=entry.attempts + 1, pid=0)
                        )
                    else:
                        self.history.claim_preparing(entry.external_id)
                    log.info("cut-short spare %s not settled yet: %s", entry.external_id,
                             exc.message)  # fmt: skip
                    continue
                if found is not None:  # made before the process died: nobody will use it
                    self._delete_with(graph, found)
                self.history.claim_preparing(entry.external_id)
                log.info("settled the cut-short spare %s", entry.external_id)

    def drop_spares(self, *, everyone: bool = False) -> None:
        """Delete prepared meetings (this account's, or ``everyone``'s but other profiles'),
        on the server too, best effort: sign-out, Settings' switch turned off."""
        who, mode = self._organizer(), self._spare_kind
        for spare in self.history.spares():
            mine = (spare.account, spare.mode) == (who, mode)
            if mine or (everyone and not self._others_spare(spare)):
                self.history.drop_spare(spare)
                self._delete_spare_on_server(spare)

    def _delete_spare_on_server(self, spare: Spare) -> None:
        with self._graph_of(spare) as graph:
            if graph is None:
                log.info("prepared meeting %s left on the server: another sign-in's",
                         spare.meeting.id)  # fmt: skip
            else:
                self._delete_with(graph, spare.meeting)

    @contextmanager
    def _graph_of(self, spare: Spare) -> Iterator[GraphClient | None]:
        """A Graph client that may delete ``spare``'s meeting: this one when the spare is
        this organizer's, one for its organizer in application mode (a ``user_id``
        changed), ``None`` when no current token reaches it (another cloud or person)."""
        account = self.config.account
        if kind_graph_url(spare.mode) != account.graph_url:
            yield None
        elif spare.account == self._organizer():
            yield self.graph
        elif account.mode == "application" and spare.account:
            owner = GraphClient(account.graph_url, self.auth, user_id=spare.account,
                                link_hosts=account.link_hosts(demo=self.demo))  # fmt: skip
            try:
                yield owner
            finally:
                owner.close()
        else:
            yield None

    def _finish_handout(self, handout: Handout) -> Created:
        """The meeting handed out, as it ends up: its PATCH sent if still due (a spare
        just handed out, or one a tray that died had taken for a retry's id)."""
        if handout.state != "open":  # finished before: nothing is sent again
            note = handout.meeting.note
            return Created(handout.meeting, (note,) if note else ())
        settled, warnings, missing = self._patch_handout(handout)
        log.info("handed out the prepared meeting %s", settled.meeting.id)
        return Created(settled.meeting, tuple(warnings), tuple(missing))

    def _patch_handout(self, handout: Handout) -> tuple[Handout, list[str], list[NotApplied]]:
        """The PATCH that makes a handed-out meeting the one asked for, and its outcome
        in History: done, due again (the network), or given up (Graph refused it).  The
        link went out before this PATCH: where it sets what Teams does not change in a
        running meeting (recording, watermark), the note says so."""
        attempts = handout.attempts + 1
        request = MeetingRequest.from_json(handout.request)
        try:
            updated, refused, missing = self.graph.hand_out(
                handout.meeting, request, account=handout.account
            )
        except MeettrayError as exc:  # Graph, the network, or the sign-in (tokens gone)
            again = attempts < MAX_SETTLE_ATTEMPTS and _worth_retrying(exc)
            missing = [dataclasses.replace(s, reason=exc.message)
                       for s in asked_settings(request).values()]  # fmt: skip
            listed = "; ".join(s.describe() for s in missing)
            note = (
                "Teams still shows the prepared meeting's subject and times"
                + (f", and none of its settings ({listed})" if listed else "")
                + (" (meettray updates them once Microsoft Graph answers again)"
                   if again else " (meettray gave up updating them)")
                + f": {exc.message} {running_meeting_caveat(request.options)}"
            ).strip()  # fmt: skip
            settled = dataclasses.replace(
                handout,
                meeting=dataclasses.replace(handout.meeting, note=note),
                attempts=attempts,
                state="open" if again else "given up",
            )
            warnings = [f"The link works, but {note}"]
        else:
            late = running_meeting_caveat(request.options) if attempts > 1 else ""
            meeting = dataclasses.replace(
                updated, created_at=handout.meeting.created_at,
                note=" ".join([*refused, late]).strip(),
            )  # fmt: skip
            settled = dataclasses.replace(handout, meeting=meeting, attempts=attempts,
                                          state="done")  # fmt: skip
            warnings = list(refused)
        try:
            self.history.settle_handout(settled)
        except StorageError as exc:
            log.error("hand-out of %s not recorded: %s", handout.meeting.id, exc.detail)
            warnings.append(f"{exc.message} The link still works.")
        return settled, warnings, missing

    def finish_handouts(self, *, older_than: timedelta = SETTLE_AFTER) -> list[Meeting]:
        """Make the PATCHes still due for handed-out meetings (the network was down, or
        the process died); returns the meetings now updated.  Never raises.

        Only hand-outs older than ``older_than``: a younger one's PATCH may be on its way.
        Two processes may both send one: a PATCH of the same values is harmless.
        """
        try:
            due = self.history.open_handouts(taken_before=self._clock() - older_than)
        except StorageError:
            return []
        updated = []
        for handout in due:
            if self._others_organizer(handout.account):
                continue  # another account's: its PATCH goes through its own sign-in
            settled, _warnings, _missing = self._patch_handout(handout)
            if settled.state == "done":
                log.info("updated the prepared meeting %s after all", settled.meeting.id)
                updated.append(settled.meeting)
        return updated

    def _delete_on_server(self, meeting: Meeting) -> None:
        """A prepared meeting nobody will use: nobody must be able to use its link either."""
        self._delete_with(self.graph, meeting)

    @staticmethod
    def _delete_with(graph: GraphClient, meeting: Meeting) -> None:
        try:
            graph.lock_lobby(meeting)
            graph.delete_meeting(meeting)
        except (GraphError, NetworkError) as exc:
            log.info("prepared meeting %s not deleted on the server: %s", meeting.id, exc.message)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (POSIX); elsewhere assume so (age decides)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process has that number now: not ours, but wait
    return True


def _unknown_meeting(entry: Preparing) -> Meeting:
    """What is known of a meeting whose createOrGet was cut short: its externalId."""
    return Meeting(id="", join_url="", subject="", start=None, end=None,
                   created_at=entry.created_at, external_id=entry.external_id)  # fmt: skip
