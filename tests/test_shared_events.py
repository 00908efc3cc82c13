"""One read of Stripe's events per account per run, shared by every stream: a quiet scheduled
run costs a few requests whatever the number of streams, and each stream still reads from
its own bookmark."""

from __future__ import annotations

import logging
import re
import time
import typing as t

import pytest

from tap_stripe_readonly.reading import event_feed, plan
from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import Warehouse, sync, tap_config
from tests.stripe_sandbox import ALL_PRODUCTS, StripeSandbox

STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
STREAMS_BY_NAME = {s.name: s for s in STREAM_TYPES}


@pytest.fixture
def sb() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.05, seed=11, products=ALL_PRODUCTS) as sandbox:
        sandbox.advance(3600)  # no event of the generated history in the margin re-read
        yield sandbox


# Lists Stripe announces no change of, read in full each run: a handful of objects each (the
# settings read again once a day are not, in a run ten minutes later).
QUIET_LISTS = {
    s.name: s.path
    for s in STREAM_TYPES
    if s.relisted_in_full and s.relist_every is None and s.selected_by_default
}
# Their lists kept apart, read whole with them (Treasury's, per financial account).
QUIET_CHILDREN = [
    s
    for s in STREAM_TYPES
    if s.parent_stream_type is not None
    and s.parent_stream_type.name in QUIET_LISTS
    and s.selected_by_default
]
# Objects that never change, of which Stripe announces none: those made since are listed.
NEW_ONLY = {
    s.name: s.path
    for s in STREAM_TYPES
    if not s.event_types
    and not s.relisted_in_full
    and not s.parent_stream_type
    and s.name not in ("balance_transactions", "events")
}


def test_a_quiet_run_costs_a_request_per_list_read_again(sb):
    first = sync(tap_config(sb))
    sb.advance(600)
    sb.reset_stats()
    quiet = sync(tap_config(sb), state=first.states[-1])
    requests = sb.stats["requests"]
    per_parent = sum(len(sb.ids(s.parent_stream_type.name)) for s in QUIET_CHILDREN)
    assert sum(requests.values()) <= 4 + len(QUIET_LISTS) + len(NEW_ONLY) + per_parent, requests
    assert requests["GET /v1/events"] == 1, "one read of events, and it is the probe"
    # Nothing changed: only what is listed again (pending balance transactions) is written.
    relisted = {"balance_transactions", "invoice_items", "checkout_sessions", *QUIET_LISTS}
    relisted |= {s.name for s in QUIET_CHILDREN}
    assert {m["stream"] for m in quiet.of_type("RECORD")} <= relisted
    # What must still be listed: new balance transactions, new Checkout Sessions (Stripe
    # announces neither), invoice items not yet invoiced, where state says some are, the
    # lists Stripe announces no change of (with Treasury's, per financial account), and the
    # new objects of those that never change.
    assert set(requests) <= {
        "GET /v1/events",
        "GET /v1/balance_transactions",
        "GET /v1/checkout/sessions",
        "GET /v1/invoiceitems",
        *(f"GET {path}" for path in QUIET_LISTS.values()),
        *(f"GET {s.path}" for s in QUIET_CHILDREN),
        *(f"GET {path}" for path in NEW_ONLY.values()),
    }
    treasury = [e for e in requests if "/v1/treasury/" in e]
    assert sum(requests[e] for e in treasury) == 1 + 9 * len(sb.ids("treasury_financial_accounts"))


def test_invoice_items_are_listed_again_only_while_some_are_not_invoiced(sb):
    select = ["invoice_items"]
    first = sync(tap_config(sb), select=select)
    pending = [i["id"] for i in sb.objects("invoice_items") if i["invoice"] is None]
    assert pending and first.states[-1]["bookmarks"]["invoice_items"]["unsettled_since"]
    sb.advance(600)
    sb.reset_stats()
    again = sync(tap_config(sb), select=select, state=first.states[-1])
    assert "GET /v1/invoiceitems" in sb.stats["requests"]
    state = again.states[-1]
    state["bookmarks"]["invoice_items"]["unsettled_since"] = None  # as if all were invoiced
    sb.advance(600)
    sb.reset_stats()
    sync(tap_config(sb), select=select, state=state)
    assert "GET /v1/invoiceitems" not in sb.stats["requests"]


