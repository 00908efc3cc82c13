"""Stripe's read API over the store: routes, query parameters, filters, errors.

Kept free of HTTP so it can be reasoned about (and tested) as plain functions; server.py adds
keys, permissions, rate limits and faults around it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from .data import EVENT_RETENTION, Obj
from .more import APART, BY_PARENT
from .products import PRODUCT_OF, not_set_up
from .store import (
    CHILDREN,
    EXPAND_ONLY,
    GENERATED_LISTS,
    OBJECT_NAMES,
    CursorMissing,
    Store,
    paginate,
    resource_of,
)

# resource -> (permission, display name) of the restricted-key permission that reads it.
PERMISSIONS = {
    "customers": ("customer_read", "Customers Read"),
    "charges": ("charge_read", "Charges Read"),
    "refunds": ("charge_read", "Charges Read"),
    "payment_intents": ("payment_intent_read", "PaymentIntents Read"),
    "invoices": ("invoice_read", "Invoices Read"),
    "invoice_line_items": ("invoice_read", "Invoices Read"),
    "subscriptions": ("subscription_read", "Subscriptions Read"),
    "subscription_items": ("subscription_read", "Subscriptions Read"),
    "products": ("product_read", "Products Read"),
    "prices": ("plan_read", "Prices Read"),
    "balance_transactions": ("balance_read", "Balance Read"),
    "events": ("event_read", "Events Read"),
    "account": ("connected_account_read", "Connected accounts Read"),
    "balance": ("balance_read", "Balance Read"),
    "disputes": ("dispute_read", "Disputes Read"),
    "payouts": ("payout_read", "Payouts Read"),
    "credit_notes": ("credit_note_read", "Credit notes Read"),
    "credit_note_line_items": ("credit_note_read", "Credit notes Read"),
    "coupons": ("coupon_read", "Coupons Read"),
    "promotion_codes": ("promotion_code_read", "Promotion codes Read"),
    "tax_rates": ("tax_rate_read", "Tax rates Read"),
    # Stripe has no invoice-item permission: invoice items are read with invoices.
    "invoice_items": ("invoice_read", "Invoices Read"),
    "plans": ("plan_read", "Prices Read"),
    "setup_intents": ("setup_intent_read", "SetupIntents Read"),
    "payment_methods": ("payment_method_read", "PaymentMethods Read"),
    "checkout_sessions": ("checkout_session_read", "Checkout Sessions Read"),
    "transfers": ("transfer_read", "Transfers Read"),
    "transfer_reversals": ("transfer_read", "Transfers Read"),
    "application_fees": ("application_fee_read", "Application fees Read"),
    "application_fee_refunds": ("application_fee_read", "Application fees Read"),
    "invoice_payments": ("invoice_read", "Invoices Read"),
    "subscription_schedules": ("subscription_read", "Subscriptions Read"),
    "quotes": ("quote_read", "Quotes Read"),
    "quote_line_items": ("quote_read", "Quotes Read"),
    "payment_links": ("payment_links_read", "Payment Links Read"),
    "payment_link_line_items": ("payment_links_read", "Payment Links Read"),
    "checkout_session_line_items": ("checkout_session_read", "Checkout Sessions Read"),
    "shipping_rates": ("shipping_rate_read", "Shipping rates Read"),
    "top_ups": ("top_up_read", "Top-ups Read"),
    "early_fraud_warnings": ("charge_read", "Charges Read"),
    "files": ("file_read", "Files Read"),
    "file_links": ("file_read", "Files Read"),
    "billing_meters": ("billing_meter_read", "Meters Read"),
    "setup_attempts": ("setup_intent_read", "SetupIntents Read"),
    "product_features": ("product_read", "Products Read"),
    "reviews": ("review_read", "Reviews Read"),
    "customer_tax_ids": ("customer_read", "Customers Read"),
    "customer_balance_transactions": ("customer_read", "Customers Read"),
    "customer_cash_balance_transactions": ("customer_read", "Customers Read"),
    # Stripe publishes no permission for billing credits; the tap names the meters' one.
    "billing_credit_grants": ("billing_meter_read", "Meters Read"),
    "billing_credit_balance_transactions": ("billing_meter_read", "Meters Read"),
    "terminal_configurations": ("terminal_configuration_read", "Terminal Configurations Read"),
    "terminal_locations": ("terminal_location_read", "Terminal Locations Read"),
    "terminal_readers": ("terminal_reader_read", "Terminal Readers Read"),
    "issuing_authorizations": ("issuing_authorization_read", "Issuing Authorizations Read"),
    "issuing_cardholders": ("issuing_cardholder_read", "Issuing Cardholders Read"),
    "issuing_cards": ("issuing_card_read", "Issuing Cards Read"),
    "issuing_disputes": ("issuing_dispute_read", "Issuing Disputes Read"),
    "issuing_transactions": ("issuing_transaction_read", "Issuing Transactions Read"),
    # The permission Stripe names for personalization design events; bundles go with them.
    "issuing_personalization_designs": ("issuing_card_read", "Issuing Cards Read"),
    "issuing_physical_bundles": ("issuing_card_read", "Issuing Cards Read"),
    "issuing_tokens": ("issuing_token_read", "Issuing Tokens Read"),
    # The platform's view of its connected accounts: a "(Direct)" permission.
    "accounts": ("connected_account_read", "Connected accounts Read"),
    "persons": ("connected_account_read", "Connected accounts Read"),
    "external_accounts": ("connected_account_read", "Connected accounts Read"),
    "capabilities": ("connected_account_read", "Connected accounts Read"),
    "webhook_endpoints": ("webhook_read", "Webhook Endpoints Read"),
    "payment_method_configurations": (
        "payment_method_configurations_read",
        "Payment Method Configurations Read",
    ),
    "payment_method_domains": ("payment_method_domain_read", "Payment Method Domains Read"),
    "apple_pay_domains": ("apple_pay_domain_read", "Apple Pay Domains Read"),
    "billing_portal_configurations": ("customer_portal_read", "Customer portal Read"),
    # Stripe names none of its own for templates: the sandbox asks the invoices'.
    "invoice_rendering_templates": ("invoice_read", "Invoices Read"),
    "reporting_report_runs": (
        "report_runs_and_report_types_read",
        "Report Runs and Report Types Read",
    ),
    "entitlements_features": ("entitlement_read", "Entitlements Read"),
    # Treasury: names Stripe's keys accept (which list each opens is inferred).
    "treasury_financial_accounts": ("financial_account_read", "Financial Accounts Read"),
    "treasury_transactions": ("treasury_transaction_read", "Treasury Transactions Read"),
    "treasury_transaction_entries": ("treasury_transaction_read", "Treasury Transactions Read"),
    "treasury_inbound_transfers": ("inbound_transfer_read", "Inbound Transfers Read"),
    "treasury_outbound_payments": ("outbound_payment_read", "Outbound Payments Read"),
    "treasury_outbound_transfers": ("outbound_transfer_read", "Outbound Transfers Read"),
    "treasury_received_credits": ("received_credit_read", "Received Credits Read"),
    "treasury_credit_reversals": ("received_credit_read", "Received Credits Read"),
    "treasury_received_debits": ("received_debit_read", "Received Debits Read"),
    "treasury_debit_reversals": ("received_debit_read", "Received Debits Read"),
    # No Stripe source names these: the sandbox asks what the tap guesses.
    "identity_verification_sessions": (
        "identity_verification_session_read", "Identity Verification Sessions Read"),
    "identity_verification_reports": (
        "identity_verification_report_read", "Identity Verification Reports Read"),
    "financial_connections_accounts": (
        "financial_connections_account_read", "Financial Connections Accounts Read"),
    "financial_connections_transactions": (
        "financial_connections_transaction_read", "Financial Connections Transactions Read"),
    "climate_orders": ("climate_order_read", "Climate Orders Read"),
    "radar_value_lists": ("radar_value_list_read", "Radar Value Lists Read"),
    "radar_value_list_items": ("radar_value_list_read", "Radar Value Lists Read"),
    "tax_registrations": ("tax_settings_read", "Tax Settings Read"),
    "account_tax_ids": ("tax_id_read", "Tax IDs Read"),
    "billing_alerts": ("billing_alert_read", "Billing Alerts Read"),
    "three_d_secure_authentications": (
        "three_d_secure_authentication_read", "3D Secure Authentications Read"),
    "forwarding_requests": ("forwarding_request_read", "Forwarding Requests Read"),
    "sigma_scheduled_query_runs": ("scheduled_query_run_read", "Sigma Scheduled Query Runs Read"),
    # Stripe names no permission of their own: the portal's, the prices'.
    "billing_feedback_options": ("customer_portal_read", "Customer portal Read"),
    "product_catalog_trial_offers": ("plan_read", "Prices Read"),
    # A name Stripe's keys accept.
    "tax_locations": ("tax_locations_read", "Tax Locations Read"),
    "entitlements_active_entitlements": ("entitlement_read", "Entitlements Read"),
    "quote_computed_upfront_line_items": ("quote_read", "Quotes Read"),
    "payment_intent_amount_details_line_items": ("payment_intent_read", "PaymentIntents Read"),
    # A name Stripe's keys accept.
    "payment_records": ("payment_records_read", "Payment Records Read"),
    "payment_attempt_records": ("payment_records_read", "Payment Records Read"),
    "customer_sources": ("customer_read", "Customers Read"),
    "apps_installs": ("apps_install_read", "Installed Apps Read"),
    "financial_connections_account_owners": (
        "financial_connections_account_read", "Financial Connections Accounts Read"),
}  # fmt: skip
PERMISSION_NAMES = {p for p, _ in PERMISSIONS.values()}
# Read by the platform itself only: their permission is "(Direct)", which Stripe's
# permissions reference says "can't authorize Connect call patterns" (a Stripe-Account
# header). The refusal's wording is the sandbox's own: Stripe's was not seen.
DIRECT = frozenset({"accounts", "persons", "external_accounts", "capabilities"})


def direct_only(resource: str, account: str) -> str:
    permission, display = PERMISSIONS[resource]
    return (
        f"Permission denied on account '{account}': \"{display}\" ('{permission}') is a "
        "Direct permission and cannot be used with the Stripe-Account header."
    )


SUBSCRIPTION_STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")
PAGING = frozenset({"limit", "starting_after", "ending_before", "expand"})
RANGE_OPS = ("gt", "gte", "lt", "lte")
MAX_EXPAND_DEPTH = 4
# Stripe-Should-Retry by status, as Stripe sends it. 429s have no default: a lock timeout
# says true, a rate limiter says whatever the sandbox is told to (or nothing).
SHOULD_RETRY = {400: False, 401: False, 403: False, 404: False, 409: True, 500: True}


class ApiError(Exception):
    """An error response in Stripe's shape, with its Stripe-Should-Retry header."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        doc_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        if "Stripe-Should-Retry" not in self.headers and status in SHOULD_RETRY:
            self.headers["Stripe-Should-Retry"] = "true" if SHOULD_RETRY[status] else "false"
        body: dict[str, str] = {}
        if code:
            body["code"] = code
            body["doc_url"] = (
                doc_url or f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
            )
        if param:
            body["param"] = param
        body["message"] = message
        body["type"] = type_
        self.body = {"error": body}


