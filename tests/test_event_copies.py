"""Which copy of a changed object the events mode writes: the newest, the object now over an
event's, a deletion that keeps its fields, only objects in start_date's range, and objects
another object's event changed."""

from __future__ import annotations

import contextlib
import datetime
import io
import time
import typing as t

import msgspec
import pytest

from tap_stripe_readonly import shapes
from tap_stripe_readonly.client import API_VERSION
from tap_stripe_readonly.errors import NotFoundError
from tap_stripe_readonly.reading import StreamRead, plan
from tap_stripe_readonly.reading import start as start_reading
from tap_stripe_readonly.reading.copies import Copies
from tap_stripe_readonly.reading.event_feed import EventsFeed
from tap_stripe_readonly.reading.nested import NestedLists
from tap_stripe_readonly.run import Run
from tap_stripe_readonly.shapes import Event, EventData, ListPage
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, Warehouse, sync, tap_config
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

OTHER_VERSION = "2024-06-20"


@pytest.fixture
def sb() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7) as sandbox:
        sandbox.advance(3600)  # no event of the generated history in the margin re-read
        yield sandbox


# -- a deletion in another API version -------------------------------------------------------


def test_a_deletion_in_another_api_version_keeps_the_row_s_fields(sb):
    """An upserting target sets every column a record lacks to NULL: a deleted product must
    keep its name and price, a deleted draft's lines their amounts."""
    streams = ["products", "invoices", "invoice_line_items"]
    first = sync(tap_config(sb), select=streams)
    sb.advance(60)
    sb.set_event_api_version(OTHER_VERSION)
    product = sb.objects("products")[-1]
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft" and i["lines"]["data"])
    sb.delete("products", product["id"])
    sb.delete("invoices", draft["id"])
    second = sync(tap_config(sb), state=first.states[-1], select=streams)
    warehouse = Warehouse().load(first).load(second)
    row = warehouse.tables["products"][product["id"]]
    assert row["_sdc_deleted_at"]
    assert row["name"] == product["name"] and row["created"] == product["created"]
    assert row["default_price"] == product["default_price"]
    for line in draft["lines"]["data"]:
        row = warehouse.tables["invoice_line_items"][line["id"]]
        assert row["_sdc_deleted_at"] and row["amount"] == line["amount"], line["id"]
        assert row["invoice"] == draft["id"]
    assert warehouse.tables["invoices"][draft["id"]]["total"] == draft["total"]


def test_fields_another_api_version_reshaped_are_left_out():
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    products = t.cast("StripeStream", tap.streams["products"])
    row = {"id": "prod_1", "name": {"was": "a string"}, "active": True, "brand_new": 1}
    assert products.conforming_fields(row) == {"id": "prod_1", "active": True}


# -- start_date ------------------------------------------------------------------------------


def test_events_mode_writes_only_objects_created_since_start_date(sb):
    customers = sorted(sb.objects("customers"), key=lambda c: c["created"])
    start = customers[len(customers) // 2]["created"]
    start_date = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).isoformat()
    config = tap_config(sb, start_date=start_date)
    first = sync(config, select=["customers"])
    older = [c["id"] for c in customers if c["created"] < start]
    newer = [c["id"] for c in customers if c["created"] >= start]
    assert first.ids("customers") == set(newer)
    sb.advance(60)
    for customer in (*older[:3], *newer[:3]):
        sb.update("customers", customer, {"metadata": {"tier": "gold"}})
    sb.delete("customers", older[3])
    sb.set_event_api_version(OTHER_VERSION)
    sb.update("customers", older[4], {"metadata": {"tier": "silver"}})
    sb.reset_stats()
    second = sync(config, state=first.states[-1], select=["customers"])
    assert second.ids("customers") == set(newer[:3])
    assert "GET /v1/customers/{id}" not in sb.stats["requests"], "fetched out of range"


# -- the newest copy wins ----------------------------------------------------------------------


