"""In-memory store: ordered objects per resource, Stripe-style paging, and mutations that emit
events the way Stripe would.

Objects are copy-on-write: a mutation replaces the whole dict (and whole top-level values), so a
dict handed out for rendering or kept as an event snapshot never changes afterwards.

Some changes Stripe announces by another object's event: a customer's discount, tax ids and card
sources (customer.discount.*, customer.tax_id.created, customer.source.created), an invoice
item on a draft (invoiceitem.*). The parent's own *.updated follows only while
`parent_update_events` is true.
"""

from __future__ import annotations

import json
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar, cast

from . import billing, data, payments, platform
from .data import DAY, EVENT_RETENTION, Business, Obj
from .more import APART

# 9/9's last top-level lists (finance.py; products.py's and configuration.py's newer ones),
# each a resource the generated business fills.
LAST_LISTS = (
    "treasury_financial_accounts", "treasury_transactions", "treasury_transaction_entries",
    "treasury_received_credits", "treasury_inbound_transfers", "treasury_outbound_payments",
    "treasury_outbound_transfers", "treasury_received_debits", "treasury_credit_reversals",
    "treasury_debit_reversals", "financial_connections_accounts",
    "financial_connections_transactions", "identity_verification_sessions",
    "identity_verification_reports", "climate_orders", "radar_value_lists",
    "radar_value_list_items", "tax_registrations", "account_tax_ids", "tax_locations",
    "sigma_scheduled_query_runs", "billing_alerts", "billing_feedback_options",
    "product_catalog_trial_offers", "three_d_secure_authentications", "forwarding_requests",
    "entitlements_active_entitlements", "payment_records", "payment_attempt_records",
    "apps_installs",
)  # fmt: skip
# Resources addressable through the in-process API (sb.ids / sb.objects / update / delete).
RESOURCES = (
    "customers", "products", "prices", "subscriptions", "subscription_items", "invoices",
    "invoice_line_items", "payment_intents", "charges", "refunds", "balance_transactions",
    "events", "disputes", "payouts", "credit_notes", "credit_note_line_items", "coupons",
    "promotion_codes", "tax_rates", "invoice_items", "plans", "setup_intents",
    "payment_methods", "checkout_sessions", "transfers", "transfer_reversals",
    "application_fees", "application_fee_refunds",
    # more.py
    "invoice_payments", "subscription_schedules", "quotes", "payment_links", "shipping_rates",
    "top_ups", "early_fraud_warnings", "files", "file_links", "billing_meters",
    "billing_credit_grants", "billing_credit_balance_transactions",
    "setup_attempts", "reviews", *APART, "payout_balance_transactions",
    # products.py
    "terminal_configurations", "terminal_locations", "terminal_readers",
    "issuing_physical_bundles", "issuing_personalization_designs", "issuing_cardholders",
    "issuing_cards", "issuing_authorizations", "issuing_transactions", "issuing_disputes",
    "issuing_tokens",
    # platform.py
    "accounts",
    # configuration.py
    "webhook_endpoints", "payment_method_configurations", "payment_method_domains",
    "apple_pay_domains", "billing_portal_configurations", "invoice_rendering_templates",
    "reporting_report_runs", "entitlements_features",
    *LAST_LISTS,
)  # fmt: skip
# Top-level lists the generated business fills directly (nested items and events aside).
GENERATED_LISTS = (
    "customers", "products", "prices", "subscriptions", "invoices", "payment_intents",
    "charges", "refunds", "balance_transactions", "disputes", "payouts", "credit_notes",
    "coupons", "promotion_codes", "tax_rates", "invoice_items", "plans", "setup_intents",
    "payment_methods", "checkout_sessions", "transfers", "application_fees",
    "invoice_payments", "subscription_schedules", "quotes", "payment_links", "shipping_rates",
    "top_ups", "early_fraud_warnings", "files", "file_links", "billing_meters",
    "billing_credit_grants", "billing_credit_balance_transactions", "setup_attempts",
    "reviews",
    "terminal_configurations", "terminal_locations", "terminal_readers",
    "issuing_physical_bundles", "issuing_personalization_designs", "issuing_cardholders",
    "issuing_cards", "issuing_authorizations", "issuing_transactions", "issuing_disputes",
    "issuing_tokens", "accounts",
    # configuration.py
    "webhook_endpoints", "payment_method_configurations", "payment_method_domains",
    "apple_pay_domains", "billing_portal_configurations", "invoice_rendering_templates",
    "reporting_report_runs", "entitlements_features",
    *LAST_LISTS,
)  # fmt: skip
# Lists nested in a parent and embedded in it (the first 10), each also a list of its own:
# child -> (parent, the parent's field, url of the whole list, the Business dict holding it).
# Subscription items are nested too, but also a top-level resource: handled apart.
CHILDREN = {
    "invoice_line_items": ("invoices", "lines", "/v1/invoices/{id}/lines", "lines_by_invoice"),
    "credit_note_line_items": ("credit_notes", "lines", "/v1/credit_notes/{id}/lines",
                               "lines_by_credit_note"),
    "transfer_reversals": ("transfers", "reversals", "/v1/transfers/{id}/reversals",
                           "reversals_by_transfer"),
    "application_fee_refunds": ("application_fees", "refunds",
                                "/v1/application_fees/{id}/refunds", "refunds_by_fee"),
}  # fmt: skip
EMBEDDED = {parent: child for child, (parent, *_) in CHILDREN.items()}
# Kept newest first, as Stripe embeds a transfer's (a fee's) 10 most recent reversals (refunds)
# and lists them; lines stay in their parent's order. (Generated lists come oldest first.)
NEWEST_FIRST = frozenset({"transfer_reversals", "application_fee_refunds"})
# Object names as Stripe spells them in "No such <name>: '<id>'" messages.
OBJECT_NAMES = {
    "customers": "customer", "products": "product", "prices": "price",
    "subscriptions": "subscription", "subscription_items": "subscription_item",
    "invoices": "invoice", "invoice_line_items": "line_item",
    "payment_intents": "payment_intent", "charges": "charge", "refunds": "refund",
    "balance_transactions": "balance_transaction", "events": "event",
    "disputes": "dispute", "payouts": "payout", "credit_notes": "credit_note",
    "credit_note_line_items": "credit_note_line_item", "coupons": "coupon",
    "promotion_codes": "promotion_code", "tax_rates": "tax_rate",
    "invoice_items": "invoiceitem", "plans": "plan", "setup_intents": "setupintent",
    "payment_methods": "PaymentMethod", "checkout_sessions": "checkout.session",
    "transfers": "transfer", "application_fees": "application_fee",
    "transfer_reversals": "transfer_reversal", "application_fee_refunds": "fee_refund",
    "invoice_payments": "invoice_payment", "subscription_schedules": "subscription_schedule",
    "quotes": "quote", "payment_links": "payment_link", "shipping_rates": "shipping_rate",
    "top_ups": "topup", "early_fraud_warnings": "radar.early_fraud_warning", "files": "file",
    "file_links": "file_link", "billing_meters": "billing.meter",
    "setup_attempts": "setup_attempt", "quote_line_items": "item",
    "payment_link_line_items": "item", "checkout_session_line_items": "item",
    "product_features": "product_feature", "customer_tax_ids": "tax_id",
    "customer_balance_transactions": "customer_balance_transaction", "reviews": "review",
    "customer_cash_balance_transactions": "customer_cash_balance_transaction",
    "billing_credit_grants": "billing.credit_grant",
    "billing_credit_balance_transactions": "billing.credit_balance_transaction",
    "terminal_configurations": "terminal.configuration",
    "terminal_locations": "terminal.location", "terminal_readers": "terminal.reader",
    "issuing_physical_bundles": "issuing.physical_bundle",
    "issuing_personalization_designs": "issuing.personalization_design",
    "issuing_cardholders": "issuing.cardholder", "issuing_cards": "issuing.card",
    "issuing_authorizations": "issuing.authorization",
    "issuing_transactions": "issuing.transaction", "issuing_disputes": "issuing.dispute",
    "issuing_tokens": "issuing.token", "accounts": "account", "persons": "person",
    "external_accounts": "external_account",
    "capabilities": "capability", "webhook_endpoints": "webhook_endpoint",
    "payment_method_configurations": "payment_method_configuration",
    "payment_method_domains": "payment_method_domain", "apple_pay_domains": "apple_pay_domain",
    "billing_portal_configurations": "billing_portal.configuration",
    "invoice_rendering_templates": "invoice_rendering_template",
    "reporting_report_runs": "reporting.report_run", "entitlements_features": "feature",
    **{r: r.replace("_", ".", 1)[:-1] for r in (
        "treasury_financial_accounts", "treasury_transactions", "treasury_received_credits",
        "treasury_inbound_transfers", "treasury_outbound_payments",
        "treasury_outbound_transfers", "treasury_received_debits", "treasury_credit_reversals",
        "treasury_debit_reversals", "identity_verification_sessions",
        "identity_verification_reports", "climate_orders", "radar_value_lists",
        "radar_value_list_items", "tax_registrations",
    )},
    "treasury_transaction_entries": "treasury.transaction_entry",
    "financial_connections_accounts": "financial_connections.account",
    "financial_connections_transactions": "financial_connections.transaction",
    "account_tax_ids": "tax_id", "tax_locations": "tax.location",
    "sigma_scheduled_query_runs": "scheduled_query_run", "billing_alerts": "billing.alert",
    "billing_feedback_options": "billing.feedback_option",
    "product_catalog_trial_offers": "product_catalog.trial_offer",
    "three_d_secure_authentications": "three_d_secure.authentication",
    "forwarding_requests": "forwarding.request",
    "entitlements_active_entitlements": "entitlements.active_entitlement",
    "payment_records": "payment_record", "payment_attempt_records": "payment_attempt_record",
    "customer_sources": "source", "apps_installs": "apps.install",
    "financial_connections_account_owners": "financial_connections.account_owner",
    "quote_computed_upfront_line_items": "item",
    "payment_intent_amount_details_line_items": "payment_intent_amount_details_line_item",
}  # fmt: skip
# Fields Stripe sends only when a request expands them: a tiered price's (plan's) `tiers`, a
# multi-currency price's (coupon's) `currency_options`, the products a coupon `applies_to`.
EXPAND_ONLY = {
    "prices": frozenset({"tiers", "currency_options"}),
    "plans": frozenset({"tiers"}),
    "coupons": frozenset({"applies_to", "currency_options"}),
    "checkout_sessions": frozenset({"line_items"}),
    "quotes": frozenset({"line_items"}),
    "payment_links": frozenset({"line_items"}),
}
# Expand-only fields that are a list kept apart (more.APART), expanded as its first page.
EXPANDED_LISTS = {
    ("checkout_sessions", "line_items"): "checkout_session_line_items",
    ("quotes", "line_items"): "quote_line_items",
    ("payment_links", "line_items"): "payment_link_line_items",
}
# The sandbox's own fields, never sent: when an object without `created` (a payment link, a
# Terminal location…) was made.
INTERNAL = dict.fromkeys(
    ("payment_links", "issuing_physical_bundles", "terminal_configurations",
     "terminal_locations", "terminal_readers", "payment_method_configurations",
     "entitlements_features", "tax_locations", "billing_alerts", "billing_feedback_options",
     "product_catalog_trial_offers"),
    frozenset({"_created"}),
) | {"entitlements_active_entitlements": frozenset({"_created", "_customer"})}  # fmt: skip
# Coupons (any id their owner chose) and plans (the ids of their prices) have no prefix.
PREFIXES = {
    "cus": "customers", "prod": "products", "price": "prices", "sub": "subscriptions",
    "si": "subscription_items", "in": "invoices", "il": "invoice_line_items",
    "pi": "payment_intents", "ch": "charges", "re": "refunds", "txn": "balance_transactions",
    "evt": "events", "du": "disputes", "po": "payouts", "cn": "credit_notes",
    "cnli": "credit_note_line_items", "promo": "promotion_codes", "txr": "tax_rates",
    "ii": "invoice_items", "seti": "setup_intents", "pm": "payment_methods",
    "cs": "checkout_sessions", "tr": "transfers", "trr": "transfer_reversals",
    "fee": "application_fees", "fr": "application_fee_refunds",
    "inpay": "invoice_payments", "sub_sched": "subscription_schedules", "qt": "quotes",
    "plink": "payment_links", "shr": "shipping_rates", "tu": "top_ups",
    "issfr": "early_fraud_warnings", "file": "files", "link": "file_links",
    "mtr": "billing_meters", "setatt": "setup_attempts", "txi": "customer_tax_ids",
    "cbtxn": "customer_balance_transactions", "prv": "reviews",
    "ccsbtxn": "customer_cash_balance_transactions", "credgr": "billing_credit_grants",
    "tmc": "terminal_configurations", "tml": "terminal_locations", "tmr": "terminal_readers",
    "ics": "issuing_physical_bundles", "pd": "issuing_personalization_designs",
    "ich": "issuing_cardholders", "ic": "issuing_cards", "iauth": "issuing_authorizations",
    "ipi": "issuing_transactions", "idp": "issuing_disputes", "acct": "accounts",
    "person": "persons", "we": "webhook_endpoints", "pmc": "payment_method_configurations",
    "pmd": "payment_method_domains", "apwc": "apple_pay_domains",
    "bpc": "billing_portal_configurations", "inrtem": "invoice_rendering_templates",
    "frr": "reporting_report_runs", "feat": "entitlements_features", "intok": "issuing_tokens",
    "fa": "treasury_financial_accounts", "trxn": "treasury_transactions",
    "trxne": "treasury_transaction_entries", "rc": "treasury_received_credits",
    "ibt": "treasury_inbound_transfers", "obp": "treasury_outbound_payments",
    "obt": "treasury_outbound_transfers", "rd": "treasury_received_debits",
    "credrev": "treasury_credit_reversals", "debrev": "treasury_debit_reversals",
    "fca": "financial_connections_accounts", "fctxn": "financial_connections_transactions",
    "vs": "identity_verification_sessions", "vr": "identity_verification_reports",
    "climorder": "climate_orders", "rsl": "radar_value_lists", "rsli": "radar_value_list_items",
    "taxreg": "tax_registrations", "taxloc": "tax_locations", "sqr": "sigma_scheduled_query_runs",
    "alrt": "billing_alerts", "bfo": "billing_feedback_options",
    "trlof": "product_catalog_trial_offers", "threeds": "three_d_secure_authentications",
    "fwdreq": "forwarding_requests", "ent": "entitlements_active_entitlements",
    "pili": "payment_intent_amount_details_line_items", "pr": "payment_records",
    "par": "payment_attempt_records", "appinst": "apps_installs",
}  # fmt: skip
# A billing credit's transaction is cbtxn_ too, as a customer balance's, in Stripe's newer id
# form (cbtxn_61…): told apart by that.
CREDIT_TXN_PREFIX = "cbtxn_61"
# What Stripe does instead of deleting these.
UNDELETABLE = {
    "disputes": "a dispute closes (update its status)",
    "payouts": "a payout is paid or canceled (update its status)",
    "credit_notes": "a credit note is voided (update status to 'void')",
    "credit_note_line_items": "a credit note's lines never change",
    "promotion_codes": "a promotion code is deactivated (active=False)",
    "tax_rates": "a tax rate is archived (active=False)",
    "setup_intents": "a setup intent is canceled (update status to 'canceled')",
    "checkout_sessions": "a Checkout Session expires (update status to 'expired')",
    "transfers": "a transfer is reversed (reverse_transfer())",
    "application_fees": "an application fee is refunded (refund_application_fee())",
    "transfer_reversals": "a transfer's reversals are permanent",
    "application_fee_refunds": "a fee's refunds are permanent",
}
# Resources whose id the account may choose at creation (create(..., {"id": ...})). A plan and
# its price are twins here: either created with an id gives both that id.
CHOSEN_IDS = frozenset({"coupons", "products", "plans", "prices", "promotion_codes"})
# Fields a price and its legacy plan share: a change to one shows on the other.
MIRRORED = ("active", "metadata", "nickname")
EMBEDDED_LIMIT = 10  # Stripe embeds the first 10 lines/items; the rest via the list's url
_NEG_INF = float("-inf")
_POS_INF = float("inf")