def invalid(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def no_such(resource: str, object_id: str, param: str, status: int = 404) -> ApiError:
    return ApiError(
        status,
        f"No such {OBJECT_NAMES[resource]}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


# ---------------------------------------------------------------------------------------------
# Routes
@dataclass(frozen=True)
class Route:
    template: str  # e.g. "/v1/invoices/{id}/lines"; per-endpoint rate limits and stats use it
    # "list" | "retrieve" | "lines" (a parent's nested list) | "items" | "customer_payment_methods"
    # | "account" | "balance"
    kind: str
    resource: str  # whose permission it needs
    object_id: str | None = None  # percent-decoded: "735*$" for /v1/coupons/735%2A%24


LISTABLE = (*GENERATED_LISTS, "events")
RETRIEVABLE = (*LISTABLE, "subscription_items")
# Where Stripe's path differs from the resource's name.
PATHS = {
    "invoice_items": "invoiceitems", "checkout_sessions": "checkout/sessions",
    "top_ups": "topups", "early_fraud_warnings": "radar/early_fraud_warnings",
    "billing_meters": "billing/meters", "billing_credit_grants": "billing/credit_grants",
    "billing_credit_balance_transactions": "billing/credit_balance_transactions",
    # products.py: issuing_cards -> issuing/cards, terminal_readers -> terminal/readers…
    "webhook_endpoints": "webhook_endpoints", "apple_pay_domains": "apple_pay/domains",
    "billing_portal_configurations": "billing_portal/configurations",
    "reporting_report_runs": "reporting/report_runs",
    "entitlements_features": "entitlements/features",
    "financial_connections_accounts": "financial_connections/accounts",
    "financial_connections_transactions": "financial_connections/transactions",
    "account_tax_ids": "tax_ids",
    "three_d_secure_authentications": "three_d_secure/authentications",
    "product_catalog_trial_offers": "product_catalog/trial_offers",
    "sigma_scheduled_query_runs": "sigma/scheduled_query_runs",
    "billing_alerts": "billing/alerts", "billing_feedback_options": "billing/feedback_options",
    "forwarding_requests": "forwarding/requests", "tax_locations": "tax/locations",
    "entitlements_active_entitlements": "entitlements/active_entitlements",
    "payment_records": "payment_records", "payment_attempt_records": "payment_attempt_records",
    "apps_installs": "apps/installs",
    **{r: r.replace("_", "/", 1) for r in (
        "treasury_financial_accounts", "treasury_transactions", "treasury_transaction_entries",
        "treasury_received_credits", "treasury_inbound_transfers", "treasury_outbound_payments",
        "treasury_outbound_transfers", "treasury_received_debits", "treasury_credit_reversals",
        "treasury_debit_reversals", "identity_verification_sessions",
        "identity_verification_reports", "climate_orders", "radar_value_lists",
        "radar_value_list_items", "tax_registrations",
        "terminal_configurations", "terminal_locations", "terminal_readers",
        "issuing_physical_bundles", "issuing_personalization_designs", "issuing_cardholders",
        "issuing_cards", "issuing_authorizations", "issuing_transactions", "issuing_disputes",
        "issuing_tokens",
    )},
}  # fmt: skip
RESOURCE_AT = {PATHS.get(r, r): r for r in RETRIEVABLE}
_CUSTOMER_PMS = "/v1/customers/{id}/payment_methods"
_ID = "{id}"


# Every route: (template, kind, resource), in the order they are tried. In a template, "{id}"
# stands for one segment (never empty) and the other segments must match exactly.
_ROUTES: list[tuple[str, str, str]] = [
    ("/v1/account", "account", "account"),
    ("/v1/balance", "balance", "balance"),
    ("/v1/subscription_items", "items", "subscription_items"),
    *((f"/v1/{p}", "list", r) for p, r in RESOURCE_AT.items() if r in LISTABLE),
    *((url, "lines", r) for r, (_, _, url, _) in CHILDREN.items()),
    (_CUSTOMER_PMS, "customer_payment_methods", "payment_methods"),
    *((url, "apart", r) for r, (_, url, _) in APART.items()),
    ("/v1/tax_ids/{id}", "retrieve", "customer_tax_ids"),
    *((f"/v1/{p}/{_ID}", "retrieve", r) for p, r in RESOURCE_AT.items()),
]
# Segment count -> (the template's segments after the leading "/", template, kind, resource).
_ROUTES_BY_LENGTH: dict[int, list[tuple[list[str], str, str, str]]] = {}
for _template, _kind, _resource in _ROUTES:
    _parts = _template.split("/")[1:]
    _ROUTES_BY_LENGTH.setdefault(len(_parts), []).append((_parts, _template, _kind, _resource))


def path_of(resource: str) -> str:
    return f"/v1/{PATHS.get(resource, resource)}"


def path_segments(path: str) -> list[str]:
    """The raw path split on "/" first, then each segment percent-decoded (`+` is a space),
    as Stripe reads it: its libraries encode each id with quote_plus, so an id may hold any
    character, "/" included (%2F), while a raw "/" makes another segment."""
    if not path.isascii():
        # http.server reads the request line as latin-1; raw UTF-8 bytes are rare but legal.
        path = path.encode("latin-1", "replace").decode("utf-8", "replace")
    if path.endswith("/") and len(path) > 1:
        path = path[:-1]
    return [unquote_plus(segment) for segment in path.split("/")[1:]]


def match(path: str) -> Route | None:
    """The route of a raw (still percent-encoded) path; its object_id is decoded."""
    segments = path_segments(path)
    for constants, template, kind, resource in _ROUTES_BY_LENGTH.get(len(segments), ()):
        object_id = None
        for want, got in zip(constants, segments, strict=True):
            if want == _ID and got:
                object_id = got
            elif want != got:
                break
        else:
            return Route(template, kind, resource, object_id)
    return None


# ---------------------------------------------------------------------------------------------
# Query parameters
_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]*\])*)$")


