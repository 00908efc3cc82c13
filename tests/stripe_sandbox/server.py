"""HTTP layer: a Stripe-compatible read-only API on 127.0.0.1, with restricted keys,
permissions, Connect (the Stripe-Account header), token-bucket rate limits, injected latency
and faults (random, or scripted with fail_next), Stripe-Should-Retry, and counters.

Answers are on the wire as Stripe sends them: JSON indented by two spaces (compact with
indent=False), gzip-compressed when the request's Accept-Encoding takes gzip, and ids in paths
percent-decoded per segment (api.match).
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import gzip
import json
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import api
from .data import (
    API_VERSION,
    DEMO_ACCOUNT_ID,
    Obj,
    connect_destinations,
    connected_profile,
    connected_scale,
)
from .products import PRODUCTS
from .store import Clock, Store, _copy

try:  # ~5x faster than the stdlib at the same bytes; optional
    from msgspec import json as _msgspec_json
except ImportError:  # pragma: no cover - the stdlib answers alike
    _msgspec_json = None  # type: ignore[assignment]

# Obviously fake: "sandbox" in the name, and only ever accepted by this server.
DEMO_API_KEY = "rk_live_sandboxDemo000000000000000000"
STATS_PATH = "/_sandbox/stats"

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
RATE_LIMIT_MESSAGE = (
    "Request rate limit exceeded. Learn more about rate limits here "
    "https://stripe.com/docs/rate-limits."
)
LOCK_TIMEOUT_MESSAGE = (
    "This object cannot be accessed right now because another API request or Stripe process "
    "is currently accessing it. If you see this error intermittently, retry the request. If "
    "you see this error frequently and are making multiple concurrent requests to a single "
    "object, make your requests serially or at a lower rate."
)
# Stripe's status-code table: "409 Conflict: The request conflicts with another request
# (perhaps due to using the same idempotent key)."
CONFLICT_MESSAGE = (
    "The request conflicts with another request (perhaps due to using the same idempotent "
    "key). Please try again later."
)
NO_CONNECT_MESSAGE = (
    "You passed a restricted API key with the Stripe-Account header, but the restricted API "
    "key does not have any Connect permissions."
)
# Faults drawn at random (set_faults); fail_next() also knows two kinds of rate-limit 429s.
FAULT_KINDS = ("500", "drop", "409", "lock_timeout", "rate_limit_400")
DEFAULT_FAULT_KINDS = ("500", "drop")
FAIL_NEXT_KINDS = (*FAULT_KINDS, "429", "429_no_retry")
_KEY_PREFIX = re.compile(r"^([a-z]+_(?:live|test)_)")


def mask_key(key: str, visible: int, stars: str) -> str:
    """Stripe's masking: the key type prefix, stars, and the last characters."""
    m = _KEY_PREFIX.match(key)
    return f"{m.group(1) if m else ''}{stars}{key[-visible:] if len(key) > visible else ''}"


@dataclass
class KeyInfo:
    denied: frozenset[str]
    message_form: str  # "new" or "legacy" wording of the 403 message
    revoked: bool = False
    connect: bool = True  # may act for connected accounts (send Stripe-Account)


@dataclass
class ScriptedFault:
    kind: str
    remaining: int
    path: str | None  # only requests whose route template or path starts with this
    account: str | None = None  # only requests for this account (its Stripe-Account header)


def connected_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + 7919 * (index + 1)


