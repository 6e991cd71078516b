"""The fake served over HTTPS on 127.0.0.1: routing, recording, latency and faults.

:class:`FakeMicrosoft365` puts the identity platform and Graph behind one
TLS server (certificates from ``trustme``, see :mod:`.certificates`), records every
request, and applies the injected faults.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from meettray.demo.fake365 import certificates as tls
from meettray.demo.fake365.calendar import FakeCalendar
from meettray.demo.fake365.directory import DEFAULT_TENANT_ID, FakeApp, FakeTenant, FakeUser
from meettray.demo.fake365.faults import Fault, damage, refusal, take_fault
from meettray.demo.fake365.graph import GraphService
from meettray.demo.fake365.identity import IdentityPlatform
from meettray.demo.fake365.wire import AGS_DIAGNOSTIC, Answer, Drop, Reply

log = logging.getLogger(__name__)


@dataclass
class RecordedRequest:
    """A request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    #: The client's (host, port): one port for several requests means a kept-alive connection.
    peer: tuple[str, int] = ("", 0)

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


class FakeMicrosoft365:
    """The fake service.  Use as a context manager, or call start() and stop()."""

    def __init__(
        self,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        join_host: str = "teams.microsoft.com",
        latency: float = 0.0,
        access_token_lifetime: int = 3600,
        device_polls_before_approval: int = 1,
        clock: Callable[[], float] = time.time,
        certificates: Path | None = None,
    ) -> None:
        """``certificates``: a private folder that keeps the TLS certificates from one
        run to the next, made by another process (:func:`.certificates.kept`), so this
        one never loads ``cryptography``; ``None``: made here, for this fake alone."""
        self._lock = threading.RLock()
        self.identity = IdentityPlatform(
            tenant_id=tenant_id,
            base_url=lambda: self.base_url,
            access_token_lifetime=access_token_lifetime,
            device_polls_before_approval=device_polls_before_approval,
            clock=clock,
            lock=self._lock,
        )
        self.graph = GraphService(
            self.identity,
            join_host=join_host,
            graph_endpoint=lambda: self.graph_endpoint,
            lock=self._lock,
        )
        self.calendar = FakeCalendar(
            self.identity,
            join_host=join_host,
            graph_endpoint=lambda: self.graph_endpoint,
            lock=self._lock,
            created=lambda: list(self.graph.events.values()),
        )
        #: Seconds every Graph request waits before it is answered.
        self.latency = latency
        #: Field name for the join link in meeting responses (``joinUrl`` = beta shape).
        self.join_url_field = "joinWebUrl"
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="meettray-fake365-")
        if certificates is None:
            self.ca_path, self._server_pem = tls.write(Path(self._tmp.name))
        else:
            self.ca_path, self._server_pem = tls.kept(certificates)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeMicrosoft365:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._server_pem)
        server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._tmp.cleanup()

    def __enter__(self) -> FakeMicrosoft365:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant_id}"

    @property
    def graph_endpoint(self) -> str:
        return f"{self.base_url}/v1.0"

    # -- what tests read and steer -------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return self.identity.tenant_id

    @property
    def users(self) -> dict[str, FakeUser]:
        return self.identity.users

    @property
    def apps(self) -> dict[str, FakeApp]:
        return self.identity.apps

    def tenant(self, name: str) -> FakeTenant:
        """A tenant by id, domain or name (``fake.tenant("fabrikam").person``)."""
        return self.identity.tenant(name)

    def add_tenant(self, name: str, domain: str, **options: Any) -> FakeTenant:
        """Another organisation (see :meth:`.Directory.add_tenant`)."""
        return self.identity.add_tenant(name, domain, **options)

    def authority_for(self, tenant: str) -> str:
        """The authority of a tenant named by id, domain or name."""
        return f"{self.base_url}/{self.tenant(tenant).tenant_id}"

    @property
    def signed_in_user(self) -> FakeUser:
        """The user who "types their password" in the browser or device-code page when
        the authority names no tenant (or a test chose them): Adele Vance by default."""
        return self.identity.signed_in_user

    @signed_in_user.setter
    def signed_in_user(self, user: FakeUser) -> None:
        self.identity.signed_in_user = user

    def sign_in_as(self, who: FakeUser | str | None) -> None:
        """Who signs in from now on (see :meth:`.Directory.sign_in_as`)."""
        self.identity.sign_in_as(who)

    @property
    def device_polls_before_approval(self) -> int:
        return self.identity.device_polls_before_approval

    @device_polls_before_approval.setter
    def device_polls_before_approval(self, polls: int) -> None:
        self.identity.device_polls_before_approval = polls

    @property
    def issued_secrets(self) -> list[str]:
        """Every secret the fake handed out (codes and tokens), for leak tests."""
        return self.identity.issued_secrets

    @property
    def meetings(self) -> dict[str, dict[str, Any]]:
        return self.graph.meetings

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        """Calendar events, by immutable id."""
        return self.graph.events

    def move_events(self) -> None:
        """Outlook moved every event: their ids change; immutable ids stay."""
        self.graph.move_events()

    def add_user(self, upn: str, name: str, **flags: Any) -> FakeUser:
        return self.identity.add_user(upn, name, **flags)

    def add_app(
        self, client_id: str | None = None, *, secret: str | None = None, **flags: Any
    ) -> FakeApp:
        return self.identity.add_app(client_id, secret=secret, **flags)

    def add_fault(self, kind: str, path: str = "", **options: Any) -> Fault:
        """Inject a failure for the next matching request(s); see :class:`Fault`."""
        fault = Fault(kind=kind, path=path, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def expire_access_tokens(self, user: FakeUser | None = None) -> None:
        self.identity.expire_access_tokens(user)

    def revoke_refresh_tokens(self, user: FakeUser | None = None) -> None:
        self.identity.revoke_refresh_tokens(user)

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and re.search(path_pattern, r.path) is not None
            ]

    # -- request plumbing --------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        peer: tuple[str, int] = ("", 0),
    ) -> Answer:
        """Answer one request; raises :class:`Drop` to close the connection instead."""
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, headers, body, peer))
            fault = take_fault(self.faults, method, path, body)
        is_graph = path.startswith("/v1.0/")
        if is_graph and self.latency:
            time.sleep(self.latency)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.delay)
            elif fault.kind == "drop_before":
                raise Drop
            elif fault.kind == "status":
                raise refusal(fault, is_graph=is_graph)
        answer = self._route(method, path, query, headers, body)
        if fault is not None and fault.kind == "drop_after":
            raise Drop  # the work is done; the answer never arrives
        if fault is not None:
            answer = damage(answer, fault)
        return answer

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Answer:
        if path.startswith("/v1.0/"):
            if method == "GET" and path == "/v1.0/me":
                return self.graph.me(headers)
            if method == "GET" and (person := re.fullmatch(r"/v1\.0/users/([^/]+)", path)):
                return self.graph.user(headers, person.group(1))
            if self.calendar.serves(path):
                return self.calendar.handle(method, path, query, headers)
            answer = self.graph.handle(method, path, headers, body, query)
            if (
                self.join_url_field != "joinWebUrl"
                and isinstance(answer.body, dict)
                and "joinWebUrl" in answer.body
            ):
                body_copy = dict(answer.body)
                body_copy[self.join_url_field] = body_copy.pop("joinWebUrl")
                return Answer(answer.status, body_copy)
            return answer
        match = re.fullmatch(r"/([^/]+)(?:/v2\.0)?/\.well-known/openid-configuration", path)
        if method == "GET" and match:
            return Answer(200, self.identity.discovery(match.group(1)))
        match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/(authorize|token|devicecode)", path)
        if match:
            endpoint = match.group(2)
            tenant = match.group(1)
            if endpoint == "authorize" and method == "GET":
                fields = {k: v[0] for k, v in query.items()}
                page = self.identity.authorize(fields, tenant=tenant)
                return Answer(200, page, content_type="text/html; charset=utf-8")
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if endpoint == "token" and method == "POST":
                return Answer(200, self.identity.token(form, tenant=tenant))
            if endpoint == "devicecode" and method == "POST":
                return Answer(200, self.identity.devicecode(form, tenant=tenant))
        if path == "/devicelogin":
            return Answer(
                200,
                "<html><body><h1>Fake device login</h1><p>Enter the code.</p></body></html>",
                content_type="text/html; charset=utf-8",
            )
        raise Reply(404, {"error": "not_found", "error_description": f"No route for {path}"})


