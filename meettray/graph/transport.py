"""The HTTPS side of the Graph client: one kept-alive session, tokens, retries, limits.

One ``requests.Session``; explicit connect/read timeouts; a ``client-request-id``
on every request.  Retries follow one rule: a request is repeated only when
repeating it cannot create a second meeting (it is idempotent, like
``createOrGet`` with the same ``externalId``, or the server plainly did not
act on it).  Error answers become typed errors (:mod:`meettray.graph.errors`).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from meettray import network
from meettray.accounts import TokenProvider
from meettray.errors import NetworkError
from meettray.graph.errors import (
    RESPONSE_TOO_LARGE,
    graph_error,
    is_connect_failure,
    network_error,
    unusable_answer,
)
from meettray.i18n import _

log = logging.getLogger(__name__)

#: Seconds: (connect, read).  Graph usually answers meeting creation in < 1 s.
TIMEOUT = (5.0, 20.0)
#: Largest answer meettray reads; a meeting is a few kilobytes.
MAX_BODY = 4 * 1024 * 1024
#: The most attempts for one request, and the most seconds spent waiting between them.
MAX_ATTEMPTS = 4
MAX_TOTAL_WAIT = 30.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer, read in full."""

    status_code: int
    request_id: str
    content: bytes


def retry_delay(
    attempt: int,
    retry_after: str | None,
    *,
    rng: Callable[[], float] = random.random,
    now: datetime | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if given, else backoff.

    ``Retry-After`` is seconds or an HTTP date (RFC 9110); Graph sends either.
    """
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None  # neither form: fall back to backoff
        if when is not None and when.tzinfo is not None:
            current = now or datetime.now(timezone.utc)
            return max(0.0, (when - current).total_seconds())
    # Exponential backoff with jitter: about 0.5, 1, 2 s...
    return float(0.5 * 2**attempt * (0.5 + rng()))


class Transport:
    """Sends requests to Graph for one organizer and reads the answers in full."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        *,
        user_id: str = "",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        max_total_wait: float = MAX_TOTAL_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
        language: str = "",
    ) -> None:
        """``language``: the person's, as ``Accept-Language`` (Graph words joinInformation
        in it)."""
        self.base_url = base_url.rstrip("/")
        self._language = language
        self._tokens = tokens
        self._user_id = user_id
        self._session = session or network.https_session()
        self._timeout = timeout
        self._max_total_wait = max_total_wait
        self._sleep = sleep
        self._on_wait = on_wait

    def close(self) -> None:
        self._session.close()

    def warm_up(self) -> None:
        """Open the TLS connection now, so the first click pays one round trip, not three."""
        try:
            self._session.head(self.base_url, timeout=self._timeout)
        except requests.RequestException as exc:
            log.info("could not pre-connect to Graph: %s", type(exc).__name__)

    def send(
        self,
        method: str,
        path: str,
        *,
        scopes: Sequence[str],
        idempotent: bool,
        body: dict[str, Any] | None = None,
        prefer: Sequence[str] = (),
    ) -> GraphResponse:
        url = self.base_url + path
        # One client-request-id for the whole action, retries included: support sees one story.
        client_request_id = str(uuid.uuid4())
        refreshed = False
        waited = 0.0
        attempt = 0
        while True:
            token = self._tokens.token(scopes, force_refresh=refreshed)
            headers = {
                "Authorization": f"Bearer {token}",
                "client-request-id": client_request_id,
                "return-client-request-id": "true",
                "Accept": "application/json",
            }
            if prefer:
                headers["Prefer"] = ", ".join(prefer)
            if self._language:
                headers["Accept-Language"] = self._language
            try:
                response = self._session.request(
                    method, url, json=body, headers=headers, timeout=self._timeout, stream=True
                )
                request_id = response.headers.get("request-id", "")
                content = _read_limited(response)
            except requests.exceptions.SSLError as exc:
                raise NetworkError(
                    _(
                        "Microsoft Graph's identity could not be verified (TLS), so meettray did "
                        "not connect. If your organisation inspects HTTPS, its certificate must be "
                        "in this computer's certificate store (ask IT), or set REQUESTS_CA_BUNDLE "
                        "to it."
                    ),
                    detail=f"{type(exc).__name__}; client-request-id: {client_request_id}",
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # A refused connect never reached the server; anything later might have.
                never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or (
                    is_connect_failure(exc)
                )
                if (idempotent or never_sent) and attempt + 1 < MAX_ATTEMPTS:
                    delay = retry_delay(attempt, None)
                    if waited + delay <= self._max_total_wait:
                        log.info(
                            "%s %s: %s, retrying in %.1fs (client-request-id %s)",
                            method,
                            _loggable(path),
                            type(exc).__name__,
                            delay,
                            client_request_id,
                        )
                        waited += self.wait(delay, _("the connection to Microsoft Graph failed"))
                        attempt += 1
                        continue
                raise network_error(exc, method, client_request_id) from None
            except _BodyTooLarge:
                raise unusable_answer(
                    _(
                        "Microsoft Graph sent an unexpectedly large answer; meettray stopped "
                        "reading it."
                    ),
                    status=response.status_code,
                    code=RESPONSE_TOO_LARGE,
                    detail=f"client-request-id: {client_request_id}",
                    request_id=request_id,
                ) from None
            status = response.status_code
            log.info(
                "%s %s -> %d (request-id %s, client-request-id %s)",
                method,
                _loggable(path),
                status,
                request_id,
                client_request_id,
            )
            if status == 401 and not refreshed:
                refreshed = True  # the token may have expired under us: refresh once
                continue
            # 429 means "not processed"; other 5xx may have acted, so only when idempotent.
            retryable = status == 429 or (status in _RETRY_STATUSES and idempotent)
            if retryable and attempt + 1 < MAX_ATTEMPTS:
                delay = retry_delay(attempt, response.headers.get("Retry-After"))
                if waited + delay <= self._max_total_wait:
                    waited += self.wait(delay, _("Microsoft Teams is busy"))
                    attempt += 1
                    continue
            if status >= 400:
                asked_wait = (  # how long Graph said to wait, for a 429 that was not waited
                    retry_delay(attempt, retry_after)
                    if status == 429 and (retry_after := response.headers.get("Retry-After"))
                    else 0.0
                )  # fmt: skip
                diagnostics = {
                    "client-request-id": client_request_id,
                    "x-ms-ags-diagnostic": response.headers.get("x-ms-ags-diagnostic", ""),
                }
                raise graph_error(
                    method,
                    status,
                    content,
                    user_id=self._user_id,
                    scopes=scopes,
                    request_id=request_id,
                    waited=waited,
                    diagnostics=diagnostics,
                    retry_after=asked_wait,
                )
            return GraphResponse(status, request_id, content)

    def wait(self, delay: float, why: str) -> float:
        """Sleep ``delay`` seconds, saying why first (the CLI prints it)."""
        if self._on_wait is not None:
            self._on_wait(delay, why)
        self._sleep(delay)
        return delay


class _BodyTooLarge(Exception):
    pass


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            response.close()
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _loggable(path: str) -> str:
    """The path without meeting ids or user names: enough to follow, nothing personal."""
    segments = path.split("?", maxsplit=1)[0].split("/")
    return "/".join(p if p in _KNOWN_SEGMENTS else "…" for p in segments)


_KNOWN_SEGMENTS = frozenset(
    {"", "me", "users", "onlineMeetings", "createOrGet", "events", "calendarView"}
)
