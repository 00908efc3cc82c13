"""The stream declarations agree with Stripe's own types and events."""

from __future__ import annotations

import inspect
import re

import pytest
import stripe

from tap_stripe_readonly.client import StripeChildStream
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import sync, tap_config

STRIPE_EVENT_TYPES = set(
    re.findall(
        r'"([a-z_.]+)"',
        re.search(r"type: Literal\[(.*?)\]", inspect.getsource(stripe.Event), re.S)[1],  # type: ignore[index]
    )
)
IDS = [s.name for s in STREAM_TYPES]


def stripe_class(dotted: str) -> type:
    found = stripe
    for part in dotted.split("."):
        found = getattr(found, part)
    return found  # type: ignore[return-value]


def test_stripe_s_event_list_was_read():
    assert len(STRIPE_EVENT_TYPES) > 250 and "invoice.paid" in STRIPE_EVENT_TYPES


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=IDS)
def test_event_types_are_stripe_s_and_fit_one_request(stream):
    changed_by = [e for rule in stream.changed_by for e in rule.event_types]
    assert set(stream.event_types) | set(changed_by) <= STRIPE_EVENT_TYPES
    children = [c for c in STREAM_TYPES if getattr(c, "parent_stream_type", None) is stream]
    own = [*stream.event_types, *(e for c in children for e in c.event_types)]
    assert len(own) == len(set(own))
    read_together = {*own, *changed_by}  # a customer's tax id: its own, and its customer's
    assert len(read_together) <= 20, "Stripe takes at most 20 types in one list of events"


@pytest.mark.parametrize("stream", [s for s in STREAM_TYPES if s.changed_by], ids=lambda s: s.name)
def test_the_field_naming_a_changed_object_is_the_other_object_s(stream):
    """``changed_by``: the objects of those events name this stream's object in ``field``."""
    classes = {
        "customer.discount": stripe.Discount,
        "customer.tax_id": stripe.TaxId,
        "customer.source": stripe.Card,
        "charge.dispute": stripe.Dispute,
        "invoiceitem": stripe.InvoiceItem,
        "entitlements.active_entitlement_summary": stripe.entitlements.ActiveEntitlementSummary,
    }
    for rule in stream.changed_by:
        for event_type in rule.event_types:
            cls = classes[event_type.rsplit(".", 1)[0]]
            assert rule.field in inspect.get_annotations(cls), (event_type, rule.field)


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=IDS)
def test_object_name_and_created_field_are_the_stripe_class_s(stream):
    cls = stripe_class(stream.stripe_class)
    assert stream.object_name == cls.OBJECT_NAME
    if stream.replication_key:
        assert stream.created_field in inspect.get_annotations(cls)
        assert stream.replication_key == stream.created_field


def test_every_stream_without_events_is_one_that_does_not_change_or_is_relisted():
    quiet = {s.name for s in STREAM_TYPES if not s.event_types}
    nested = {s.name for s in STREAM_TYPES if issubclass(s, StripeChildStream)}
    relisted = {s.name for s in STREAM_TYPES if s.relisted_in_full}
    # (An identity verification report, a forwarding request: made once, never changed.)
    assert quiet - nested - relisted == {
        "balance_transactions", "events", "identity_verification_reports", "forwarding_requests",
    }  # fmt: skip
    assert relisted == {
        "shipping_rates", "file_links", "issuing_personalization_designs",
        "issuing_physical_bundles", "terminal_locations", "terminal_readers",
        "terminal_configurations", "accounts", "webhook_endpoints",
        "payment_method_configurations", "payment_method_domains", "apple_pay_domains",
        "invoice_rendering_templates", "entitlements_features", "treasury_financial_accounts",
        "radar_value_lists", "tax_registrations", "account_tax_ids", "tax_locations",
        "billing_alerts", "billing_feedback_options", "product_catalog_trial_offers",
        "payment_records",
    }  # fmt: skip


# A request per customer (per SetupIntent): off unless selected.
PER_PARENT = {"payment_methods", "customer_tax_ids", "customer_balance_transactions",
              "customer_cash_balance_transactions", "setup_attempts", "reviews", "persons",
              "issuing_tokens", "entitlements_active_entitlements", "customer_sources",
              "payment_intent_amount_details_line_items",
              "external_accounts", "capabilities"}  # fmt: skip


def test_lists_costing_a_request_per_customer_are_off_unless_selected(shared_sandbox):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    selected = {name for name, stream in tap.streams.items() if stream.selected}
    # And the templates, whose `version` column target-postgres cannot load, and Radar's value
    # lists, which hold customers' e-mails, IP addresses and card fingerprints.
    # And payments recorded from outside Stripe (new, and read in full each run).
    off = {
        "invoice_rendering_templates", "radar_value_lists", "radar_value_list_items",
        "payment_records", "payment_attempt_records", "financial_connections_account_owners",
    }  # fmt: skip
    assert selected == {s.name for s in STREAM_TYPES} - PER_PARENT - off
    sync(tap_config(shared_sandbox))
    endpoints = " ".join(shared_sandbox.stats["requests"])
    for path in ("payment_methods", "customers/{id}/tax_ids", "customers/{id}/balance",
                 "setup_attempts"):  # fmt: skip
        assert path not in endpoints


def test_payment_methods_are_listed_per_customer_when_selected(shared_sandbox):
    result = sync(tap_config(shared_sandbox), select=["customers", "payment_methods"])
    attached = {
        pm["id"] for pm in shared_sandbox.objects("payment_methods") if pm["customer"] is not None
    }
    assert attached and result.ids("payment_methods") == attached
    requests = shared_sandbox.stats["requests"]
    assert requests["GET /v1/customers/{id}/payment_methods"] == len(
        shared_sandbox.ids("customers")
    )


@pytest.mark.parametrize(
    ("parent", "child", "field", "key"),
    [
        ("credit_notes", "credit_note_line_items", "lines", "credit_note"),
        ("transfers", "transfer_reversals", "reversals", "transfer"),
        ("application_fees", "application_fee_refunds", "refunds", "fee"),
    ],
)
def test_nested_streams_name_their_parent(shared_sandbox, parent, child, field, key):
    result = sync(tap_config(shared_sandbox), select=[parent, child])
    parents = shared_sandbox.objects(parent)
    long = [p for p in parents if p[field]["has_more"]]
    assert long, f"the sandbox has no {parent} past 10 {field}: the test proves little"
    items: dict[str, set[str]] = {}
    for record in result.records(child):
        items.setdefault(record[key], set()).add(record["id"])
    for p in long:
        assert len(items[p["id"]]) == p[field]["total_count"] > 10
    assert result.ids(child) == shared_sandbox.ids(child)