class TokenBucket:
    """Thread-safe token bucket: `rate` tokens/s, holding at most max(1, rate) tokens."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)
        self.capacity = max(1.0, self.rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Clients open many connections at once (one per request in flight); with the default
    # backlog of 5 the rest wait a whole SYN retransmission (1 s) for a place.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a tap stopped mid-run) is not the sandbox's error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise keep being served after stop().
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


class StripeSandbox:
    """A local Stripe-compatible read API over a seeded, generated business.

    The platform account (DEMO_ACCOUNT_ID) holds the business at `scale`; `connected_accounts`
    adds Connect accounts, each its own smaller business (see connected_scale), reached with
    the Stripe-Account header and the in-process API's `account=`. One clock serves them all.
    Usable as a context manager. All counters and knobs are thread-safe.

    Wire knobs, both settable at any time: `indent` (answers indented by two spaces as Stripe
    sends them, else compact one-line JSON) and `parent_update_events` (a customer's discount,
    tax id or card source, and an invoice item on a draft, also announce the parent's
    customer.updated / invoice.updated; False: only the other object's event is emitted).

    `products` switches products on in every account ("Issuing"): they then have their
    objects, and the others answer their lists 400 as Stripe does (`enable_product` later).
    """

    def __init__(
        self,
        scale: float = 1.0,
        seed: int = 42,
        port: int = 0,
        host: str = "127.0.0.1",
        rate_limit_global: float | None = None,
        rate_limit_endpoint: float | None = None,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        now: int | None = None,
        denied: Iterable[str] = (),
        keys: Iterable[str] = (),
        verbose: bool = False,
        connected_accounts: int = 0,
        rate_limit_should_retry: bool | None = None,
        fault_kinds: Iterable[str] = DEFAULT_FAULT_KINDS,
        indent: bool = True,
        parent_update_events: bool = True,
        products: Iterable[str] = (),
    ) -> None:
        started = time.perf_counter()
        switched_on = frozenset(products)
        if unknown := switched_on - PRODUCTS:
            raise ValueError(f"unknown products {sorted(unknown)}; one of {sorted(PRODUCTS)}")
        self.scale, self.seed, self.host, self.verbose = scale, seed, host, verbose
        self._port = port
        self.clock = Clock(now)
        self.store = Store(scale, seed, self.clock, products=switched_on)  # the platform's
        self.stores: dict[str, Store] = {DEMO_ACCOUNT_ID: self.store}
        for i in range(connected_accounts):
            profile = connected_profile(seed, i)
            self.stores[profile.account_id] = Store(
                connected_scale(scale), connected_seed(seed, i), self.clock, profile,
                connected=True, products=switched_on,
            )  # fmt: skip
            self.store.attach_account(self.stores[profile.account_id].account)
        self._connected = connected_accounts
        self._products = switched_on
        self.startup_seconds = time.perf_counter() - started
        self.indent = indent
        self.parent_update_events = parent_update_events
        self._lock = threading.Lock()
        self._keys: dict[str, KeyInfo] = {DEMO_API_KEY: KeyInfo(frozenset(), "new")}
        for key in keys:
            self.add_key(key)
        self.denied = frozenset(_permission(p) for p in denied)
        self._fault_rng = random.Random(seed ^ 0x5EED)
        self._req_rng = random.Random(seed ^ 0xBEEF)
        self.latency_ms = float(latency_ms)
        self.fault_rate = float(fault_rate)
        self.fault_kinds = _fault_kinds(fault_kinds)
        self._scripted: list[ScriptedFault] = []
        self.rate_limit_should_retry = rate_limit_should_retry
        self._global_rps = rate_limit_global
        self._endpoint_rps = rate_limit_endpoint
        self._global_bucket: TokenBucket | None = None
        self._endpoint_buckets: dict[str, TokenBucket] = {}
        self.set_rate_limits(rate_limit_global, rate_limit_endpoint)
        self.reset_stats()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> StripeSandbox:
        if self._server is not None:
            raise RuntimeError("sandbox already started")
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._server = _Server((self.host, self._port), handler)
        host, port = self._server.server_address[:2]
        self._address = (str(host), int(port))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="stripe-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StripeSandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) bound by start(); still answers after stop() (nothing listens then)."""
        if self._address is None:
            raise RuntimeError("sandbox not started")
        return self._address

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    # -- data ----------------------------------------------------------------------------------
    # `account`: None (or the platform's id) for the platform, or a connected account's id.
    @property
    def accounts(self) -> list[str]:
        """Account ids, the platform first, then the connected accounts."""
        return list(self.stores)

    def store_for(self, account: str | None = None) -> Store:
        if account is None:
            return self.store
        store = self.stores.get(account)
        if store is None:
            raise KeyError(f"No such account: '{account}'")
        return store

    def ids(self, resource: str, *, account: str | None = None) -> set[str]:
        return self.store_for(account).ids(resource)

    def objects(self, resource: str, *, account: str | None = None) -> list[Obj]:
        return self.store_for(account).objects(resource)

    def counts(self, *, account: str | None = None) -> dict[str, int]:
        return self.store_for(account).counts()

    def update(
        self,
        resource: str,
        object_id: str,
        changes: Mapping[str, Any],
        *,
        account: str | None = None,
    ) -> Obj:
        return self.store_for(account).update(resource, object_id, changes)

    def delete(self, resource: str, object_id: str, *, account: str | None = None) -> Obj:
        return self.store_for(account).delete(resource, object_id)

    def create(
        self,
        resource: str,
        fields: Mapping[str, Any] | None = None,
        *,
        lines: int | None = None,
        items: int | None = None,
        account: str | None = None,
    ) -> Obj:
        """A new object "now", with what Stripe creates with it and the events of all.
        lines= sizes invoices and credit notes (credit_notes with lines=12 credits 12 invoice
        lines), items= subscriptions. An application fee (the platform's only) is taken on a
        new direct charge in a served connected account (fields account=, amount= the fee).
        Coupons, products, plans, prices (a plan and its price share the id) and promotion
        codes take an `id` chosen by the account, any characters (ValueError if taken)."""
        if resource == "application_fees":
            return self._create_application_fee(dict(fields or {}), account)
        return self.store_for(account).create(resource, fields, lines=lines, items=items)

    def _create_application_fee(self, fields: dict[str, Any], account: str | None) -> Obj:
        if account not in (None, DEMO_ACCOUNT_ID):
            raise ValueError("application fees belong to the platform")
        target = fields.pop("account", None) or (
            self.accounts[1]
            if len(self.stores) > 1
            else connect_destinations(self.seed)[0].account_id
        )
        connected = self.stores.get(target)
        if connected is None or connected is self.store:
            # An account the sandbox doesn't serve: its charge is out of reach, as in Stripe
            # for an account the key can't act for.
            return self.store.create("application_fees", {**fields, "account": target})
        with self.store.lock:
            spec = self.store.fee_spec(
                target, connected.account["default_currency"], fields.pop("amount", None)
            )
        connected.charge_with_fee(spec)
        return self.store.add_application_fee(spec, fields)

    def reverse_transfer(
        self, transfer_id: str, amount: int | None = None, account: str | None = None
    ) -> Obj:
        """Reverses `amount` of a transfer (what is left by default); transfer.reversed."""
        return self.store_for(account).reverse_transfer(transfer_id, amount)

    def refund_application_fee(
        self, fee_id: str, amount: int | None = None, account: str | None = None
    ) -> Obj:
        """Refunds `amount` of an application fee (what is left by default);
        application_fee.refunded."""
        return self.store_for(account).refund_application_fee(fee_id, amount)

    def create_burst(
        self, resource: str, n: int, account: str | None = None, **fields: Any
    ) -> list[Obj]:
        """n new objects created in the current second, with their events. `lines=` and
        `items=` size invoices, credit notes and subscriptions; other keywords are fields, as
        in create(). Application fees made this way name charges of no served account."""
        lines, items = fields.pop("lines", None), fields.pop("items", None)
        return self.store_for(account).create_burst(resource, n, fields, lines=lines, items=items)

    def account_object(self, account: str | None = None) -> Obj:
        """What GET /v1/account answers for the account."""
        return _copy(self.store_for(account).account)

    def balance(self, account: str | None = None) -> Obj:
        """What GET /v1/balance answers for the account."""
        return self.store_for(account).balance()

    def pay_invoice(self, invoice_id: str, account: str | None = None) -> Obj:
        return self.store_for(account).pay_invoice(invoice_id)

    def add_invoice_lines(self, invoice_id: str, n: int, account: str | None = None) -> Obj:
        return self.store_for(account).add_invoice_lines(invoice_id, n)

    def settle_balance_transactions(
        self, until: int | None = None, account: str | None = None
    ) -> list[str]:
        return self.store_for(account).settle_balance_transactions(until)

    def emit_upcoming_invoice(self, customer_id: str, account: str | None = None) -> Obj:
        return self.store_for(account).emit_upcoming_invoice(customer_id)

    def apply_customer_discount(
        self, customer_id: str, coupon_id: str, *, account: str | None = None
    ) -> Obj:
        """The coupon applied to the customer: its `discount` becomes a Discount (di_...),
        announced by customer.discount.created, then customer.updated (previous_attributes
        {"discount": None}) if parent_update_events. Returns the discount."""
        return self.store_for(account).apply_customer_discount(customer_id, coupon_id)

    def remove_customer_discount(self, customer_id: str, *, account: str | None = None) -> Obj:
        """The customer's discount back to None: customer.discount.deleted (the discount as it
        was), then customer.updated if parent_update_events. Returns the discount."""
        return self.store_for(account).remove_customer_discount(customer_id)

    def create_customer_tax_id(
        self,
        customer_id: str,
        type: str = "eu_vat",
        value: str = "DE123456789",
        *,
        account: str | None = None,
    ) -> Obj:
        """A TaxId (txi_...) of the customer: customer.tax_id.created, then customer.updated
        with empty previous_attributes if parent_update_events (the customer object does not
        change). Returns the tax id."""
        return self.store_for(account).create_customer_tax_id(customer_id, type, value)

    def create_customer_cash_balance_transaction(
        self, customer_id: str, *, account: str | None = None
    ) -> Obj:
        """A bank transfer into the customer's cash balance (ccsbtxn_...), announced by
        customer_cash_balance_transaction.created alone. Returns the transaction."""
        return self.store_for(account).create_customer_cash_balance_transaction(customer_id)

    def add_customer_source(self, customer_id: str, *, account: str | None = None) -> Obj:
        """A card source (card_...), the customer's default_source if it had none:
        customer.source.created, then customer.updated (previous_attributes
        {"default_source": None} when it changed) if parent_update_events. Returns the card."""
        return self.store_for(account).add_customer_source(customer_id)

    def connect_account(self) -> str:
        """A new connected account joins the platform (the next of connected_profile), its own
        business served from now on. Returns its id."""
        profile = connected_profile(self.seed, self._connected)
        store = Store(
            connected_scale(self.scale), connected_seed(self.seed, self._connected), self.clock,
            profile, connected=True, products=self._products,
        )  # fmt: skip
        self._connected += 1
        with self._lock:
            self.stores[profile.account_id] = store
        self.store.attach_account(store.account)
        return profile.account_id

    def disconnect_account(self, account: str) -> None:
        """A connected account leaves the platform: no longer listed, and the key's requests
        for it are refused as Stripe refuses an account it has no access to."""
        with self._lock:
            if account == DEMO_ACCOUNT_ID or account not in self.stores:
                raise KeyError(f"No such connected account: '{account}'")
            del self.stores[account]
        self.store.detach_account(account)

    def enable_product(self, product: str, *, account: str | None = None) -> None:
        """Switches a product on in an account: its lists answer from now on (with the
        objects made since, by create())."""
        if product not in PRODUCTS:
            raise ValueError(f"unknown product {product!r}; one of {sorted(PRODUCTS)}")
        self.store_for(account).products.add(product)

    def set_event_api_version(self, version: str) -> None:
        """Events emitted from now on, in every account, carry this api_version (their
        data.object is still rendered as the sandbox renders it): an account whose default API
        version differs from what the client pins."""
        for store in self.stores.values():
            with store.lock:
                store.event_api_version = version

    def add_field(self, resource: str, name: str, value: Any) -> None:
        """Stripe adds a top-level field to a resource (as it does without a new API version):
        from now on, in every account, every object of ``resource`` the sandbox renders carries
        ``name`` with ``value``: in lists, retrieves, and the copies in events emitted from now
        on (not in earlier events, nor in items embedded in a parent's list)."""
        for store in self.stores.values():
            store._check(resource)
            with store.lock:
                store.added_fields.setdefault(resource, {})[name] = value

    @property
    def parent_update_events(self) -> bool:
        """Whether a change Stripe announces by another object's event (customer.discount.*,
        customer.tax_id.created, customer.source.created, invoiceitem.* on a draft) also
        emits the parent's customer.updated / invoice.updated. Applies to every account."""
        return self.store.parent_update_events

    @parent_update_events.setter
    def parent_update_events(self, value: bool) -> None:
        for store in self.stores.values():
            with store.lock:
                store.parent_update_events = bool(value)

    @property
    def now(self) -> int:
        """The sandbox clock: `now` from the constructor (or the real time) plus advance().
        Shared by every account."""
        return self.clock.now()

    def advance(self, seconds: int) -> int:
        return self.clock.advance(seconds)

    # -- keys, limits, faults ------------------------------------------------------------------
    def add_key(
        self,
        key: str,
        denied: Iterable[str] = (),
        message_form: str = "new",
        connect: bool = True,
    ) -> None:
        """Accepts a key. connect=False: a restricted key without Connect permissions, refused
        whenever it sends a Stripe-Account header."""
        if message_form not in ("new", "legacy"):
            raise ValueError("message_form must be 'new' or 'legacy'")
        with self._lock:
            self._keys[key] = KeyInfo(
                frozenset(_permission(p) for p in denied), message_form, connect=connect
            )

    def revoke_key(self, key: str) -> None:
        with self._lock:
            if key in self._keys:
                self._keys[key].revoked = True

    def set_faults(
        self,
        fault_rate: float | None = None,
        latency_ms: float | None = None,
        kinds: Iterable[str] | None = None,
    ) -> None:
        """Random faults: each API request fails with probability fault_rate, with one of
        `kinds` (FAULT_KINDS; default "500" and "drop"). None leaves a knob as it is."""
        with self._lock:
            if fault_rate is not None:
                self.fault_rate = float(fault_rate)
            if latency_ms is not None:
                self.latency_ms = float(latency_ms)
            if kinds is not None:
                self.fault_kinds = _fault_kinds(kinds)

    def fail_next(
        self, kind: str, times: int = 1, path: str | None = None, account: str | None = None
    ) -> None:
        """The next `times` API requests (only those whose route template, e.g.
        "/v1/invoices/{id}/lines", or whose path starts with `path`, if given, and only those
        for `account`, if given: the platform's id or a connected account's) get the fault
        `kind`: one of FAULT_KINDS, or "429" (a rate-limit 429, Stripe-Rate-Limited-Reason
        endpoint-rate) or "429_no_retry" (the same with Stripe-Should-Retry: false).
        Scripted faults queue in call order and come before random ones."""
        if kind not in FAIL_NEXT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAIL_NEXT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._scripted.append(ScriptedFault(kind, times, path, account))

    def cancel_fail_next(self) -> int:
        """Drops the scripted faults not yet used; returns how many requests they would have
        failed."""
        with self._lock:
            left = sum(f.remaining for f in self._scripted)
            self._scripted.clear()
            return left

    def set_rate_limit_should_retry(self, value: bool | None) -> None:
        """Stripe-Should-Retry on rate-limit errors: True, False, or None for no header."""
        with self._lock:
            self.rate_limit_should_retry = value

    def set_rate_limits(
        self, global_rps: float | None = None, endpoint_rps: float | None = None
    ) -> None:
        """Requests per second; None turns a limit off. Buckets start full."""
        with self._lock:
            self._global_rps, self._endpoint_rps = global_rps, endpoint_rps
            self._global_bucket = TokenBucket(global_rps) if global_rps else None
            self._endpoint_buckets = {}

    # -- stats ---------------------------------------------------------------------------------
    def reset_stats(self) -> None:
        with self._lock:
            self._requests: dict[str, int] = {}
            self._status: dict[int, int] = {}
            self._headers: dict[str, set[str]] = {"Stripe-Account": set(), "Stripe-Version": set()}
            self._accounts: dict[str, int] = {}
            self._in_flight = 0
            self._max_in_flight = 0
            self._non_get = 0
            self._dropped = 0
            self._gzip = 0
            self._bytes_sent = 0

    @property
    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "max_in_flight": self._max_in_flight,
                "in_flight": self._in_flight,
                "non_get": self._non_get,
                "status": dict(self._status),
                "dropped": self._dropped,
                "headers": {k: set(v) for k, v in self._headers.items()},
                "accounts": dict(self._accounts),
                "gzip": self._gzip,
                "bytes_sent": self._bytes_sent,
            }

    def stats_json(self) -> dict[str, Any]:
        s = self.stats
        s["status"] = {str(k): v for k, v in sorted(s["status"].items())}
        s["headers"] = {k: sorted(v) for k, v in s["headers"].items()}
        return s

    # -- request handling ----------------------------------------------------------------------
    def _begin(self, endpoint: str, headers: Any, method: str) -> None:
        with self._lock:
            self._requests[endpoint] = self._requests.get(endpoint, 0) + 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            if method != "GET":
                self._non_get += 1
            for name, seen in self._headers.items():
                value = headers.get(name)
                if value is not None:
                    seen.add(value)
            # Requests per account the client addressed (the platform without the header).
            account = headers.get("Stripe-Account") or DEMO_ACCOUNT_ID
            self._accounts[account] = self._accounts.get(account, 0) + 1

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _count_answer(self, status: int, compressed: bool, sent: int) -> None:
        with self._lock:
            self._status[status] = self._status.get(status, 0) + 1
            self._gzip += compressed
            self._bytes_sent += sent

    def _request_id(self) -> str:
        with self._lock:
            return "req_" + "".join(self._req_rng.choices(_BASE62, k=14))

    def _fault(self, template: str, path: str, account: str) -> str | None:
        """A scripted fault for this request, else None or one of fault_kinds drawn from the
        seeded fault RNG."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.account not in (None, account):
                    continue
                prefix = scripted.path
                if prefix is None or template.startswith(prefix) or path.startswith(prefix):
                    scripted.remaining -= 1
                    if not scripted.remaining:
                        self._scripted.remove(scripted)
                    return scripted.kind
            if self.fault_rate <= 0 or self._fault_rng.random() >= self.fault_rate:
                return None
            kinds = self.fault_kinds
            return kinds[min(int(self._fault_rng.random() * len(kinds)), len(kinds) - 1)]

    def _fault_error(self, kind: str) -> api.ApiError:
        if kind == "500":
            return api.ApiError(500, "An unknown error occurred", type_="api_error")
        if kind == "409":
            return api.ApiError(409, CONFLICT_MESSAGE)
        if kind == "lock_timeout":
            # A 429 without Stripe-Rate-Limited-Reason: not a rate limiter, and worth a retry.
            return api.ApiError(
                429,
                LOCK_TIMEOUT_MESSAGE,
                code="lock_timeout",
                headers={"Stripe-Should-Retry": "true"},
            )
        if kind == "rate_limit_400":
            # How Stripe once sent rate limits; stripe-python still maps it to RateLimitError.
            return self._rate_limited(400, None)
        return self._rate_limited(429, "endpoint-rate", no_retry=kind == "429_no_retry")

    def _rate_limited(
        self, status: int, reason: str | None, *, no_retry: bool = False
    ) -> api.ApiError:
        headers = {"Stripe-Rate-Limited-Reason": reason} if reason else {}
        should_retry = False if no_retry else self.rate_limit_should_retry
        if should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if should_retry else "false"
        error = api.ApiError(
            status,
            RATE_LIMIT_MESSAGE,
            code="rate_limit",
            doc_url="https://stripe.com/docs/error-codes/rate-limit",
            headers=headers,
        )
        if should_retry is None:
            error.headers.pop("Stripe-Should-Retry", None)  # not even the 400 default
        return error

    def _authenticate(self, header: str | None) -> tuple[str, KeyInfo]:
        key = _parse_authorization(header)
        if not key:
            raise api.ApiError(401, NO_KEY_MESSAGE)
        with self._lock:
            info = self._keys.get(key)
        if info is None or info.revoked:
            raise api.ApiError(401, f"Invalid API Key provided: {mask_key(key, 4, '****')}")
        return key, info

    def _authorize(self, key: str, info: KeyInfo, resource: str, account: str) -> None:
        permission, display = api.PERMISSIONS[resource]
        if permission not in info.denied and permission not in self.denied:
            return
        # Observed 403 texts show the key with three stars and its last 6 characters.
        masked = mask_key(key, 6, "***")
        start = (
            f"The provided key '{masked}' does not have the required permissions for this "
            f"endpoint on account '{account}'."
        )
        if info.message_form == "legacy":
            message = (
                f"{start} Having the 'rak_{permission}' permission would allow this request "
                "to continue."
            )
        else:
            message = (
                f"Permission denied. {start} Enabling \"{display}\" ('{permission}') "
                "permissions on this key would allow this request to continue."
            )
        raise api.ApiError(403, message, code="more_permissions_required")

    def _rate_limit(self, endpoint: str) -> None:
        with self._lock:
            bucket = self._global_bucket
            ep_bucket = None
            if self._endpoint_rps:
                ep_bucket = self._endpoint_buckets.get(endpoint)
                if ep_bucket is None:
                    ep_bucket = self._endpoint_buckets[endpoint] = TokenBucket(self._endpoint_rps)
        for b, reason in ((bucket, "global-rate"), (ep_bucket, "endpoint-rate")):
            if b is not None and not b.take():
                raise self._rate_limited(429, reason)

    def _select_account(self, key: str, info: KeyInfo, header: str | None) -> tuple[str, Store]:
        """The account a request acts for, from its Stripe-Account header, refused as Stripe
        refuses it: a key without Connect permissions, or an account the key cannot reach."""
        if not header:
            return DEMO_ACCOUNT_ID, self.store
        if not info.connect:
            raise api.ApiError(403, NO_CONNECT_MESSAGE)
        store = self.stores.get(header)
        if store is None:
            raise api.ApiError(
                403,
                f"The provided key '{mask_key(key, 6, '***')}' does not have access to account "
                f"'{header}' (or that account does not exist). Application access may have "
                "been revoked.",
                code="account_invalid",
            )
        return header, store

    def handle(self, h: _Handler, method: str) -> None:
        split = urlsplit(h.path)
        path = split.path
        if method != "GET":
            _discard_body(h)
        if path == STATS_PATH and method == "GET":
            # Not API traffic: no auth, faults or counting.
            self._send(h, 200, self.stats_json(), count=False)
            return
        route = api.match(path)
        template = route.template if route else "(unrecognized)"
        endpoint = f"{method} {template}"
        self._begin(endpoint, h.headers, method)
        try:
            if method != "GET":
                raise api.ApiError(
                    403,
                    f"This Stripe sandbox is read-only: {method} {path} is refused "
                    "(a read-only restricted key cannot write either).",
                )
            if self.latency_ms > 0:
                time.sleep(self.latency_ms / 1000)
            fault = self._fault(template, path, h.headers.get("Stripe-Account") or DEMO_ACCOUNT_ID)
            if fault == "drop":
                with self._lock:
                    self._dropped += 1
                _drop(h)
                return
            if fault is not None:
                raise self._fault_error(fault)
            key, info = self._authenticate(h.headers.get("Authorization"))
            account, store = self._select_account(key, info, h.headers.get("Stripe-Account"))
            if route is None:
                raise api.ApiError(
                    404,
                    f"Unrecognized request URL (GET: {path}). Please see "
                    "https://stripe.com/docs or we can help at "
                    "https://support.stripe.com/.",
                )
            if route.resource in api.DIRECT and h.headers.get("Stripe-Account"):
                raise api.ApiError(403, api.direct_only(route.resource, account))
            api.check_product(store, route)
            self._authorize(key, info, route.resource, account)
            self._rate_limit(endpoint)

            def can_read(resource: str) -> None:
                self._authorize(key, info, resource, account)

            status, body = api.dispatch(store, route, split.query, can_read)
            self._send(h, status, body)
        except api.ApiError as e:
            self._send(h, e.status, e.body, e.headers)
        except Exception:  # a sandbox bug must still answer in Stripe's shape
            bug = api.ApiError(500, "An unknown error occurred", type_="api_error")
            self._send(h, bug.status, bug.body, bug.headers)
            raise
        finally:
            self._end()

    def _send(
        self,
        h: _Handler,
        status: int,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        *,
        count: bool = True,
    ) -> None:
        """An answer; `count`=False for the stats endpoint (compact, never compressed)."""
        body = encode_json(payload, indent=count and self.indent)
        compressed = count and accepts_gzip(h.headers.get("Accept-Encoding"))
        if compressed:
            # Level 1 is nginx's default: most of the gain for little CPU. mtime=0 keeps the
            # bytes a function of the body.
            body = gzip.compress(body, compresslevel=1, mtime=0)
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        if compressed:
            h.send_header("Content-Encoding", "gzip")
            h.send_header("Vary", "Accept-Encoding")
        h.send_header("Request-Id", self._request_id())
        h.send_header("Stripe-Version", h.headers.get("Stripe-Version") or API_VERSION)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        sent = 0
        if h.command != "HEAD":
            h.wfile.write(body)
            sent = len(body)
        if count:
            self._count_answer(status, compressed, sent)


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def encode_json(payload: Any, *, indent: bool) -> bytes:
    """JSON as Stripe sends it: indented by two spaces with "key": value (json.dumps(obj,
    indent=2)), or compact. Non-ASCII characters go out as UTF-8, not \\u escapes, so both
    encoders give the same bytes."""
    if _msgspec_json is not None:
        compact = _msgspec_json.encode(payload)
        return _msgspec_json.format(compact, indent=2) if indent else compact
    if indent:
        return json.dumps(payload, indent=2, ensure_ascii=False).encode()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header takes gzip: listed (or `*`) with a q above 0. An
    explicit gzip entry wins over `*`."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for entry in header.split(","):
        coding, *params = (p.strip() for p in entry.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        coding = coding.lower()
        weights[{"x-gzip": "gzip"}.get(coding, coding)] = q
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def _fault_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(kinds))
    unknown = set(out) - set(FAULT_KINDS)
    if not out or unknown:
        raise ValueError(f"fault kinds must be some of {', '.join(FAULT_KINDS)}")
    return out


def _permission(name: str) -> str:
    # Accept the Dashboard spelling too ("rak_plan_read").
    return name[4:] if name.startswith("rak_") else name


def _parse_authorization(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except ValueError:
            return None
        return decoded.partition(":")[0] or None
    return None


def _discard_body(h: BaseHTTPRequestHandler) -> None:
    length = h.headers.get("Content-Length")
    if length and length.isdigit():
        h.rfile.read(int(length))
    elif h.headers.get("Transfer-Encoding"):
        h.close_connection = True  # not worth decoding chunks just to throw them away


def _drop(h: BaseHTTPRequestHandler) -> None:
    """Closes the connection without answering (the client sees a reset/EOF)."""
    h.close_connection = True
    with contextlib.suppress(OSError):
        h.connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response has a Content-Length
    # Headers and body leave in one segment: with Nagle's algorithm on, a split response waits
    # for the client's delayed ACK (~40 ms per request on keep-alive connections).
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # flushed by BaseHTTPRequestHandler after each request
    sandbox: StripeSandbox

    def version_string(self) -> str:
        return "stripe-sandbox"

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header tells the sandbox's time (fixed or advanced), as Stripe's tells
        # Stripe's: clients that reckon in the server's time see the same clock as its data.
        return email.utils.formatdate(
            self.sandbox.now if timestamp is None else timestamp, usegmt=True
        )

    def do_GET(self) -> None:
        self.sandbox.handle(self, "GET")

    def _refuse(self) -> None:
        self.sandbox.handle(self, self.command)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse

    def log_message(self, format: str, *args: Any) -> None:
        if self.sandbox.verbose:
            super().log_message(format, *args)
