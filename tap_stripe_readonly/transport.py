"""The one place requests leave the tap: GET only, rate limited, retried, and judged.

Every request of every stream goes through ``StripeTransport.get``, from whichever thread of
the fetch engine. It takes its rate-limit tokens (the engine takes them for first attempts,
choosing which endpoint goes next), sends the GET, retries what is transient (5xx, 409,
429s, cut connections and bodies) with Stripe's jittered exponential backoff, and turns
every other answer into a parsed body or one of the exceptions in ``errors.py``, each with
one line that says what was asked, what came back (with Stripe's ``Request-Id``, which
Stripe's support asks for) and what to check.

Stripe indents its JSON (two spaces, a key per line); a body with line breaks is made one
line here, once per answer, so that every object sliced out of it can be written as one
Singer message.

Requests go through the proxy the environment names (HTTPS_PROXY, NO_PROXY..., read in
``network.py`` as requests reads them): for https a ``CONNECT`` tunnel per connection, kept
open as the connection is. A proxy that refuses, or can't be reached, ends in one line that
names it by host:port.
"""

from __future__ import annotations

import email.utils
import random
import re
import ssl
import threading
import time
import typing as t
from collections import Counter
from urllib.parse import urlencode, urlsplit

import msgspec
import urllib3

from tap_stripe_readonly import __version__
from tap_stripe_readonly.errors import (
    STATUS_PAGE,
    AccountAccessError,
    BadAnswerError,
    CursorVanishedError,
    InvalidApiKeyError,
    NetworkSetupError,
    NoConnectAccessError,
    NotFoundError,
    PermissionDeniedError,
    ProductNotEnabledError,
    RateLimitedError,
    StopSyncError,
    TransientError,
    TransientProxyError,
    account_in_message,
    error_object,
    excerpt,
    lacks_connect_permissions,
    one_line,
    permission_in_message,
    product_in_message,
)
from tap_stripe_readonly.network import Proxy, ca_bundle, host_port, proxy_for
from tap_stripe_readonly.redaction import redact
from tap_stripe_readonly.shapes import ListPage, Raw

if t.TYPE_CHECKING:
    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.ratelimit import RateLimiter

Params = t.Sequence[tuple[str, t.Any]]

# Stripe's own clients: first retry after 0.5 s, doubling, with jitter in [d/2, d].
BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 20.0
MAX_TRIES = 8
# A rate limit is never a reason to give up a run, only to slow down: 429s are retried until
# no request at all has succeeded for this long (Stripe refusing the tap outright).
RATE_LIMITED_GIVE_UP_SECONDS = 600.0
# (connect, read) seconds; Stripe's own clients wait up to 80 s for an answer.
TIMEOUT = (10.0, 80.0)
# As Stripe's own clients ask (requests sends it): Stripe's indented JSON compresses tenfold.
ACCEPT_ENCODING = "gzip, deflate"


class WriteAttemptError(RuntimeError):
    """Something asked the tap to send a request that could change Stripe data."""


class ReadOnlyPoolManager(urllib3.PoolManager):
    """An HTTP connection pool that sends GET requests and nothing else.

    Checked at ``urlopen``, which every request the pool sends goes through, so no code
    path, ours or a library's, can write to Stripe. (urllib3 rather than requests: the tap
    sends hundreds of requests a second, and requests' sessions cost several times more CPU
    per request for features a GET to Stripe never uses.)
    """

    def urlopen(self, method: str, url: str, *args: t.Any, **kw: t.Any) -> urllib3.BaseHTTPResponse:
        refuse_writes(method)
        return super().urlopen(method, url, *args, **kw)


class ReadOnlyProxyManager(urllib3.ProxyManager):
    """ReadOnlyPoolManager through a proxy: the same check, at the same place."""

    def urlopen(self, method: str, url: str, *args: t.Any, **kw: t.Any) -> urllib3.BaseHTTPResponse:
        refuse_writes(method)
        return super().urlopen(method, url, *args, **kw)


def refuse_writes(method: str) -> None:
    if method.upper() != "GET":
        msg = f"tap-stripe-readonly only reads: refused to send a {method} request"
        raise WriteAttemptError(msg)