def parse_params(query: str) -> dict[str, Any]:
    """Stripe's form encoding: a=1, a[b]=1 (hash), a[]=1 or a[0]=1 (array). Values are str;
    hashes are dicts and arrays lists."""
    out: dict[str, Any] = {}
    arrays: dict[str, list[tuple[int, int, str]]] = {}
    for n, (raw, values) in enumerate(parse_qs(query, keep_blank_values=True).items()):
        m = _KEY_RE.match(raw)
        subs = re.findall(r"\[([^\[\]]*)\]", m.group(2)) if m else None
        if m is None or subs is None or len(subs) > 1:
            raise invalid(f"Received unknown parameter: {raw}", raw, "parameter_unknown")
        name = m.group(1)
        if not subs:
            kind: type = str
        elif subs[0] == "" or subs[0].isdigit():
            kind = list
        else:
            kind = dict
        if name in out and not isinstance(out[name], kind):
            raise invalid(f"Invalid {name}: mixed value types", name)
        if kind is str:
            out[name] = values[-1]
        elif kind is dict:
            out.setdefault(name, {})[subs[0]] = values[-1]
        else:
            out.setdefault(name, [])
            index = int(subs[0]) if subs[0] else 1 << 30
            arrays.setdefault(name, []).extend((index, n, v) for v in values)
    for name, entries in arrays.items():
        out[name] = [v for _, _, v in sorted(entries)]
    return out


def _int(value: Any, param: str) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise invalid(f"Invalid integer: {value}", param, "parameter_invalid_integer")


