"""The loopback listener that receives the browser's answer during sign-in."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs


class LoopbackReceiver:
    """Waits on ``http://localhost:<port>`` for the browser's ``form_post`` answer.

    Unlike MSAL's built-in one, it can be cancelled from another thread.
    """

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, HTTPServer  # only when signing in

        self.response: dict[str, str] | None = None
        #: The ``state`` of the sign-in this receiver waits for; an answer without it is
        #: not ours (a stray or forged local POST) and must not end the sign-in.
        self.expected_state: str | None = None
        self._done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected = receiver.expected_state
                if expected is not None and fields.get("state") != expected:
                    self.send_response(400)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"This answer does not belong to meettray's sign-in.")
                    return
                ok = "code" in fields
                page = (
                    "Signed in to meettray. You can close this tab."
                    if ok
                    else "Sign-in did not complete. You can close this tab and try again."
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.encode())
                if "code" in fields or "error" in fields:
                    receiver.response = fields
                    receiver._done.set()

            def do_GET(self) -> None:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(b"meettray expects the sign-in answer as a form post.")

            def log_message(self, format: str, *args: Any) -> None:
                return  # the request line would carry the authorization code

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._server.timeout = 0.2
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self._server.server_address[1]}"

    def wait(self, timeout: float) -> dict[str, str] | None:
        self._done.wait(timeout)
        return self.response

    def cancel(self) -> None:
        self._done.set()

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
