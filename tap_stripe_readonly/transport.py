"""The one place requests leave the tap: GET only, rate limited, retried, and judged.

Every request of every stream goes through ``StripeTransport.get``, from whichever thread of
the fetch engine. It takes its rate-limit tokens (the engine takes them for first attempts,
choosing which endpoint goes next), sends the GET, retries what is transient (5xx, 409,
429s, cut connections and bodies) with Stripe's jittered exponential backoff, and turns
every other answer into a parsed body or one of the exceptions in ``errors.py``, each with
one line that says what was asked, what came back and what to check.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
import typing as t
from collections import Counter
from urllib.parse import urlencode

import msgspec
import urllib3

from tap_stripe_readonly import __version__
from tap_stripe_readonly.errors import (
    STATUS_PAGE,
    AccountAccessError,
    BadAnswerError,
    CursorVanishedError,
    InvalidApiKeyError,
    NoConnectAccessError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
    account_in_message,
    error_object,
    excerpt,
    lacks_connect_permissions,
    one_line,
    permission_in_message,
)
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
# A rate limit is never a reason to give up a run, only to slow down; this bound only stops a
# tap that Stripe refuses for many minutes on end.
MAX_RATE_LIMITED_TRIES = 60
# (connect, read) seconds; Stripe's own clients wait up to 80 s for an answer.
TIMEOUT = (10.0, 80.0)


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
        if method.upper() != "GET":
            msg = f"tap-stripe-readonly only reads: refused to send a {method} request"
            raise WriteAttemptError(msg)
        return super().urlopen(method, url, *args, **kw)


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
        self.backoff_first_seconds = BACKOFF_FIRST_SECONDS
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Stripe-Version": api_version,
            "User-Agent": f"tap-stripe-readonly/{__version__}",
        }
        self._pool = ReadOnlyPoolManager(
            # One connection per request in flight, kept open between requests.
            maxsize=max_connections,
            headers=self._headers,
            retries=False,  # retries are decided here, knowing Stripe's answers
            timeout=urllib3.Timeout(connect=TIMEOUT[0], read=TIMEOUT[1]),
        )
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.rate_limited = 0
        self._clock: tuple[float, float] | None = None  # (Stripe's time, monotonic) at a Date

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
    ) -> t.Any:
        """GET ``path``; return its body decoded as ``shape``, retrying what is transient.

        ``endpoint`` names the rate-limit bucket (``"/v1/invoices/{id}/lines"``);
        ``permission`` is the one to name if Stripe answers 403 without saying; ``shape`` is
        a list page (the default), a page of events, or ``Raw`` for one object. ``paced``:
        the caller already took the first attempt's tokens (the engine does).
        """
        asked = _describe(path, params, account)
        tries = rate_limited_tries = 0
        while True:
            if not paced:
                self.limiter.acquire(endpoint)
            paced = False
            try:
                return self._get_once(path, params, endpoint, account, asked, permission, shape)
            except RateLimitedError as exc:
                self.limiter.rate_limited(endpoint, exc.rate_limit_reason)
                with self._lock:
                    self.rate_limited += 1
                rate_limited_tries += 1
                if rate_limited_tries >= MAX_RATE_LIMITED_TRIES:
                    raise self._gave_up(asked, exc, rate_limited_tries) from None
                self._back_off(min(rate_limited_tries, 6))
            except TransientError as exc:
                tries += 1
                if tries >= MAX_TRIES:
                    raise self._gave_up(asked, exc, tries) from None
                self._back_off(tries)

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
            raise TransientError(f"the connection failed ({type(exc).__name__})") from None
        self._read_clock(response)
        if response.status >= 300:
            _raise_for_error(response, asked, permission)
        return _parse(response, asked, shape)

    def _back_off(self, tries: int) -> None:
        wait = min(BACKOFF_MAX_SECONDS, self.backoff_first_seconds * 2 ** (tries - 1))
        time.sleep(wait * (0.5 + random.random() / 2))

    def _gave_up(self, asked: str, exc: TransientError, tries: int) -> BadAnswerError:
        return BadAnswerError(
            f"{asked}: {exc.came_back}, {tries} times in a row. Check api_url "
            f"({self.api_url}), any proxy between the tap and Stripe, and {STATUS_PAGE}; "
            "the next run resumes where this one stopped."
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


def _came_back(response: urllib3.BaseHTTPResponse) -> str:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    body = response.data.decode("utf-8", "replace")
    shown = f": '{excerpt(body)}'" if body.strip() else " with an empty body"
    return f"Stripe answered {response.status} ({kind}){shown}"


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
    if status == 401:
        raise InvalidApiKeyError(
            "Stripe rejected the API key (401): it is unknown, revoked or mistyped. Check the "
            "key in the Stripe Dashboard (Developers > API keys) and update the tap's api_key."
        )
    if lacks_connect_permissions(message):
        raise NoConnectAccessError(
            f"{asked}: {message} Grant the key Connect permissions (Read) in the Dashboard, "
            "or unset account_id to read the key's own account."
        )
    if status == 403 and (account := account_in_message(message)) is not None:
        raise AccountAccessError(
            f"The API key may not read account {account}: Stripe says it has no access to it "
            "or that it does not exist. Check the account id (Dashboard > Settings > Account "
            "details), and that the account is still connected to the platform that owns the "
            "key.",
            account,
        )
    if status == 403 and error:
        raise PermissionDeniedError(
            f"{asked}: {message}", permission_in_message(message, permission)
        )
    if status == 429 or code == "rate_limit":
        # Retried whatever Stripe-Should-Retry says, and never fatal: it only asks for
        # patience. Stripe: a 429 without Stripe-Rate-Limited-Reason was not a rate limiter
        # (a lock timeout, say), so it slows no bucket down.
        reason = response.headers.get("Stripe-Rate-Limited-Reason")
        if reason is None and code == "rate_limit":
            reason = "global-rate"
        raise RateLimitedError(_came_back(response), rate_limit_reason=reason)
    if code == "resource_missing" and error.get("param") == "starting_after":
        raise CursorVanishedError(f"{asked}: {message}")
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
    what = f"{_came_back(response)}" if not message else f"Stripe answered {status}: {message}"
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


def _decoder(shape: t.Any) -> t.Callable[[bytes], t.Any]:
    return _DECODERS.get(shape) or _DECODERS.setdefault(shape, msgspec.json.Decoder(shape).decode)


_DECODERS: dict[t.Any, t.Callable[[bytes], t.Any]] = {}