def test_a_stream_behind_reads_from_its_own_bookmark_and_the_others_from_theirs(sb):
    """products missed a run (deselected, or failed): the shared read goes back to its
    bookmark, it gets what changed since, and customers only what changed since theirs."""
    select = ["customers", "products"]
    first = sync(tap_config(sb), select=select)
    sb.advance(600)
    product = sb.objects("products")[0]["id"]
    sb.update("products", product, {"name": "Renamed while behind"})
    early_customer = sb.objects("customers")[0]["id"]
    sb.update("customers", early_customer, {"metadata": {"when": "early"}})
    sb.advance(plan.CLOCK_SKEW + 600)
    # A run of customers alone: their bookmark moves on, the products' stays.
    customers_only = sync(tap_config(sb), select=["customers"], state=first.states[-1])
    assert customers_only.ids("customers") == {early_customer}
    sb.advance(plan.CLOCK_SKEW + 600)
    late_customer = sb.objects("customers")[1]["id"]
    sb.update("customers", late_customer, {"metadata": {"when": "late"}})
    sb.reset_stats()
    both = sync(tap_config(sb), select=select, state=customers_only.states[-1])
    assert sb.stats["requests"]["GET /v1/events"] == 1
    assert both.ids("products") == {product}, "caught up from its own bookmark"
    assert both.ids("customers") == {late_customer}, "not what it read before"
    warehouse = Warehouse().load(first).load(customers_only).load(both)
    assert warehouse.live("products")[product]["name"] == "Renamed while behind"


def test_a_day_of_business_costs_no_more_than_reading_each_stream_alone(sb):
    first = sync(tap_config(sb))
    sb.advance(600)
    customers = sb.objects("customers")
    for customer in customers[:20]:
        sb.update("customers", customer["id"], {"metadata": {"segment": "enterprise"}})
    sb.delete("customers", customers[-1]["id"])
    for invoice in [i for i in sb.objects("invoices") if i["status"] == "open"][:3]:
        sb.pay_invoice(invoice["id"])
    sb.reset_stats()
    day = sync(tap_config(sb), state=first.states[-1])
    requests = sb.stats["requests"]
    # One page of events per stream that reads them, at the least, when each read its own.
    each_alone = len([s for s in STREAM_TYPES if s.selected_by_default and s.event_types]) + 1
    assert requests["GET /v1/events"] < each_alone
    warehouse = Warehouse().load(first).load(day)
    for stream in ("customers", "invoices", "charges", "payment_intents"):
        assert set(warehouse.live(stream)) == sb.ids(stream), stream


def test_pending_invoice_items_are_listed_alone_and_those_invoiced_since_fetched(sb):
    """Stripe announces no update of an invoice item: the pending ones are listed (pending=
    true, whatever their age), and those state knew pending that no longer are, fetched."""
    select = ["invoice_items"]
    first = sync(tap_config(sb), select=select)
    pending = sorted(i["id"] for i in sb.objects("invoice_items") if i["invoice"] is None)
    assert sorted(first.states[-1]["bookmarks"]["invoice_items"]["unsettled_ids"]) == pending
    sb.advance(600)
    edited, invoiced = pending[:2]
    invoice = sb.objects("invoices")[0]["id"]
    sb.update("invoice_items", edited, {"description": "Edited while pending"})
    sb.update("invoice_items", invoiced, {"invoice": invoice})
    sb.reset_stats()
    second = sync(tap_config(sb), select=select, state=first.states[-1])
    rows = {r["id"]: r for r in second.records("invoice_items")}
    assert rows[edited]["description"] == "Edited while pending"
    assert rows[invoiced]["invoice"] == invoice
    assert set(rows) == set(pending), "the pending ones, and the one invoiced since"
    requests = sb.stats["requests"]
    assert requests["GET /v1/invoiceitems"] == 1 and requests["GET /v1/invoiceitems/{id}"] == 1
    kept = second.states[-1]["bookmarks"]["invoice_items"]["unsettled_ids"]
    assert sorted(kept) == sorted(set(pending) - {invoiced})


def test_pending_balance_transactions_are_listed_again_once_some_can_be_available():
    """A pending transaction changes only when its funds are due (``available_on``): until
    then a run lists only what is new, and state keeps the pending ones for later."""
    now = int(time.time()) - 3 * plan.DAY  # the sandbox's clock three days on is this one's
    with StripeSandbox(scale=0.05, seed=11, now=now) as sandbox:
        sandbox.advance(3600)
        select = ["balance_transactions"]
        first = sync(tap_config(sandbox), select=select)
        bookmark = first.states[-1]["bookmarks"]["balance_transactions"]
        pending = [b for b in sandbox.objects("balance_transactions") if b["status"] == "pending"]
        assert bookmark["unsettled_due"] == min(b["available_on"] for b in pending)
        sandbox.advance(600)
        sandbox.reset_stats()
        quiet = sync(tap_config(sandbox), select=select, state=first.states[-1])
        assert sandbox.stats["requests"]["GET /v1/balance_transactions"] == 1, "since the bookmark"
        assert not quiet.records("balance_transactions")
        kept = quiet.states[-1]["bookmarks"]["balance_transactions"]
        assert (kept["unsettled_since"], kept["unsettled_due"]) == (
            bookmark["unsettled_since"],
            bookmark["unsettled_due"],
        )
        sandbox.advance(3 * plan.DAY)
        settled = set(sandbox.settle_balance_transactions())
        due = sync(tap_config(sandbox), select=select, state=quiet.states[-1])
        rows = {r["id"]: r for r in due.records("balance_transactions")}
        assert settled and all(rows[i]["status"] == "available" for i in settled)