def _bool(value: Any, param: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise invalid(f"Invalid boolean: {value}", param)


def _str(value: Any, param: str) -> str:
    if isinstance(value, str):
        return value
    raise invalid(f"Invalid string: {value}", param)


def _range(value: Any, param: str) -> tuple[int | None, int | None]:
    """created=N or created[gt|gte|lt|lte]=N -> inclusive (gte, lte) bounds."""
    if isinstance(value, str):
        n = _int(value, param)
        return n, n
    if not isinstance(value, dict):
        raise invalid(f"Invalid {param}", param)
    gte: int | None = None
    lte: int | None = None
    for op, raw in value.items():
        if op not in RANGE_OPS:
            raise invalid(
                f"Received unknown parameter: {param}[{op}]", f"{param}[{op}]", "parameter_unknown"
            )
        n = _int(raw, f"{param}[{op}]")
        if op in ("gt", "gte"):
            n = n + 1 if op == "gt" else n
            gte = n if gte is None else max(gte, n)
        else:
            n = n - 1 if op == "lt" else n
            lte = n if lte is None else min(lte, n)
    return gte, lte


def _in_range(bounds: tuple[int | None, int | None]) -> Callable[[Any], bool]:
    gte, lte = bounds
    return lambda v: v is not None and (gte is None or v >= gte) and (lte is None or v <= lte)


# ---------------------------------------------------------------------------------------------
# Filters: endpoint -> {param: factory(store, value, param) -> predicate}
Pred = Callable[[Obj], bool]
FilterFactory = Callable[[Store, Any, str], Pred]


def _eq(field: str) -> FilterFactory:
    """Equal to the field (``cardholder.id``: the id of the object the field holds)."""
    name, _, inner = field.partition(".")

    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _str(value, param)
        if inner:
            return lambda o: (o.get(name) or {}).get(inner) == v
        return lambda o: o.get(field) == v

    return factory


def _eq_int(field: str) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _int(value, param)
        return lambda o: o.get(field) == v

    return factory


def _eq_bool(field: str) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _bool(value, param)
        return lambda o: o.get(field) is v

    return factory


def _among(field: str) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        values = set(value) if isinstance(value, list) else {_str(value, param)}
        return lambda o: o.get(field) in values

    return factory


def _range_on(field: str) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        ok = _in_range(_range(value, param))
        return lambda o: ok(o.get(field))

    return factory


def _paid_out_by(store: Store, value: Any, param: str) -> Pred:
    # Only automatic payouts know which balance transactions they paid out (Stripe: "For
    # automatic Stripe payouts only").
    ids = set(store.gen.txns_by_payout.get(_str(value, param), ()))
    return lambda o: o["id"] in ids


def _invoice_payment_of(store: Store, value: Any, param: str) -> Pred:
    """payment[type]=payment_intent&payment[payment_intent]=pi_…: the invoice payments of
    one payment."""
    if not isinstance(value, dict) or "type" not in value:
        raise invalid("Missing required param: payment[type].", "payment[type]")
    kind = _str(value["type"], "payment[type]")
    wanted = value.get(kind)
    return lambda o: (
        o["payment"].get("type") == kind and (wanted is None or o["payment"].get(kind) == wanted)
    )


def _enum(field: str, values: tuple[str, ...]) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _str(value, param)
        if v not in values:
            raise invalid(f"Invalid {param}: must be one of {', '.join(values)}", param)
        return lambda o: o.get(field) == v

    return factory


def _pending(store: Store, value: Any, param: str) -> Pred:
    v = _bool(value, param)
    return lambda o: (o["invoice"] is None) is v


def _promotion_coupon(store: Store, value: Any, param: str) -> Pred:
    v = _str(value, param)
    return lambda o: o["promotion"]["coupon"] == v


def _of_credit_grant(field: str) -> FilterFactory:
    """A credit balance transaction names its grant only: filtered by the grant's field."""

    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _str(value, param)
        grants = store.collections["billing_credit_grants"].by_id
        return lambda o: (grants.get(o["credit_grant"]) or {}).get(field) == v

    return factory


def _archived(store: Store, value: Any, param: str) -> Pred:
    v = _bool(value, param)
    return lambda o: o["active"] is not v


def _design_preferences(store: Store, value: Any, param: str) -> Pred:
    if not isinstance(value, dict) or set(value) - {"is_default", "is_platform_default"}:
        raise invalid(f"Invalid {param}", param)
    want = {k: _bool(v, f"{param}[{k}]") for k, v in value.items()}
    return lambda o: all(o["preferences"].get(k) is v for k, v in want.items())


def _person_relationship(store: Store, value: Any, param: str) -> Pred:
    roles = {"authorizer", "director", "executive", "legal_guardian", "owner", "representative"}
    if not isinstance(value, dict) or set(value) - roles:
        raise invalid(f"Invalid {param}", param)
    want = {k: _bool(v, f"{param}[{k}]") for k, v in value.items()}
    return lambda o: all(bool(o["relationship"].get(k)) is v for k, v in want.items())


def _session_email(store: Store, value: Any, param: str) -> Pred:
    if not isinstance(value, dict) or set(value) != {"email"}:
        raise invalid(f"Invalid {param}", param)
    email = _str(value["email"], f"{param}[email]")
    return lambda o: (o["customer_details"] or {}).get("email") == email


def _price_recurring(store: Store, value: Any, param: str) -> Pred:
    if not isinstance(value, dict) or set(value) - {"interval", "meter", "usage_type"}:
        raise invalid(f"Invalid {param}", param)
    want = dict(value)
    return lambda o: (
        o["recurring"] is not None and all(o["recurring"].get(k) == v for k, v in want.items())
    )


def _invoice_status(store: Store, value: Any, param: str) -> Pred:
    v = _str(value, param)
    if v not in INVOICE_STATUSES:
        raise invalid(f"Invalid status: must be one of {', '.join(INVOICE_STATUSES)}", param)
    return lambda o: o["status"] == v


def _invoice_subscription(store: Store, value: Any, param: str) -> Pred:
    v = _str(value, param)

    def pred(o: Obj) -> bool:
        parent = o.get("parent") or {}
        return (parent.get("subscription_details") or {}).get("subscription") == v

    return pred


def _subscription_price(store: Store, value: Any, param: str) -> Pred:
    v = _str(value, param)
    return lambda o: any(it["price"]["id"] == v for it in store.items_by_sub.get(o["id"], []))


def _subscription_period(field: str) -> FilterFactory:
    def factory(store: Store, value: Any, param: str) -> Pred:
        ok = _in_range(_range(value, param))

        def pred(o: Obj) -> bool:
            items = store.items_by_sub.get(o["id"], [])
            return bool(items) and ok(items[0][field])

        return pred

    return factory


def _automatic_tax(store: Store, value: Any, param: str) -> Pred:
    if not isinstance(value, dict) or set(value) != {"enabled"}:
        raise invalid(f"Invalid {param}", param)
    v = _bool(value["enabled"], f"{param}[enabled]")
    return lambda o: o["automatic_tax"]["enabled"] is v


def _event_type(store: Store, value: Any, param: str) -> Pred:
    patterns = value if isinstance(value, list) else [_str(value, param)]
    if param == "types" and len(patterns) > 20:
        raise invalid("You may specify up to 20 types.", param)
    return lambda o: any(fnmatch.fnmatchcase(o["type"], p) for p in patterns)


_MOVED_OUT = ("canceled", "failed", "posted", "processing", "returned")


def _order_by(other: str) -> FilterFactory:
    """Treasury's order_by: created (the default) or ``other``; the sandbox lists by
    created either way (its objects' ``other`` follows their created)."""

    def factory(store: Store, value: Any, param: str) -> Pred:
        _enum("order_by", ("created", other))(store, value, param)
        return lambda o: True

    return factory


def _within(field: str, keys: tuple[str, ...]) -> FilterFactory:
    """A hash filter on a field's sub-fields: a range on a time (status_transitions[posted_at]),
    equality on anything else (linked_flows[source_flow_type])."""

    def factory(store: Store, value: Any, param: str) -> Pred:
        if not isinstance(value, dict) or not value or set(value) - set(keys):
            raise invalid(f"Invalid {param}", param)
        preds: list[Pred] = []
        for key, wanted in value.items():
            if key.endswith("_at"):
                ok = _in_range(_range(wanted, f"{param}[{key}]"))
                preds.append(lambda o, k=key, ok=ok: ok((o.get(field) or {}).get(k)))
            else:
                v = _str(wanted, f"{param}[{key}]")
                preds.append(lambda o, k=key, v=v: (o.get(field) or {}).get(k) == v)
        return lambda o: all(p(o) for p in preds)

    return factory


def _within_field(field: str, key: str) -> FilterFactory:
    """Equal to a sub-field (a usage alert's ``usage_threshold.meter``)."""

    def factory(store: Store, value: Any, param: str) -> Pred:
        v = _str(value, param)
        return lambda o: (o.get(field) or {}).get(key) == v

    return factory


def _created_after(store: Store, value: Any, param: str) -> Pred:
    v = _int(value, param)
    return lambda o: o["created"] > v


def _created_before(store: Store, value: Any, param: str) -> Pred:
    v = _int(value, param)
    return lambda o: o["created"] < v


def _account_holder(store: Store, value: Any, param: str) -> Pred:
    if not isinstance(value, dict) or len(value) != 1:
        raise invalid(f"Invalid {param}", param)
    ((key, wanted),) = value.items()
    if key not in ("account", "customer", "customer_account"):
        raise invalid(f"Invalid {param}", param)
    v = _str(wanted, f"{param}[{key}]")
    return lambda o: (o["account_holder"] or {}).get(key) == v


def _refreshed_after(store: Store, value: Any, param: str) -> Pred:
    """Transactions of refreshes after the one named: the sandbox keeps one refresh per
    account, so those of any other."""
    if not isinstance(value, dict) or set(value) != {"after"}:
        raise invalid(f"Invalid {param}", param)
    after = _str(value["after"], f"{param}[after]")
    return lambda o: o["transaction_refresh"] != after


def _value_listed(store: Store, value: Any, param: str) -> Pred:
    """Value lists holding an item of this value."""
    v = _str(value, param)
    lists = {i["value_list"] for i in store.collections["radar_value_list_items"].objs
             if i["value"] == v}  # fmt: skip
    return lambda o: o["id"] in lists


def _registration_status(store: Store, value: Any, param: str) -> Pred:
    v = _str(value, param)
    if v not in ("active", "all", "expired", "scheduled"):
        raise invalid(f"Invalid {param}: must be one of active, all, expired, scheduled", param)
    return (lambda o: True) if v == "all" else (lambda o: o["status"] == v)


def _tax_id_owner(store: Store, value: Any, param: str) -> Pred:
    """Tax ids by owner; without it, the account's own (owner[type]=self). The sandbox keeps
    a customer's under the customer (/v1/customers/{id}/tax_ids), so here it lists none."""
    if not isinstance(value, dict) or "type" not in value:
        raise invalid(f"Missing required param: {param}[type].", f"{param}[type]")
    _enum("type", ("account", "application", "customer", "self"))(store, value["type"], param)
    return lambda o: o["owner"]["type"] == value["type"]


def _delivery_success(store: Store, value: Any, param: str) -> Pred:
    v = _bool(value, param)
    return lambda o: (o["pending_webhooks"] == 0) is v


FILTERS: dict[str, dict[str, FilterFactory]] = {
    "customers": {"email": _eq("email"), "test_clock": _eq("test_clock")},
    "products": {"active": _eq_bool("active"), "ids": _among("id"),
                 "shippable": _eq_bool("shippable"), "type": _eq("type"), "url": _eq("url")},
    "prices": {"active": _eq_bool("active"), "currency": _eq("currency"),
               "product": _eq("product"), "type": _eq("type"),
               "lookup_keys": _among("lookup_key"), "recurring": _price_recurring},
    "subscriptions": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                      "collection_method": _eq("collection_method"),
                      "price": _subscription_price, "plan": _subscription_price,
                      "current_period_start": _subscription_period("current_period_start"),
                      "current_period_end": _subscription_period("current_period_end"),
                      "automatic_tax": _automatic_tax, "test_clock": _eq("test_clock")},
    "invoices": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                 "status": _invoice_status, "subscription": _invoice_subscription,
                 "collection_method": _eq("collection_method"), "due_date": _range_on("due_date")},
    "payment_intents": {"customer": _eq("customer"), "customer_account": _eq("customer_account")},
    "charges": {"customer": _eq("customer"), "payment_intent": _eq("payment_intent"),
                "transfer_group": _eq("transfer_group")},
    "refunds": {"charge": _eq("charge"), "payment_intent": _eq("payment_intent")},
    "balance_transactions": {"currency": _eq("currency"), "type": _eq("type"),
                             "source": _eq("source"), "payout": _paid_out_by},
    "events": {"type": _event_type, "types": _event_type,
               "delivery_success": _delivery_success},
    "disputes": {"charge": _eq("charge"), "payment_intent": _eq("payment_intent")},
    "payouts": {"arrival_date": _range_on("arrival_date"), "destination": _eq("destination"),
                "status": _eq("status")},
    "credit_notes": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                     "invoice": _eq("invoice")},
    "coupons": {},
    "promotion_codes": {"active": _eq_bool("active"), "code": _eq("code"),
                        "coupon": _promotion_coupon, "customer": _eq("customer"),
                        "customer_account": _eq("customer_account")},
    "tax_rates": {"active": _eq_bool("active"), "inclusive": _eq_bool("inclusive")},
    "invoice_items": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                      "invoice": _eq("invoice"), "pending": _pending},
    "plans": {"active": _eq_bool("active"), "product": _eq("product")},
    "setup_intents": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                      "payment_method": _eq("payment_method"),
                      "attach_to_self": _eq_bool("attach_to_self")},
    "payment_methods": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
                        "type": _eq("type"), "allow_redisplay": _eq("allow_redisplay")},
    "checkout_sessions": {"customer": _eq("customer"),
                          "customer_account": _eq("customer_account"),
                          "customer_details": _session_email,
                          "payment_intent": _eq("payment_intent"),
                          "payment_link": _eq("payment_link"),
                          "status": _enum("status", ("complete", "expired", "open")),
                          "subscription": _eq("subscription")},
    "transfers": {"destination": _eq("destination"), "transfer_group": _eq("transfer_group")},
    "application_fees": {"charge": _eq("charge")},
    "invoice_payments": {"invoice": _eq("invoice"), "payment": _invoice_payment_of,
                         "status": _enum("status", ("canceled", "open", "paid"))},
    "subscription_schedules": {"customer": _eq("customer"),
                               "customer_account": _eq("customer_account"),
                               "scheduled": _eq_bool("scheduled"),
                               "canceled_at": _range_on("canceled_at"),
                               "completed_at": _range_on("completed_at"),
                               "released_at": _range_on("released_at")},
    "quotes": {"customer": _eq("customer"), "customer_account": _eq("customer_account"),
               "status": _enum("status", ("accepted", "canceled", "draft", "open")),
               "test_clock": _eq("test_clock")},
    "payment_links": {"active": _eq_bool("active")},
    "shipping_rates": {"active": _eq_bool("active"), "currency": _eq("currency")},
    "top_ups": {"amount": _range_on("amount"),
                "status": _enum("status", ("canceled", "failed", "pending", "succeeded"))},
    "early_fraud_warnings": {"charge": _eq("charge"), "payment_intent": _eq("payment_intent")},
    "files": {"purpose": _eq("purpose")},
    "file_links": {"expired": _eq_bool("expired"), "file": _eq("file")},
    "billing_meters": {"status": _enum("status", ("active", "inactive"))},
    "billing_credit_grants": {"customer": _eq("customer"),
                              "customer_account": _eq("customer_account")},
    "billing_credit_balance_transactions": {"credit_grant": _eq("credit_grant"),
                                            "customer": _of_credit_grant("customer"),
                                            "customer_account":
                                                _of_credit_grant("customer_account")},
    "setup_attempts": {"setup_intent": _eq("setup_intent")},
    "reviews": {},
    "accounts": {},
    "webhook_endpoints": {},
    "payment_method_configurations": {"active": _eq_bool("active"),
                                      "application": _eq("application")},
    "payment_method_domains": {"domain_name": _eq("domain_name"), "enabled": _eq_bool("enabled")},
    "apple_pay_domains": {"domain_name": _eq("domain_name")},
    "billing_portal_configurations": {"active": _eq_bool("active"),
                                      "is_default": _eq_bool("is_default")},
    "invoice_rendering_templates": {"status": _enum("status", ("active", "archived"))},
    "reporting_report_runs": {},
    "entitlements_features": {"archived": _archived, "lookup_key": _eq("lookup_key")},
    "terminal_configurations": {"is_account_default": _eq_bool("is_account_default")},
    "terminal_locations": {},
    "terminal_readers": {"device_type": _eq("device_type"), "location": _eq("location"),
                         "serial_number": _eq("serial_number"),
                         "status": _enum("status", ("offline", "online"))},
    "issuing_physical_bundles": {"status": _enum("status", ("active", "inactive", "review")),
                                 "type": _enum("type", ("custom", "standard"))},
    "issuing_personalization_designs": {"lookup_keys": _among("lookup_key"),
                                        "preferences": _design_preferences,
                                        "status": _eq("status")},
    "issuing_cardholders": {"email": _eq("email"), "phone_number": _eq("phone_number"),
                            "status": _enum("status", ("active", "blocked", "inactive")),
                            "type": _enum("type", ("company", "individual"))},
    "issuing_cards": {"cardholder": _eq("cardholder.id"), "exp_month": _eq_int("exp_month"),
                      "exp_year": _eq_int("exp_year"), "last4": _eq("last4"),
                      "personalization_design": _eq("personalization_design"),
                      "status": _enum("status", ("active", "canceled", "inactive")),
                      "type": _enum("type", ("physical", "virtual"))},
    "issuing_authorizations": {"card": _eq("card.id"), "cardholder": _eq("cardholder"),
                               "status": _enum("status", ("closed", "expired", "pending",
                                                          "reversed"))},
    "issuing_transactions": {"card": _eq("card"), "cardholder": _eq("cardholder"),
                             "type": _enum("type", ("capture", "refund"))},
    "issuing_tokens": {"card": _eq("card"),
                       "status": _enum("status", ("active", "deleted", "requested", "suspended"))},
    "issuing_disputes": {"status": _enum("status", ("expired", "lost", "submitted",
                                                    "unsubmitted", "won")),
                         "transaction": _eq("transaction")},
    # finance.py
    "treasury_financial_accounts": {"status": _enum("status", ("closed", "open"))},
    "treasury_transactions": {
        "financial_account": _eq("financial_account"), "order_by": _order_by("posted_at"),
        "status": _enum("status", ("open", "posted", "void")),
        "status_transitions": _within("status_transitions", ("posted_at",))},
    "treasury_transaction_entries": {
        "financial_account": _eq("financial_account"), "effective_at": _range_on("effective_at"),
        "order_by": _order_by("effective_at"), "transaction": _eq("transaction")},
    "treasury_inbound_transfers": {
        "financial_account": _eq("financial_account"),
        "status": _enum("status", ("canceled", "failed", "processing", "succeeded"))},
    "treasury_outbound_payments": {
        "customer": _eq("customer"), "financial_account": _eq("financial_account"),
        "status": _enum("status", _MOVED_OUT)},
    "treasury_outbound_transfers": {
        "financial_account": _eq("financial_account"), "status": _enum("status", _MOVED_OUT)},
    "treasury_received_credits": {
        "financial_account": _eq("financial_account"),
        "linked_flows": _within("linked_flows", ("source_flow_type",)),
        "status": _enum("status", ("failed", "succeeded"))},
    "treasury_received_debits": {
        "financial_account": _eq("financial_account"),
        "status": _enum("status", ("failed", "succeeded"))},
    "treasury_credit_reversals": {
        "financial_account": _eq("financial_account"), "received_credit": _eq("received_credit"),
        "status": _enum("status", ("canceled", "posted", "processing"))},
    "treasury_debit_reversals": {
        "financial_account": _eq("financial_account"), "received_debit": _eq("received_debit"),
        "resolution": _enum("resolution", ("lost", "won")),
        "status": _enum("status", ("canceled", "completed", "processing"))},
    "financial_connections_accounts": {"account_holder": _account_holder,
                                       "session": _eq("session")},
    "financial_connections_transactions": {
        "account": _eq("account"), "transacted_at": _range_on("transacted_at"),
        "transaction_refresh": _refreshed_after},
    # products.py
    "identity_verification_sessions": {
        "client_reference_id": _eq("client_reference_id"),
        "related_customer": _eq("related_customer"),
        "related_customer_account": _eq("related_customer_account"),
        "status": _enum("status", ("canceled", "processing", "requires_input", "verified"))},
    "identity_verification_reports": {
        "client_reference_id": _eq("client_reference_id"),
        "type": _enum("type", ("document", "id_number")),
        "verification_session": _eq("verification_session")},
    "climate_orders": {},
    # configuration.py
    "radar_value_lists": {"alias": _eq("alias"), "contains": _value_listed},
    "radar_value_list_items": {"value": _eq("value"), "value_list": _eq("value_list")},
    "tax_registrations": {"status": _registration_status},
    "account_tax_ids": {"owner": _tax_id_owner},
    "tax_locations": {"type": _enum("type", ("performance",))},
    "sigma_scheduled_query_runs": {},
    "billing_alerts": {"alert_type": _enum("alert_type", ("usage_threshold",)),
                       "meter": _within_field("usage_threshold", "meter")},
    "billing_feedback_options": {"status": _enum("status", ("active", "inactive"))},
    "product_catalog_trial_offers": {"active": _eq_bool("active"), "prices": _among("price")},
    "three_d_secure_authentications": {"status": _enum("status", (
        "canceled", "error", "failed", "requires_challenge", "requires_submission",
        "succeeded"))},
    "forwarding_requests": {},
    # An active entitlement names no customer: the sandbox keeps whose it is apart.
    "entitlements_active_entitlements": {"customer": _eq("_customer")},
    # Its own names for a range of `created`.
    "payment_records": {"created_after": _created_after, "created_before": _created_before},
    "payment_attempt_records": {"payment_record": _eq("payment_record")},
    "apps_installs": {
        "account": _eq("account"), "app": _eq("app"),
        "approval_required": _eq_bool("approval_required"),
        "channel": _enum("channel", ("private_live", "private_test", "public", "testing")),
        "created_by": _eq("created_by"),
        "status": _enum("status", ("install_failed", "installed", "installing",
                                   "uninstall_failed", "uninstalling"))},
}  # fmt: skip
# Lists kept apart from their parent that take filters (the others take paging alone).
APART_FILTERS: dict[str, dict[str, FilterFactory]] = {
    "customer_balance_transactions": {"created": _range_on("created"), "invoice": _eq("invoice")},
    "persons": {"relationship": _person_relationship},
    "external_accounts": {"object": _enum("object", ("bank_account", "card"))},
    "customer_sources": {"object": _eq("object")},
    "financial_connections_account_owners": {"ownership": _eq("ownership")},
}
# Lists kept apart that need a filter: a linked account's owners, those of one refresh.
APART_REQUIRED = {"financial_connections_account_owners": "ownership"}
# Lists Stripe pages forwards only: they take no `ending_before`.
FORWARD_ONLY = frozenset({"payment_attempt_records"})
# Lists Stripe answers whole, without paging: they take `expand` alone.
UNPAGED = frozenset({"capabilities"})
# Stripe accepts `created` on every top-level list we serve (not on lines or items) but
# payment methods, quotes, payment links and meters. On invoice items it applies to their
# `date`.
CREATED_FILTER = frozenset(FILTERS) - {"payment_methods", "quotes", "payment_links",
                                       "billing_meters", "billing_credit_grants",
                                       "billing_credit_balance_transactions",
                                       "terminal_configurations", "terminal_locations",
                                       "terminal_readers", "issuing_physical_bundles",
                                       "issuing_personalization_designs", "webhook_endpoints",
                                       "payment_method_configurations", "payment_method_domains",
                                       "apple_pay_domains", "billing_portal_configurations",
                                       "invoice_rendering_templates",
                                       "entitlements_features", "treasury_inbound_transfers",
                                       "treasury_outbound_transfers", "treasury_received_credits",
                                       "treasury_received_debits", "treasury_credit_reversals",
                                       "treasury_debit_reversals",
                                       "financial_connections_accounts",
                                       "financial_connections_transactions", "climate_orders",
                                       "tax_registrations", "account_tax_ids",
                                       "tax_locations", "sigma_scheduled_query_runs",
                                       "billing_alerts", "billing_feedback_options",
                                       "entitlements_active_entitlements", "payment_records",
                                       "payment_attempt_records"}  # fmt: skip
