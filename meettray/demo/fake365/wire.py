"""What goes over the wire: answers, and error bodies in the shapes the real services use."""

from __future__ import annotations

import base64
import html
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


class Drop(Exception):
    """Raised inside a handler to close the connection without an answer."""


class Reply(Exception):
    """Raised inside a handler to answer at once (errors)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def now_iso(when: datetime) -> str:
    """Graph's time format: seven fractional digits (``2026-11-22T10:00:00.1234567Z``)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class Answer:
    status: int
    body: Any
    content_type: str = "application/json"
    raw: bytes | None = None


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def json_body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise Reply(400, graph_error("BadRequest", "Invalid JSON in request body.")) from None
    if not isinstance(value, dict):
        raise Reply(400, graph_error("BadRequest", "The body must be a JSON object."))
    return value


def aad_error(error: str, code: int, description: str, suberror: str = "") -> dict[str, Any]:
    trace = str(uuid.uuid4())
    correlation = str(uuid.uuid4())
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
        f"Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
    }
    if suberror:
        body["suberror"] = suberror
    return body


#: What Graph's front door says about itself on every answer; support asks for it.
AGS_DIAGNOSTIC = json.dumps(
    {
        "ServerInfo": {
            "DataCenter": "North Europe",
            "Slice": "E",
            "Ring": "4",
            "ScaleUnit": "002",
            "RoleInstance": "DB1PEPF00000FAKE",
        }
    },
    separators=(",", ":"),
)


def graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": "",
            },
        }
    }


def error_page(message: str) -> str:
    return f"<html><body><h1>Sign in</h1><p id='error'>{html.escape(message)}</p></body></html>"