class StripeTransport:
    """GETs against the Stripe API for one key, from any number of threads."""

    def __init__(
        self,
        *,
        api_key: str,
        api_url: str,
        api_version: str,
        limiter: RateLimiter,
        max_connections: int = 32,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.limiter = limiter
        #: Connections kept open, one per request in flight (a proxy may allow few).
        self.max_connections = max_connections
        self.backoff_first_seconds = BACKOFF_FIRST_SECONDS
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Stripe-Version": api_version,
            "User-Agent": f"tap-stripe-readonly/{__version__}",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        target = urlsplit(self.api_url)
        #: host:port of api_url, as messages name it.
        self.target = host_port(target)
        self.proxy: Proxy | None = proxy_for(self.api_url)
        ca_keywords: dict[str, str] = {}
        self.ca_named = ""  # the CA bundle, as a message names it
        if target.scheme == "https" or (self.proxy and self.proxy.scheme == "https"):
            ca_keywords, self.ca_named = ca_bundle()
        pool_keywords: dict[str, t.Any] = dict(
            # One connection per request in flight, kept open between requests (through a
            # proxy, each https connection is one CONNECT tunnel, kept open with it).
            maxsize=max_connections,
            headers=self._headers,
            retries=False,  # retries are decided here, knowing Stripe's answers
            timeout=urllib3.Timeout(connect=TIMEOUT[0], read=TIMEOUT[1]),
            cert_reqs="CERT_REQUIRED",
            **ca_keywords,
        )
        self._pool: urllib3.PoolManager = (
            ReadOnlyProxyManager(self.proxy.url, proxy_headers=self.proxy.headers, **pool_keywords)
            if self.proxy
            else ReadOnlyPoolManager(**pool_keywords)
        )
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.rate_limited = 0
        self._clock: tuple[float, float] | None = None  # (Stripe's time, monotonic) at a Date
        #: This machine's monotonic clock (tests drive a fake one).
        self.monotonic: t.Callable[[], float] = time.monotonic
        self._last_success: float | None = None

    # -- the request ---------------------------------------------------------------------

    def get(
        self,
        path: str,
        params: Params = (),
        *,
        endpoint: str,
        account: str | None = None,
        permission: Permission | None = None,
        shape: type[t.Any] = ListPage,
        paced: bool = False,
        durations: list[float] | None = None,
    ) -> t.Any:
        """GET ``path``; return its body decoded as ``shape``, retrying what is transient.

        ``endpoint`` names the rate-limit bucket (``"/v1/invoices/{id}/lines"``);
        ``permission`` is the one to name if Stripe answers 403 without saying; ``shape`` is
        a list page (the default), a page of events, or ``Raw`` for one object. ``paced``:
        the caller already took the first attempt's tokens (the engine does). ``durations``
        gets the seconds each HTTP request took (the run's metrics).
        """
        asked = _describe(path, params, account)
        tries = rate_limited_tries = 0
        first_try = self.monotonic()
        while True:
            if not paced:
                self.limiter.acquire(endpoint)
            paced = False
            sent = time.monotonic()
            try:
                try:
                    body = self._get_once(path, params, endpoint, account, asked, permission, shape)
                finally:
                    if durations is not None:
                        durations.append(time.monotonic() - sent)
            except RateLimitedError as exc:
                self.limiter.rate_limited(endpoint, exc.rate_limit_reason)
                with self._lock:
                    self.rate_limited += 1
                rate_limited_tries += 1
                # Given up only once the whole run has been refused for minutes on end: while
                # other requests succeed, this one only waits its turn.
                refused_for = self.monotonic() - max(self._last_success or 0.0, first_try)
                if refused_for >= RATE_LIMITED_GIVE_UP_SECONDS:
                    raise self._refused(asked, exc, refused_for) from None
                self._back_off(min(rate_limited_tries, 6))
            except TransientError as exc:
                tries += 1
                if tries >= MAX_TRIES:
                    raise self._gave_up(asked, exc, tries) from None
                self._back_off(tries)
            else:
                self._last_success = self.monotonic()
                return body

    def _get_once(
        self,
        path: str,
        params: Params,
        endpoint: str,
        account: str | None,
        asked: str,
        permission: Permission | None,
        shape: type[t.Any],
    ) -> t.Any:
        headers = {**self._headers, "Stripe-Account": account} if account else None
        with self._lock:
            self.requests[endpoint] += 1
        try:
            response = self._pool.request(
                "GET",
                self.api_url + path,
                fields=params,
                headers=headers,
                # Stripe never redirects an API call; following one could carry the key
                # elsewhere.
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise self._connection_failed(exc) from None
        self._read_clock(response)
        if response.status >= 300:
            if self.proxy is not None:
                self._raise_for_proxy_answer(self.proxy, response)
            _raise_for_error(response, asked, permission)
        return _parse(response, asked, shape)

    # -- what the network says ---------------------------------------------------------------

    def _connection_failed(self, exc: urllib3.exceptions.HTTPError) -> Exception:
        causes = _causes(exc)
        untrusted = next((c for c in causes if isinstance(c, ssl.SSLCertVerificationError)), None)
        # urllib3's ProxyError: the failure came before a tunnel (or a forwarded request) was open.
        failed_proxy = self.proxy if isinstance(exc, urllib3.exceptions.ProxyError) else None
        if untrusted is not None:
            # Never retried: a certificate does not become trusted by asking again. Before a
            # tunnel is open, it is an https proxy's own.
            whose = failed_proxy.address if failed_proxy else self.target
            return NetworkSetupError(
                f"The TLS certificate of {whose} is not trusted by {self.ca_named} "
                f"({untrusted.verify_message}). If a company proxy inspects TLS, set "
                "REQUESTS_CA_BUNDLE (or SSL_CERT_FILE) to its root certificates (a PEM file)."
            )
        if failed_proxy is not None:
            return self._proxy_failed(failed_proxy, causes)
        return TransientError(f"the connection failed ({type(exc).__name__})")

    def _proxy_failed(self, proxy: Proxy, causes: list[BaseException]) -> Exception:
        """The proxy answered CONNECT with something else than 200, or could not be reached."""
        tunnel = next(filter(None, (_TUNNEL_FAILED.search(str(c)) for c in causes)), None)
        if tunnel is None:
            return TransientProxyError(
                f"could not connect to the {proxy.named}: {_why_unreachable(proxy, causes)}",
                check=f"Check that {proxy.variable} names the proxy's host and port, and that "
                "the proxy is up",
            )
        status, said = int(tunnel["status"]), tunnel["said"].strip()
        if status in (502, 503, 504):
            return TransientProxyError(
                f"the {proxy.named} answered {said} to CONNECT {self.target}",
                check=f"The proxy could not reach {self.target}: check the proxy, and "
                f"{STATUS_PAGE}",
            )
        return self._proxy_refused(proxy, status, said)

    def _raise_for_proxy_answer(self, proxy: Proxy, response: urllib3.BaseHTTPResponse) -> None:
        """Plain http goes to the proxy as requests, not tunnels: its refusals are answers."""
        said = f"{response.status} {response.reason or ''}".strip()
        if response.status == 407 or (response.status == 403 and not _is_stripe_error(response)):
            raise self._proxy_refused(proxy, response.status, said)

    def _proxy_refused(self, proxy: Proxy, status: int, said: str) -> NetworkSetupError:
        if status == 407 and proxy.has_credentials:
            return NetworkSetupError(
                f"The {proxy.named} rejected the credentials in {proxy.variable} "
                f"({said}): check the user and password (percent-encoded: %40 for @, %3A for :)."
            )
        if status == 407:
            return NetworkSetupError(
                f"The {proxy.named} asks for credentials ({said}): put them in "
                f"{proxy.variable} as {proxy.scheme}://user:password@host:port."
            )
        host = self.target.rpartition(":")[0]
        return NetworkSetupError(
            f"The {proxy.named} refused the tap's requests to {self.target} ({said}). "
            f"Ask the proxy's administrators to allow {self.target}, or, if this machine may "
            f"reach it directly, add {host} to NO_PROXY."
        )

    def _back_off(self, tries: int) -> None:
        wait = min(BACKOFF_MAX_SECONDS, self.backoff_first_seconds * 2 ** (tries - 1))
        time.sleep(wait * (0.5 + random.random() / 2))

    def _gave_up(self, asked: str, exc: TransientError, tries: int) -> StopSyncError:
        if isinstance(exc, TransientProxyError):
            return NetworkSetupError(
                f"{asked}: {exc.came_back}, {tries} times in a row. {exc.check}; the next run "
                "resumes where this one stopped."
            )
        proxy = f"the {self.proxy.named}" if self.proxy else "any proxy between the tap and Stripe"
        return BadAnswerError(
            f"{asked}: {exc.came_back}, {tries} times in a row. Check api_url "
            f"({self.api_url}), {proxy}, and {STATUS_PAGE}; the next run resumes where this "
            "one stopped."
        )

    def _refused(self, asked: str, exc: TransientError, seconds: float) -> BadAnswerError:
        return BadAnswerError(
            f"{asked}: {exc.came_back}; Stripe has rate limited every request of the run for "
            f"{seconds / 60:.0f} minutes. Lower max_requests_per_second, or check what else "
            f"uses the account's rate limit and {STATUS_PAGE}; the next run resumes where this "
            "one stopped."
        )

    # -- Stripe's clock ------------------------------------------------------------------

    def _read_clock(self, response: urllib3.BaseHTTPResponse) -> None:
        date = response.headers.get("Date")
        if not date:
            return
        try:
            stamp = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return
        self._clock = (stamp, time.monotonic())

    def now(self) -> int:
        """Stripe's time, from the last answer's ``Date`` (this machine's until one came)."""
        clock = self._clock
        if clock is None:
            return int(time.time())
        stamp, at = clock
        return int(stamp + time.monotonic() - at)


def _describe(path: str, params: Params, account: str | None) -> str:
    query = urlencode(list(params), safe="[]")
    asked = f"GET {path}" + (f"?{query}" if query else "")
    if account:
        asked += f" (Stripe-Account {account})"
    return redact(asked)


# How http.client says a proxy answered CONNECT with something else than 200.
_TUNNEL_FAILED = re.compile(r"Tunnel connection failed: (?P<said>(?P<status>\d{3})[^'\"]*)")


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps, outermost first (urllib3 wraps a proxy's refusal once or
    twice)."""
    found: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(found) < 10:
        cause = todo.pop(0)
        if isinstance(cause, BaseException) and cause not in found:
            found.append(cause)
            todo += [*cause.args, cause.__cause__, cause.__context__]
    return found


def _why_unreachable(proxy: Proxy, causes: list[BaseException]) -> str:
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in causes):
        return "its host name does not resolve"
    if any(isinstance(c, ConnectionRefusedError) or "Connection refused" in str(c) for c in causes):
        return "connection refused"
    if any(isinstance(c, (TimeoutError, urllib3.exceptions.TimeoutError)) for c in causes):
        return f"no answer within {TIMEOUT[0]:.0f} s"
    if proxy.scheme == "https" and any(isinstance(c, ssl.SSLError) for c in causes):
        # Most proxies speak plain http, whatever the variable's name says.
        return f"TLS failed (if the proxy speaks plain http, write http:// in {proxy.variable})"
    return f"the connection failed ({type(causes[min(1, len(causes) - 1)]).__name__})"


def _is_stripe_error(response: urllib3.BaseHTTPResponse) -> bool:
    try:
        return bool(error_object(msgspec.json.decode(response.data)))
    except msgspec.DecodeError:
        return False


# What Stripe's Request-Id looks like; anything else in that header (a proxy's) is not shown.
_REQUEST_ID = re.compile(r"req_[A-Za-z0-9]{1,64}")


def _request_id(response: urllib3.BaseHTTPResponse) -> str:
    """``, Request-Id req_…`` when Stripe sent one (what Stripe's support asks for), to follow
    the status in a line."""
    value = response.headers.get("Request-Id", "").strip()
    return f", Request-Id {value}" if _REQUEST_ID.fullmatch(value) else ""


def _came_back(response: urllib3.BaseHTTPResponse) -> str:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    body = response.data.decode("utf-8", "replace")
    shown = f": '{excerpt(body)}'" if body.strip() else " with an empty body"
    return f"Stripe answered {response.status} ({kind}{_request_id(response)}){shown}"


def _raise_for_error(
    response: urllib3.BaseHTTPResponse, asked: str, permission: Permission | None
) -> None:
    status = response.status
    try:
        body = msgspec.json.decode(response.data)
    except msgspec.DecodeError:
        body = None
    error = error_object(body)
    message = one_line(str(error.get("message") or ""))
    code = error.get("code")
    should_retry = response.headers.get("Stripe-Should-Retry")
    request_id = _request_id(response)
    if status == 401:
        raise InvalidApiKeyError(
            f"Stripe rejected the API key (401{request_id}): it is unknown, revoked or "
            "mistyped. Check the key in the Stripe Dashboard (Developers > API keys) and update "
            "the tap's api_key."
        )
    if lacks_connect_permissions(message):
        raise NoConnectAccessError(
            f"{asked}: Stripe answered {status}{request_id}: {message} Grant the key Connect "
            "permissions (Read) in the Dashboard, or unset account_id to read the key's own "
            "account."
        )
    if status == 403 and (account := account_in_message(message)) is not None:
        raise AccountAccessError(
            f"The API key may not read account {account}: Stripe says it has no access to it "
            f"or that it does not exist (403{request_id}). Check the account id (Dashboard > "
            "Settings > Account details), and that the account is still connected to the "
            "platform that owns the key.",
            account,
        )
    if status == 403 and error:
        raise PermissionDeniedError(
            f"{asked}: {message}", permission_in_message(message, permission)
        )
    if status == 400 and (product := product_in_message(message)) is not None:
        raise ProductNotEnabledError(f"{asked}: {message}", permission, product)
    if status == 429 or code == "rate_limit":
        # Retried whatever Stripe-Should-Retry says, and never fatal: it only asks for
        # patience. Stripe: a 429 without Stripe-Rate-Limited-Reason was not a rate limiter
        # (a lock timeout, say), so it slows no bucket down.
        reason = response.headers.get("Stripe-Rate-Limited-Reason")
        if reason is None and code == "rate_limit":
            reason = "global-rate"
        raise RateLimitedError(_came_back(response), rate_limit_reason=reason)
    if code == "resource_missing" and error.get("param") == "starting_after":
        raise CursorVanishedError(f"{asked}: {message}", request_id.replace(",", "", 1))
    if status == 404 and code == "resource_missing":
        raise NotFoundError(f"{asked}: {message}")
    if should_retry == "false":
        raise BadAnswerError(f"{asked}: {_came_back(response)}; Stripe says not to retry it.")
    if should_retry == "true" or status == 409 or status >= 500:
        raise TransientError(_came_back(response))
    if 300 <= status < 400:
        raise BadAnswerError(
            f"{asked}: {_came_back(response)}, a redirect Stripe never sends. Check api_url "
            "and any proxy between the tap and Stripe."
        )
    what = f"Stripe answered {status}{request_id}: {message}" if message else _came_back(response)
    raise BadAnswerError(
        f"{asked}: {what}. Check api_url and any proxy between the tap and Stripe; if they "
        "are right, this is a bug in the tap: please report it with this line."
    )


def _parse(response: urllib3.BaseHTTPResponse, asked: str, shape: type[t.Any]) -> t.Any:
    kind = response.headers.get("Content-Type", "")
    content = response.data
    if "html" in kind or content.lstrip()[:1] == b"<":
        raise BadAnswerError(
            f"{asked}: {_came_back(response)}, a web page and not the Stripe API. Check "
            "api_url, and whether a proxy between the tap and Stripe (a login page?) answered."
        )
    try:
        if b"\n" in content or b"\r" in content:
            # Stripe's indented JSON, made one line (in C, once per page) before its objects
            # are sliced out and written as they are.
            content = _compact(content)
        body = _decoder(shape)(content)
    except msgspec.ValidationError:
        what = "a Stripe object" if shape is Raw else "a Stripe list"
        raise BadAnswerError(
            f"{asked}: {_came_back(response)}, JSON that is not {what}. Check api_url and any "
            "proxy between the tap and Stripe."
        ) from None
    except msgspec.DecodeError:
        # Stripe's bodies are whole JSON documents: one cut short lost its connection.
        raise TransientError(f"{_came_back(response)}, cut off before its end") from None
    if shape is Raw:
        if content.lstrip()[:1] != b"{":
            raise BadAnswerError(
                f"{asked}: {_came_back(response)}, not a Stripe object. Check api_url and any "
                "proxy between the tap and Stripe."
            )
        return body
    if body.object != "list":
        raise BadAnswerError(
            f"{asked}: {_came_back(response)}, JSON that is not a Stripe list. Check api_url "
            "and any proxy between the tap and Stripe."
        )
    if not body.data and body.has_more:
        # Stripe never does this; an empty page that promises more cannot be paged on.
        raise TransientError(f"{_came_back(response)}, an empty page with has_more: true")
    return body


def _compact(content: bytes) -> bytes:
    return msgspec.json.format(content, indent=-1)


def _decoder(shape: t.Any) -> t.Callable[[bytes], t.Any]:
    return _DECODERS.get(shape) or _DECODERS.setdefault(shape, msgspec.json.Decoder(shape).decode)


_DECODERS: dict[t.Any, t.Callable[[bytes], t.Any]] = {}