def _make_handler(fake: FakeMicrosoft365) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeMicrosoft365/1.0"
        # Headers and body go out as separate writes; without TCP_NODELAY the second
        # waits for the client's delayed ACK (~40 ms), which no real service does.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            client_request_id = headers.get("client-request-id", "")
            try:
                answer = fake.handle(
                    self.command, self.path, headers, body, self.client_address[:2]
                )
                extra: dict[str, str] = {}
            except Drop:
                self._drop()
                return
            except Reply as reply:
                answer, extra = Answer(reply.status, reply.body), reply.headers
            if isinstance(answer.body, dict) and "error" in answer.body:
                inner = answer.body["error"]
                if isinstance(inner, dict):
                    inner["innerError"]["client-request-id"] = client_request_id
            self._send(answer, extra, client_request_id)

        def _send(self, answer: Answer, extra: dict[str, str], client_request_id: str) -> None:
            if answer.raw is not None:
                payload = answer.raw
            elif answer.body is None:
                payload = b""
            elif isinstance(answer.body, str):
                payload = answer.body.encode()
            else:
                payload = json.dumps(
                    {k: v for k, v in answer.body.items() if not k.startswith("_")}
                ).encode()
            request_id = str(uuid.uuid4())
            if isinstance(answer.body, dict) and isinstance(answer.body.get("error"), dict):
                request_id = answer.body["error"]["innerError"]["request-id"]
            self.send_response(answer.status)
            if payload or answer.status != 204:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", request_id)
            if client_request_id:
                self.send_header("client-request-id", client_request_id)
            if self.path.startswith("/v1.0/"):
                self.send_header("x-ms-ags-diagnostic", AGS_DIAGNOSTIC)
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":  # a HEAD answer has headers only, and keeps the connection
                self.wfile.write(payload)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.connection, socket.SHUT_RDWR)

        do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: tests read fake.requests instead

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that goes away mid-request (Ctrl+C, a killed command) is not news: the
    standard server would print its traceback on the command's terminal."""

    def handle_error(self, request: object, client_address: object) -> None:
        log.info("a client of the fake went away mid-request", exc_info=True)
