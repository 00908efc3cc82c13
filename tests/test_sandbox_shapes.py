"""The sandbox's objects have the shape stripe 16.1.0 (API 2026-10-28.endive) declares, and the
generated business has the properties the tap's tests rely on."""

from __future__ import annotations

import decimal
import json
import re
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe
from stripe._list_object import ListObject
from stripe._object_classes import get_object_class
from stripe._stripe_object import StripeObject, UntypedStripeObject

from tests.stripe_sandbox import (
    ALL_PRODUCTS,
    API_VERSION,
    DEMO_ACCOUNT_ID,
    RESOURCES,
    StripeSandbox,
)
from tests.stripe_sandbox.data import EVENT_RETENTION, created_at
from tests.stripe_sandbox.more import fields_of, resolve

NOW = 1_795_000_000  # a fixed clock keeps the data identical from run to run
SCHEMAS = Path(__file__).resolve().parent.parent / "tap_stripe_readonly" / "schemas"

CLASSES: dict[str, type[StripeObject]] = {
    "customers": stripe.Customer, "products": stripe.Product, "prices": stripe.Price,
    "subscriptions": stripe.Subscription, "subscription_items": stripe.SubscriptionItem,
    "invoices": stripe.Invoice, "invoice_line_items": stripe.InvoiceLineItem,
    "payment_intents": stripe.PaymentIntent, "charges": stripe.Charge, "refunds": stripe.Refund,
    "balance_transactions": stripe.BalanceTransaction, "events": stripe.Event,
    "disputes": stripe.Dispute, "payouts": stripe.Payout, "credit_notes": stripe.CreditNote,
    "credit_note_line_items": stripe.CreditNoteLineItem, "coupons": stripe.Coupon,
    "promotion_codes": stripe.PromotionCode, "tax_rates": stripe.TaxRate,
    "invoice_items": stripe.InvoiceItem, "plans": stripe.Plan,
    "setup_intents": stripe.SetupIntent, "payment_methods": stripe.PaymentMethod,
    "checkout_sessions": stripe.checkout.Session, "transfers": stripe.Transfer,
    "transfer_reversals": stripe.TransferReversal, "application_fees": stripe.ApplicationFee,
    "application_fee_refunds": stripe.ApplicationFeeRefund,
    "invoice_payments": stripe.InvoicePayment,
    "subscription_schedules": stripe.SubscriptionSchedule, "quotes": stripe.Quote,
    "quote_line_items": stripe.LineItem, "payment_links": stripe.PaymentLink,
    "payment_link_line_items": stripe.LineItem, "checkout_session_line_items": stripe.LineItem,
    "shipping_rates": stripe.ShippingRate, "top_ups": stripe.Topup,
    "early_fraud_warnings": stripe.radar.EarlyFraudWarning, "files": stripe.File,
    "file_links": stripe.FileLink, "billing_meters": stripe.billing.Meter,
    "setup_attempts": stripe.SetupAttempt, "product_features": stripe.ProductFeature,
    "customer_tax_ids": stripe.TaxId,
    "customer_balance_transactions": stripe.CustomerBalanceTransaction,
    "payout_balance_transactions": stripe.BalanceTransaction, "reviews": stripe.Review,
    "customer_cash_balance_transactions": stripe.CustomerCashBalanceTransaction,
    "billing_credit_grants": stripe.billing.CreditGrant,
    "billing_credit_balance_transactions": stripe.billing.CreditBalanceTransaction,
    "terminal_configurations": stripe.terminal.Configuration,
    "terminal_locations": stripe.terminal.Location, "terminal_readers": stripe.terminal.Reader,
    "issuing_physical_bundles": stripe.issuing.PhysicalBundle,
    "issuing_personalization_designs": stripe.issuing.PersonalizationDesign,
    "issuing_cardholders": stripe.issuing.Cardholder, "issuing_cards": stripe.issuing.Card,
    "issuing_authorizations": stripe.issuing.Authorization,
    "issuing_transactions": stripe.issuing.Transaction,
    "issuing_disputes": stripe.issuing.Dispute, "issuing_tokens": stripe.issuing.Token,
    "accounts": stripe.Account,
    "persons": stripe.Person, "external_accounts": stripe.BankAccount,
    "capabilities": stripe.Capability, "webhook_endpoints": stripe.WebhookEndpoint,
    "payment_method_configurations": stripe.PaymentMethodConfiguration,
    "payment_method_domains": stripe.PaymentMethodDomain,
    "apple_pay_domains": stripe.ApplePayDomain,
    "billing_portal_configurations": stripe.billing_portal.Configuration,
    "invoice_rendering_templates": stripe.InvoiceRenderingTemplate,
    "reporting_report_runs": stripe.reporting.ReportRun,
    "entitlements_features": stripe.entitlements.Feature,
    "treasury_financial_accounts": stripe.treasury.FinancialAccount,
    "treasury_transactions": stripe.treasury.Transaction,
    "treasury_transaction_entries": stripe.treasury.TransactionEntry,
    "treasury_received_credits": stripe.treasury.ReceivedCredit,
    "treasury_inbound_transfers": stripe.treasury.InboundTransfer,
    "treasury_outbound_payments": stripe.treasury.OutboundPayment,
    "treasury_outbound_transfers": stripe.treasury.OutboundTransfer,
    "treasury_received_debits": stripe.treasury.ReceivedDebit,
    "treasury_credit_reversals": stripe.treasury.CreditReversal,
    "treasury_debit_reversals": stripe.treasury.DebitReversal,
    "financial_connections_accounts": stripe.financial_connections.Account,
    "financial_connections_transactions": stripe.financial_connections.Transaction,
    "identity_verification_sessions": stripe.identity.VerificationSession,
    "identity_verification_reports": stripe.identity.VerificationReport,
    "climate_orders": stripe.climate.Order, "radar_value_lists": stripe.radar.ValueList,
    "radar_value_list_items": stripe.radar.ValueListItem,
    "tax_registrations": stripe.tax.Registration, "account_tax_ids": stripe.TaxId,
    "tax_locations": stripe.tax.Location,
    "sigma_scheduled_query_runs": stripe.sigma.ScheduledQueryRun,
    "billing_alerts": stripe.billing.Alert,
    "billing_feedback_options": stripe.billing.FeedbackOption,
    "product_catalog_trial_offers": stripe.product_catalog.TrialOffer,
    "three_d_secure_authentications": stripe.three_d_secure.Authentication,
    "forwarding_requests": stripe.forwarding.Request,
    "entitlements_active_entitlements": stripe.entitlements.ActiveEntitlement,
    "quote_computed_upfront_line_items": stripe.LineItem,
    "payment_intent_amount_details_line_items": stripe.PaymentIntentAmountDetailsLineItem,
    "payment_records": stripe.PaymentRecord,
    "payment_attempt_records": stripe.PaymentAttemptRecord, "customer_sources": stripe.Card,
    "apps_installs": stripe.apps.Install,
    "financial_connections_account_owners": stripe.financial_connections.AccountOwner,
}  # fmt: skip
# Coupons and plans have no prefix: a coupon's id is whatever its owner chose (or 8 random
# characters), a plan's is its price's.
PREFIXES = {
    "customers": "cus_", "products": "prod_", "prices": "price_", "subscriptions": "sub_",
    "subscription_items": "si_", "invoices": "in_", "invoice_line_items": "il_",
    "payment_intents": "pi_", "charges": "ch_", "refunds": "re_",
    "balance_transactions": "txn_", "events": "evt_", "disputes": "du_", "payouts": "po_",
    "credit_notes": "cn_", "credit_note_line_items": "cnli_", "promotion_codes": "promo_",
    "tax_rates": "txr_", "invoice_items": "ii_", "setup_intents": "seti_",
    "payment_methods": "pm_", "checkout_sessions": "cs_live_", "transfers": "tr_",
    "transfer_reversals": "trr_", "application_fees": "fee_", "application_fee_refunds": "fr_",
    "invoice_payments": "inpay_", "subscription_schedules": "sub_sched_", "quotes": "qt_",
    "quote_line_items": "li_", "payment_links": "plink_", "payment_link_line_items": "li_",
    "checkout_session_line_items": "li_", "shipping_rates": "shr_", "top_ups": "tu_",
    "early_fraud_warnings": "issfr_", "files": "file_", "file_links": "link_",
    "billing_meters": "mtr_", "setup_attempts": "setatt_", "product_features": "prodft_",
    "customer_tax_ids": "txi_", "customer_balance_transactions": "cbtxn_", "reviews": "prv_",
    "customer_cash_balance_transactions": "ccsbtxn_", "billing_credit_grants": "credgr_",
    "billing_credit_balance_transactions": "cbtxn_61",
    "terminal_configurations": "tmc_", "terminal_locations": "tml_", "terminal_readers": "tmr_",
    "issuing_physical_bundles": "ics_", "issuing_personalization_designs": "pd_",
    "issuing_cardholders": "ich_", "issuing_cards": "ic_", "issuing_authorizations": "iauth_",
    "issuing_transactions": "ipi_", "issuing_disputes": "idp_", "issuing_tokens": "intok_",
    "accounts": "acct_1",
    "persons": "person_", "external_accounts": "ba_", "webhook_endpoints": "we_",
    "payment_method_configurations": "pmc_", "payment_method_domains": "pmd_",
    "apple_pay_domains": "apwc_", "billing_portal_configurations": "bpc_",
    "invoice_rendering_templates": "inrtem_", "reporting_report_runs": "frr_",
    "entitlements_features": "feat_",
    "treasury_financial_accounts": "fa_", "treasury_transactions": "trxn_",
    "treasury_transaction_entries": "trxne_", "treasury_received_credits": "rc_",
    "treasury_inbound_transfers": "ibt_", "treasury_outbound_payments": "obp_",
    "treasury_outbound_transfers": "obt_", "treasury_received_debits": "rd_",
    "treasury_credit_reversals": "credrev_", "treasury_debit_reversals": "debrev_",
    "financial_connections_accounts": "fca_", "financial_connections_transactions": "fctxn_",
    "identity_verification_sessions": "vs_", "identity_verification_reports": "vr_",
    "climate_orders": "climorder_", "radar_value_lists": "rsl_", "radar_value_list_items": "rsli_",
    "tax_registrations": "taxreg_", "account_tax_ids": "txi_", "tax_locations": "taxloc_",
    "sigma_scheduled_query_runs": "sqr_", "billing_alerts": "alrt_",
    "billing_feedback_options": "bfo_", "product_catalog_trial_offers": "trlof_",
    "three_d_secure_authentications": "threeds_", "forwarding_requests": "fwdreq_",
    "entitlements_active_entitlements": "ent_", "quote_computed_upfront_line_items": "li_",
    "payment_intent_amount_details_line_items": "pili_", "payment_records": "pr_",
    "payment_attempt_records": "par_", "customer_sources": "card_", "apps_installs": "appinst_",
    "financial_connections_account_owners": "fcaown_",
}  # fmt: skip
# After the prefix; others 14 to 24. A billing credit transaction has the newer form: cbtxn_61….
ID_LENGTHS = {"checkout_sessions": "58", "billing_credit_balance_transactions": "28"}


