"""The app model: one place that turns "make me a meeting" into Graph calls and history.

The CLI and the tray controller both drive a :class:`MeetingService`; neither
talks to MSAL or requests directly.  A meeting that Graph created is never
lost because something after it failed: the link is returned with warnings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from meettray import auth, handouts, new_external_id, paths, quota
from meettray.accounts import CALENDAR_READ
from meettray.config import Config
from meettray.errors import (
    ConfigError,
    GraphError,
    MeettrayError,
    NetworkError,
    SignInRequired,
    StorageError,
)
from meettray.graph import CreateResult, GraphClient
from meettray.handouts import BUSY_WAIT_BEFORE_LINK, judge, kind_graph_url, spare_kind
from meettray.history import Handout, HistoryStore, PendingAction, Preparing, Spare
from meettray.meetings import Meeting, MeetingRequest, asked_settings, instant_request
from meettray.options import NotApplied, not_applied_sentence, running_meeting_caveat
from meettray.results import Created, HistoryPage, utc_now
from meettray.upcoming import UpcomingList, load_list, save_list

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment

log = logging.getLogger(__name__)


#: Tries to settle a lost answer before giving up (once per start-up or creation).
MAX_SETTLE_ATTEMPTS = 5
#: Only actions older than this are settled: a request lives at most 4 attempts of
#: (5 + 20) s plus 30 s of waiting, so a younger one may still be in flight (in this
#: process or another) and settling it could delete the meeting it is creating.
SETTLE_AFTER = timedelta(minutes=3)


def _worth_retrying(exc: MeettrayError) -> bool:
    """A PATCH that failed on the way (network, throttling, Graph's own trouble, a sign-in
    to renew) is tried again later; one Graph refused (the meeting is gone, a bad value)
    is not."""
    return not isinstance(exc, GraphError) or exc.status in (408, 429) or exc.status >= 500


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
        self._device_scopes: tuple[str, ...] = (auth.MEETINGS,)

    def close(self) -> None:
        self.auth.close()
        self.graph.close()
        self.history.close()

    def account(self) -> auth.Account | None:
        return self.auth.account()

    # -- sign-in -------------------------------------------------------------------------------

    @property
    def signs_in(self) -> bool:
        """Whether a person signs in (delegated mode); application mode has no sign-in."""
        return isinstance(self.auth, auth.DelegatedAuth)

    def _delegated(self) -> auth.DelegatedAuth:
        if not isinstance(self.auth, auth.DelegatedAuth):
            raise ConfigError("Application mode has no sign-in: meetings are created for "
                              f"{self.config.account.user_id}.")  # fmt: skip
        return self.auth

    def sign_in_browser(
        self,
        scopes: Sequence[str] = (auth.MEETINGS,),
        *,
        cancel: auth.Cancellation | None = None,
        parent_window: int | None = None,
    ) -> auth.Account:
        """Sign in in the browser (the demo's own, in the demo), or the OS's broker, whose
        dialog belongs to ``parent_window`` (a native handle); blocks until done."""
        account = self._signed_in(self._delegated().sign_in_browser(
            scopes, cancel=cancel, parent_window=parent_window))  # fmt: skip
        self._remember_demo_sign_in(tuple(scopes))
        return account

    def begin_device_code(self, scopes: Sequence[str] = (auth.MEETINGS,)) -> auth.DeviceCodePrompt:
        self._device_scopes = tuple(scopes)
        return self._delegated().begin_device_code(scopes)

    def finish_device_code(
        self, prompt: auth.DeviceCodePrompt, *, cancel: auth.Cancellation | None = None
    ) -> auth.Account:
        account = self._signed_in(self._delegated().finish_device_code(prompt, cancel=cancel))
        self._remember_demo_sign_in(self._device_scopes)
        return account

    def _signed_in(self, account: auth.Account) -> auth.Account:
        """Another person's prepared meeting is never handed out to this one: the note the
        command line's fast path checks names the new account first; then the others'
        spares go (their tokens are gone: the row only).  A history too busy to check
        now is checked at the next chance (:meth:`settle_spares`): the note already keeps
        their spares from this person."""
        handouts.note_organizer(account.username, demo=self.demo)
        if not self.history.path.exists():
            return account  # no history yet: no spare either (and none made by signing in)
        try:
            with self.history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):
                for spare in self.history.spares():
                    if spare.account != account.username:
                        self.history.drop_spare(spare)
        except StorageError as exc:
            log.info("prepared meetings not checked: %s", exc.message)
        return account

    def sign_out(self) -> None:
        """Forget the account and its tokens (nothing to forget in application mode); its
        prepared meeting goes too, on the server while the tokens still allow it."""
        if isinstance(self.auth, auth.DelegatedAuth):
            handouts.note_organizer(None, demo=self.demo)
            self.drop_spares(everyone=True)
            self.auth.sign_out()
            self._remember_demo_sign_in(None)

    def check_app_access(self) -> None:
        """Application mode: get a token now, so a wrong secret or consent shows here."""
        self.auth.token(())

    def check_registration(self) -> None:
        """Raise what a sign-in would meet with this app registration and tenant (a
        :class:`ConfigError`); application mode has nothing to check here."""
        if isinstance(self.auth, auth.DelegatedAuth):
            self.auth.check_registration()

    def sign_in_path(self) -> str:
        """How an interactive sign-in meets device rules here (a broker, Edge, or neither),
        in a sentence for doctor; "" in application mode."""
        if not isinstance(self.auth, auth.DelegatedAuth):
            return ""
        if self.auth.broker.name:
            return self.auth.broker.reason
        browser = "Microsoft Edge" if auth.edge() else "the system browser"
        return f"sign-in uses {browser}; no broker: {self.auth.broker.reason}"

    def ensure_signed_in_for_demo(self) -> auth.Account | None:
        """The demo signs in as its sample user by itself, as the last ``login`` or
        ``logout`` left it (each command has a fake of its own, whose tokens die with it:
        what lasts is whether, and with which permissions, the person signed in);
        elsewhere, whoever is signed in."""
        account = self.account()
        if self.demo and account is None:
            scopes = _demo_sign_in()  # as the last login or logout left it
            if scopes is not None:  # the sample user lets the demo read the calendar (only:
                # writing to it is 'login --calendar''s, as for a person)
                account = self.sign_in_browser(tuple(dict.fromkeys((*scopes, CALENDAR_READ))))
        return account

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

    def network_path(self) -> tuple[str, str, str]:
        """Whose certificates TLS trusts, which proxy reaches Graph, and the system's PAC
        file if it names one (meettray does not read it): for doctor."""
        from meettray import network

        graph = self.config.account.graph_url
        trust, proxy = network.trust_store().description, network.proxy_description(graph)
        return trust, proxy, "" if network.proxy_for(graph) else network.system_pac()

    def _remember_demo_sign_in(self, scopes: tuple[str, ...] | None) -> None:
        if not self.demo:
            return
        path = paths.data_dir(demo=True) / _DEMO_SIGN_IN
        try:
            paths.ensure_private_dir(path.parent)
            state = {"signed_in": scopes is not None, "scopes": list(scopes or ())}
            path.write_text(json.dumps(state), encoding="utf-8")
        except OSError as exc:
            log.info("the demo's sign-in not remembered: %s", exc)

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
                raise SignInRequired("You are not signed in. Sign in first.")
            who = account.username
        now = self._clock()
        store = paths.data_dir(demo=self.demo) / "upcoming.json"
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
            return UpcomingList(tuple(last), fetched, exc.message)
        try:
            save_list(store, who, items, now)
        except OSError as exc:
            log.warning("the list of upcoming meetings was not kept: %s", exc.strerror)
        return UpcomingList(tuple(items), now)

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

    # -- the spare: the next Meet now's meeting, made ahead of need ----------------------------

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
            handouts.note_organizer(who or None, demo=self.demo)
        usable = False
        try:
            for spare in self.history.spares():
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
        """Delete prepared meetings (this account's, or ``everyone``'s), on the server too,
        best effort: sign-out, Settings' switch turned off."""
        who, mode = self._organizer(), self._spare_kind
        for spare in self.history.spares():
            if everyone or (spare.account, spare.mode) == (who, mode):
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

    def _take_spare(
        self,
        request: MeetingRequest,
        who: str,
        on_created: Callable[[Meeting], None] | None,
        request_id: str | None,
    ) -> Created | Spare | None:
        """Meet now from the spare: the link is handed on at once, then a PATCH makes the
        meeting the one asked for.  ``None`` where there is none; an expired one is
        returned as it is, to be deleted once the meeting asked for exists.

        Taking it, putting it in History and noting its due PATCH (with ``request_id``,
        the id a ``meettray now`` chose) are one transaction: whatever dies afterwards,
        the meeting is in History, and the PATCH is made later (:meth:`finish_handouts`).
        """
        with self.history.waiting_at_most(BUSY_WAIT_BEFORE_LINK):
            taken = handouts.take(self.history, self._spare_kind, request, self._clock(),
                                  organizer=who, request_id=request_id)  # fmt: skip
        if not isinstance(taken, Handout):
            return taken
        if on_created is not None:
            on_created(taken.meeting)  # the link, before any network
        return self.finish_handout(taken)

    def finish_handout(self, handout: Handout) -> Created:
        """Send the PATCH of a meeting just handed out; the meeting as it ends up."""
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
            settled, _warnings, _missing = self._patch_handout(handout)
            if settled.state == "done":
                log.info("updated the prepared meeting %s after all", settled.meeting.id)
                updated.append(settled.meeting)
        return updated

    def _handed_out_for(self, request_id: str) -> Created | None:
        """The meeting handed out for ``request_id`` (a tray that died before answering
        ``meettray now`` had taken the spare for it), its PATCH made if still due."""
        try:
            handout = self.history.handout_for(request_id)
        except StorageError as exc:
            log.info("hand-outs not read: %s", exc.message)
            return None
        if handout is None:
            return None
        log.info("the meeting for %s had been handed out already", request_id)
        if handout.state != "open":
            return Created(handout.meeting, (handout.meeting.note,) if handout.meeting.note else ())
        settled, warnings, missing = self._patch_handout(handout)
        return Created(settled.meeting, tuple(warnings), tuple(missing))

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

    def create(
        self,
        request: MeetingRequest,
        *,
        external_id: str | None = None,
        on_created: Callable[[Meeting], None] | None = None,
        use_spare: bool = False,
    ) -> Created:
        """Create a meeting (or calendar event) and save it to history.

        An online meeting is noted as pending before the request goes out; if
        the answer is lost after the server may have acted, the note stays and
        :meth:`reconcile` settles it later, so history ends up matching the server.
        ``on_created`` gets the meeting as soon as Graph answered, before history
        is written, so the link can reach the clipboard one round trip after the click.
        ``use_spare``: Meet now may take the meeting made ahead of need (see
        :meth:`prepare_spare`): then ``on_created`` gets its link with no network at all.
        ``external_id`` without ``use_spare`` is a command asking again for the meeting a
        tray may have been making: the meeting already handed out for that id, if one was,
        answers before anything else (the tray may have died after taking it).
        """
        who = self._organizer()
        retry = None if use_spare else external_id  # a command asking again by its id
        if retry is not None and (handed_out := self._handed_out_for(retry)):
            if on_created is not None:
                on_created(handed_out.meeting)
            return handed_out
        stale: Spare | None = None
        if use_spare and not request.calendar and self.config.meeting.prepare_next_link:
            handed = self._take_spare(request, who, on_created, external_id)
            if isinstance(handed, Created):
                return handed
            stale = handed  # too old to hand out: deleted after, off the link's path
        try:
            return self._create(request, who, external_id, on_created)
        finally:
            if stale is not None:
                self._delete_on_server(stale.meeting)

    def _create(
        self,
        request: MeetingRequest,
        who: str,
        external_id: str | None,
        on_created: Callable[[Meeting], None] | None,
    ) -> Created:
        action = external_id or new_external_id()
        if request.calendar:
            result = self.graph.create_event(request, action, account=who)
            if on_created is not None:
                on_created(result.meeting)
        else:
            noted = self._note_pending(action, request, who)
            try:
                # The link goes on once the meeting exists, before its settings' PATCH.
                result = self.graph.create_meeting(request, action, account=who,
                                                   on_created=on_created)  # fmt: skip
            except (NetworkError, GraphError) as exc:
                if noted and not exc.server_may_have_acted:
                    self._drop_pending(action)
                raise
            if result.existed:  # for support: a lost first answer, not a second meeting
                log.info("meeting %s had been made by an earlier attempt", result.meeting.id)
        if not result.existed:
            self._count_created(who)
        return self._remember(result, action)

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

    def cancel(self, meeting: Meeting) -> None:
        """Delete the meeting on the server, then from history.

        An online meeting's join link keeps working after the delete, so its lobby is
        first set to "only the organizer": whoever opens the link later waits there.  An
        online meeting the server no longer knows (404) is simply removed from history.
        A calendar event it does not find was not cancelled: no invitee heard of it, so
        the person is told and the entry stays.
        """
        try:
            if not meeting.is_calendar_event:  # an event's cancellation reaches invitees
                self.graph.lock_lobby(meeting)
            self.graph.delete_meeting(meeting)
        except GraphError as exc:
            if exc.status != 404:
                raise
            if meeting.is_calendar_event:
                raise GraphError(
                    f"No cancellation was sent: Outlook did not find the event “{meeting.subject}”."
                    " It may have been moved or deleted in Outlook; cancel it there, so that "
                    "the people invited hear of it. It stays in History.",
                    status=404,
                    code=exc.code,
                    detail=exc.detail,
                    request_id=exc.request_id,
                    diagnostics=exc.diagnostics,
                ) from exc
        self.history.delete(meeting.id)

    @property
    def _spare_kind(self) -> str:
        return spare_kind(self.config.account)

    def _organizer(self) -> str:
        if self.config.account.mode == "application":
            return self.config.account.user_id
        account = self.auth.account()
        return account.username if account else ""

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


#: Whether the demo's person is signed in, and with which permissions (no token).
_DEMO_SIGN_IN = "demo-sign-in.json"


def _demo_sign_in() -> tuple[str, ...] | None:
    """The permissions the demo signs in with by itself (``None``: signed out); Meet now's
    alone when no ``login`` or ``logout`` said otherwise."""
    try:
        state = json.loads((paths.data_dir(demo=True) / _DEMO_SIGN_IN).read_text("utf-8"))
    except (OSError, ValueError):
        return (auth.MEETINGS,)
    if not isinstance(state, dict) or state.get("signed_in") is False:
        return None if isinstance(state, dict) else (auth.MEETINGS,)
    known = (auth.MEETINGS, auth.CALENDAR)
    scopes = state.get("scopes")
    chosen = tuple(s for s in known if isinstance(scopes, list) and s in scopes)
    return chosen or (auth.MEETINGS,)


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
        authenticator = auth.DelegatedAuth(
            account, cache, open_browser=demo.browser, prefer_edge=False
        )
    elif account.mode == "application":
        cache, status = auth.memory_token_cache()  # app tokens are cheap to fetch again
        authenticator = auth.AppOnlyAuth(
            account,
            auth.read_client_credential(account),
            cache,
            auth.HttpCache(data / "http-cache.bin"),
        )
    else:
        cache, status = auth.build_token_cache(data / "token-cache.bin")
        authenticator = auth.DelegatedAuth(
            account,
            cache,
            open_browser=open_browser,
            http_cache=auth.HttpCache(data / "http-cache.bin"),
        )
    graph = GraphClient(
        account.graph_url,
        authenticator,
        user_id=account.user_id if account.mode == "application" else "",
        on_wait=on_wait,
        link_hosts=account.link_hosts(demo=demo is not None),
        language=preferred_language(),
    )
    # Opened at its first use, after the meeting exists: a full or read-only disk costs
    # the history row, never the link.
    history = HistoryStore(paths.history_file(demo=demo is not None), lazy=True)
    return MeetingService(
        config=config,
        authenticator=authenticator,
        graph=graph,
        history=history,
        cache_status=status,
        demo=demo is not None,
    )


def preferred_language() -> str:
    """The person's language as ``Accept-Language`` wants it (``de-DE``), from the
    environment (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) or the system; "" if unknown."""
    import locale
    import os

    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable, ""):
            break
    else:
        value = locale.getlocale()[0] or ""
    tag = value.split(".")[0].split("@")[0].replace("_", "-")
    return tag if tag not in ("", "C", "POSIX") and tag.isascii() and len(tag) <= 16 else ""


def read_history(*, demo: bool, limit: int, search: str = "") -> tuple[list[Meeting], Path | None]:
    """The newest meetings, needing no sign-in (``meettray history``).

    Also returns where a damaged history file was moved, if it was.
    """
    store = HistoryStore(paths.history_file(demo=demo))
    try:
        return store.recent(limit, search=search), store.set_aside
    finally:
        store.close()


def history_damage(*, demo: bool) -> dict[str, int]:
    """How many rows of each history table cannot be read (``meettray doctor``): each is
    left out where it is read, and the rest works.  Empty when none, or no history."""
    path = paths.history_file(demo=demo)
    if not path.exists():
        return {}
    store = HistoryStore(path)
    try:
        return store.damage()
    finally:
        store.close()