# A customer's payment methods: /v1/customers/{id}/payment_methods takes these.
CUSTOMER_PM_FILTERS = {"type": _eq("type"), "allow_redisplay": _eq("allow_redisplay")}
# Links whose id may have been chosen by the account (a coupon's, a product's, a price's): the
# field tells what they are, as a chosen id need not have the prefix (or may look like another).
FIELD_RESOURCES = {"coupon": "coupons", "product": "products", "price": "prices"}


def accepted_params(route: Route) -> frozenset[str]:
    """The parameters a list takes: any other is a 400 parameter_unknown, as Stripe answers."""
    if route.kind == "customer_payment_methods":
        return PAGING | set(CUSTOMER_PM_FILTERS)
    if route.kind == "items":
        return PAGING | {"subscription"}
    if route.kind == "lines":
        return PAGING
    if route.kind == "apart":
        if route.resource in UNPAGED:
            return frozenset({"expand"})
        return PAGING | set(APART_FILTERS.get(route.resource, {}))
    created = {"created"} if route.resource in CREATED_FILTER else set()
    status = {"status"} if route.resource == "subscriptions" else set()  # filtered apart
    paging = PAGING - {"ending_before"} if route.resource in FORWARD_ONLY else PAGING
    return paging | set(FILTERS[route.resource]) | created | status