def _events_mode_reading(
    stream_name: str, now: int, state: dict[str, t.Any] | None = None
) -> t.Any:
    """The first page of the account's events in an events-mode read of ``stream_name``
    (handlers run by hand): its answer starts the stream's read."""
    bookmark = {"replication_key_value": now - 600, **(state or {})}
    tap = TapStripeReadonly(
        config={"api_key": DEMO_API_KEY},
        state={"bookmarks": {stream_name: bookmark}},
        validate_config=True,
    )
    for name, stream in tap.streams.items():
        stream.selected = name == stream_name
    run = Run(tap)
    stream = t.cast("StripeStream", tap.streams[stream_name])
    run.output.schema(stream)
    account = run.accounts[0]
    account.now, account.events_readable = now, True
    feed = EventsFeed(run.seam, account, now - 600 - plan.CLOCK_SKEW, None)
    reading = StreamRead(run.seam, account, stream)
    return feed.first_task(lambda: start_reading(reading, feed), lambda exc: [])


def _events_page(*events: Event) -> ListPage:
    return ListPage("list", [msgspec.Raw(msgspec.json.encode(e)) for e in events], False)


def _event(event_id: str, kind: str, created: int, obj: dict[str, t.Any]) -> Event:
    return Event(
        event_id, kind, created, EventData(msgspec.Raw(msgspec.json.encode(obj))), API_VERSION
    )


def test_the_re_list_comes_first_and_an_event_s_older_copy_is_not_written_after_it():
    """invoiceitem.created shows an item not yet invoiced; the re-list of unsettled items
    shows it invoiced. The events wait for the re-list, and the invoiced copy is the one
    written, once."""
    now = int(time.time()) - 60
    item = {"id": "ii_1", "object": "invoiceitem", "date": now - 300, "invoice": None}
    invoiced = {**item, "invoice": "in_1"}
    events_task = _events_mode_reading("invoice_items", now, {"unsettled_since": now})
    listing = ListPage("list", [msgspec.Raw(msgspec.json.encode(invoiced))], False)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        page = _events_page(_event("evt_1", "invoiceitem.created", now - 300, item))
        (listing_task,) = events_task.on_body(page)
        assert listing_task.path == "/v1/invoiceitems"
        assert out.tell() == 0, "the events wait for the re-list"
        listing_task.on_body(listing)
    out.seek(0)
    records = SyncResult.parse(out.read()).records("invoice_items")
    assert [r["invoice"] for r in records] == ["in_1"]


def test_without_unsettled_items_in_state_nothing_is_re_listed():
    events_task = _events_mode_reading("invoice_items", int(time.time()) - 60)
    assert events_task.on_body(_events_page()) == [], "only the account's events are read"


@pytest.mark.parametrize("order", ["event first", "listing first"])
def test_a_copy_of_the_object_now_beats_an_event_s_whatever_comes_first(order):
    """Of the copies a run meets, an older is never written after a newer: a listing or a
    fetch (the object now) is newer than an event's (the object then)."""
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    run = Run(tap)
    reading = StreamRead(run.seam, run.accounts[0], t.cast("StripeStream", tap.streams["charges"]))
    copies = Copies(reading, NestedLists(reading), lambda *_: None)
    now = int(time.time())
    written = []
    copies_in_order = [(now - 300, False), (now, True)]
    for at, is_now in copies_in_order if order == "event first" else copies_in_order[::-1]:
        written.append((at, is_now) if copies.newer("ch_1", at, now=is_now) else None)
    if order == "event first":
        assert written == [(now - 300, False), (now, True)], "the object now follows"
    else:
        assert written == [(now, True), None], "the event's older copy is not written after"
    assert not copies.newer("ch_1", now), "an event of the same second as a listing: older"


def test_among_events_the_newest_copy_wins():
    now = int(time.time()) - 60
    events_task = _events_mode_reading("customers", now)
    newest = {"id": "cus_1", "object": "customer", "created": now - 900, "name": "New"}
    older = {**newest, "name": "Old"}
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        events_task.on_body(
            _events_page(
                _event("evt_2", "customer.updated", now - 100, newest),
                _event("evt_1", "customer.updated", now - 200, older),
            )
        )
    out.seek(0)
    assert [r["name"] for r in SyncResult.parse(out.read()).records("customers")] == ["New"]


# -- objects another object's event changed ----------------------------------------------------


def _another_object_s_changes(sb: StripeSandbox) -> dict[str, str]:
    customers = sb.objects("customers")
    coupon = next(c["id"] for c in sb.objects("coupons") if c["valid"])
    sb.apply_customer_discount(customers[0]["id"], coupon)
    sb.create_customer_tax_id(customers[1]["id"])
    without_source = next(c for c in customers[2:] if c["default_source"] is None)
    sb.add_customer_source(without_source["id"])
    dispute = sb.create("disputes")
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
    sb.create("invoice_items", {"invoice": draft["id"]})
    return {
        "discounted": customers[0]["id"],
        "taxed": customers[1]["id"],
        "sourced": without_source["id"],
        "disputed": dispute["charge"],
        "draft": draft["id"],
    }


