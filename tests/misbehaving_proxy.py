"""A proxy in front of the sandbox that answers the way broken networks and proxies do.

    with MisbehavingProxy(sandbox.url) as proxy:
        proxy.script("html_502", times=3, path="/v1/invoices")
        ... point the tap's api_url at proxy.url ...

Requests a script does not catch are forwarded to the sandbox unchanged; ``on_answer`` runs
code between the sandbox's answer and the client's (to change the sandbox between two
requests, as another client of the account would).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>"
)
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in - Corporate Proxy</title></head><body>"
    b"<form method='post'><input name='user'><input name='password' type='password'>"
    b"</form></body></html>"
)
KINDS = (
    "html_502",  # a gateway's error page, every time: transient, then one line
    "html_200",  # a proxy's login page with 200: never Stripe, one line at once
    "cut_body",  # a JSON body cut short (its Content-Length says so): transient
    "dropped",  # the connection closes mid-body (Content-Length promised more): transient
    "not_a_list",  # JSON, but not the Stripe API (a wrong api_url): one line at once
    "empty_has_more",  # an empty page that promises more: the server misbehaves
    "forbidden",  # 403 naming a permission, as Stripe words it
    "echo_key",  # a 502 whose page shows the request's Authorization header
    "cursor_gone",  # Stripe's 400 for a starting_after object that is gone (only such requests)
)


@dataclass
class _Script:
    kind: str
    times: int
    path: str | None
    exact: bool = False


class MisbehavingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._scripts: list[_Script] = []
        self._on_answer: dict[str, Callable[[bytes], None]] = {}
        self._lock = threading.Lock()
        self.served: dict[str, int] = {}
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A client hanging up on a cut body is what some scripts are for: not worth a trace.
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(
        self, kind: str, times: int = 1, path: str | None = None, *, exact: bool = False
    ) -> None:
        """Answer the next ``times`` requests (whose path contains ``path``, or is it with
        ``exact``) as ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
        with self._lock:
            self._scripts.append(_Script(kind, times, path, exact))

    def on_answer(self, path: str, action: Callable[[bytes], None]) -> None:
        """Once the sandbox has answered the next request for exactly ``path``, call
        ``action`` with the answer's body, before passing the answer on."""
        with self._lock:
            self._on_answer[path] = action

    def _take(self, path: str, query: str) -> str | None:
        with self._lock:
            for script in self._scripts:
                if script.kind == "cursor_gone" and "starting_after=" not in query:
                    continue
                if script.path is None:
                    matches = True
                else:
                    matches = script.path == path if script.exact else script.path in path
                if script.times > 0 and matches:
                    script.times -= 1
                    self.served[script.kind] = self.served.get(script.kind, 0) + 1
                    return script.kind
        return None

    def __enter__(self) -> MisbehavingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy: MisbehavingProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        kind = self.proxy._take(path, query)
        if kind is None:
            self._forward()
        elif kind in ("html_502", "echo_key"):
            body = HTML_502
            if kind == "echo_key":  # a debugging proxy that shows what it was sent
                body = f"<p>{self.headers.get('Authorization')}</p>".encode() + body
            self._answer(502, "text/html", body)
        elif kind == "html_200":
            self._answer(200, "text/html; charset=utf-8", LOGIN_PAGE)
        elif kind == "not_a_list":
            self._answer(200, "application/json", b'{"status": "ok", "service": "gateway"}')
        elif kind == "empty_has_more":
            body = {"object": "list", "data": [], "has_more": True, "url": self.path}
            self._answer(200, "application/json", json.dumps(body).encode())
        elif kind == "forbidden":
            message = (
                "Permission denied. The provided key 'rk_live_***000000' does not have the "
                "required permissions for this endpoint on account 'acct_1'. Enabling "
                "\"Invoices Read\" ('invoice_read') permissions on this key would allow this "
                "request to continue."
            )
            error = {"error": {"message": message, "type": "invalid_request_error"}}
            self._answer(403, "application/json", json.dumps(error).encode())
        elif kind == "cursor_gone":
            cursor = parse_qs(query)["starting_after"][0]
            error = {
                "error": {
                    "code": "resource_missing",
                    "param": "starting_after",
                    "message": f"No such object: '{cursor}'",
                    "type": "invalid_request_error",
                }
            }
            self._answer(400, "application/json", json.dumps(error).encode())
        else:
            status, _headers, body = self._fetch()
            half = body[: len(body) // 2]
            if kind == "cut_body":
                self._answer(status, "application/json", half)
            else:  # dropped: promise the whole body, send half, close
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(half)
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

    def _fetch(self) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.proxy.upstream + self.path)
        for name in ("Authorization", "Stripe-Version", "Stripe-Account", "User-Agent"):
            if value := self.headers.get(name):
                request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def _forward(self) -> None:
        status, headers, body = self._fetch()
        with self.proxy._lock:
            action = self.proxy._on_answer.pop(self.path.split("?", 1)[0], None)
        if action is not None:
            action(body)
        self.send_response(status)
        for name in ("Content-Type", "Stripe-Should-Retry", "Stripe-Rate-Limited-Reason"):
            if name in headers:
                self.send_header(name, headers[name])
        if "Date" in headers:
            # Keep the sandbox's clock (send_response added this machine's).
            self._headers_buffer = [  # type: ignore[attr-defined]
                line for line in self._headers_buffer if not line.startswith(b"Date:")
            ]
            self.send_header("Date", headers["Date"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