def object_class(name: str) -> type[StripeObject]:
    """The stripe class of an object by its `object` name, from stripe's own table."""
    cls = get_object_class("V1", name)
    assert cls is not StripeObject, f"stripe 16.1.0 has no class for {name!r}"
    return cls


def event_problems(evt: dict[str, Any]) -> Iterator[str]:
    """An event's data.object (untyped in stripe.Event) against the class it names, and its
    previous_attributes against that class's fields."""
    inner = evt["data"]["object"]
    cls = object_class(inner["object"])
    yield from check(inner, cls, f"{evt['id']}.data.object")
    for key, value in (evt["data"].get("previous_attributes") or {}).items():
        if key not in fields_of(cls):
            yield f"{evt['id']}.previous.{key}: not a field of {cls.__qualname__}"
        else:
            yield from check(value, fields_of(cls)[key], f"{evt['id']}.previous.{key}")


@pytest.fixture(scope="module")
def sb() -> StripeSandbox:
    # Data only: no server needed. Issuing on, so that its objects are checked too.
    # A connected account, so that the platform lists one.
    return StripeSandbox(scale=0.05, seed=42, now=NOW, products=ALL_PRODUCTS, connected_accounts=1)


# ---------------------------------------------------------------------------------------------
# A checker of JSON values against the stripe package's type annotations.
def check(value: Any, tp: Any, path: str) -> Iterator[str]:
    """Yields a message per mismatch between a JSON value and a stripe type annotation."""
    tp = resolve(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is None:
        yield f"{path}: unresolvable type"
    elif tp is typing.Any:
        return
    elif origin is typing.Union:
        if value is None and type(None) in args:
            return
        results = [list(check(value, a, path)) for a in args if a is not type(None)]
        if not any(not r for r in results):
            yield from min(results, key=len)
    elif value is None:
        yield f"{path}: null, but the field is not Optional"
    elif origin is typing.Literal:
        if value not in args:
            yield f"{path}: {value!r} not in {args}"
    elif origin in (list, typing.List):  # noqa: UP006 - annotations use typing.List
        if not isinstance(value, list):
            yield f"{path}: expected a list, got {type(value).__name__}"
        else:
            for i, v in enumerate(value):
                yield from check(v, args[0], f"{path}[{i}]")
    elif origin is ListObject or tp is ListObject:
        if not isinstance(value, dict):
            yield f"{path}: expected a list object"
            return
        extra = set(value) - {"object", "data", "has_more", "total_count", "url"}
        if extra or value.get("object") != "list" or not isinstance(value.get("data"), list):
            yield f"{path}: malformed list object (extra keys {sorted(extra)})"
            return
        for i, v in enumerate(value["data"]):
            yield from check(v, args[0] if args else typing.Any, f"{path}.data[{i}]")
    elif origin is UntypedStripeObject:
        if not isinstance(value, dict):
            yield f"{path}: expected an object"
            return
        for k, v in value.items():
            yield from check(v, args[0] if args else typing.Any, f"{path}.{k}")
    elif isinstance(tp, type) and issubclass(tp, StripeObject):
        if not isinstance(value, dict):
            yield f"{path}: expected a {tp.__qualname__} object, got {type(value).__name__}"
            return
        fields = fields_of(tp)
        for k, v in value.items():
            if k not in fields:
                yield f"{path}.{k}: not a field of {tp.__qualname__}"
            else:
                yield from check(v, fields[k], f"{path}.{k}")
    elif tp is bool:
        if not isinstance(value, bool):
            yield f"{path}: expected bool, got {value!r}"
    elif tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            yield f"{path}: expected int, got {value!r}"
    elif tp is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            yield f"{path}: expected a number, got {value!r}"
    elif tp is str:
        if not isinstance(value, str):
            yield f"{path}: expected str, got {value!r}"
    elif tp is decimal.Decimal:
        # Stripe sends decimals as strings ("1500", "12.5").
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+(\.\d+)?", value):
            yield f"{path}: expected a decimal string, got {value!r}"
    else:
        yield f"{path}: unhandled annotation {tp!r}"


def test_checker_catches_mistakes() -> None:
    bad = {
        "id": "cus_1",
        "object": "customer",
        "created": "yesterday",
        "balance": True,
        "subscription": "sub_1",
        "metadata": {"n": 1},
        "livemode": None,
    }
    problems = "\n".join(check(bad, stripe.Customer, "customer"))
    for expected in (
        "customer.created: expected int",
        "customer.balance: expected int",
        "customer.subscription: not a field",
        "customer.metadata.n: expected str",
        "customer.livemode: null",
    ):
        assert expected in problems


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
def test_every_field_exists_in_the_stripe_class(sb: StripeSandbox, resource: str) -> None:
    objects = sb.objects(resource)
    assert objects
    cls = CLASSES[resource]
    top_level = set(fields_of(cls))
    problems: list[str] = []
    for obj in objects:
        assert set(obj) <= top_level, set(obj) - top_level
        problems.extend(check(obj, cls, f"{resource}[{obj['id']}]"))
        if resource == "events":
            problems.extend(event_problems(obj))
    assert not problems, "\n".join(problems[:30])


def test_account_matches_the_stripe_class(sb: StripeSandbox) -> None:
    account = sb.store.account
    assert account["id"] == DEMO_ACCOUNT_ID
    assert not list(check(account, stripe.Account, "account"))


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason="the tap's schemas are not generated yet")
@pytest.mark.parametrize("resource", [r for r in RESOURCES if (SCHEMAS / f"{r}.json").exists()])
def test_the_taps_schemas_accept_every_object(sb: StripeSandbox, resource: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / f"{resource}.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    for obj in sb.objects(resource):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]
        assert not errors, (obj["id"], errors[:5])


# ---------------------------------------------------------------------------------------------
def test_ids_have_stripe_prefixes_and_a_fixed_format(sb: StripeSandbox) -> None:
    seen: set[str] = set()
    for resource, prefix in PREFIXES.items():
        ids = sb.ids(resource)
        assert ids
        length = ID_LENGTHS.get(resource, "14,24")
        assert all(re.fullmatch(rf"{prefix}[0-9A-Za-z]{{{length}}}", i) for i in ids), resource
        assert not ids & seen
        seen |= ids


def timed(resource: str) -> bool:
    """Whether the resource's objects say when they were made (line items and payment links
    do not)."""
    return resource == "invoice_items" or "created" in fields_of(CLASSES[resource])


def test_objects_are_in_the_past_and_linksresolve(sb: StripeSandbox) -> None:
    ids = {r: sb.ids(r) for r in RESOURCES}
    for resource in RESOURCES:
        for obj in sb.objects(resource):
            if timed(resource) and resource not in ("invoice_line_items", "credit_note_line_items"):
                assert created_at(resource, obj) <= NOW, (resource, obj["id"])
            if resource not in (
                "events",
                "balance_transactions",
                "subscription_items",
                "invoice_line_items",
                "refunds",
                "transfer_reversals",
                "application_fee_refunds",
            ) and "livemode" in fields_of(CLASSES[resource]):
                assert obj["livemode"] is True
            if "customer" in obj and obj["customer"] is not None:
                assert obj["customer"] in ids["customers"]
    for inv in sb.objects("invoices"):
        parent = inv["parent"]
        if parent is not None:
            assert parent["subscription_details"]["subscription"] in ids["subscriptions"]
        lines = inv["lines"]
        assert len(lines["data"]) == min(10, lines["total_count"])
        assert lines["has_more"] is (lines["total_count"] > 10)
    for line in sb.objects("invoice_line_items"):
        assert line["invoice"] in ids["invoices"]
        details = line["parent"]["subscription_item_details"]
        if details is not None:
            assert details["subscription_item"] in ids["subscription_items"]
        assert line["pricing"]["price_details"]["price"] in ids["prices"]
    for item in sb.objects("subscription_items"):
        assert item["subscription"] in ids["subscriptions"]
        assert item["price"]["id"] in ids["prices"]
        assert item["current_period_start"] < item["current_period_end"]
    for ch in sb.objects("charges"):
        assert ch["payment_intent"] in ids["payment_intents"]
        if ch["status"] == "succeeded":
            assert ch["balance_transaction"] in ids["balance_transactions"]
    for re_ in sb.objects("refunds"):
        assert re_["charge"] in ids["charges"]
    for trr in sb.objects("transfer_reversals"):
        assert trr["transfer"] in ids["transfers"]
    for fr in sb.objects("application_fee_refunds"):
        assert fr["fee"] in ids["application_fees"]
    funding = ("charges", "refunds", "disputes", "payouts", "transfers", "transfer_reversals",
               "application_fees", "application_fee_refunds")  # fmt: skip
    sources = set().union(*(ids[r] for r in funding))
    assert all(t["source"] in sources for t in sb.objects("balance_transactions"))


def test_the_business_has_the_cases_a_tap_must_handle(sb: StripeSandbox) -> None:
    counts = sb.counts()
    assert counts["customers"] == 100 + 120  # and one CRM import (below)
    assert counts["products"] >= 3
    subs = sb.objects("subscriptions")
    statuses = {s["status"] for s in subs}
    assert {"active", "canceled", "past_due"} <= statuses
    assert any(s["items"]["total_count"] > 10 and s["items"]["has_more"] for s in subs)
    invoices = sb.objects("invoices")
    assert any(i["lines"]["total_count"] > 10 and i["lines"]["has_more"] for i in invoices)
    assert {"paid", "open", "draft"} <= {i["status"] for i in invoices}
    assert any(p["type"] == "one_time" for p in sb.objects("prices"))
    assert any(not p["active"] for p in sb.objects("prices"))
    assert sb.objects("refunds")
    # Spread over years, with many objects sharing days but not ids.
    created = [c["created"] for c in sb.objects("customers")]
    assert NOW - min(created) > 3 * 365 * 86400
    # Only the last 30 days of events, newest first.
    events = sb.objects("events")
    assert all(e["created"] >= NOW - EVENT_RETENTION for e in events)
    assert {"customer.created", "invoice.created", "charge.succeeded"} <= {
        e["type"] for e in events
    }
    assert all(e["api_version"] == API_VERSION for e in events)
    # Same-second bursts, beyond the 30 days of events: a CRM import of customers, and a
    # billing migration of paid invoices with their payments, charges and balance transactions.
    t_import, n_import = Counter(created).most_common(1)[0]
    assert n_import == 120
    assert t_import < NOW - EVENT_RETENTION
    t_migration, n_migrated = Counter(i["created"] for i in invoices).most_common(1)[0]
    assert n_migrated > 100
    assert t_migration < NOW - EVENT_RETENTION
    migrated = [i for i in invoices if i["created"] == t_migration]
    assert all(i["status_transitions"]["paid_at"] == t_migration for i in migrated)
    assert all(i["lines"]["total_count"] >= 1 for i in migrated)
    for resource in ("payment_intents", "charges", "balance_transactions"):
        same_second = [o for o in sb.objects(resource) if o["created"] == t_migration]
        assert len(same_second) >= n_migrated, resource


def test_objects_are_newest_first(sb: StripeSandbox) -> None:
    nested = {
        "transfer_reversals": "transfer",
        "application_fee_refunds": "fee",
        "customer_tax_ids": "customer",
        "customer_balance_transactions": "customer",
        "customer_cash_balance_transactions": "customer",
    }
    for resource in RESOURCES:
        if resource in ("invoice_line_items", "credit_note_line_items") or not timed(resource):
            continue  # in their parents' order, or not timed at all
        if resource == "payout_balance_transactions":
            continue  # balance transactions, newest first per payout (which they do not name)
        by_parent: dict[str, list[int]] = {}
        for o in sb.objects(resource):
            # Reversals and fee refunds: newest first in each parent's list.
            by_parent.setdefault(o[nested[resource]] if resource in nested else "", []).append(
                created_at(resource, o)
            )
        for created in by_parent.values():
            assert created == sorted(created, reverse=True), resource


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = StripeSandbox(scale=0.02, seed=1, now=NOW)
    b = StripeSandbox(scale=0.02, seed=1, now=NOW)
    c = StripeSandbox(scale=0.02, seed=2, now=NOW)
    assert a.objects("invoices") == b.objects("invoices")
    assert a.objects("events") == b.objects("events")
    assert a.ids("customers") != c.ids("customers")


def test_small_scales_still_have_truncating_lists() -> None:
    sb = StripeSandbox(scale=0.02, seed=7, now=NOW)
    assert any(s["items"]["has_more"] for s in sb.objects("subscriptions"))
    assert any(i["lines"]["has_more"] for i in sb.objects("invoices"))
    assert any(s["status"] == "canceled" for s in sb.objects("subscriptions"))


def test_objects_made_by_create_update_delete_keep_the_shape() -> None:
    sb = StripeSandbox(scale=0.02, seed=9, now=NOW)
    for resource in ("customers", "products", "prices", "charges", "payment_intents", "refunds"):
        sb.create(resource)
    sb.create("invoices", lines=12)
    sub = sb.create("subscriptions", items=11)
    sb.update("subscription_items", sub["items"]["data"][0]["id"], {"quantity": 3})
    sb.update("customers", sb.objects("customers")[-1]["id"], {"email": "changed@example.test"})
    sb.delete("subscriptions", sb.objects("subscriptions")[-1]["id"])
    sb.delete("customers", sb.objects("customers")[5]["id"])
    problems: list[str] = []
    for resource in RESOURCES:
        for obj in sb.objects(resource):
            problems.extend(check(obj, CLASSES[resource], f"{resource}[{obj['id']}]"))
    for evt in sb.objects("events"):
        problems.extend(event_problems(evt))
    assert not problems, "\n".join(problems[:30])