def _check_params(params: dict[str, Any], allowed: frozenset[str] | set[str]) -> None:
    for name in params:
        if name not in allowed:
            raise invalid(f"Received unknown parameter: {name}", name, "parameter_unknown")


def _paging(params: dict[str, Any]) -> tuple[int, str | None, str | None]:
    limit = 10
    if "limit" in params:
        limit = _int(params["limit"], "limit")
        if limit < 1:
            raise invalid("This value must be greater than or equal to 1.", "limit")
        if limit > 100:
            raise invalid("This value must be less than or equal to 100.", "limit")
    after = params.get("starting_after") or None
    before = params.get("ending_before") or None
    if after is not None and before is not None:
        raise invalid(
            "You may only specify one of these parameters: ending_before, starting_after.",
            "ending_before",
        )
    for name, v in (("starting_after", after), ("ending_before", before)):
        if v is not None:
            _str(v, name)
    return limit, after, before


def _expand_paths(params: dict[str, Any], *, is_list: bool) -> list[list[str]]:
    raw = params.get("expand", [])
    raw = raw if isinstance(raw, list) else [raw]
    out = []
    for path in raw:
        parts = _str(path, "expand").split(".")
        if is_list:
            if parts[0] != "data" or len(parts) < 2:
                raise invalid(f"This property cannot be expanded ({path}).", "expand")
            parts = parts[1:]
        if len(parts) > MAX_EXPAND_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                f"Property: {path}",
                "expand",
            )
        out.append(parts)
    return out


