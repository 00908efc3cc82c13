"""The rest of the business data (8/9): each stream's objects exactly as the sandbox has them,
lists past one page, the lists Stripe keeps per parent, and their changes after the first
sync."""

from __future__ import annotations

import pytest

from tap_stripe_readonly import client
from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import Warehouse, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

# 8/9's streams (9/9's are tested in test_product_areas.py, test_connect_platform.py,
# test_configuration.py and test_more_lists.py).
EIGHT_NAMES = {
    "invoice_payments", "subscription_schedules", "quotes", "quote_line_items",
    "checkout_session_line_items", "payment_links", "payment_link_line_items",
    "shipping_rates", "payout_balance_transactions", "top_ups", "early_fraud_warnings",
    "reviews",
    "product_features", "billing_meters", "billing_credit_grants",
    "billing_credit_balance_transactions", "files", "file_links", "customer_tax_ids",
    "customer_balance_transactions", "customer_cash_balance_transactions", "setup_attempts",
}  # fmt: skip
EIGHT = [s for s in STREAM_TYPES if s.name in EIGHT_NAMES]
NEW = [s.name for s in EIGHT]
PARENTS = {s.name: s.parent_stream_type.name for s in EIGHT if s.parent_stream_type}


def with_parents(names: list[str]) -> list[str]:
    return sorted({*names, *(PARENTS[n] for n in names if n in PARENTS)})


def test_the_new_streams_are_the_issue_s():
    assert set(NEW) == EIGHT_NAMES


@pytest.fixture(scope="module")
def paged_sync(sandbox: StripeSandbox):
    """Every new stream, three objects a page: each list is read past its first page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "PAGE_SIZE", 3)
        return sync(tap_config(sandbox), select=with_parents(NEW))


@pytest.mark.parametrize("stream", NEW)
def test_every_object_of_the_new_streams_is_read_once(sandbox, paged_sync, stream):
    records = paged_sync.records(stream)
    assert len(records) > 3, f"{stream}: fewer objects than one page"
    assert len(records) == len(paged_sync.ids(stream)), "duplicate records"
    assert paged_sync.ids(stream) == sandbox.ids(stream)


def test_nested_records_name_their_parent(sandbox, paged_sync):
    for stream, parent in PARENTS.items():
        key = next(s for s in STREAM_TYPES if s.name == stream).parent_key
        parents = paged_sync.ids(parent)
        assert all(r[key] in parents for r in paged_sync.records(stream)), stream


def test_each_paid_invoice_joins_its_payment_intent(sandbox, paged_sync):
    """Since 2025-03-31.basil an invoice names no payment: invoice_payments is the join."""
    paid = {i["id"] for i in sandbox.objects("invoices") if i["status"] == "paid" and i["total"]}
    payments = paged_sync.records("invoice_payments")
    assert {p["invoice"] for p in payments} == paid
    intents = sandbox.ids("payment_intents")
    assert all(p["payment"]["payment_intent"] in intents for p in payments)


def test_tiers_and_archived_prices_are_read_on_quotes_too(sandbox, paged_sync):
    """A line item's price is the whole price object, as Stripe embeds it."""
    prices = sandbox.ids("prices")
    lines = paged_sync.records("quote_line_items")
    assert lines and all(line["price"]["id"] in prices for line in lines)


def test_a_day_of_business_reaches_every_new_stream():
    with StripeSandbox(scale=0.02, seed=3) as sb:
        streams = with_parents([*NEW, "prices"])
        first = sync(tap_config(sb), select=streams)
        sb.advance(60)
        customer = sb.objects("customers")[0]["id"]
        tax_id = sb.create_customer_tax_id(customer)["id"]
        quote = sb.create("quotes", lines=2)["id"]
        session = next(s for s in sb.objects("checkout_sessions") if s["status"] == "open")
        sb.update("checkout_sessions", session["id"], {"status": "expired"})
        archived = next(p for p in sb.objects("prices") if p["active"])["id"]
        sb.update("prices", archived, {"active": False})
        invoice = next(i for i in sb.objects("invoices") if i["status"] == "open")["id"]
        sb.pay_invoice(invoice)
        rate = sb.objects("shipping_rates")[0]["id"]
        sb.update("shipping_rates", rate, {"active": False})  # Stripe announces nothing
        cash = sb.create_customer_cash_balance_transaction(customer)["id"]
        grant = sb.create("billing_credit_grants", {"customer": customer})["id"]
        voided = sb.objects("billing_credit_grants")[0]["id"]
        sb.update("billing_credit_grants", voided, {"voided_at": sb.now})
        sb.reset_stats()
        second = sync(tap_config(sb), select=streams, state=first.states[-1])
        assert tax_id in second.ids("customer_tax_ids")
        assert quote in second.ids("quotes")
        new_lines = {r["id"] for r in second.records("quote_line_items") if r["quote"] == quote}
        assert len(new_lines) == 2
        assert {r["checkout_session"] for r in second.records("checkout_session_line_items")} >= {
            session["id"]
        }
        (price,) = [r for r in second.records("prices") if r["id"] == archived]
        assert price["active"] is False
        assert invoice in {p["invoice"] for p in second.records("invoice_payments")}
        (shipping,) = [r for r in second.records("shipping_rates") if r["id"] == rate]
        assert shipping["active"] is False, "listed again in full: no event tells"
        assert cash in second.ids("customer_cash_balance_transactions")
        credits = second.records("billing_credit_balance_transactions")
        assert grant in {c["credit_grant"] for c in credits}, "the grant's credit"
        (void,) = [r for r in second.records("billing_credit_grants") if r["id"] == voided]
        assert void["voided_at"] is not None
        warehouse = Warehouse().load(first).load(second)
        for stream in streams:
            assert set(warehouse.live(stream)) == sb.ids(stream), stream
        # Lists kept per parent are read again only for the parents that changed.
        per_customer = sum(n for e, n in sb.stats["requests"].items() if "/v1/customers/{id}/" in e)
        assert per_customer < len(sb.ids("customers")) // 2


def test_a_cash_balance_transaction_announced_in_another_version_is_listed_again():
    """Stripe retrieves a cash balance transaction only under its customer: one announced in
    an API version the schemas do not describe is read from its customer's list."""
    with StripeSandbox(scale=0.02, seed=3) as sb:
        streams = ["customers", "customer_cash_balance_transactions"]
        first = sync(tap_config(sb), select=streams)
        sb.advance(60)
        sb.set_event_api_version("2025-03-31.basil")
        customer = sb.objects("customers")[1]["id"]
        cash = sb.create_customer_cash_balance_transaction(customer)["id"]
        sb.reset_stats()
        second = sync(tap_config(sb), select=streams, state=first.states[-1])
        rows = second.records("customer_cash_balance_transactions")
        (row,) = [r for r in rows if r["id"] == cash]
        assert row["customer"] == customer and not row.get("_sdc_deleted_at")
        listed = sb.stats["requests"]["GET /v1/customers/{id}/cash_balance_transactions"]
        assert listed == 1, "its customer's list alone"