STREAMS_CHANGED_BY_OTHERS = ["customers", "charges", "invoices", "invoice_line_items"]


def test_objects_changed_by_another_object_s_event_are_read_again(sb):
    sb.parent_update_events = False  # only the other object's event: the worst case
    first = sync(tap_config(sb), select=STREAMS_CHANGED_BY_OTHERS)
    sb.advance(60)
    changed = _another_object_s_changes(sb)
    sb.reset_stats()
    second = sync(tap_config(sb), state=first.states[-1], select=STREAMS_CHANGED_BY_OTHERS)
    warehouse = Warehouse().load(first).load(second)
    customers = warehouse.live("customers")
    assert customers[changed["discounted"]]["discount"]["source"]["coupon"]
    assert customers[changed["sourced"]]["default_source"].startswith("card_")
    assert changed["taxed"] in second.ids("customers")
    assert warehouse.live("charges")[changed["disputed"]]["disputed"] is True
    draft = next(i for i in sb.objects("invoices") if i["id"] == changed["draft"])
    assert warehouse.live("invoices")[changed["draft"]]["total"] == draft["total"]
    lines = {line["id"] for line in draft["lines"]["data"]}
    assert lines <= second.ids("invoice_line_items")
    fetched = sb.stats["requests"]
    assert fetched["GET /v1/customers/{id}"] == 3, "each customer once"
    assert fetched["GET /v1/charges/{id}"] == 1
    assert fetched["GET /v1/invoices/{id}"] == 1


def test_an_object_whose_own_event_is_as_new_is_not_read_again(sb):
    sb.parent_update_events = True  # Stripe also sends customer.updated, invoice.updated
    first = sync(tap_config(sb), select=["customers", "invoices", "invoice_line_items"])
    sb.advance(60)
    changed = _another_object_s_changes(sb)
    sb.reset_stats()
    second = sync(
        tap_config(sb),
        state=first.states[-1],
        select=["customers", "invoices", "invoice_line_items"],
    )
    assert {changed["discounted"], changed["taxed"], changed["sourced"]} <= second.ids("customers")
    assert changed["draft"] in second.ids("invoices")
    fetched = sb.stats["requests"]
    assert "GET /v1/customers/{id}" not in fetched and "GET /v1/invoices/{id}" not in fetched


def test_a_parent_deleted_while_it_is_fetched_is_written_deleted_once():
    """An item deleted from a draft asks for its invoice (a fetch) on one page of events, and
    the draft's own invoice.deleted, on the next page, is written before the fetch answers
    404: the draft and its lines are written deleted once, not again by the 404."""
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    run = Run(tap)
    invoices = t.cast("StripeStream", tap.streams["invoices"])
    reading = StreamRead(run.seam, run.accounts[0], invoices)
    copies = Copies(reading, NestedLists(reading), lambda *_: None)
    now = int(time.time())
    lines = [{"id": f"il_{n}", "object": "line_item", "amount": 100} for n in range(3)]
    draft = {
        "id": "in_1", "object": "invoice", "created": now - 600, "status": "draft",
        "lines": {"object": "list", "data": lines, "has_more": False,
                  "url": "/v1/invoices/in_1/lines"},
    }  # fmt: skip
    item = shapes.items(reading.head, [msgspec.Raw(msgspec.json.encode(draft))])[0]
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        for stream in (invoices, *invoices.child_streams):
            run.output.schema(t.cast("StripeStream", stream))
        fetch = copies.fetch("in_1")
        copies.write_deleted(item, "in_1", now - 60, as_sent=True)
        assert fetch.on_error is not None
        fetch.on_error(NotFoundError("GET /v1/invoices/in_1: No such invoice: 'in_1'"))
    out.seek(0)
    written = SyncResult.parse(out.read())
    assert [r["id"] for r in written.records("invoices")] == ["in_1"]
    assert sorted(r["id"] for r in written.records("invoice_line_items")) == [
        "il_0",
        "il_1",
        "il_2",
    ]