CanRead = Callable[[str], None]  # raises ApiError(403) when the key may not read a resource


def _expand(store: Store, obj: Obj, path: list[str], can_read: CanRead, full: str) -> Obj:
    head, rest = path[0], path[1:]
    if head not in obj:
        raise invalid(f"This property cannot be expanded ({full}).", "expand")
    value = obj[head]
    if isinstance(value, str):
        resource = FIELD_RESOURCES.get(head) or resource_of(value)
        target = store.get(resource, value) if resource else None
        if resource is None or target is None:
            return obj  # a link to something the sandbox does not model (ba_..., acct_...)
        can_read(resource)  # Stripe requires read access to whatever is expanded
        new = store.render(resource, target)
        if rest:
            new = _expand(store, new, rest, can_read, full)
    elif isinstance(value, dict) and rest:
        new = _expand(store, value, rest, can_read, full)
    else:
        return obj
    return {**obj, head: new}


def _apply_expand(
    store: Store, objs: list[Obj], paths: list[list[str]], can_read: CanRead, resource: str
) -> list[Obj]:
    for path in paths:
        if len(path) == 1 and path[0] in EXPAND_ONLY.get(resource, ()):
            objs = [store.expanded(resource, o, path[0]) for o in objs]
            continue
        full = ".".join(path)
        objs = [_expand(store, o, path, can_read, full) for o in objs]
    return objs


# ---------------------------------------------------------------------------------------------
def list_body(url: str, data: list[Obj], has_more: bool) -> Obj:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def check_product(store: Store, route: Route) -> None:
    """An endpoint of a product the account has not switched on answers 400 (before the
    key's permissions are looked at: the sandbox's choice, unverified against Stripe)."""
    product = PRODUCT_OF.get(route.resource)
    if product is not None and product not in store.products:
        raise invalid(not_set_up(product))


