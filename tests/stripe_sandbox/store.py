"""In-memory store: ordered objects per resource, Stripe-style paging, and mutations that emit
events the way Stripe would.

Objects are copy-on-write: a mutation replaces the whole dict (and whole top-level values), so a
dict handed out for rendering or kept as an event snapshot never changes afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from . import data
from .data import DAY, EVENT_RETENTION, Business, Obj

# Resources addressable through the in-process API (sb.ids / sb.objects / update / delete).
RESOURCES = (
    "customers", "products", "prices", "subscriptions", "subscription_items", "invoices",
    "invoice_line_items", "payment_intents", "charges", "refunds", "balance_transactions",
    "events",
)  # fmt: skip
# Object names as Stripe spells them in "No such <name>: '<id>'" messages.
# Top-level lists the generated business fills directly (nested items and events aside).
GENERATED_LISTS = (
    "customers",
    "products",
    "prices",
    "subscriptions",
    "invoices",
    "payment_intents",
    "charges",
    "refunds",
    "balance_transactions",
)
OBJECT_NAMES = {
    "customers": "customer", "products": "product", "prices": "price",
    "subscriptions": "subscription", "subscription_items": "subscription_item",
    "invoices": "invoice", "invoice_line_items": "line_item",
    "payment_intents": "payment_intent", "charges": "charge", "refunds": "refund",
    "balance_transactions": "balance_transaction", "events": "event",
}  # fmt: skip
PREFIXES = {
    "cus": "customers", "prod": "products", "price": "prices", "sub": "subscriptions",
    "si": "subscription_items", "in": "invoices", "il": "invoice_line_items",
    "pi": "payment_intents", "ch": "charges", "re": "refunds", "txn": "balance_transactions",
    "evt": "events",
}  # fmt: skip
EMBEDDED_LIMIT = 10  # Stripe embeds the first 10 lines/items; the rest via the list's url
_NEG_INF = float("-inf")
_POS_INF = float("inf")


def resource_of(object_id: str) -> str | None:
    return PREFIXES.get(object_id.split("_", 1)[0]) if "_" in object_id else None


class CursorMissing(Exception):
    """A starting_after/ending_before id that is not in the (filtered) list."""

    def __init__(self, param: str, object_id: str) -> None:
        super().__init__(param, object_id)
        self.param = param
        self.object_id = object_id


def paginate(
    objs: Sequence[Obj],
    lo: int,
    hi: int,
    position: Callable[[str], int | None],
    pred: Callable[[Obj], bool] | None,
    limit: int,
    starting_after: str | None,
    ending_before: str | None,
) -> tuple[list[Obj], bool]:
    """One page of objs[lo:hi] filtered by pred, in the sequence's order (newest first for
    top-level lists). Returns (page, has_more); has_more looks in the paging direction."""
    out: list[Obj] = []
    cursor, param = (
        (starting_after, "starting_after") if starting_after else (ending_before, "ending_before")
    )
    if cursor:
        pos = position(cursor)
        if pos is None or not lo <= pos < hi or (pred is not None and not pred(objs[pos])):
            raise CursorMissing(param, cursor)
        step, i = (1, pos + 1) if starting_after else (-1, pos - 1)
    else:
        step, i = 1, lo
    while lo <= i < hi and len(out) <= limit:
        o = objs[i]
        if pred is None or pred(o):
            out.append(o)
        i += step
    has_more = len(out) > limit
    out = out[:limit]
    if step == -1:
        out.reverse()  # collected from just-newer-than-cursor upwards; present newest first
    return out, has_more


class Collection:
    """Objects of one resource, newest first: created desc, ties by latest insertion first."""

    def __init__(self) -> None:
        self.objs: list[Obj] = []
        self.keys: list[tuple[int, int]] = []  # ascending (-created, -seq), parallel to objs
        self.key_of: dict[str, tuple[int, int]] = {}
        self.by_id: dict[str, Obj] = {}
        self._seq = 0

    def load(self, objs: Sequence[Obj]) -> None:
        if len(objs) < 64:  # a create(): cheaper to insert than to re-sort everything
            for o in objs:
                self.insert(o)
            return
        pairs = []
        for o in objs:
            self._seq += 1
            key = (-o["created"], -self._seq)
            self.key_of[o["id"]] = key
            self.by_id[o["id"]] = o
            pairs.append((key, o))
        pairs.extend(zip(self.keys, self.objs, strict=True))
        pairs.sort(key=lambda p: p[0])
        self.keys = [k for k, _ in pairs]
        self.objs = [o for _, o in pairs]

    def insert(self, obj: Obj) -> None:
        self._seq += 1
        key = (-obj["created"], -self._seq)
        pos = bisect_left(self.keys, key)
        self.keys.insert(pos, key)
        self.objs.insert(pos, obj)
        self.key_of[obj["id"]] = key
        self.by_id[obj["id"]] = obj

    def position(self, object_id: str) -> int | None:
        key = self.key_of.get(object_id)
        return None if key is None else bisect_left(self.keys, key)

    def replace(self, obj: Obj) -> None:
        pos = self.position(obj["id"])
        assert pos is not None
        self.objs[pos] = obj
        self.by_id[obj["id"]] = obj

    def remove(self, object_id: str) -> None:
        pos = self.position(object_id)
        if pos is None:
            return
        del self.objs[pos], self.keys[pos]
        del self.key_of[object_id], self.by_id[object_id]

    def window(self, gte: int | None, lte: int | None) -> tuple[int, int]:
        """Index range of objects with gte <= created <= lte (None = unbounded)."""
        lo = 0 if lte is None else bisect_left(self.keys, (-lte, _NEG_INF))
        hi = len(self.keys) if gte is None else bisect_right(self.keys, (-gte, _POS_INF))
        return lo, max(lo, hi)


T = TypeVar("T")


def _copy(value: T) -> T:
    # A JSON round trip is the cheapest deep copy for plain JSON data.
    return cast(T, json.loads(json.dumps(value)))


class Clock:
    """The sandbox's time: a fixed start (or the real time) plus advance(). One clock serves
    the platform and every connected account, as one Stripe serves them all."""

    def __init__(self, fixed: int | None = None) -> None:
        self._fixed = fixed
        self._offset = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        base = self._fixed if self._fixed is not None else int(time.time())
        return base + self._offset

    def advance(self, seconds: int) -> int:
        with self._lock:
            self._offset += int(seconds)
            return self.now()


class Store:
    """One account's objects: the platform's, or a connected account's."""

    def __init__(
        self,
        scale: float,
        seed: int,
        clock: Clock | int | None = None,
        profile: data.Profile = data.PLATFORM,
        *,
        connected: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock if isinstance(clock, Clock) else Clock(clock)
        # Connect marks a connected account's events with its id.
        self.event_account = profile.account_id if connected else None
        self.event_api_version = data.API_VERSION
        biz, gen = data.generate(scale, seed, self.clock.now(), profile)
        self.gen = gen
        self.account = biz.account
        self.collections: dict[str, Collection] = {
            r: Collection() for r in RESOURCES if r != "invoice_line_items"
        }
        self.items_by_sub: dict[str, list[Obj]] = {}
        self.lines_by_invoice: dict[str, list[Obj]] = {}
        self.line_parent: dict[str, str] = {}  # line id -> invoice id
        with data.paused_gc():
            self._absorb(biz)
            self.collections["events"].load(self._initial_events(biz))

    # -- clock ---------------------------------------------------------------------------------
    def now(self) -> int:
        return self.clock.now()

    def advance(self, seconds: int) -> int:
        return self.clock.advance(seconds)

    # -- loading and rendering -----------------------------------------------------------------
    def _absorb(self, biz: Business) -> None:
        """Adds every object of a (partial) Business to the store."""
        all_items: list[Obj] = []
        for sub_id, items in biz.items_by_subscription.items():
            self.items_by_sub.setdefault(sub_id, []).extend(items)
            all_items.extend(items)
        self.collections["subscription_items"].load(all_items)
        for inv_id, lines in biz.lines_by_invoice.items():
            self.lines_by_invoice.setdefault(inv_id, []).extend(lines)
            for line in lines:
                self.line_parent[line["id"]] = inv_id
        for name in GENERATED_LISTS:
            objs = getattr(biz, name)
            if objs:
                self.collections[name].load(objs)

    def render(self, resource: str, obj: Obj) -> Obj:
        """The object as the API returns it: invoices and subscriptions get their embedded
        first-10 list with has_more, total_count and url."""
        if resource == "invoices":
            lines = self.lines_by_invoice.get(obj["id"], [])
            return {**obj, "lines": self._embedded(lines, f"/v1/invoices/{obj['id']}/lines")}
        if resource == "subscriptions":
            items = self.items_by_sub.get(obj["id"], [])
            url = f"/v1/subscription_items?subscription={obj['id']}"
            return {**obj, "items": self._embedded(items, url)}
        return obj

    @staticmethod
    def _embedded(objs: list[Obj], url: str) -> Obj:
        return {
            "object": "list",
            "data": objs[:EMBEDDED_LIMIT],
            "has_more": len(objs) > EMBEDDED_LIMIT,
            "total_count": len(objs),
            "url": url,
        }

    # -- reads ---------------------------------------------------------------------------------
    def get(self, resource: str, object_id: str) -> Obj | None:
        if resource == "invoice_line_items":
            inv = self.line_parent.get(object_id)
            if inv is None:
                return None
            return next((li for li in self.lines_by_invoice[inv] if li["id"] == object_id), None)
        coll = self.collections.get(resource)
        return None if coll is None else coll.by_id.get(object_id)

    def _ordered(self, resource: str) -> list[Obj]:
        if resource == "invoice_line_items":
            return [
                line
                for inv in self.collections["invoices"].objs
                for line in self.lines_by_invoice.get(inv["id"], [])
            ]
        return list(self.collections[resource].objs)

    def ids(self, resource: str) -> set[str]:
        self._check(resource)
        with self.lock:
            if resource == "invoice_line_items":
                return set(self.line_parent)
            return set(self.collections[resource].by_id)

    def objects(self, resource: str) -> list[Obj]:
        self._check(resource)
        with self.lock:
            rendered = [self.render(resource, o) for o in self._ordered(resource)]
        return _copy(rendered)

    def counts(self) -> dict[str, int]:
        with self.lock:
            out = {r: len(c.by_id) for r, c in self.collections.items()}
            out["invoice_line_items"] = len(self.line_parent)
            return out

    @staticmethod
    def _check(resource: str) -> None:
        if resource not in RESOURCES:
            raise ValueError(f"unknown resource {resource!r}; one of {', '.join(RESOURCES)}")

    # -- events --------------------------------------------------------------------------------
    def _emit(
        self, type_: str, obj: Obj, previous: Obj | None = None, *, at: int | None = None
    ) -> Obj:
        evt = data.event(
            self.gen.ids,
            type_,
            self.now() if at is None else at,
            obj,
            previous=previous,
            request_id=f"req_{self.gen.ids.token(14)}",
            api_version=self.event_api_version,
            account=self.event_account,
        )
        self.collections["events"].insert(evt)
        return evt

    def _initial_events(self, biz: Business) -> list[Obj]:
        return data.initial_events(
            self.gen,
            biz,
            self.render,
            account=self.event_account,
            api_version=self.event_api_version,
        )

    # -- mutations -----------------------------------------------------------------------------
    def update(self, resource: str, object_id: str, changes: Mapping[str, Any]) -> Obj:
        self._check(resource)
        if resource in ("events", "balance_transactions"):
            raise ValueError(f"{resource} are immutable in Stripe")
        with self.lock:
            old = self.get(resource, object_id)
            if old is None:
                raise KeyError(f"No such {OBJECT_NAMES[resource]}: '{object_id}'")
            changes = _copy(dict(changes))
            for key in changes:
                if key in ("id", "object", "created", "lines", "items") or key not in old:
                    raise ValueError(f"cannot set {key!r} on {OBJECT_NAMES[resource]}")
            previous = {k: old[k] for k in changes}
            new = {**old, **changes}
            if resource == "products" and "updated" not in changes:
                new["updated"] = self.now()
            if resource == "invoice_line_items":
                inv_id = self.line_parent[object_id]
                before = self.render("invoices", self.collections["invoices"].by_id[inv_id])
                lines = self.lines_by_invoice[inv_id]
                lines[lines.index(old)] = new
                self._parent_updated("invoices", inv_id, "lines", before)
                return _copy(new)
            self.collections[resource].replace(new)
            if resource == "subscription_items":
                sub_id = new["subscription"]
                before = self.render(
                    "subscriptions", self.collections["subscriptions"].by_id[sub_id]
                )
                items = self.items_by_sub[sub_id]
                items[items.index(old)] = new
                self._parent_updated("subscriptions", sub_id, "items", before)
            elif resource in data.UPDATED_EVENT:
                self._emit(data.UPDATED_EVENT[resource], self.render(resource, new), previous)
            return _copy(self.render(resource, new))

    def _parent_updated(self, resource: str, parent_id: str, field: str, before: Obj) -> None:
        # Stripe has no line/item events; the parent announces the change to its embedded list.
        parent = self.collections[resource].by_id.get(parent_id)
        if parent is not None:
            self._emit(
                data.UPDATED_EVENT[resource], self.render(resource, parent), {field: before[field]}
            )

    def delete(self, resource: str, object_id: str) -> Obj:
        """Removes the object and emits Stripe's event for it. Subscriptions are canceled
        instead (Stripe's DELETE /v1/subscriptions/{id}), and stay listable with status=all."""
        self._check(resource)
        with self.lock:
            old = self.get(resource, object_id)
            if old is None:
                raise KeyError(f"No such {OBJECT_NAMES[resource]}: '{object_id}'")
            now = self.now()
            if resource == "subscriptions":
                new = {
                    **old,
                    "status": "canceled",
                    "canceled_at": now,
                    "ended_at": now,
                    "cancel_at_period_end": False,
                    "cancel_at": None,
                    "cancellation_details": {
                        "comment": None,
                        "feedback": None,
                        "reason": "cancellation_requested",
                    },
                }
                self.collections[resource].replace(new)
                rendered = self.render(resource, new)
                self._emit("customer.subscription.deleted", rendered)
                return _copy(rendered)
            if resource == "invoice_line_items":
                inv_id = self.line_parent.pop(object_id)
                before = self.render("invoices", self.collections["invoices"].by_id[inv_id])
                self.lines_by_invoice[inv_id].remove(old)
                self._parent_updated("invoices", inv_id, "lines", before)
                return _copy(old)
            if resource == "subscription_items":
                sub_id = old["subscription"]
                before = self.render(
                    "subscriptions", self.collections["subscriptions"].by_id[sub_id]
                )
                self.items_by_sub[sub_id].remove(old)
                self.collections[resource].remove(object_id)
                self._parent_updated("subscriptions", sub_id, "items", before)
                return _copy(old)
            rendered = self.render(resource, old)
            self.collections[resource].remove(object_id)
            if resource == "invoices":
                for line in self.lines_by_invoice.pop(object_id, []):
                    self.line_parent.pop(line["id"], None)
            if resource in data.DELETED_EVENT:
                # The object as it was at deletion, flagged where Stripe's class has the flag.
                deleted = (
                    {**rendered, "deleted": True} if resource in data.DELETED_FLAG else rendered
                )
                self._emit(data.DELETED_EVENT[resource], deleted)
            return _copy(rendered)

    def create(
        self,
        resource: str,
        fields: Mapping[str, Any] | None = None,
        *,
        lines: int | None = None,
        items: int | None = None,
    ) -> Obj:
        """A new object created "now" with generated fields (fields= overrides them), plus
        the objects Stripe would create with it, and the events for all of them."""
        with self.lock:
            return _copy(self._create(resource, fields, lines, items, self.now()))

    def create_burst(
        self,
        resource: str,
        n: int,
        fields: Mapping[str, Any] | None = None,
        *,
        lines: int | None = None,
        items: int | None = None,
    ) -> list[Obj]:
        """n objects created in the same second (the clock is read once, so even the real
        clock cannot tick in between), each with its events: an import, a batch job."""
        with self.lock:
            at = self.now()
            return _copy([self._create(resource, fields, lines, items, at) for _ in range(n)])

    def _create(
        self,
        resource: str,
        fields: Mapping[str, Any] | None,
        lines: int | None,
        items: int | None,
        now: int,
    ) -> Obj:
        self._check(resource)
        fields = dict(fields or {})
        gen = self.gen
        gen.now = now
        rng = gen.rng
        biz = Business(now=now, account=self.account)
        main: Obj
        if resource == "customers":
            main = gen.customer(now)
            biz.customers.append(main)
        elif resource == "products":
            n = len(self.collections["products"].by_id) + 1
            main = gen.product(fields.pop("name", f"New Product {n}"), now)
            biz.products.append(main)
        elif resource == "prices":
            product = self._link("products", fields.pop("product", None), active=True)
            main = gen.price(
                product,
                fields.pop("unit_amount", rng.choice(data.ADDON_AMOUNTS)),
                now,
                interval="month",
                nickname="Monthly",
            )
            biz.prices.append(main)
        elif resource == "subscriptions":
            cust = self._link("customers", fields.pop("customer", None))
            main = self._new_subscription(biz, cust, items or rng.randint(1, 3))
        elif resource == "invoices":
            cust = self._link("customers", fields.pop("customer", None))
            main = self._new_invoice(biz, cust, lines or rng.randint(1, 3))
        elif resource in ("charges", "payment_intents"):
            cust = self._link("customers", fields.pop("customer", None))
            pi = gen.payment(
                biz,
                cust["id"],
                fields.pop("amount", rng.randint(10, 500) * 100),
                now,
                "succeeded",
                description=f"Order {rng.randint(100000, 999999)}",
            )
            main = pi if resource == "payment_intents" else biz.charges[-1]
        elif resource == "refunds":
            main = self._new_refund(biz, fields.pop("charge", None), fields.pop("amount", None))
        else:
            raise ValueError(f"create() does not support {resource}")
        for key, value in _copy(fields).items():
            if key in ("id", "object", "created") or key not in main:
                raise ValueError(f"cannot set {key!r} on {OBJECT_NAMES[resource]}")
            main[key] = value
        self._absorb(biz)
        for evt in self._initial_events(biz):
            self.collections["events"].insert(evt)
        return self.render(resource, main)

    # -- money movements and billing ------------------------------------------------------------
    def balance(self) -> Obj:
        """The `balance` object: net amounts of available and pending balance transactions per
        currency (the sandbox pays nothing out, so `available` only grows). The account's
        default currency is always listed, as Stripe lists it even at zero."""
        with self.lock:
            sums: dict[str, dict[str, int]] = {"available": {}, "pending": {}}
            for txn in self.collections["balance_transactions"].objs:
                per_currency = sums[txn["status"]]
                per_currency[txn["currency"]] = per_currency.get(txn["currency"], 0) + txn["net"]

            def amounts(status: str) -> list[Obj]:
                per_currency = {self.account["default_currency"]: 0, **sums[status]}
                return [
                    {"amount": amount, "currency": currency, "source_types": {"card": amount}}
                    for currency, amount in sorted(per_currency.items())
                ]

            return {
                "object": "balance",
                "available": amounts("available"),
                "livemode": True,
                "pending": amounts("pending"),
            }

    def settle_balance_transactions(self, until: int | None = None) -> list[str]:
        """Pending balance transactions whose funds are due by `until` (default now) become
        available. Stripe changes them silently (there are no balance_transaction events) and
        announces only the new balance, in a balance.available event. Returns their ids."""
        with self.lock:
            until = self.now() if until is None else until
            coll = self.collections["balance_transactions"]
            settled = [
                t for t in coll.objs if t["status"] == "pending" and t["available_on"] <= until
            ]
            for txn in settled:
                coll.replace({**txn, "status": "available"})
            if settled:
                self._emit("balance.available", self.balance())
            return [t["id"] for t in settled]

    def pay_invoice(self, invoice_id: str) -> Obj:
        """Pays a draft or open invoice now, as Stripe does: a draft is finalized first
        (invoice.finalized); then the payment (payment_intent.created, charge.succeeded,
        payment_intent.succeeded), then invoice.updated with the previous attributes,
        invoice.paid and invoice.payment_succeeded. A past-due subscription it was the latest
        invoice of becomes active again, and the customer is no longer delinquent."""
        with self.lock:
            inv = self._require("invoices", invoice_id)
            if inv["status"] not in ("draft", "open"):
                raise ValueError(f"invoice {invoice_id} is {inv['status']}, not draft or open")
            now = self.gen.now = self.now()
            if inv["status"] == "draft":
                inv = self._finalize(inv, now)
            amount = inv["amount_remaining"]
            if amount:
                biz = Business(now=now, account=self.account)
                description = "Subscription update" if inv["parent"] else None
                pi = self.gen.payment(
                    biz, inv["customer"], amount, now, "succeeded", description=description
                )
                self._absorb(biz)
                # Snapshots: the intent was created before its charge went through.
                created = {**pi, "amount_received": 0, "latest_charge": None,
                           "status": "requires_confirmation"}  # fmt: skip
                self._emit("payment_intent.created", created)
                self._emit("charge.succeeded", biz.charges[-1])
                self._emit("payment_intent.succeeded", pi)
            st = {**inv["status_transitions"], "paid_at": now}
            changes = {
                "amount_paid": inv["amount_paid"] + amount, "amount_remaining": 0,
                "attempt_count": inv["attempt_count"] + (1 if amount else 0), "attempted": True,
                "auto_advance": False, "next_payment_attempt": None, "status": "paid",
                "status_transitions": st,
            }  # fmt: skip
            paid = self._replace_and_announce("invoices", inv, changes)
            self._emit("invoice.paid", paid)
            self._emit("invoice.payment_succeeded", paid)
            self._after_payment(inv)
            return _copy(paid)

    def _finalize(self, inv: Obj, now: int) -> Obj:
        """A draft becomes open: numbered from its customer's sequence, with its hosted page."""
        customers = self.collections["customers"]
        cust = customers.by_id.get(inv["customer"])
        number = None
        if cust is not None:
            seq = cust["next_invoice_sequence"]
            number = f"{cust['invoice_prefix']}-{seq:04d}"
            customers.replace({**cust, "next_invoice_sequence": seq + 1})
        token = f"{self.account['id']}/live_{self.gen.ids.token(40)}"
        new = {
            **inv, "automatically_finalizes_at": None, "auto_advance": True,
            "effective_at": now, "ending_balance": 0,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{token}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/{token}/pdf?s=ap",
            "number": number, "status": "open",
            "status_transitions": {**inv["status_transitions"], "finalized_at": now},
            "webhooks_delivered_at": now,
        }  # fmt: skip
        self.collections["invoices"].replace(new)
        self._emit("invoice.finalized", self.render("invoices", new))
        return new

    def _after_payment(self, inv: Obj) -> None:
        parent = inv["parent"] or {}
        sub_id = (parent.get("subscription_details") or {}).get("subscription")
        sub = self.collections["subscriptions"].by_id.get(sub_id or "")
        if (
            sub is not None
            and sub["latest_invoice"] == inv["id"]
            and sub["status"] in ("past_due", "unpaid")
        ):
            self._replace_and_announce("subscriptions", sub, {"status": "active"})
        cust = self.collections["customers"].by_id.get(inv["customer"])
        if cust is not None and cust["delinquent"]:
            # Stripe: paying an invoice sets `delinquent` to false.
            self._replace_and_announce("customers", cust, {"delinquent": False})

    def _replace_and_announce(self, resource: str, old: Obj, changes: Mapping[str, Any]) -> Obj:
        """Replaces an object and emits its *.updated event with the previous values of what
        changed. Returns the rendered new object."""
        before = self.render(resource, old)
        new = {**old, **changes}
        self.collections[resource].replace(new)
        rendered = self.render(resource, new)
        previous = {k: before[k] for k in rendered if rendered[k] != before.get(k, rendered[k])}
        self._emit(data.UPDATED_EVENT[resource], rendered, previous)
        return rendered

    def add_invoice_lines(self, invoice_id: str, n: int) -> Obj:
        """n invoice-item lines (one-time prices) added to a draft invoice, its totals updated,
        announced like any change to its lines: invoice.updated with the previous lines (and
        the previous totals)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        with self.lock:
            inv = self._require("invoices", invoice_id)
            if inv["status"] != "draft":
                raise ValueError(f"invoice {invoice_id} is {inv['status']}: only drafts take lines")
            gen = self.gen
            now = gen.now = self.now()
            prices = self.collections["prices"].objs
            pool = [p for p in prices if p["type"] == "one_time" and p["active"]] or [
                p for p in prices if p["type"] == "one_time"
            ]
            added = [gen.invoice_item_line(invoice_id, gen.rng.choice(pool), now) for _ in range(n)]
            lines = self.lines_by_invoice.setdefault(invoice_id, [])
            # Extended in place: rendered snapshots hold their own slice of the list.
            before = self.render("invoices", inv)
            lines.extend(added)
            for line in added:
                self.line_parent[line["id"]] = invoice_id
            total = sum(line["amount"] for line in lines)
            totals = dict.fromkeys(
                ("subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"), total
            )
            new = {**inv, **totals, "amount_due": total, "amount_remaining": total}
            self.collections["invoices"].replace(new)
            rendered = self.render("invoices", new)
            previous = {k: before[k] for k in rendered if rendered[k] != before[k]}
            self._emit("invoice.updated", rendered, previous)
            return _copy(rendered)

    def emit_upcoming_invoice(self, customer_id: str) -> Obj:
        """An invoice.upcoming event for the customer's next renewal. Its data.object is a
        preview: no `id` (stripe.Invoice types `id` as str, so the key is left out rather
        than null), status draft, lines for the next period with temporary ids."""
        with self.lock:
            cust = self._require("customers", customer_id)
            subs = [
                s
                for s in self.collections["subscriptions"].objs
                if s["customer"] == customer_id
                and s["status"] in ("active", "trialing", "past_due")
                and self.items_by_sub.get(s["id"])
            ]
            if not subs:
                raise ValueError(f"customer {customer_id} has no subscription to renew")
            sub = min(subs, key=lambda s: self.items_by_sub[s["id"]][0]["current_period_end"])
            items = self.items_by_sub[sub["id"]]
            gen = self.gen
            gen.now = self.now()
            start = items[0]["current_period_end"]
            months = 12 if items[0]["price"]["recurring"]["interval"] == "year" else 1
            end = data.add_months(start, months)
            preview = gen.invoice(
                cust,
                start,
                billing_reason="upcoming",
                collection_method=sub["collection_method"],
                subscription_id=sub["id"],
                period=(items[0]["current_period_start"], start),
            )
            del preview["id"]
            lines = [
                {
                    **gen.subscription_line(None, it, (start, end)),
                    "id": f"il_tmp_{gen.ids.token(24)}",
                }
                for it in items
            ]
            total = sum(line["amount"] for line in lines)
            preview.update(
                dict.fromkeys(
                    ("subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"), total
                ),
                amount_due=total,
                amount_remaining=total,
                next_payment_attempt=(
                    start + 3600 if sub["collection_method"] == "charge_automatically" else None
                ),
                lines=self._embedded(lines, f"/v1/invoices/upcoming/lines?customer={customer_id}"),
            )
            return _copy(self._emit("invoice.upcoming", preview))

    def _require(self, resource: str, object_id: str) -> Obj:
        obj = self.get(resource, object_id)
        if obj is None:
            raise KeyError(f"No such {OBJECT_NAMES[resource]}: '{object_id}'")
        return obj

    def _link(self, resource: str, object_id: str | None, *, active: bool = False) -> Obj:
        coll = self.collections[resource]
        if object_id is not None:
            obj = coll.by_id.get(object_id)
            if obj is None:
                raise KeyError(f"No such {OBJECT_NAMES[resource]}: '{object_id}'")
            return obj
        pool = [o for o in coll.objs if not active or o.get("active")]
        return self.gen.rng.choice(pool)

    def _new_subscription(self, biz: Business, cust: Obj, n_items: int) -> Obj:
        gen, now = self.gen, self.gen.now
        prices = [
            p
            for p in self.collections["prices"].objs
            if p["active"] and p["recurring"] and p["recurring"]["interval"] == "month"
        ]
        chosen = gen.rng.sample(prices, min(n_items, len(prices)))
        sub, items, _ = gen.subscription(cust, now, "active", interval="month", prices=chosen)
        biz.subscriptions.append(sub)
        biz.items_by_subscription[sub["id"]] = items
        inv = gen.invoice(
            cust,
            now,
            billing_reason="subscription_create",
            collection_method=sub["collection_method"],
            subscription_id=sub["id"],
            period=(now, now),
        )
        inv_lines = [
            gen.subscription_line(inv["id"], it, (now, items[0]["current_period_end"]))
            for it in items
        ]
        gen.settle_invoice(biz, inv, inv_lines, "paid")
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = inv_lines
        sub["latest_invoice"] = inv["id"]
        return sub

    def _new_invoice(self, biz: Business, cust: Obj, n_lines: int) -> Obj:
        gen, now = self.gen, self.gen.now
        one_time = [p for p in self.collections["prices"].objs if p["type"] == "one_time"]
        inv = gen.invoice(
            cust,
            now,
            billing_reason="manual",
            collection_method="charge_automatically",
            subscription_id=None,
            period=(now, now),
        )
        inv_lines = [
            gen.invoice_item_line(inv["id"], gen.rng.choice(one_time), now) for _ in range(n_lines)
        ]
        gen.settle_invoice(biz, inv, inv_lines, "paid")
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = inv_lines
        return inv

    def _new_refund(self, biz: Business, charge_id: str | None, amount: int | None) -> Obj:
        gen, now = self.gen, self.gen.now
        charges = self.collections["charges"]
        if charge_id is None:
            pool = [c for c in charges.objs if c["status"] == "succeeded" and not c["refunded"]]
            ch = gen.rng.choice(pool)
        else:
            ch = self._link("charges", charge_id)
        amount = amount or ch["amount"] - ch["amount_refunded"]
        refund = gen.refund(biz, ch, now, amount)
        previous = {"amount_refunded": ch["amount_refunded"], "refunded": ch["refunded"]}
        new_ch = {**ch, "amount_refunded": ch["amount_refunded"] + amount}
        new_ch["refunded"] = new_ch["amount_refunded"] >= ch["amount"]
        charges.replace(new_ch)
        self._emit("charge.refunded", new_ch, previous, at=now)
        return refund


__all__ = ["DAY", "EVENT_RETENTION", "RESOURCES", "CursorMissing", "Store", "paginate"]
