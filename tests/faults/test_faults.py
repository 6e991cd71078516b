"""Every fault the issue lists, through the real code path, with the same verdict each time.

For each fault: at most one meeting exists on the server for the action,
history matches the server once the next start-up has settled lost answers,
the person gets a plain message (with the Graph request-id where Graph
answered), and the service goes on working afterwards.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

from meettray.auth import CacheStatus, DelegatedAuth
from meettray.config import Config
from meettray.creation import Creation
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import GraphError, MeettrayError, NetworkError, SignInRequired
from meettray.graph import GraphClient
from meettray.history import HistoryStore
from meettray.service import MeetingService

from ..conftest import SleepRecorder


@dataclass
class Fault:
    name: str
    inject: Callable[[FakeMicrosoft365], None] = lambda fake: None
    #: None: the action succeeds; else the error type the person gets.
    error: type[MeettrayError] | None = None
    message: str = ""
    #: Replace the Graph endpoint (refused connection, DNS failure).
    endpoint: Callable[[FakeMicrosoft365], str] | None = None
    needs: list[str] = field(default_factory=list)


def _fault(kind: str, times: int = 1, **options: Any) -> Callable[[FakeMicrosoft365], None]:
    def inject(fake: FakeMicrosoft365) -> None:
        fake.add_fault(kind, "createOrGet", times=times, **options)

    return inject


def _revoke(fake: FakeMicrosoft365) -> None:
    fake.expire_access_tokens()
    fake.revoke_refresh_tokens()


def _closed_port(_fake: FakeMicrosoft365) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{probe.getsockname()[1]}/v1.0"


FAULTS = [
    Fault("connection refused", endpoint=_closed_port, error=NetworkError,
          message="Microsoft Graph cannot be reached"),
    Fault("DNS failure", endpoint=lambda f: "https://graph.meettray-fault.invalid/v1.0",
          error=NetworkError, message="Microsoft Graph cannot be reached", needs=["dns"]),
    Fault("TLS failure (wrong CA)", error=NetworkError, message="could not be verified (TLS)",
          needs=["wrong_ca"]),
    Fault("dropped after the work, once", _fault("drop_after")),
    Fault("dropped after the work, every time", _fault("drop_after", 10), NetworkError,
          "may or may not have been created"),
    Fault("dropped before the work, every time", _fault("drop_before", 10), NetworkError,
          "interrupted"),
    Fault("read timeout after the work, once", _fault("delay", delay=2.5)),
    Fault("slow beyond the timeout, every time", _fault("delay", 10, delay=2.5), NetworkError,
          "did not answer in time"),
    Fault("429 with Retry-After", _fault("status", 2, status=429, code="TooManyRequests",
                                         retry_after="3")),
    Fault("429 without Retry-After", _fault("status", 2, status=429, code="TooManyRequests")),
    Fault("503 with Retry-After", _fault("status", 2, status=503, retry_after="2")),
    Fault("504 without Retry-After", _fault("status", 2, status=504, code="GatewayTimeout")),
    Fault("429 with a huge Retry-After", _fault("status", 1, status=429,
                                                code="TooManyRequests", retry_after="86400"),
          GraphError, "refusing new meetings for about 1 day"),
    Fault("repeated 503", _fault("status", 10, status=503), GraphError, "busy right now"),
    Fault("repeated 500", _fault("status", 10, status=500, code="InternalServerError"),
          GraphError, "having problems"),
    Fault("401 with an expired token", lambda fake: fake.expire_access_tokens()),
    Fault("revoked refresh token", _revoke, SignInRequired, "Sign in again"),
    Fault("403 guest account", lambda f: setattr(f.signed_in_user, "guest", True), GraphError,
          "not allowed to create Teams meetings"),
    Fault("malformed JSON", _fault("malformed"), GraphError, "could not read"),
    Fault("no join link", _fault("no_join_url"), GraphError, "no join link"),
    Fault("join link not https", _fault("http_join_url"), GraphError, "not a secure https"),
    Fault("huge body", _fault("huge"), GraphError, "unexpectedly large"),
]  # fmt: skip


@pytest.fixture
def service(
    config: Config, signed_in: DelegatedAuth, fake: FakeMicrosoft365, tmp_path: Path
) -> Iterator[Callable[[str | None], MeetingService]]:
    made: list[MeetingService] = []

    def build(endpoint: str | None = None) -> MeetingService:
        graph = GraphClient(
            endpoint or fake.graph_endpoint, signed_in, sleep=SleepRecorder(), timeout=(2.0, 2.0)
        )
        service = MeetingService(
            config=config,
            authenticator=signed_in,
            graph=graph,
            history=HistoryStore(tmp_path / "history.sqlite3"),
            cache_status=CacheStatus("memory", False, ""),
        )
        made.append(service)
        return service

    yield build
    for service in made:
        service.close()


def _prepare(fault: Fault, patch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if "dns" in fault.needs:
        real = socket.getaddrinfo

        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            if str(host).endswith(".invalid"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real(host, *args, **kwargs)

        patch.setattr(socket, "getaddrinfo", resolve)
    if "wrong_ca" in fault.needs:
        other = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other))
        patch.setenv("REQUESTS_CA_BUNDLE", str(other))


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault(
    fault: Fault,
    fake: FakeMicrosoft365,
    service: Callable[[str | None], MeetingService],
    tmp_path: Path,
) -> None:
    faulty = service(fault.endpoint(fake) if fault.endpoint else None)
    with pytest.MonkeyPatch.context() as patch:
        _prepare(fault, patch, tmp_path)
        fault.inject(fake)
        try:
            created = faulty.make(Creation(faulty.instant_request()))
            outcome: MeettrayError | None = None
        except MeettrayError as exc:
            outcome = exc

    if fault.error is None:
        assert outcome is None, f"{fault.name}: {outcome!r}"
        assert list(fake.meetings) == [created.meeting.id]
    else:
        assert isinstance(outcome, fault.error), f"{fault.name}: {outcome!r}"
        assert fault.message in outcome.message
        assert outcome.message.endswith("."), outcome.message  # a sentence, not a dump
        assert "Traceback" not in outcome.message + outcome.detail
        if isinstance(outcome, GraphError):
            assert outcome.request_id, "Graph answered: the request-id is kept for support"
    assert len(fake.meetings) <= 1  # never two meetings for one action

    # The next start-up, with the network healthy again, settles lost answers.
    fake.faults.clear()
    fake.signed_in_user.guest = False
    if isinstance(outcome, SignInRequired):
        faulty.auth.sign_in_browser()  # type: ignore[union-attr]
    healthy = service(None)
    healthy.reconcile(older_than=timedelta(0))  # as if the next start-up came later
    server = set(fake.meetings)
    assert {m.id for m in healthy.history.recent(10)} == server, "history matches the server"
    assert healthy.history.pending() == []

    # And the app goes on working.
    again = healthy.make(Creation(healthy.instant_request()))
    assert again.meeting.id in fake.meetings


def test_a_deleted_meeting_in_history_is_cleaned_up(
    fake: FakeMicrosoft365, service: Callable[[str | None], MeetingService]
) -> None:
    working = service(None)
    meeting = working.make(Creation(working.instant_request())).meeting
    fake.meetings.clear()  # deleted in Teams meanwhile
    working.cancel(meeting)  # 404: nothing to cancel, so it simply leaves history
    assert working.history.count() == 0