def resource_of(object_id: str) -> str | None:
    if "_" not in object_id:
        return None
    if object_id.startswith(CREDIT_TXN_PREFIX):
        return "billing_credit_balance_transactions"
    parts = object_id.split("_", 2)
    # Two-part prefixes first: a subscription schedule is sub_sched_…, a subscription sub_….
    return PREFIXES.get("_".join(parts[:2])) or PREFIXES.get(parts[0])


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
    """Objects of one resource, newest first: created desc, ties by latest insertion first.
    `created` is the time field ("date" for invoice items)."""

    def __init__(self, time_field: str = "created") -> None:
        self.time_field = time_field
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
            key = (-o[self.time_field], -self._seq)
            self.key_of[o["id"]] = key
            self.by_id[o["id"]] = o
            pairs.append((key, o))
        pairs.extend(zip(self.keys, self.objs, strict=True))
        pairs.sort(key=lambda p: p[0])
        self.keys = [k for k, _ in pairs]
        self.objs = [o for _, o in pairs]

    def insert(self, obj: Obj) -> None:
        self._seq += 1
        key = (-obj[self.time_field], -self._seq)
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
        products: frozenset[str] = frozenset(),
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock if isinstance(clock, Clock) else Clock(clock)
        # Connect marks a connected account's events with its id.
        self.event_account = profile.account_id if connected else None
        self.event_api_version = data.API_VERSION
        biz, gen = data.generate(scale, seed, self.clock.now(), profile, products)
        self.gen = gen
        # The products the account has switched on (products.py): Stripe answers the lists of
        # any other 400.
        self.products = set(products)
        self.profile = profile
        self.account = biz.account
        self.collections: dict[str, Collection] = {
            r: Collection(data.TIME_FIELD.get(r, "created"))
            for r in RESOURCES
            if r not in CHILDREN and r not in APART and r != "payout_balance_transactions"
        }
        self.items_by_sub: dict[str, list[Obj]] = {}
        # Nested lists (CHILDREN): parent id -> its children in order, child id -> parent id.
        self.children: dict[str, dict[str, list[Obj]]] = {c: {} for c in CHILDREN}
        self.child_parent: dict[str, dict[str, str]] = {c: {} for c in CHILDREN}
        self.lines_by_invoice = self.children["invoice_line_items"]
        self.line_parent = self.child_parent["invoice_line_items"]  # line id -> invoice id
        # A customer's attached payment methods (GET /v1/customers/{id}/payment_methods).
        self.pms_by_customer: dict[str, set[str]] = {}
        # Deleted customers: still retrievable, as {"id", "object", "deleted": true}.
        self.deleted_customers: set[str] = set()
        # Objects of a customer that are not in its own fields: tax ids, card sources.
        # Lists kept apart from their parent (more.APART): parent id -> its objects.
        self.apart: dict[str, dict[str, list[Obj]]] = {r: {} for r in APART}
        self.tax_ids_by_customer = self.apart["customer_tax_ids"]
        # Whether a change announced by another object's event also emits the parent's
        # *.updated (StripeSandbox.parent_update_events).
        self.parent_update_events = True
        # Top-level fields Stripe "added" to a resource: rendered on every object of it
        # (StripeSandbox.add_field).
        self.added_fields: dict[str, dict[str, Any]] = {}
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
        for child, (*_, attr) in CHILDREN.items():
            parent_of = self.child_parent[child]
            for parent_id, objs in getattr(biz, attr).items():
                siblings = self.children[child].setdefault(parent_id, [])
                if child in NEWEST_FIRST:
                    siblings[:0] = reversed(objs)
                else:
                    siblings.extend(objs)
                for o in objs:
                    parent_of[o["id"]] = parent_id
        for name in GENERATED_LISTS:
            objs = getattr(biz, name)
            if objs:
                self.collections[name].load(objs)
        for pm in biz.payment_methods:
            self._index_payment_method(None, pm)
        for resource, (*_, attr) in APART.items():
            for parent_id, objs in getattr(biz, attr).items():
                self.apart[resource].setdefault(parent_id, []).extend(objs)

    # -- Connect: the platform's connected accounts (platform.py) ----------------------------
    def attach_account(self, account: Obj) -> None:
        """A connected account joins the platform's list, with what the platform reads of it."""
        with self.lock:
            self._absorb(platform.connected(self.now(), account))

    def detach_account(self, account_id: str) -> None:
        """A connected account leaves the platform (disconnected): gone from its lists."""
        with self.lock:
            self.collections["accounts"].remove(account_id)
            for resource in ("persons", "external_accounts", "capabilities"):
                self.apart[resource].pop(account_id, None)

    def _index_payment_method(self, old: Obj | None, new: Obj | None) -> None:
        if old is not None and old["customer"] is not None:
            self.pms_by_customer.get(old["customer"], set()).discard(old["id"])
        if new is not None and new["customer"] is not None:
            self.pms_by_customer.setdefault(new["customer"], set()).add(new["id"])

    def customer_payment_methods(self, customer_id: str) -> list[Obj]:
        """The customer's attached payment methods, newest first."""
        coll = self.collections["payment_methods"]
        ids = sorted(self.pms_by_customer.get(customer_id, ()), key=coll.key_of.__getitem__)
        return [coll.by_id[i] for i in ids]

    def render(self, resource: str, obj: Obj) -> Obj:
        """The object as the API returns it: invoices, credit notes, subscriptions, transfers
        and application fees get their embedded first-10 list with has_more, total_count and
        url. Fields added to the resource (add_field) come last, as Stripe adds them."""
        added = self.added_fields.get(resource)
        if added:
            obj = {**obj, **added}
        child = EMBEDDED.get(resource)
        if child is not None:
            _, field, url, _ = CHILDREN[child]
            objs = self.children[child].get(obj["id"], [])
            return {**obj, field: self._embedded(objs, url.format(id=obj["id"]))}
        if resource == "subscriptions":
            items = self.items_by_sub.get(obj["id"], [])
            url = f"/v1/subscription_items?subscription={obj['id']}"
            return {**obj, "items": self._embedded(items, url)}
        if resource == "radar_value_lists":
            # Its first items, newest first, as its list of items gives them.
            items = [i for i in self.collections["radar_value_list_items"].objs
                     if i["value_list"] == obj["id"]][::-1]  # fmt: skip
            url = f"/v1/radar/value_list_items?value_list={obj['id']}"
            return {**obj, "list_items": self._embedded(items, url)}
        hidden = EXPAND_ONLY.get(resource, frozenset()) | INTERNAL.get(resource, frozenset())
        if hidden:
            return {k: v for k, v in obj.items() if k not in hidden}
        return obj

    def expanded(self, resource: str, obj: Obj, field: str) -> Obj:
        """A rendered object with an expand-only field added, if the object has it."""
        if (resource, field) in EXPANDED_LISTS:
            apart = EXPANDED_LISTS[resource, field]
            items = self.apart_list(apart, obj["id"])
            url = APART[apart][1].format(id=obj["id"])
            page = {"object": "list", "data": items[:EMBEDDED_LIMIT],
                    "has_more": len(items) > EMBEDDED_LIMIT, "url": url}  # fmt: skip
            return {**obj, field: page}
        stored = self.collections[resource].by_id.get(obj["id"], {})
        return {**obj, field: stored[field]} if field in stored else obj

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
        if resource in APART:
            found = (o for objs in self.apart[resource].values() for o in objs)
            return next((o for o in found if o["id"] == object_id), None)
        if resource in CHILDREN:
            parent = self.child_parent[resource].get(object_id)
            if parent is None:
                return None
            siblings = self.children[resource][parent]
            return next((o for o in siblings if o["id"] == object_id), None)
        coll = self.collections.get(resource)
        return None if coll is None else coll.by_id.get(object_id)

    def apart_list(self, resource: str, parent_id: str) -> list[Obj]:
        """A parent's list kept apart from it, in the order Stripe lists it."""
        return self.apart[resource].get(parent_id, [])

    def _ordered(self, resource: str) -> list[Obj]:
        if resource == "payout_balance_transactions":
            # The balance transactions of automatic payouts (GET /v1/balance_transactions?payout=).
            txns = self.collections["balance_transactions"].by_id
            by_payout = self.gen.txns_by_payout
            return [
                txns[t]
                for p in self.collections["payouts"].objs
                for t in by_payout.get(p["id"], ())
                if t in txns
            ]
        if resource in APART:
            by_parent = self.apart[resource]
            parents = self.collections[APART[resource][0]].objs
            return [o for p in parents for o in by_parent.get(p["id"], [])]
        if resource in CHILDREN:
            parent = CHILDREN[resource][0]
            by_parent = self.children[resource]
            return [o for p in self.collections[parent].objs for o in by_parent.get(p["id"], [])]
        return list(self.collections[resource].objs)

    def ids(self, resource: str) -> set[str]:
        self._check(resource)
        with self.lock:
            if resource in CHILDREN:
                return set(self.child_parent[resource])
            if resource in APART or resource == "payout_balance_transactions":
                return {o["id"] for o in self._ordered(resource)}
            return set(self.collections[resource].by_id)

    def objects(self, resource: str) -> list[Obj]:
        """The objects as a list that expands every expand-only field shows them."""
        self._check(resource)
        with self.lock:
            rendered = [self.render(resource, o) for o in self._ordered(resource)]
            for field in EXPAND_ONLY.get(resource, ()):
                rendered = [self.expanded(resource, o, field) for o in rendered]
        return _copy(rendered)

    def counts(self) -> dict[str, int]:
        with self.lock:
            out = {r: len(c.by_id) for r, c in self.collections.items()}
            out.update((r, len(self.child_parent[r])) for r in RESOURCES if r in CHILDREN)
            out.update((r, len(self._ordered(r))) for r in (*APART, "payout_balance_transactions"))
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
        """Changes fields and emits Stripe's event for the change: *.updated with the previous
        values, or the status's own event (payout.paid, charge.dispute.closed, ...), or
        payment_method.attached/detached for a payment method's customer, or
        application_fee.refund.updated for a fee refund. A line or item changed is announced
        by its parent's *.updated. Resources Stripe announces no update of (invoice items,
        setup intents but for their status, Checkout Sessions but for how they end,
        application fees, transfer reversals) change silently."""
        self._check(resource)
        if resource in ("events", "balance_transactions"):
            raise ValueError(f"{resource} are immutable in Stripe")
        with self.lock:
            old = self._require(resource, object_id)
            changes = _copy(dict(changes))
            fixed = {"id", "object", "created", "lines", "items"}
            if resource in EMBEDDED:
                fixed.add(CHILDREN[EMBEDDED[resource]][1])
            for key in changes:
                if key in fixed or key not in old:
                    raise ValueError(f"cannot set {key!r} on {OBJECT_NAMES[resource]}")
            previous = {k: old[k] for k in changes}
            new = {**old, **changes}
            if resource == "products" and "updated" not in changes:
                new["updated"] = self.now()
            if resource in CHILDREN:
                return self._update_child(resource, old, new, previous)
            new = self._before_update(resource, old, new)
            self.collections[resource].replace(new)
            if resource == "subscription_items":
                sub_id = new["subscription"]
                before = self.render(
                    "subscriptions", self.collections["subscriptions"].by_id[sub_id]
                )
                items = self.items_by_sub[sub_id]
                items[items.index(old)] = new
                self._parent_updated("subscriptions", sub_id, "items", before)
            else:
                self._announce_update(resource, old, new, previous)
                self._after_update(resource, old, new)
            return _copy(self.render(resource, new))

    def _update_child(self, resource: str, old: Obj, new: Obj, previous: Obj) -> Obj:
        parent, field, *_ = CHILDREN[resource]
        parent_id = self.child_parent[resource][old["id"]]
        before = self.render(parent, self.collections[parent].by_id[parent_id])
        siblings = self.children[resource][parent_id]
        siblings[siblings.index(old)] = new
        if resource == "application_fee_refunds":
            self._emit("application_fee.refund.updated", new, previous)  # its own event
        elif resource != "transfer_reversals":  # transfer.updated is the transfer's own change
            self._parent_updated(parent, parent_id, field, before)
        return _copy(new)

    def _before_update(self, resource: str, old: Obj, new: Obj) -> Obj:
        """What else Stripe changes with the update; validated before anything changes."""
        status = new.get("status")
        moved = status != old.get("status")
        if resource == "payment_methods" and new["customer"] != old["customer"]:
            if new["customer"] is not None:
                self._require("customers", new["customer"])
            self._index_payment_method(old, new)
        elif resource == "setup_intents" and moved:
            if status == "succeeded" and new["payment_method"] is None:
                card = self.gen.cards.get(new["customer"] or "")
                new["payment_method"] = card["pm"] if card else None
                new["latest_attempt"] = f"setatt_{self.gen.ids.token(24)}"
            elif status == "canceled" and new["cancellation_reason"] is None:
                new["cancellation_reason"] = "requested_by_customer"
        elif resource == "checkout_sessions" and moved:
            new["url"] = None
            if status == "complete":
                new = self._complete_session(new)
        elif resource == "credit_notes" and moved and status == "void":
            if old["refunds"]:
                raise ValueError(f"credit note {old['id']} refunded its charge: it can't be voided")
            new["voided_at"] = self.now()
        elif resource == "disputes" and moved and status == "won" and old["balance_transactions"]:
            # The withdrawn amount comes back (Stripe keeps the dispute fee).
            biz = Business(now=self.now(), account=self.account)
            txn = self.gen.balance_transaction(
                old["amount"], self.now(), fee=0, source=old["id"], kind="adjustment",
                category="dispute_reversal", description=f"Chargeback reversal for {old['charge']}",
                available_on=self.now())  # fmt: skip
            biz.balance_transactions.append(txn)
            self._absorb(biz)
            new["balance_transactions"] = [*old["balance_transactions"], txn]
        elif resource == "payouts" and moved and status == "paid":
            new["trace_id"] = payments.trace_id(self.gen, True)
            if new["automatic"]:
                new["reconciliation_status"] = "completed"
        return new

    def _complete_session(self, cs: Obj) -> Obj:
        """A Checkout Session in payment mode is paid when it completes: its payment intent
        and charge are made then (their events come first)."""
        customer = self.collections["customers"].by_id.get(cs["customer"] or "")
        if cs["mode"] == "payment" and cs["payment_intent"] is None:
            now = self.gen.now = self.now()
            biz = Business(now=now, account=self.account)
            pi = self.gen.payment(biz, cs["customer"], cs["amount_total"] or 0, now, "succeeded")
            self._absorb(biz)
            self._announce_payment(pi, biz.charges[-1])
            cs = {**cs, "payment_intent": pi["id"]}
        details = payments.session_customer_details(customer) if customer else None
        collected = {"business_name": None, "individual_name": None, "shipping_details": None}
        return {**cs, "payment_status": "paid", "customer_details": details,
                "collected_information": collected}  # fmt: skip

    def _announce_update(self, resource: str, old: Obj, new: Obj, previous: Obj) -> None:
        rendered = self.render(resource, new)
        by_status = data.STATUS_EVENT.get(resource, {})
        moved = "status" in previous and previous["status"] != new["status"]
        if moved and new["status"] in by_status:
            # Stripe names the transition (payout.paid) instead of announcing an update.
            self._emit(by_status[new["status"]], rendered)
            return
        if resource == "reviews" and previous.get("open") and not new["open"]:
            self._emit("review.closed", rendered)  # Stripe's only event of a review's change
            return
        if (
            resource == "payment_methods"
            and previous.get("customer", new["customer"]) != (new["customer"])
        ):
            attached = new["customer"] is not None
            self._emit(f"payment_method.{'attached' if attached else 'detached'}", rendered)
        elif resource in data.UPDATED_EVENT:
            self._emit(data.UPDATED_EVENT[resource], rendered, previous)

    def _after_update(self, resource: str, old: Obj, new: Obj) -> None:
        if resource == "credit_notes" and new["status"] == "void" != old["status"]:
            inv = self.collections["invoices"].by_id.get(new["invoice"])
            if inv is not None:
                credited = inv["post_payment_credit_notes_amount"] - new["total"]
                self._replace_and_announce(
                    "invoices", inv, {"post_payment_credit_notes_amount": credited}
                )
        if resource in ("prices", "plans"):
            self._mirror(resource, new)

    def _mirror(self, resource: str, obj: Obj) -> None:
        """A price and its plan are one object to Stripe: what both have changes on both."""
        other = "plans" if resource == "prices" else "prices"
        twin = self.collections[other].by_id.get(obj["id"])
        if twin is not None:
            changes = {k: obj[k] for k in MIRRORED if twin[k] != obj[k]}
            if changes:
                self._replace_and_announce(other, twin, changes)

    def _parent_updated(self, resource: str, parent_id: str, field: str, before: Obj) -> None:
        # Stripe has no line/item events; the parent announces the change to its embedded list.
        parent = self.collections[resource].by_id.get(parent_id)
        if parent is not None and resource in data.UPDATED_EVENT:
            self._emit(
                data.UPDATED_EVENT[resource], self.render(resource, parent), {field: before[field]}
            )

    def delete(self, resource: str, object_id: str) -> Obj:
        """Removes the object and emits Stripe's event for it. Subscriptions are canceled
        instead (Stripe's DELETE /v1/subscriptions/{id}), and stay listable with status=all;
        payment methods are detached (customer null), and stay retrievable. A price and its
        plan go together. Resources Stripe never deletes (UNDELETABLE) raise ValueError."""
        self._check(resource)
        if resource in UNDELETABLE:
            raise ValueError(f"Stripe does not delete {resource}: {UNDELETABLE[resource]}")
        with self.lock:
            old = self._require(resource, object_id)
            now = self.now()
            if resource == "payment_methods":
                if old["customer"] is None:
                    raise ValueError(f"payment method {object_id} is not attached")
                return self.update(resource, object_id, {"customer": None})
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
                self._remove_line(old, announce=True)  # no line events: only the invoice's
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
            if resource == "invoice_items":
                self._check_item_deletable(old)
            rendered = self._remove(resource, old)
            if resource == "customers":
                self.deleted_customers.add(object_id)
            elif resource == "invoices":
                for line in self.lines_by_invoice.pop(object_id, []):
                    self.line_parent.pop(line["id"], None)
                # Its invoice items go with it.
                for item in list(self.collections["invoice_items"].objs):
                    if item["invoice"] == object_id:
                        self._remove("invoice_items", item)
            elif resource == "invoice_items" and old["invoice"] is not None:
                # invoiceitem.deleted (above) tells it; the draft's invoice.updated may follow.
                on_invoice = self._line_of_item(old)
                if on_invoice is not None:
                    self._remove_line(on_invoice, announce=self.parent_update_events)
            elif resource == "entitlements_active_entitlements":
                self._entitlements_changed(old["_customer"])
            elif resource in ("prices", "plans"):
                other = "plans" if resource == "prices" else "prices"
                twin = self.collections[other].by_id.get(object_id)
                if twin is not None:
                    self._remove(other, twin)
            return _copy(rendered)

    def _remove_line(self, line: Obj, *, announce: bool) -> None:
        """Takes a line off its invoice (a draft's totals follow), announced by invoice.updated
        when `announce`."""
        inv_id = self.line_parent.pop(line["id"])
        inv = self.collections["invoices"].by_id[inv_id]
        before = self.render("invoices", inv)
        self.lines_by_invoice[inv_id].remove(line)
        if inv["status"] == "draft":
            self._retotal_draft(inv, before, announce=announce)
        elif announce:
            self._parent_updated("invoices", inv_id, "lines", before)

    def _remove(self, resource: str, old: Obj) -> Obj:
        """Takes the object out and announces it with its *.deleted event, if Stripe has one:
        the object as it was, flagged where Stripe's class has the flag."""
        rendered = self.render(resource, old)
        self.collections[resource].remove(old["id"])
        if resource in data.DELETED_EVENT:
            deleted = {**rendered, "deleted": True} if resource in data.DELETED_FLAG else rendered
            self._emit(data.DELETED_EVENT[resource], deleted)
        return rendered

    def _check_item_deletable(self, item: Obj) -> None:
        # Stripe deletes pending items and those on drafts; a finalized invoice's are fixed.
        inv = self.collections["invoices"].by_id.get(item["invoice"] or "")
        if inv is not None and inv["status"] != "draft":
            raise ValueError(f"invoice item {item['id']} is on a {inv['status']} invoice")

    def _line_of_item(self, item: Obj) -> Obj | None:
        for line in self.lines_by_invoice.get(item["invoice"], []):
            details = line["parent"]["invoice_item_details"]
            if details is not None and details["invoice_item"] == item["id"]:
                return line
        return None

    def create(
        self,
        resource: str,
        fields: Mapping[str, Any] | None = None,
        *,
        lines: int | None = None,
        items: int | None = None,
    ) -> Obj:
        """A new object created "now" with generated fields (fields= overrides them), plus
        the objects Stripe would create with it, and the events for all of them.
        lines= sizes invoices and credit notes, items= subscriptions. Coupons, products,
        plans, prices and promotion codes take an `id` of the account's choosing (any
        characters; ValueError if taken)."""
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
        spec: Obj | None = None,
    ) -> Obj:
        self._check(resource)
        fields = dict(fields or {})
        chosen = fields.pop("id", None) if resource in CHOSEN_IDS else None
        if chosen is not None:
            self._check_chosen_id(resource, chosen)
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
            if chosen is not None:
                gen.product_by_id[chosen] = gen.product_by_id.pop(main["id"])
                main["id"] = chosen
            biz.products.append(main)
        elif resource in ("prices", "plans"):
            product = self._link("products", fields.pop("product", None), active=True)
            price = gen.price(
                product,
                fields.pop("unit_amount", fields.pop("amount", rng.choice(data.ADDON_AMOUNTS))),
                now,
                interval="month",
                nickname="Monthly",
            )
            if chosen is not None:
                gen.plan_by_price[chosen] = gen.plan_by_price.pop(price["id"])
                price["id"] = gen.plan_by_price[chosen]["id"] = chosen
            biz.prices.append(price)
            biz.plans.append(gen.plan_by_price[price["id"]])
            main = price if resource == "prices" else biz.plans[-1]
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
        elif resource == "invoice_items" and fields.get("invoice") is not None:
            # On a draft: a line of it, announced as the invoice's change.
            item = self._add_lines(fields.pop("invoice"), 1)[0]
            return self._override("invoice_items", item, fields)
        elif resource in self._CREATORS:
            if chosen is not None:
                fields["id"] = chosen  # the creator takes it (coupons, promotion codes)
            main = self._CREATORS[resource](self, biz, fields, lines, spec)
        else:
            raise ValueError(f"create() does not support {resource}")
        self._override(resource, main, fields, render=False)
        if resource in ("prices", "plans"):
            twin = gen.plan_by_price[main["id"]] if resource == "prices" else biz.prices[-1]
            twin.update((k, main[k]) for k in MIRRORED)
        gen.more.invoice_payments(biz, biz.invoices)  # of the invoices paid at once
        self._absorb(biz)
        for evt in self._initial_events(biz):
            self.collections["events"].insert(evt)
        return self.render(resource, main)

    def _check_chosen_id(self, resource: str, object_id: Any) -> None:
        if not isinstance(object_id, str) or not object_id:
            raise ValueError(f"an id must be a non-empty string, not {object_id!r}")
        twins = ("prices", "plans") if resource in ("prices", "plans") else (resource,)
        if any(object_id in self.collections[r].by_id for r in twins):
            raise ValueError(f"{OBJECT_NAMES[resource]} {object_id!r} already exists")

    def _override(
        self, resource: str, obj: Obj, fields: Mapping[str, Any], *, render: bool = True
    ) -> Obj:
        """fields= of create(): set on the new object before it is stored (render=False), or
        as an update of one already stored (and announced)."""
        for key in fields:
            if key in ("id", "object", "created") or key not in obj:
                raise ValueError(f"cannot set {key!r} on {OBJECT_NAMES[resource]}")
        if render:
            return (
                self.update(resource, obj["id"], fields) if fields else self.render(resource, obj)
            )
        obj.update(_copy(dict(fields)))
        return obj

    # -- creators of the resources billing.py and payments.py generate ------------------------
    # Each takes (biz, fields, lines, spec), pops the fields it uses as links or sizes, adds
    # what it made to biz and returns the main object.
    def _new_dispute(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        charges = self.collections["charges"]
        if fields.get("charge") is not None:
            ch = self._link("charges", fields.pop("charge"))
            if ch["disputed"] or ch["status"] != "succeeded":
                raise ValueError(f"charge {ch['id']} can't be disputed")
        else:
            ch = self.gen.rng.choice(payments.disputable(charges.objs, self.gen.now + 1))
        du = payments.dispute(self.gen, biz, ch, self.gen.now, "needs_response", None)
        # Stripe announces the dispute; the charge's `disputed` changes without an event.
        charges.replace({**ch, "disputed": True})
        biz.disputes.append(du)
        return du

    def _new_payout(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        """A manual payout, of everything available unless amount= says otherwise."""
        currency = self.account["default_currency"]
        available = sum(
            t["net"]
            for t in self.collections["balance_transactions"].objs
            if t["status"] == "available" and t["currency"] == currency
        )
        amount = fields.pop("amount", None) or available
        if amount <= 0:
            raise ValueError("nothing available to pay out")
        po = payments.payout(self.gen, biz, amount, self.gen.now, status="pending", automatic=False)
        biz.payouts.append(po)
        return po

    def _new_credit_note(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A credit note on a paid invoice (invoice=, else one not credited yet with enough
        lines, else a new one), crediting `lines` of its lines in full (else one or two),
        refunded to its charge when the charge can take it, unless out_of_band_amount= is
        given (Stripe's parameter for a credit settled outside Stripe)."""
        gen = self.gen
        out_of_band = fields.pop("out_of_band_amount", None) is not None
        inv = self._creditable_invoice(fields.pop("invoice", None), lines or 1)
        inv_lines = self.lines_by_invoice.get(inv["id"], [])
        if lines is not None and lines > len(inv_lines):
            raise ValueError(f"invoice {inv['id']} has only {len(inv_lines)} lines")
        cn_lines = billing.credit_lines(gen, inv_lines, lines)
        total = sum(li["amount"] for li in cn_lines)
        if total > inv["total"] - inv["post_payment_credit_notes_amount"]:
            raise ValueError(f"invoice {inv['id']} has less than {total} left to credit")
        paid_by = gen.charge_by_invoice.get(inv["id"])
        ch = self.collections["charges"].by_id.get(paid_by["id"]) if paid_by else None
        refund = None
        if not out_of_band and ch is not None and ch["amount"] - ch["amount_refunded"] >= total:
            refund = self._new_refund(biz, ch["id"], total)
        seq = 1 + sum(1 for c in self.collections["credit_notes"].objs if c["invoice"] == inv["id"])
        cn = billing.credit_note(gen, inv, cn_lines, gen.now, seq, refund=refund,
                                 reason=gen.rng.choice(billing.CREDIT_REASONS))  # fmt: skip
        credited = inv["post_payment_credit_notes_amount"] + total
        self._replace_and_announce("invoices", inv, {"post_payment_credit_notes_amount": credited})
        biz.credit_notes.append(cn)
        biz.lines_by_credit_note[cn["id"]] = cn_lines
        return cn

    def _creditable_invoice(self, invoice_id: str | None, n_lines: int) -> Obj:
        if invoice_id is not None:
            inv = self._link("invoices", invoice_id)
            if inv["status"] != "paid":
                raise ValueError(f"invoice {invoice_id} is {inv['status']}: credit notes here "
                                 "credit paid invoices")  # fmt: skip
            return inv
        charges = self.collections["charges"].by_id
        paid_by = self.gen.charge_by_invoice
        pool = [
            i
            for i in self.collections["invoices"].objs
            if i["status"] == "paid"
            and i["total"] > 0
            and not i["post_payment_credit_notes_amount"]
            and i["id"] in paid_by
            and not charges.get(paid_by[i["id"]]["id"], {"amount_refunded": 1})["amount_refunded"]
            and len(self.lines_by_invoice.get(i["id"], ())) >= n_lines
        ]
        if pool:
            return self.gen.rng.choice(pool)
        # None big enough: a new paid invoice, with its own events, to credit.
        made = self._create("invoices", None, n_lines, None, self.gen.now)
        return self.collections["invoices"].by_id[made["id"]]

    def _new_coupon(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        coupon_id = fields.pop("id", None)  # checked by _create
        main = billing.coupon(
            self.gen,
            self.gen.now,
            coupon_id=coupon_id,
            percent_off=fields.pop("percent_off", None),
            amount_off=fields.pop("amount_off", None),
        )
        biz.coupons.append(main)
        return main

    def _new_promotion_code(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A code for a coupon (coupon=, else an active one), public unless customer=."""
        valid = [c for c in self.collections["coupons"].objs if c["valid"]]
        coupon = (
            self._link("coupons", fields.pop("coupon"))
            if fields.get("coupon") is not None
            else self.gen.rng.choice(valid or self.collections["coupons"].objs)
        )
        customer = fields.pop("customer", None)
        if customer is not None:
            self._require("customers", customer)
        taken = {p["code"] for p in self.collections["promotion_codes"].objs}
        code = fields.pop("code", None)
        if code in taken:
            raise ValueError(f"promotion code {code!r} already exists")
        code = code or billing.unique_code(
            f"PROMO{self.gen.rng.randint(100, 999)}", taken, self.gen
        )
        main = billing.promotion_code(self.gen, coupon, self.gen.now, code=code, customer=customer)
        main["active"] = True
        main["id"] = fields.pop("id", main["id"])
        biz.promotion_codes.append(main)
        return main

    def _new_tax_rate(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        active = [t for t in billing.TAX_RATES if t[-1]]
        main = billing.tax_rate(self.gen, self.gen.rng.choice(active), self.gen.now)
        biz.tax_rates.append(main)
        return main

    def _new_invoice_item(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A pending item (invoice null) for a customer's next invoice."""
        cust = self._link("customers", fields.pop("customer", None))
        main = billing.pending_invoice_item(
            self.gen, cust["id"], self._one_time_price(), self.gen.now, None
        )
        biz.invoice_items.append(main)
        return main

    def _new_setup_intent(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """Waiting for a card; status succeeded (an update) saves the customer's card."""
        cust = self._link("customers", fields.pop("customer", None))
        main = payments.setup_intent(
            self.gen, cust["id"], self.gen.now, "requires_payment_method", None
        )
        biz.setup_intents.append(main)
        return main

    def _new_payment_method(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A new card attached to a customer (payment_method.attached)."""
        cust = self._link("customers", fields.pop("customer", None))
        card = payments.new_card(self.gen)
        main = payments.card_payment_method(self.gen, card["pm"], card, cust, self.gen.now)
        biz.payment_methods.append(main)
        return main

    def _new_checkout_session(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """An open session in payment mode (Stripe announces none: no event). Status complete
        (an update) pays it; status expired ends it."""
        cust = self._link("customers", fields.pop("customer", None))
        amount = fields.pop("amount_total", None) or self.gen.rng.randint(10, 500) * 100
        main = payments.checkout_session(
            self.gen, self.gen.now, mode="payment", status="open", customer=cust, amount=amount
        )
        biz.checkout_sessions.append(main)
        return main

    def _new_transfer(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        if self.profile.connected:
            raise ValueError("transfers go from the platform to its connected accounts")
        gen = self.gen
        destinations = [p.account_id for p in data.connect_destinations(gen.seed)]
        destination = fields.pop("destination", None) or gen.rng.choice(destinations)
        amount = fields.pop("amount", None) or gen.rng.randint(10, 300) * 100
        main = payments.transfer(gen, biz, amount, gen.now, destination)
        biz.transfers.append(main)
        biz.reversals_by_transfer[main["id"]] = []
        return main

    def _new_application_fee(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        if spec is None:
            spec = self.fee_spec(fields.pop("account", None), None, fields.pop("amount", None))
        else:
            fields.pop("account", None)
        main = payments.application_fee(self.gen, biz, spec, spec["account"])
        biz.application_fees.append(main)
        biz.refunds_by_fee[main["id"]] = []
        return main

    def _new_quote(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        cust = self._link("customers", fields.pop("customer", None))
        quote, items = self.gen.more.quote(cust, self.gen.now, "draft", lines or 2)
        biz.quotes.append(quote)
        biz.line_items_by_quote[quote["id"]] = items
        biz.upfront_items_by_quote[quote["id"]] = self.gen.more.upfront_items(items)
        return quote

    def _new_file(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        biz.files.append(
            self.gen.more.file(self.gen.now, fields.pop("purpose", "dispute_evidence"))
        )
        return biz.files[-1]

    def _new_review(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        charge = self._link("charges", fields.pop("charge", None))
        review = self.gen.more.review(charge, self.gen.now, closed=False)
        biz.reviews.append(review)
        self._replace_and_announce("charges", charge, {"review": review["id"]})
        return review

    def _new_top_up(self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None) -> Obj:
        biz.top_ups.append(self.gen.more.top_up(self.gen.now))
        self.gen.reached_at[biz.top_ups[-1]["id"]] = self.gen.now  # succeeded at once
        return biz.top_ups[-1]

    def _new_payment_link(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        link, items = self.gen.more.payment_link(self.gen.now, lines or 1)
        biz.payment_links.append(link)
        biz.line_items_by_payment_link[link["id"]] = items
        return link

    def _new_early_fraud_warning(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        charge = self._link("charges", fields.pop("charge", None))
        biz.early_fraud_warnings.append(self.gen.more.early_fraud_warning(charge, self.gen.now))
        return biz.early_fraud_warnings[-1]

    def _new_billing_meter(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        name = fields.pop("display_name", "Events processed")
        meter = self.gen.more.meter(self.gen.now, name, name.lower().replace(" ", "_"))
        biz.billing_meters.append(meter)
        return meter

    def _new_credit_grant(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A credit grant to a customer, with the credit balance transaction that credits it."""
        cust = self._link("customers", fields.pop("customer", None))
        grant, credit = self.gen.more.credit_grant(cust, self.gen.now)
        biz.billing_credit_grants.append(grant)
        biz.billing_credit_balance_transactions.append(credit)
        return grant

    def _new_subscription_schedule(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        sub = self._link("subscriptions", fields.pop("subscription", None))
        item = self.items_by_sub[sub["id"]][0]
        schedule = self.gen.more.subscription_schedule(
            sub, item["price"]["id"], item["quantity"] or 1
        )
        schedule["created"] = self.gen.now
        biz.subscription_schedules.append(schedule)
        return schedule

    def _new_issuing_card(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A card for a cardholder (a new one unless `cardholder=` names one)."""
        made = self.gen.product_areas
        holder_id = fields.pop("cardholder", None)
        if holder_id is None:
            biz.issuing_cardholders.append(made.cardholder(self.gen.now, "Frances Allen"))
            holder = biz.issuing_cardholders[-1]
        else:
            holder = self._link("issuing_cardholders", holder_id)
        biz.issuing_cards.append(made.card(holder, self.gen.now, fields.pop("type", "virtual")))
        return biz.issuing_cards[-1]

    def _new_issuing_authorization(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A purchase with a card, approved and pending (its capture is an update)."""
        card = self._link("issuing_cards", fields.pop("card", None))
        auth = self.gen.product_areas.authorization(card, self.gen.now, "pending")
        auth["approved"] = True
        biz.issuing_authorizations.append(auth)
        return auth

    def _new_issuing_token(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A card added to a phone's wallet."""
        card = self._link("issuing_cards", fields.pop("card", None))
        biz.issuing_tokens.append(self.gen.product_areas.token(card, self.gen.now))
        return biz.issuing_tokens[-1]

    def _new_issuing_dispute(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        txn = self._link("issuing_transactions", fields.pop("transaction", None))
        dispute = self.gen.product_areas.dispute(txn, self.gen.now, "unsubmitted")
        biz.issuing_disputes.append(dispute)
        self._replace_and_announce("issuing_transactions", txn, {"dispute": dispute["id"]})
        return dispute

    def _new_terminal_location(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        name = fields.pop("display_name", "Pop-up store")
        made = self.gen.product_areas
        biz.terminal_locations.append(made.terminal_location(name, "Berkeley", None, self.gen.now))
        return biz.terminal_locations[-1]

    def _new_portal_configuration(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        made = self.gen.configuration.portal_configuration(self.gen.now, default=False)
        biz.billing_portal_configurations.append(made)
        return made

    def _new_report_run(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A report run just asked for: pending (its end is an update of its status)."""
        made = self.gen.configuration.report_run(self.gen.now, "balance.summary.1")
        made.update(status="pending", succeeded_at=None)
        biz.reporting_report_runs.append(made)
        return made

    # -- finance.py, and products.py's Identity and Climate --------------------------------------
    def _new_financial_account(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        made = self.gen.finance.financial_account(self.gen.now, fields.pop("nickname", "Savings"))
        biz.treasury_financial_accounts.append(made)
        return made

    def _new_treasury_movement(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None, *, resource: str
    ) -> Obj:
        """Money moved in or out of a financial account (the first unless financial_account=
        names one), with its ledger transaction and entry (which Stripe announces by no
        event)."""
        fa = self._link("treasury_financial_accounts", fields.pop("financial_account", None))
        amount = fields.pop("amount", 12_500)
        return self.gen.finance.movement(biz, resource, fa, self.gen.now, amount, book=False)

    def _new_treasury_reversal(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None, *, resource: str
    ) -> Obj:
        kind = "received_credit" if "credit" in resource else "received_debit"
        of = self._link(f"treasury_{kind}s", fields.pop(kind, None))
        return self.gen.finance.reversal(biz, resource, of, self.gen.now)

    def _new_linked_account(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        customer = self._link("customers", fields.pop("customer", None))
        made = self.gen.finance.linked_account(customer, self.gen.now)
        self.gen.finance.refresh(made, self.gen.now)
        biz.financial_connections_accounts.append(made)
        return made

    def _new_bank_transaction(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A transaction read from a linked account's bank: the account's transactions were
        refreshed (financial_connections.account.refreshed_transactions)."""
        account = self._link("financial_connections_accounts", fields.pop("account", None))
        refreshed = _copy(account)
        self.gen.finance.refresh(refreshed, self.gen.now)
        self.collections["financial_connections_accounts"].replace(refreshed)
        made = self.gen.finance.bank_transaction(refreshed, self.gen.now)
        biz.financial_connections_transactions.append(made)
        previous = {"transaction_refresh": account["transaction_refresh"]}
        rendered = self.render("financial_connections_accounts", refreshed)
        self._emit("financial_connections.account.refreshed_transactions", rendered, previous)
        return made

    def _new_account_owners(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A linked account's owners read from its bank again: a new ownership refresh, with
        its owners (financial_connections.account.refreshed_ownership). Returns the first."""
        account = self._link("financial_connections_accounts", fields.pop("account", None))
        holder = self._require("customers", account["account_holder"]["customer"])
        refreshed = _copy(account)
        owners = self.gen.finance.owners(refreshed, holder, self.gen.now)
        self.collections["financial_connections_accounts"].replace(refreshed)
        biz.owners_by_linked_account[account["id"]] = owners
        previous = {k: account[k] for k in ("ownership", "ownership_refresh")}
        rendered = self.render("financial_connections_accounts", refreshed)
        self._emit("financial_connections.account.refreshed_ownership", rendered, previous)
        return owners[0]

    def _new_verification_session(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A session just made: waiting for the person's documents (requires_input)."""
        customer = fields.pop("related_customer", None)
        made = self.gen.product_areas.verification_session(self.gen.now, customer,
                                                           "requires_input")  # fmt: skip
        biz.identity_verification_sessions.append(made)
        return made

    def _new_verification_report(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A session's documents were submitted and checked (no event of the report's own)."""
        session = self._link(
            "identity_verification_sessions", fields.pop("verification_session", None)
        )
        made = self.gen.product_areas.verification_report(_copy(session), self.gen.now)
        biz.identity_verification_reports.append(made)
        return made

    def _new_scheduled_query_run(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A scheduled Sigma query that just ran (announced as it finishes)."""
        made = self.gen.configuration.scheduled_query_run(self.gen.now, "Daily refunds")
        biz.sigma_scheduled_query_runs.append(made)
        return made

    def _new_active_entitlement(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        """A customer became entitled to a feature (its subscription changed): Stripe says so
        by the customer's entitlement summary."""
        customer = self._link("customers", fields.pop("customer", None))["id"]
        feature = self._link("entitlements_features", fields.pop("feature", None))
        made = self.gen.configuration.active_entitlement(feature, self.gen.now)
        made["_customer"] = customer
        self.collections["entitlements_active_entitlements"].insert(made)  # before its event
        self._entitlements_changed(customer)
        return made

    def _entitlements_changed(self, customer: str) -> None:
        held = [
            self.render("entitlements_active_entitlements", e)
            for e in self.collections["entitlements_active_entitlements"].objs
            if e["_customer"] == customer
        ][::-1]
        summary = {
            "object": "entitlements.active_entitlement_summary", "customer": customer,
            "livemode": True,
            "entitlements": {"object": "list", "data": held[:10], "has_more": len(held) > 10,
                             "url": f"/v1/entitlements/active_entitlements?customer={customer}"},
        }  # fmt: skip
        self._emit("entitlements.active_entitlement_summary.updated", summary)

    def _new_app_install(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        made = self.gen.configuration.app_install(self.gen.now, "com.example.new", oauth=True)
        biz.apps_installs.append(made)
        return made

    def _new_climate_order(
        self, biz: Business, fields: Obj, lines: int | None, spec: Obj | None
    ) -> Obj:
        made = self.gen.product_areas.climate_order(self.gen.now, "open")
        made["confirmed_at"] = None
        biz.climate_orders.append(made)
        return made

    _CREATORS: dict[str, Callable[[Store, Business, Obj, int | None, Obj | None], Obj]] = {
        "disputes": _new_dispute, "payouts": _new_payout, "credit_notes": _new_credit_note,
        "coupons": _new_coupon, "promotion_codes": _new_promotion_code,
        "tax_rates": _new_tax_rate, "invoice_items": _new_invoice_item,
        "setup_intents": _new_setup_intent, "payment_methods": _new_payment_method,
        "checkout_sessions": _new_checkout_session, "transfers": _new_transfer,
        "application_fees": _new_application_fee, "quotes": _new_quote, "files": _new_file,
        "top_ups": _new_top_up, "payment_links": _new_payment_link,
        "early_fraud_warnings": _new_early_fraud_warning,
        "billing_meters": _new_billing_meter, "billing_credit_grants": _new_credit_grant,
        "subscription_schedules": _new_subscription_schedule, "reviews": _new_review,
        "issuing_cards": _new_issuing_card, "issuing_authorizations": _new_issuing_authorization,
        "issuing_disputes": _new_issuing_dispute, "terminal_locations": _new_terminal_location,
        "issuing_tokens": _new_issuing_token,
        "billing_portal_configurations": _new_portal_configuration,
        "reporting_report_runs": _new_report_run,
        "treasury_financial_accounts": _new_financial_account,
        "treasury_received_credits": partial(_new_treasury_movement,
                                             resource="treasury_received_credits"),
        "treasury_inbound_transfers": partial(_new_treasury_movement,
                                              resource="treasury_inbound_transfers"),
        "treasury_outbound_payments": partial(_new_treasury_movement,
                                              resource="treasury_outbound_payments"),
        "treasury_outbound_transfers": partial(_new_treasury_movement,
                                               resource="treasury_outbound_transfers"),
        "treasury_received_debits": partial(_new_treasury_movement,
                                            resource="treasury_received_debits"),
        "treasury_credit_reversals": partial(_new_treasury_reversal,
                                             resource="treasury_credit_reversals"),
        "treasury_debit_reversals": partial(_new_treasury_reversal,
                                            resource="treasury_debit_reversals"),
        "financial_connections_accounts": _new_linked_account,
        "financial_connections_transactions": _new_bank_transaction,
        "financial_connections_account_owners": _new_account_owners,
        "identity_verification_sessions": _new_verification_session,
        "identity_verification_reports": _new_verification_report,
        "climate_orders": _new_climate_order,
        "sigma_scheduled_query_runs": _new_scheduled_query_run,
        "entitlements_active_entitlements": _new_active_entitlement,
        "apps_installs": _new_app_install,
    }  # fmt: skip

    # -- Connect: transfers and application fees ----------------------------------------------
    def fee_spec(self, account: str | None, currency: str | None, amount: int | None) -> Obj:
        """A new direct charge on a connected account (the first of the platform's unless
        given) for the platform's fee of `amount` (10% of the charge): what charge_with_fee()
        makes on the connected side and the fee names."""
        if self.profile.connected:
            raise ValueError("application fees belong to the platform")
        gen = self.gen
        known = {p.account_id: p for p in data.connect_destinations(gen.seed)}
        account = account or next(iter(known))
        if currency is None:
            currency = known[account].currency if account in known else gen.currency
        fee_amount = amount or gen.rng.randint(2, 40) * 100
        return {
            "application": data.connect_application(gen.seed), "platform_name": data.ACCOUNT_NAME,
            "payment_intent": gen.ids.new("pi"), "charge": gen.ids.new("ch"),
            "fee": gen.ids.new("fee"), "amount": round(fee_amount / payments.APPLICATION_FEE_SHARE),
            "fee_amount": fee_amount, "currency": currency, "created": self.now(),
            "account": account,
        }  # fmt: skip

    def charge_with_fee(self, spec: Obj) -> Obj:
        """A connected account's direct charge the platform takes `spec`'s fee on, with its
        payment intent and their events."""
        with self.lock:
            now = self.gen.now = self.now()
            customers = self.collections["customers"].objs
            cust = self.gen.rng.choice(customers)["id"] if customers else None
            biz = Business(now=now, account=self.account)
            pi = self.gen.payment(biz, cust, spec["amount"], now, "succeeded", charge_delay=0,
                                  connect=spec)  # fmt: skip
            self._absorb(biz)
            self._announce_payment(pi, biz.charges[-1])
            return _copy(biz.charges[-1])

    def add_application_fee(self, spec: Obj, fields: Mapping[str, Any] | None = None) -> Obj:
        with self.lock:
            return _copy(self._create("application_fees", fields, None, None, self.now(), spec))

    def reverse_transfer(self, transfer_id: str, amount: int | None = None) -> Obj:
        """Takes back `amount` of a transfer (all that is left by default): a reversal in its
        embedded list, announced with transfer.reversed. Returns the transfer."""
        with self.lock:
            tr = self._require("transfers", transfer_id)
            left = tr["amount"] - tr["amount_reversed"]
            amount = left if amount is None else amount
            if not 0 < amount <= left:
                raise ValueError(f"transfer {transfer_id} has {left} left to reverse")
            biz = Business(now=self.now(), account=self.account)
            rev = payments.transfer_reversal(self.gen, biz, tr, amount, self.now())
            biz.reversals_by_transfer[tr["id"]] = [rev]
            self._absorb(biz)
            reversed_ = tr["amount_reversed"] + amount
            new = {**tr, "amount_reversed": reversed_, "reversed": reversed_ == tr["amount"]}
            self.collections["transfers"].replace(new)
            evt = self._emit("transfer.reversed", self.render("transfers", new))
            return _copy(evt["data"]["object"])

    def refund_application_fee(self, fee_id: str, amount: int | None = None) -> Obj:
        """Gives back `amount` of an application fee (all that is left by default): a refund
        in its embedded list, announced with application_fee.refunded. Returns the fee."""
        with self.lock:
            fee = self._require("application_fees", fee_id)
            left = fee["amount"] - fee["amount_refunded"]
            amount = left if amount is None else amount
            if not 0 < amount <= left:
                raise ValueError(f"application fee {fee_id} has {left} left to refund")
            biz = Business(now=self.now(), account=self.account)
            refund = payments.fee_refund(self.gen, biz, fee, amount, self.now())
            biz.refunds_by_fee[fee["id"]] = [refund]
            self._absorb(biz)
            refunded = fee["amount_refunded"] + amount
            new = {**fee, "amount_refunded": refunded, "refunded": refunded == fee["amount"]}
            self.collections["application_fees"].replace(new)
            evt = self._emit("application_fee.refunded", self.render("application_fees", new))
            return _copy(evt["data"]["object"])

    # -- money movements and billing ------------------------------------------------------------
    def balance(self) -> Obj:
        """The `balance` object: net amounts of available and pending balance transactions per
        currency (payouts net off what they paid out). The account's default currency is
        always listed, as Stripe lists it even at zero."""
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
                self.gen.charge_by_invoice[inv["id"]] = biz.charges[-1]
                self._announce_payment(pi, biz.charges[-1])
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
            charge = self.gen.charge_by_invoice.get(invoice_id)
            if amount and charge is not None:
                payment = self.gen.more.invoice_payment(paid, charge, now)
                self.collections["invoice_payments"].insert(payment)
                self._emit("invoice_payment.paid", payment)
            self._after_payment(inv)
            return _copy(paid)

    def _announce_payment(self, pi: Obj, charge: Obj) -> None:
        # Snapshots: the intent was created before its charge went through.
        created = {**pi, "amount_received": 0, "latest_charge": None,
                   "status": "requires_confirmation"}  # fmt: skip
        self._emit("payment_intent.created", created)
        self._emit("charge.succeeded", charge)
        self._emit("payment_intent.succeeded", pi)

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
        announced like any change to its lines: invoiceitem.created for each new item, then
        (if parent_update_events) invoice.updated with the previous lines and totals."""
        with self.lock:
            self._add_lines(invoice_id, n)
            return _copy(self.render("invoices", self.collections["invoices"].by_id[invoice_id]))

    def _one_time_price(self) -> Obj:
        prices = self.collections["prices"].objs
        pool = [p for p in prices if p["type"] == "one_time" and p["active"]] or [
            p for p in prices if p["type"] == "one_time"
        ]
        return self.gen.rng.choice(pool)

    def _add_lines(self, invoice_id: str, n: int) -> list[Obj]:
        """add_invoice_lines(); returns the new invoice items."""
        if n < 1:
            raise ValueError("n must be at least 1")
        with self.lock:
            inv = self._require("invoices", invoice_id)
            if inv["status"] != "draft":
                raise ValueError(f"invoice {invoice_id} is {inv['status']}: only drafts take lines")
            gen = self.gen
            now = gen.now = self.now()
            chosen = [self._one_time_price() for _ in range(n)]
            added = [gen.invoice_item_line(invoice_id, p, now) for p in chosen]
            biz = Business(now=now, account=self.account)
            biz.invoice_items = [
                billing.invoice_item_of_line(gen, line, inv["customer"], p)
                for line, p in zip(added, chosen, strict=True)
            ]
            self._absorb(biz)
            for item in biz.invoice_items:
                self._emit("invoiceitem.created", item)
            lines = self.lines_by_invoice.setdefault(invoice_id, [])
            # Extended in place: rendered snapshots hold their own slice of the list.
            before = self.render("invoices", inv)
            lines.extend(added)
            for line in added:
                self.line_parent[line["id"]] = invoice_id
            self._retotal_draft(inv, before, announce=self.parent_update_events)
            return biz.invoice_items

    def _retotal_draft(self, inv: Obj, before: Obj, *, announce: bool) -> None:
        """A draft's totals after its lines changed (in place), announced by invoice.updated
        with what changed (`before`: the invoice rendered before) when `announce`."""
        total = sum(line["amount"] for line in self.lines_by_invoice.get(inv["id"], []))
        totals = dict.fromkeys(
            ("subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax"), total
        )
        new = {**inv, **totals, "amount_due": total, "amount_remaining": total}
        self.collections["invoices"].replace(new)
        if announce:
            rendered = self.render("invoices", new)
            previous = {k: before[k] for k in rendered if rendered[k] != before[k]}
            self._emit("invoice.updated", rendered, previous)

    # -- a customer's discount, tax ids and sources: announced by their own events ------------
    def apply_customer_discount(self, customer_id: str, coupon_id: str) -> Obj:
        """The coupon applied to the customer: its `discount` becomes a Discount, announced by
        customer.discount.created (then customer.updated, if parent_update_events). A
        customer has one discount at a time: remove_customer_discount() first."""
        with self.lock:
            cust = self._require("customers", customer_id)
            coupon = self._require("coupons", coupon_id)
            if cust["discount"] is not None:
                raise ValueError(f"customer {customer_id} already has a discount")
            if not coupon["valid"]:
                raise ValueError(f"coupon {coupon_id!r} is no longer valid")
            discount = billing.customer_discount(self.gen, coupon, cust, self.now())
            self._change_customer(cust, {"discount": discount}, "customer.discount.created",
                                  discount)  # fmt: skip
            return _copy(discount)

    def remove_customer_discount(self, customer_id: str) -> Obj:
        """The customer's discount removed, announced by customer.discount.deleted with the
        discount as it was (then customer.updated, if parent_update_events). Returns it."""
        with self.lock:
            cust = self._require("customers", customer_id)
            discount = cust["discount"]
            if discount is None:
                raise ValueError(f"customer {customer_id} has no discount")
            self._change_customer(cust, {"discount": None}, "customer.discount.deleted",
                                  discount)  # fmt: skip
            return _copy(discount)

    def create_customer_tax_id(
        self, customer_id: str, type: str = "eu_vat", value: str = "DE123456789"
    ) -> Obj:
        """A tax id of the customer, announced by customer.tax_id.created (then
        customer.updated with no previous attributes, if parent_update_events). The customer
        object does not change: its tax ids are not among its fields."""
        with self.lock:
            cust = self._require("customers", customer_id)
            tax_id = billing.tax_id(self.gen, cust, type, value, self.now())
            self.tax_ids_by_customer.setdefault(customer_id, []).append(tax_id)
            self._change_customer(cust, {}, "customer.tax_id.created", tax_id)
            return _copy(tax_id)

    def create_customer_cash_balance_transaction(self, customer_id: str) -> Obj:
        """A bank transfer received into the customer's cash balance, announced by
        customer_cash_balance_transaction.created alone (the customer's fields do not
        change: `cash_balance` is sent only when expanded)."""
        with self.lock:
            cust = self._require("customers", customer_id)
            txns = self.apart["customer_cash_balance_transactions"].setdefault(customer_id, [])
            ending = txns[0]["ending_balance"] if txns else 0
            txn = self.gen.more.cash_balance_transaction(cust, self.now(), "funded", ending)
            txns.insert(0, txn)  # listed newest first
            self._emit("customer_cash_balance_transaction.created", txn)
            return _copy(txn)

    def add_customer_source(self, customer_id: str) -> Obj:
        """A card source (the legacy Sources API) added to the customer, and its
        `default_source` if it had none; announced by customer.source.created (then
        customer.updated, if parent_update_events)."""
        with self.lock:
            cust = self._require("customers", customer_id)
            self.gen.now = self.now()  # the card expires years after today
            card = payments.card_source(self.gen, cust)
            self.apart["customer_sources"].setdefault(customer_id, []).insert(0, card)
            changes = {} if cust["default_source"] else {"default_source": card["id"]}
            self._change_customer(cust, changes, "customer.source.created", card)
            return _copy(card)

    def _change_customer(
        self, cust: Obj, changes: Mapping[str, Any], type_: str, other: Obj
    ) -> None:
        """A customer changed by another object, announced by that object's event, then by
        customer.updated with what changed when parent_update_events (Stripe sends both)."""
        new = {**cust, **changes}
        self.collections["customers"].replace(new)
        self._emit(type_, other)
        if self.parent_update_events:
            previous = {k: cust[k] for k in changes if cust[k] != new[k]}
            self._emit("customer.updated", self.render("customers", new), previous)

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
            if p["active"]
            and p["recurring"]
            and p["recurring"]["interval"] == "month"
            and p["billing_scheme"] == "per_unit"  # bills priced in tiers are not modelled
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
        chosen = [gen.rng.choice(one_time) for _ in range(n_lines)]
        inv_lines = [gen.invoice_item_line(inv["id"], p, now) for p in chosen]
        gen.settle_invoice(biz, inv, inv_lines, "paid")
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = inv_lines
        biz.invoice_items += [
            billing.invoice_item_of_line(gen, line, cust["id"], p)
            for line, p in zip(inv_lines, chosen, strict=True)
        ]
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