def dispatch(store: Store, route: Route, query: str, can_read: CanRead) -> tuple[int, Obj]:
    """Answers one GET. Raises ApiError for Stripe-style errors."""
    params = parse_params(query)
    with store.lock:
        if route.kind == "account":
            _check_params(params, {"expand"})
            return 200, store.account
        if route.kind == "balance":
            _check_params(params, {"expand"})
            return 200, store.balance()
        if route.kind == "retrieve":
            return 200, _retrieve(store, route, params, can_read)
        if route.kind in ("lines", "items", "customer_payment_methods", "apart"):
            return 200, _sub_list(store, route, params, can_read)
        return 200, _list(store, route, params, can_read)


def _retrieve(store: Store, route: Route, params: dict[str, Any], can_read: CanRead) -> Obj:
    _check_params(params, {"expand"})
    paths = _expand_paths(params, is_list=False)
    assert route.object_id is not None
    resource = route.resource
    obj = store.get(resource, route.object_id)
    if obj is None and resource == "customer_tax_ids":
        # /v1/tax_ids/{id} retrieves the account's own tax ids too.
        resource = "account_tax_ids"
        obj = store.get(resource, route.object_id)
    if (
        obj is not None
        and route.resource == "events"
        and obj["created"] < store.now() - EVENT_RETENTION
    ):
        obj = None  # Stripe retrieves events of the last 30 days only
    if obj is None and route.object_id in store.deleted_customers and route.resource == "customers":
        # Stripe answers a deleted customer (a DeletedCustomer), where other objects are 404.
        return {"id": route.object_id, "object": "customer", "deleted": True}
    if obj is None:
        raise no_such(route.resource, route.object_id, "id")
    rendered = [store.render(resource, obj)]
    return _apply_expand(store, rendered, paths, can_read, resource)[0]


def _list(store: Store, route: Route, params: dict[str, Any], can_read: CanRead) -> Obj:
    resource = route.resource
    filters = FILTERS[resource]
    _check_params(params, accepted_params(route))
    limit, after, before = _paging(params)
    paths = _expand_paths(params, is_list=True)
    if resource == "events" and "type" in params and "types" in params:
        raise invalid("You may only specify one of these parameters: type, types.", "type")
    preds = [filters[name](store, value, name) for name, value in params.items() if name in filters]
    if resource == "subscriptions":
        preds.append(_subscription_status(params.get("status")))
    for required in (p for r, (_, p) in BY_PARENT.items() if r == resource):
        if required not in params:
            raise invalid(f"Missing required param: {required}.", required, "parameter_missing")
    if resource == "reviews":
        # "Returns a list of Review objects that have open set to true": no filter shows
        # the closed ones.
        preds.append(lambda o: o["open"])
    if resource == "prices" and "active" not in params:
        # "Returns a list of your active prices … For the list of inactive prices, set
        # active to false."
        preds.append(lambda o: o["active"])
    gte, lte = _range(params["created"], "created") if "created" in params else (None, None)
    if resource == "events":
        since = store.now() - EVENT_RETENTION
        gte = since if gte is None else max(gte, since)
    coll = store.collections[resource]
    lo, hi = coll.window(gte, lte)
    pred = _all_of(preds)
    try:
        page, has_more = paginate(coll.objs, lo, hi, coll.position, pred, limit, after, before)
    except CursorMissing as e:
        raise no_such(resource, e.object_id, e.param, status=400) from None
    data = [store.render(resource, o) for o in page]
    data = _apply_expand(store, data, paths, can_read, resource)
    return list_body(route.template, data, has_more)


def _all_of(preds: list[Pred]) -> Pred | None:
    if not preds:
        return None
    return preds[0] if len(preds) == 1 else lambda o: all(p(o) for p in preds)


def _subscription_status(value: Any) -> Pred:
    if value is None:
        return lambda o: o["status"] != "canceled"  # Stripe hides canceled ones by default
    v = _str(value, "status")
    if v not in SUBSCRIPTION_STATUSES:
        raise invalid(
            f"Invalid status: must be one of {', '.join(SUBSCRIPTION_STATUSES)}", "status"
        )
    if v == "all":
        return lambda o: True
    if v == "ended":
        return lambda o: o["status"] in ("canceled", "incomplete_expired")
    return lambda o: o["status"] == v


def _sub_list(store: Store, route: Route, params: dict[str, Any], can_read: CanRead) -> Obj:
    """A parent's nested list (/v1/invoices/{id}/lines, /v1/credit_notes/{id}/lines,
    /v1/transfers/{id}/reversals, /v1/application_fees/{id}/refunds,
    /v1/subscription_items?subscription=) in the same order as its embedded list, or a
    customer's payment methods (/v1/customers/{id}/payment_methods), newest first."""
    pred: Pred | None = None
    if route.kind == "apart":
        _check_params(params, accepted_params(route))
        assert route.object_id is not None
        resource = route.resource
        parent, template, _ = APART[resource]
        if route.object_id not in store.collections[parent].by_id:
            raise no_such(parent, route.object_id, "id")
        required = APART_REQUIRED.get(resource)
        if required is not None and required not in params:
            raise invalid(f"Missing required param: {required}.", required, "parameter_missing")
        objs = store.apart_list(resource, route.object_id)
        url = template.format(id=route.object_id)
        filters = APART_FILTERS.get(resource, {})
        pred = _all_of([filters[k](store, v, k) for k, v in params.items() if k in filters])
    elif route.kind == "customer_payment_methods":
        _check_params(params, accepted_params(route))
        assert route.object_id is not None
        if route.object_id not in store.collections["customers"].by_id:
            raise no_such("customers", route.object_id, "customer")
        objs, resource = store.customer_payment_methods(route.object_id), "payment_methods"
        url = _CUSTOMER_PMS.format(id=route.object_id)
        pred = _all_of([CUSTOMER_PM_FILTERS[k](store, v, k) for k, v in params.items()
                        if k in CUSTOMER_PM_FILTERS])  # fmt: skip
    elif route.kind == "items":
        _check_params(params, accepted_params(route))
        if "subscription" not in params:
            raise invalid(
                "Missing required param: subscription.", "subscription", "parameter_missing"
            )
        parent_id = _str(params["subscription"], "subscription")
        if parent_id not in store.collections["subscriptions"].by_id:
            raise no_such("subscriptions", parent_id, "subscription")
        objs, url, resource = (
            store.items_by_sub.get(parent_id, []),
            route.template,
            "subscription_items",
        )
    else:
        _check_params(params, accepted_params(route))
        assert route.object_id is not None
        parent_id, resource = route.object_id, route.resource
        parent, _, template, _ = CHILDREN[resource]
        if parent_id not in store.collections[parent].by_id:
            raise no_such(parent, parent_id, OBJECT_NAMES[parent])
        objs = store.children[resource].get(parent_id, [])
        url = template.format(id=parent_id)
    limit, after, before = _paging(params)
    paths = _expand_paths(params, is_list=True)
    index = {o["id"]: i for i, o in enumerate(objs)}
    try:
        page, has_more = paginate(objs, 0, len(objs), index.get, pred, limit, after, before)
    except CursorMissing as e:
        raise no_such(resource, e.object_id, e.param, status=400) from None
    return list_body(url, _apply_expand(store, page, paths, can_read, resource), has_more)
