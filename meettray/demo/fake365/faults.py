"""Injected failures: which request they hit, and what they do to its answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from meettray.demo.fake365.wire import Answer, Reply, aad_error, graph_error


@dataclass
class Fault:
    """One injected failure, matched against incoming requests.

    ``kind`` is one of ``status`` (answer ``status``/``code``, with a
    ``Retry-After`` header if ``retry_after`` is set), ``drop_before`` (close
    the connection without doing the work), ``drop_after`` (do the work, then
    close without answering), ``delay`` (wait ``delay`` seconds, then answer
    normally), ``malformed`` (do the work, answer with broken JSON),
    ``no_join_url``, ``http_join_url`` and ``huge`` (do the work and answer
    with a damaged meeting), ``rewrite`` (do the work and answer with ``field``
    set to ``value``: hostile text, a look-alike link).
    """

    kind: str
    method: str | None = None
    path: str = ""
    status: int = 503
    code: str = "ServiceUnavailable"
    retry_after: str | None = None
    delay: float = 0.0
    times: int = 1
    field: str = ""
    value: object = None
    #: Only requests whose body holds this text (e.g. one setting among several).
    body_holds: str = ""

    def matches(self, method: str, path: str, body: bytes = b"") -> bool:
        return (
            (self.method is None or self.method == method)
            and re.search(self.path, path) is not None
            and self.body_holds.encode() in body
        )


def take_fault(faults: list[Fault], method: str, path: str, body: bytes = b"") -> Fault | None:
    """The first fault matching the request, used up once (call with the fake's lock held)."""
    for fault in faults:
        if fault.matches(method, path, body):
            fault.times -= 1
            if fault.times <= 0:
                faults.remove(fault)
            return fault
    return None


def refusal(fault: Fault, *, is_graph: bool) -> Reply:
    """The error answer of a ``status`` fault, in the service's own error shape."""
    extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    body = (
        graph_error(fault.code, "Injected failure.")
        if is_graph
        else aad_error(fault.code, 50001, "Injected failure.")
    )
    return Reply(fault.status, body, extra)


def damage(answer: Answer, fault: Fault) -> Answer:
    """The answer as a damaging fault leaves it; any other fault (a delay) leaves it whole."""
    kind = fault.kind
    if kind not in ("malformed", "rewrite", "no_join_url", "http_join_url", "huge"):
        return answer
    if kind == "malformed":
        return Answer(answer.status, None, raw=b'{"id": "truncated", "joinWebUrl": ')
    if not isinstance(answer.body, dict):
        return answer
    if kind == "rewrite":
        return Answer(answer.status, {**answer.body, fault.field: fault.value})
    body = {k: v for k, v in answer.body.items() if k not in ("joinWebUrl", "joinUrl")}
    if kind == "http_join_url":
        body["joinWebUrl"] = answer.body.get("joinWebUrl", "").replace("https://", "http://")
    elif kind == "huge":
        body = dict(answer.body, padding="x" * (32 * 1024 * 1024))
    return Answer(answer.status, body)