def test_a_stream_whose_last_run_failed_catches_up_from_its_own_bookmark(sb):
    """products' last run failed (its key could not read a product it had to fetch): its
    bookmark stayed, and the next run's shared read of events goes back to it."""
    select = ["customers", "products"]
    first = sync(tap_config(sb), select=select)
    sb.advance(600)
    product = sb.objects("products")[0]["id"]
    sb.set_event_api_version("2025-03-31.basil")  # the product is fetched, not copied
    sb.update("products", product, {"name": "Renamed in the failed run"})
    sb.set_event_api_version(None)
    early_customer = sb.objects("customers")[0]["id"]
    sb.update("customers", early_customer, {"metadata": {"when": "early"}})
    sb.advance(plan.CLOCK_SKEW + 600)
    key = "rk_live_sandboxNoProducts000000000000"
    sb.add_key(key, denied=("product_read",))
    failed = sync(tap_config(sb, api_key=key), select=select, state=first.states[-1])
    bookmarks = failed.states[-1]["bookmarks"]
    assert bookmarks["products"] == first.states[-1]["bookmarks"]["products"], "not moved"
    assert failed.ids("customers") == {early_customer}
    sb.advance(plan.CLOCK_SKEW + 600)
    sb.reset_stats()
    again = sync(tap_config(sb), select=select, state=failed.states[-1])
    assert sb.stats["requests"]["GET /v1/events"] == 1
    assert again.ids("products") == {product}, "caught up from its own bookmark"
    assert not again.ids("customers"), "nothing new since theirs"


def test_the_summary_says_what_the_run_cost_with_the_shared_read_of_events(sb, caplog):
    first = sync(tap_config(sb), select=["customers", "invoices"])
    sb.advance(600)
    sb.reset_stats()
    with caplog.at_level(logging.INFO):
        sync(tap_config(sb), select=["customers", "invoices"], state=first.states[-1])
    (summary,) = [r.getMessage() for r in caplog.records if "Sync ended after" in r.getMessage()]
    total = int(re.search(r"([\d,]+) requests", summary)[1].replace(",", ""))  # type: ignore[index]
    rows = [re.split(r"\s{2,}", line.strip()) for line in summary.splitlines()[2:]]
    # A stream's row: its records, requests and end; the shared read's: its requests.
    requests = {row[0]: int(row[2 if len(row) > 2 else 1].replace(",", "")) for row in rows}
    assert total == sum(sb.stats["requests"].values()) == sum(requests.values())
    assert requests["(events, shared)"] == sb.stats["requests"]["GET /v1/events"] == 1


def test_the_shared_read_asks_for_its_streams_types_or_every_event_past_stripe_s_20(sb):
    def asked(types: list[str]) -> list[str]:
        feed = event_feed.EventsFeed(t.cast("t.Any", None), t.cast("t.Any", None), 0, types)
        return [value for key, value in feed._params(None) if key == "types[]"]

    assert asked(["customer.updated", "customer.deleted"]) == [
        "customer.deleted",
        "customer.updated",
    ]
    assert asked([f"type.{n}" for n in range(event_feed.MAX_TYPES + 1)]) == []
    # Streams whose types together pass 20: read unfiltered (the sandbox refuses 21, as
    # Stripe does), and each stream still gets only its own.
    select = ["customers", "invoices", "subscriptions", "charges", "payouts"]
    assert sum(len(STREAMS_BY_NAME[s].event_types) for s in select) > event_feed.MAX_TYPES
    first = sync(tap_config(sb), select=select)
    sb.advance(600)
    customer = sb.objects("customers")[0]["id"]
    sb.update("customers", customer, {"metadata": {"read": "unfiltered"}})
    second = sync(tap_config(sb), select=select, state=first.states[-1])
    assert second.ids("customers") == {customer}
    assert not second.ids("invoices") and not second.ids("payouts")


def test_an_item_its_event_shows_pending_but_the_list_does_not_is_fetched(sb):
    """invoiceitem.created brought the item pending; it was invoiced before the run, which
    Stripe does not announce: the list of pending items does not show it, so the event's
    copy is stale and the item is fetched as it is now."""
    select = ["invoice_items"]
    first = sync(tap_config(sb), select=select)
    sb.advance(600)
    item = sb.create("invoice_items")["id"]
    invoice = sb.objects("invoices")[0]["id"]
    sb.update("invoice_items", item, {"invoice": invoice})
    sb.reset_stats()
    second = sync(tap_config(sb), select=select, state=first.states[-1])
    assert [r["invoice"] for r in second.records("invoice_items") if r["id"] == item] == [invoice]
    assert sb.stats["requests"]["GET /v1/invoiceitems/{id}"] == 1
