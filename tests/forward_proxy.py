"""A company network in miniature: a forward proxy, and https in front of the sandbox.

    with ForwardProxy() as proxy, TlsFront(sandbox.address, certificate) as front:
        ... HTTPS_PROXY=proxy.url, api_url=front.url, REQUESTS_CA_BUNDLE=certificate.cert ...

``ForwardProxy`` is what ``HTTP_PROXY`` / ``HTTPS_PROXY`` name in an office or a VPC: it
forwards plain-http GETs sent with an absolute URI, and opens a ``CONNECT host:port`` tunnel
for https, relaying bytes both ways without seeing inside. It records what it was asked, and
can refuse (403, 407, 502) or ask for credentials. ``TlsFront`` serves https on 127.0.0.1
with a throwaway self-signed certificate for ``localhost`` and relays to the plain-http
sandbox, so that a tunnel has a TLS server at its end. Standard library only (and the
``openssl`` command for the certificate); no request ever leaves this machine.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import select
import socket
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Headers about one connection, not the request: a proxy never passes them on.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection",
    "te", "trailer", "transfer-encoding", "upgrade",
}  # fmt: skip
REFUSAL_PAGE = (
    b"<html><head><title>ERROR: The requested URL could not be retrieved</title></head>"
    b"<body><h1>ERROR</h1><p>Access Denied.</p><hr><address>squid</address></body></html>"
)


@dataclass(frozen=True)
class Asked:
    """One request or CONNECT the proxy received."""

    method: str
    target: str  # the absolute URI of a GET, host:port of a CONNECT
    proxy_authorization: str | None


class ForwardProxy:
    """An http forward proxy on 127.0.0.1 (see the module's docstring)."""

    def __init__(self) -> None:
        self.asked: list[Asked] = []
        #: The local (host, port) of each connection the proxy opened for a tunnel.
        self.tunnel_addresses: set[tuple[str, int]] = set()
        self._status: int | None = None
        self._authorization: str | None = None
        self._lock = threading.Lock()
        handler = type("Handler", (_ProxyHandler,), {"proxy": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def refuse(self, status: int) -> None:
        """Answer every request and CONNECT from now on with ``status`` (403, 407, 502...)."""
        self._status = status

    def require_credentials(self, user: str, password: str) -> None:
        """Answer 407 to whatever does not carry these in Proxy-Authorization."""
        self._authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def of(self, method: str) -> list[Asked]:
        with self._lock:
            return [a for a in self.asked if a.method == method]

    def _admit(self, handler: _ProxyHandler) -> int | None:
        """Record what was asked; the status to refuse it with, or None to serve it."""
        authorization = handler.headers.get("Proxy-Authorization")
        with self._lock:
            self.asked.append(Asked(handler.command, handler.path, authorization))
        if self._status is not None:
            return self._status
        if self._authorization is not None and authorization != self._authorization:
            return 407
        return None

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    proxy: ForwardProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if (status := self.proxy._admit(self)) is not None:
            return self._refuse(status)
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            return self._refuse(400)  # a proxy is asked with absolute URIs
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request("GET", path, headers=headers)
            answer = upstream.getresponse()
            body = answer.read()
        except OSError:
            return self._refuse(502)
        finally:
            upstream.close()
        # send_response_only: the upstream's own Date (the sandbox's clock), not the proxy's.
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self) -> None:
        if (status := self.proxy._admit(self)) is not None:
            return self._refuse(status)
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
        except (OSError, ValueError):
            return self._refuse(502)
        with self.proxy._lock:
            self.proxy.tunnel_addresses.add(upstream.getsockname()[:2])
        self.send_response_only(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        relay(self.connection, upstream)

    def _refuse(self, status: int) -> None:
        self.send_response_only(status)
        if status == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="company proxy"')
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(REFUSAL_PAGE)))
        self.end_headers()
        self.wfile.write(REFUSAL_PAGE)


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, and its key (PEM files)."""

    cert: Path
    key: Path

    @classmethod
    def make(cls, directory: Path) -> Certificate:
        made = cls(directory / "localhost.pem", directory / "localhost.key")
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", str(made.key), "-out", str(made.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return made


class TlsFront:
    """https://localhost:<port> in front of a plain-http server on this machine."""

    def __init__(self, upstream: tuple[str, int], certificate: Certificate) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert, certificate.key)
        #: The (host, port) each connection came from.
        self.peers: list[tuple[str, int]] = []
        attributes = {"front": self, "context": context, "upstream": upstream}
        handler = type("Handler", (_TlsHandler,), attributes)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://localhost:{self._server.server_address[1]}"

    def __enter__(self) -> TlsFront:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()


class _TlsHandler(socketserver.BaseRequestHandler):
    front: TlsFront
    context: ssl.SSLContext
    upstream: tuple[str, int]

    def handle(self) -> None:
        self.front.peers.append(self.client_address[:2])
        try:
            tls = self.context.wrap_socket(self.request, server_side=True)
        except OSError:
            return  # a client that does not trust the certificate hangs up
        relay(tls, socket.create_connection(self.upstream, timeout=30))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # one connection per request in flight, all at once

    def __init__(self, *args: Any) -> None:
        self.open_sockets: set[socket.socket] = set()
        super().__init__(*args)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.open_sockets.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-tunnel is no error of the network's

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        for s in list(self.open_sockets):  # tunnels still open end with their client's
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def relay(one: socket.socket, other: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    peer = {one: other, other: one}
    try:
        while True:
            # An SSL socket may hold decrypted bytes that select() cannot see.
            ready = [s for s in peer if isinstance(s, ssl.SSLSocket) and s.pending()]
            if not ready:
                ready = select.select(list(peer), [], [])[0]
            for s in ready:
                data = s.recv(1 << 16)
                if not data:
                    return
                peer[s].sendall(data)
    except OSError:
        return
    finally:
        for s in peer:
            with contextlib.suppress(OSError):
                s.close()
