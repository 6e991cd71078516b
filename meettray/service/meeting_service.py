"""The :class:`MeetingService`: creating, cancelling, history's reads, upcoming meetings
and the start-up work, on top of sign-in, the spares and settling (its mixins).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from meettray import auth, handouts, new_external_id, paths
from meettray.creation import Creation
from meettray.errors import (
    ConfigError,
    GraphError,
    MeettrayError,
    NetworkError,
    SignInRequired,
    StorageError,
)
from meettray.graph import CreateResult
from meettray.handouts import Taken
from meettray.i18n import _
from meettray.meetings import Meeting, MeetingRequest
from meettray.options import not_applied_sentence
from meettray.results import Created, HistoryPage
from meettray.service.settling import Settling
from meettray.service.sign_in import SignIn
from meettray.upcoming import Upcoming, UpcomingList, load_list, save_list

log = logging.getLogger(__name__)


class MeetingService(SignIn, Settling):
    """Creates, remembers and cancels meetings for one configured account."""

    def network_path(self) -> tuple[str, str, str]:
        """Whose certificates TLS trusts, which proxy reaches Graph, and the system's PAC
        file if it names one (meettray does not read it): for doctor."""
        from meettray import network

        graph = self.config.account.graph_url
        trust, proxy = network.trust_store().description, network.proxy_description(graph)
        return trust, proxy, "" if network.proxy_for(graph) else network.system_pac()

    def check_graph_access(self) -> str:
        """Prove the token and the permission work; the request-id of the probe."""
        return self.graph.check_access()

    # -- upcoming meetings ---------------------------------------------------------------------

    def upcoming(self, hours: float = 12) -> UpcomingList:
        """The calendar's meetings from now to ``hours`` ahead (see :mod:`meettray.upcoming`),
        kept on disk; offline, or while Graph fails, the last good list, saying why."""
        who = self.config.account.user_id if not self.signs_in else ""
        if not who:
            account = self.account()
            if account is None:
                raise SignInRequired(_("You are not signed in. Sign in first."))
            who = account.username
        now = self._clock()
        mine = "upcoming.json" if self.profile == "main" else f"upcoming.{self.profile}.json"
        store = paths.data_dir(demo=self.demo) / mine  # each account's last good list
        hosts = self.config.account.link_hosts(demo=self.demo)
        try:
            items = self.graph.upcoming(now, now + timedelta(hours=hours), account=who)
        except (NetworkError, GraphError) as exc:
            if isinstance(exc, GraphError) and exc.status < 500 and exc.status != 429:
                raise
            last, fetched = load_list(store, who, hosts)
            if fetched is None:
                raise
            log.info("upcoming meetings: the last good list, from %s", fetched.isoformat())
            return UpcomingList(self._this_account(last), fetched, exc.message)
        try:
            save_list(store, who, items, now)
        except OSError as exc:
            log.warning("the list of upcoming meetings was not kept: %s", exc.strerror)
        return UpcomingList(self._this_account(items), now)

    def _this_account(self, items: Sequence[Upcoming]) -> tuple[Upcoming, ...]:
        """``items`` marked as this account's (several accounts' lists are merged)."""
        return tuple(dataclasses.replace(item, profile=self.profile) for item in items)

    # -- history -----------------------------------------------------------------------------

    def recent(self, limit: int, *, search: str = "") -> list[Meeting]:
        """The newest meetings (optionally those whose subject matches ``search``)."""
        return self.history.recent(limit, search=search)

    def history_page(self, search: str, offset: int, limit: int) -> HistoryPage:
        """A page of history, newest first; the first page also counts the matches."""
        try:
            if offset == 0:
                meetings, total = self.history.first_page(limit, search=search)
                return HistoryPage(meetings, total)
            return HistoryPage(self.history.recent(limit, search=search, offset=offset), None)
        except StorageError as exc:
            return HistoryPage([], None, error=exc.message)

    def forget(self, meeting: Meeting) -> None:
        """Remove a meeting from history (it still exists in Teams)."""
        self.history.delete(meeting.id)

    @property
    def history_set_aside(self) -> Path | None:
        """Where a damaged history file was moved at start-up, if it was."""
        return self.history.set_aside

    def history_files(self) -> tuple[Path, ...]:
        """The files another process's history write touches (to watch for changes)."""
        return self.history.files()

    def history_changed_elsewhere(self) -> bool:
        """Whether another meettray process wrote to history since the last call."""
        return self.history.changed_elsewhere()

    def warm_up(self) -> list[Meeting]:
        """Do the slow first-time work (discovery, TLS) before anyone clicks.

        Also settles any action whose answer was lost last time; returns the
        meetings recovered that way.
        """
        self.auth.warm_up()
        self.graph.warm_up()
        if self.account() is None:
            return []
        try:
            self.auth.token((auth.MEETINGS,))  # refreshed now if due, not on the click
        except MeettrayError as exc:
            log.info("token not ready at start-up: %s", exc.message)
        self.finish_handouts()
        self.settle_spares()
        return self.reconcile()

    def instant_request(
        self, subject: str | None = None, preset: str | None = None
    ) -> MeetingRequest:
        """Meet now's request, starting now: the ``preset`` named (default: the default
        one) gives its subject, length, lobby, presenters and options."""
        return self.config.preset(preset).request(self._clock(), subject)

    def make(
        self,
        creation: Creation,
        *,
        on_link: Callable[[Meeting], None] | None = None,
        taken: Taken | None = None,
    ) -> Created:
        """Make the meeting ``creation`` asks for, and save it to history: the one way in.

        First, with no network (:func:`handouts.first_stage`): a retry's meeting handed
        out before for its id, or Meet now's prepared meeting, whose link ``on_link`` gets
        at once; its PATCH then makes it the meeting asked for.  Otherwise Graph's
        createOrGet (or a calendar event), noted as pending before the request goes out:
        should the answer be lost after the server may have acted, :meth:`reconcile`
        settles it later.  ``on_link`` gets the meeting as soon as it exists, before
        history is written, so the link reaches the clipboard one round trip after the
        click.  ``taken``: the first stage, run already by the caller (the cold ``meettray
        now``, which handed its link on itself); looked at again here unless it decided.
        """
        who = self._organizer()
        if taken is None or not taken.decided:
            taken = handouts.first_stage(
                creation, self.history, organizer=who, kind=self._spare_kind,
                now=self._clock(), prepare=self.config.meeting.prepare_next_link,
                take_expired=True,
            )  # fmt: skip
            if taken.handout is not None and on_link is not None:
                on_link(taken.handout.meeting)  # the link, before any network
        if taken.handout is not None:
            return self._finish_handout(taken.handout)
        try:
            return self._create(creation, who, on_link)
        finally:
            if taken.stale is not None:  # too old to hand out: deleted off the link's path
                self._delete_on_server(taken.stale.meeting)

    def _create(
        self, creation: Creation, who: str, on_link: Callable[[Meeting], None] | None
    ) -> Created:
        """Graph's createOrGet (or a calendar event) for ``creation``, by its id if it
        has one (a retry's finds the meeting an earlier attempt made)."""
        request, action = creation.request, creation.external_id or new_external_id()
        if request.calendar:
            result = self.graph.create_event(request, action, account=who)
            if on_link is not None:
                on_link(result.meeting)
        else:
            noted = self._note_pending(action, request, who)
            try:
                # The link goes on once the meeting exists, before its settings' PATCH.
                result = self.graph.create_meeting(request, action, account=who,
                                                   on_created=on_link)  # fmt: skip
            except (NetworkError, GraphError) as exc:
                if noted and not exc.server_may_have_acted:
                    self._drop_pending(action)
                raise
            if result.existed:  # for support: a lost first answer, not a second meeting
                log.info("meeting %s had been made by an earlier attempt", result.meeting.id)
        if not result.existed:
            self._count_created(who)
        return self._remember(result, action)

    def cancel(self, meeting: Meeting) -> None:
        """Delete the meeting on the server, then from history.

        An online meeting's join link keeps working after the delete, so its lobby is
        first set to "only the organizer": whoever opens the link later waits there.  An
        online meeting the server no longer knows (404) is simply removed from history.
        A calendar event it does not find was not cancelled: no invitee heard of it, so
        the person is told and the entry stays.  A meeting is cancelled through its own
        account's service (``meeting.profile``): this one refuses another account's.
        """
        if meeting.profile != self.profile:
            raise ConfigError(
                f"“{meeting.subject}” was made with the account {meeting.profile!r}, not "
                f"{self.profile!r}: cancel it through its own account."
            )
        try:
            if not meeting.is_calendar_event:  # an event's cancellation reaches invitees
                self.graph.lock_lobby(meeting)
            self.graph.delete_meeting(meeting)
        except GraphError as exc:
            if exc.status != 404:
                raise
            if meeting.is_calendar_event:
                raise GraphError(
                    _(
                        "No cancellation was sent: Outlook did not find the event “{subject}”. "
                        "It may have been moved or deleted in Outlook; cancel it there, so that "
                        "the people invited hear of it. It stays in History."
                    ).format(subject=meeting.subject),
                    status=404,
                    code=exc.code,
                    detail=exc.detail,
                    request_id=exc.request_id,
                    diagnostics=exc.diagnostics,
                ) from exc
        self.history.delete(meeting.id)

    def _remember(self, result: CreateResult, external_id: str) -> Created:
        warnings = list(result.warnings)
        if result.not_applied:  # History names each setting the meeting does not have
            result = dataclasses.replace(result, meeting=dataclasses.replace(
                result.meeting, note=not_applied_sentence(result.not_applied)))  # fmt: skip
        try:
            self.history.add_settled(result.meeting, external_id)
        except StorageError as exc:
            log.error("meeting %s not saved to history: %s", result.meeting.id, exc.detail)
            warnings.append(f"{exc.message} The link still works.")
        return Created(result.meeting, tuple(warnings), result.not_applied)
