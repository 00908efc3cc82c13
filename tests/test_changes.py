"""After the first sync, runs read Stripe's events: updates, deletions and new objects, at a
cost that grows with the changes, not with the account."""

from __future__ import annotations

import contextlib
import io
import time
import typing as t

import msgspec
import pytest

from tap_stripe_readonly import client, transport
from tap_stripe_readonly import run as tap_run
from tap_stripe_readonly.errors import (
    BadAnswerError,
    CursorVanishedError,
    NotFoundError,
    PermissionDeniedError,
    StateError,
)
from tap_stripe_readonly.permissions import INVOICE_READ
from tap_stripe_readonly.reading import StreamRead, event_feed, plan, stream_read
from tap_stripe_readonly.reading import start as start_reading
from tap_stripe_readonly.run import Run
from tap_stripe_readonly.shapes import ListPage
from tap_stripe_readonly.state import check_state
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, Warehouse, sync, tap_config
from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_API_KEY, StripeSandbox

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

# What a sync writes unless told otherwise (payment_methods costs a request per customer).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
EVENT_STREAMS = {
    s.name: s
    for s in STREAM_TYPES
    if s.event_types and s.selected_by_default and not s.parent_stream_type
}
STREAM_CLASSES = {s.name: s for s in STREAM_TYPES}
DAY = 86_400


def fresh_sandbox(scale: float = 0.02, seed: int = 7, now: int | None = None) -> StripeSandbox:
    sb = StripeSandbox(scale=scale, seed=seed, now=now, products=ALL_PRODUCTS)
    # An hour on, so that no event of the generated history falls in the margin the
    # next run re-reads before its bookmark: what it reads is only what the test changed.
    sb.advance(3600)
    return sb.start()


def changed_since(sb: StripeSandbox, since: int) -> dict[str, set[str]]:
    """Per stream, the objects the sandbox's events at or after ``since`` are about, whatever
    their type: a stream that misses one of its event types misses objects."""
    changed: dict[str, set[str]] = {name: set() for name in EVENT_STREAMS}
    streams = {stream.object_name: name for name, stream in EVENT_STREAMS.items()}
    # Another object's event that changes one of the stream's (a dispute its charge).
    changed_by = {
        event_type: (name, rule.field)
        for name, stream in EVENT_STREAMS.items()
        for rule in stream.changed_by
        for event_type in rule.event_types
    }
    for event in sb.objects("events"):
        obj = event["data"]["object"]
        if event["created"] < since:
            continue
        if "id" in obj and obj.get("object") in streams:
            changed[streams[obj["object"]]].add(obj["id"])
        if event["type"] in changed_by:
            name, field = changed_by[event["type"]]
            if isinstance(obj.get(field), str):
                changed[name].add(obj[field])
    return changed


class Changes:
    """A day of business after the first sync, and what it changed."""

    def __init__(self, sb: StripeSandbox) -> None:
        self.sb = sb
        sb.advance(60)
        self.since = sb.now
        # The objects changed here, per stream (what Stripe changes with them comes from its
        # events: the payments of a paid invoice).
        self.touched: dict[str, set[str]] = {name: set() for name in EVENT_STREAMS}
        objects = {name: sb.objects(name) for name in ("customers", "products", "prices")}
        self.updated_customers = [c["id"] for c in objects["customers"][:5]]
        for customer in self.updated_customers:
            sb.update("customers", customer, {"metadata": {"tier": "gold"}})
        self.deleted_customer = objects["customers"][-1]["id"]
        sb.delete("customers", self.deleted_customer)
        self.deleted_products = [p["id"] for p in objects["products"][-2:]]
        for product in self.deleted_products:
            sb.delete("products", product)
        price = objects["prices"][0]["id"]
        sb.update("prices", price, {"nickname": "Changed"})
        self.touched["prices"].add(price)
        if price in sb.ids("plans"):
            self.touched["plans"].add(price)  # a recurring price is a plan too
        active = [s for s in sb.objects("subscriptions") if s["status"] == "active"]
        self.canceled = [s["id"] for s in active[:2]]
        for subscription in self.canceled:
            sb.delete("subscriptions", subscription)
        open_invoices = [i for i in sb.objects("invoices") if i["status"] == "open"]
        self.paid = [i["id"] for i in open_invoices[:2]]
        for invoice in self.paid:
            sb.pay_invoice(invoice)
        draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
        self.long_draft = draft["id"]
        items = {i["id"] for i in sb.objects("invoice_items") if i["invoice"] == draft["id"]}
        sb.add_invoice_lines(self.long_draft, 14)
        lines = sb.objects("invoices")
        embedded = next(i for i in lines if i["id"] == self.long_draft)["lines"]["data"]
        self.removed_line = embedded[0]["id"]
        sb.delete("invoice_line_items", self.removed_line)
        sb.update("invoice_line_items", embedded[1]["id"], {"description": "Changed line"})
        # One more on a list already past the 10 its parent embeds.
        transfer = next(t for t in sb.objects("transfers") if t["reversals"]["has_more"])
        self.long_transfer = transfer["id"]
        reversed_ = sb.reverse_transfer(self.long_transfer, 100)
        self.new_reversal = reversed_["reversals"]["data"][0]["id"]
        fee = next(f for f in sb.objects("application_fees") if f["refunds"]["has_more"])
        self.long_fee = fee["id"]
        refunded = sb.refund_application_fee(self.long_fee, 1)
        self.new_fee_refund = refunded["refunds"]["data"][0]["id"]
        self.new_customers = [sb.create("customers")["id"] for _ in range(2)]
        self.touched["customers"] |= {
            *self.updated_customers,
            self.deleted_customer,
            *self.new_customers,
        }
        self.touched["products"] |= set(self.deleted_products)
        self.touched["subscriptions"] |= set(self.canceled)
        self.touched["invoices"] |= {*self.paid, self.long_draft}
        self.touched["invoice_items"] |= {
            i["id"] for i in sb.objects("invoice_items") if i["invoice"] == self.long_draft
        } - items
        self._change_the_newer_streams()
        self.changed = changed_since(sb, self.since)
        for name, ids in self.touched.items():
            self.changed[name] |= ids

    def _change_the_newer_streams(self) -> None:
        sb, touched = self.sb, self.touched

        def first(resource: str, **fields: t.Any) -> str:
            found = next(o for o in sb.objects(resource) if fields.items() <= o.items())
            touched[resource].add(found["id"])
            return str(found["id"])

        sb.update("refunds", first("refunds"), {"metadata": {"checked": "yes"}})
        sb.update("disputes", first("disputes", status="needs_response"), {"status": "won"})
        sb.update("payouts", first("payouts"), {"metadata": {"checked": "yes"}})
        note = first("credit_notes", status="issued", refunds=[])
        sb.update("credit_notes", note, {"status": "void"})
        sb.update("coupons", first("coupons", valid=True), {"metadata": {"campaign": "spring"}})
        sb.update("promotion_codes", first("promotion_codes", active=True), {"active": False})
        sb.update("tax_rates", first("tax_rates", active=True), {"active": False})
        intent = first("setup_intents", status="requires_payment_method")
        sb.update("setup_intents", intent, {"status": "canceled"})
        session = first("checkout_sessions", status="open")
        sb.update("checkout_sessions", session, {"status": "expired"})
        sb.reverse_transfer(first("transfers", amount_reversed=0))
        sb.refund_application_fee(first("application_fees", amount_refunded=0))
        # 8/9's streams.
        schedule = first("subscription_schedules")
        sb.update("subscription_schedules", schedule, {"metadata": {"renewal": "manual"}})
        sb.update("quotes", first("quotes", status="draft"), {"status": "open"})
        touched["quotes"].add(sb.create("quotes")["id"])
        sb.update("payment_links", first("payment_links", active=True), {"active": False})
        sb.update("top_ups", first("top_ups", status="succeeded"), {"status": "reversed"})
        touched["top_ups"].add(sb.create("top_ups")["id"])
        warning = first("early_fraud_warnings", actionable=True)
        sb.update("early_fraud_warnings", warning, {"actionable": False})
        touched["files"].add(sb.create("files")["id"])
        sb.update("billing_meters", first("billing_meters"), {"display_name": "API requests"})
        sb.update("billing_credit_grants", first("billing_credit_grants"), {"priority": 10})
        # A new grant comes with the credit balance transaction that credits it.
        touched["billing_credit_grants"].add(sb.create("billing_credit_grants")["id"])
        # 9/9's Issuing.
        card = sb.create("issuing_cards")
        touched["issuing_cards"].add(card["id"])
        touched["issuing_cardholders"].add(card["cardholder"]["id"])
        auth = sb.create("issuing_authorizations", {"card": first("issuing_cards")})["id"]
        touched["issuing_authorizations"].add(auth)
        sb.update("issuing_authorizations", auth, {"status": "closed"})
        txn = first("issuing_transactions")
        sb.update("issuing_transactions", txn, {"metadata": {"receipt": "1"}})
        touched["issuing_disputes"].add(sb.create("issuing_disputes", {"transaction": txn})["id"])
        # 9/9's configuration with events: the portal's, and a report run that ended.
        portal = first("billing_portal_configurations")
        sb.update("billing_portal_configurations", portal, {"active": False})
        run = sb.create("reporting_report_runs")["id"]
        touched["reporting_report_runs"].add(run)
        sb.update("reporting_report_runs", run, {"status": "succeeded", "succeeded_at": sb.now})
        # 9/9's last lists with events.
        linked = first("financial_connections_accounts")
        sb.create("financial_connections_transactions", {"account": linked})
        session = sb.create("identity_verification_sessions")["id"]
        sb.update("identity_verification_sessions", session, {"status": "verified"})
        order = sb.create("climate_orders")["id"]
        sb.update("climate_orders", order, {"status": "delivered"})
        authentication = first("three_d_secure_authentications")
        sb.update("three_d_secure_authentications", authentication, {"status": "canceled"})
        touched["sigma_scheduled_query_runs"].add(sb.create("sigma_scheduled_query_runs")["id"])
        touched["apps_installs"].add(sb.create("apps_installs")["id"])


@pytest.fixture(scope="module")
def after_changes() -> t.Iterator[tuple[StripeSandbox, SyncResult, SyncResult, Changes, dict]]:
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        changes = Changes(sb)
        sb.reset_stats()
        second = sync(tap_config(sb), state=first.states[-1])
        yield sb, first, second, changes, sb.stats


@pytest.mark.parametrize("stream", sorted(EVENT_STREAMS))
def test_an_incremental_run_writes_exactly_what_changed(after_changes, stream):
    sb, first, second, changes, _ = after_changes
    relisted: set[str] = set()
    if unsettled := EVENT_STREAMS[stream].unsettled:
        # What may change silently is listed again, from the oldest such object: where
        # Stripe lists those alone, those, and the ones state knew that settled since.
        field, value = unsettled
        bookmark = first.states[-1]["bookmarks"][stream]
        oldest = bookmark["unsettled_since"]
        assert oldest is not None
        key = EVENT_STREAMS[stream].created_field
        relisted = {o["id"] for o in sb.objects(stream) if o[key] >= oldest}
        if EVENT_STREAMS[stream].unsettled_list:
            still = {o["id"] for o in sb.objects(stream) if o[field] == value}
            relisted = (relisted & still) | set(bookmark["unsettled_ids"])
        assert any(o[field] == value for o in first.records(stream) if o["id"] in relisted)
    assert second.ids(stream) == changes.changed[stream] | relisted
    assert len(second.records(stream)) == len(second.ids(stream)), "each object once"
    current = {o["id"]: o for o in sb.objects(stream)}
    omitted = EVENT_STREAMS[stream].omitted_fields  # (never written: an install's auth_code)
    for record in second.records(stream):
        if not record.get("_sdc_deleted_at"):
            now = {k: v for k, v in current[record["id"]].items() if k not in omitted}
            assert record == now, "as the object is now"


def test_the_changes_are_of_every_kind(after_changes):
    _, _, second, changes, _ = after_changes
    assert all(changes.changed[stream] for stream in EVENT_STREAMS), "a stream left unchanged"
    assert set(changes.updated_customers) | set(changes.new_customers) <= second.live_ids(
        "customers"
    )
    assert second.deleted_ids("customers") == {changes.deleted_customer}
    assert second.deleted_ids("products") == set(changes.deleted_products)
    paid = {i["id"]: i for i in second.records("invoices")}
    assert all(paid[i]["status"] == "paid" for i in changes.paid)
    assert second.records("payment_intents") and second.records("charges"), "the payments"


def test_a_deletion_carries_the_object_as_it_was(after_changes):
    _, first, second, changes, _ = after_changes
    (record,) = [r for r in second.records("customers") if r["id"] == changes.deleted_customer]
    assert record["_sdc_deleted_at"]
    before = next(r for r in first.records("customers") if r["id"] == changes.deleted_customer)
    assert record["email"] == before["email"]


def test_a_canceled_subscription_is_not_a_deletion(after_changes):
    _, _, second, changes, _ = after_changes
    subscriptions = {r["id"]: r for r in second.records("subscriptions")}
    for subscription in changes.canceled:
        assert subscriptions[subscription]["status"] == "canceled"
        assert not subscriptions[subscription].get("_sdc_deleted_at")
    assert not second.deleted_ids("subscriptions")


def test_a_changed_parent_comes_with_its_complete_nested_list(after_changes):
    sb, _, second, changes, _ = after_changes
    lines = [r for r in second.records("invoice_line_items") if r["invoice"] == changes.long_draft]
    now = {
        li["id"] for li in sb.objects("invoice_line_items") if li["invoice"] == changes.long_draft
    }
    assert len(now) > 10
    assert {r["id"] for r in lines if not r.get("_sdc_deleted_at")} == now
    assert {r["id"] for r in lines if r.get("_sdc_deleted_at")} == {changes.removed_line}
    assert any(r.get("description") == "Changed line" for r in lines)
    for invoice in changes.changed["invoices"] - {changes.long_draft}:
        expected = {li["id"] for li in sb.objects("invoice_line_items") if li["invoice"] == invoice}
        assert expected <= second.ids("invoice_line_items")
    for subscription in changes.changed["subscriptions"]:
        items = {
            i["id"] for i in sb.objects("subscription_items") if i["subscription"] == subscription
        }
        assert items <= second.ids("subscription_items")


def test_a_reversal_or_fee_refund_added_past_ten_arrives_with_the_whole_list(after_changes):
    sb, _, second, changes, stats = after_changes
    for child, key, parent, new in [
        ("transfer_reversals", "transfer", changes.long_transfer, changes.new_reversal),
        ("application_fee_refunds", "fee", changes.long_fee, changes.new_fee_refund),
    ]:
        now = {o["id"] for o in sb.objects(child) if o[key] == parent}
        assert len(now) > 11 and new in now
        assert {r["id"] for r in second.records(child) if r[key] == parent} == now, child
    # The rest of each list, once: only the changed parent's list goes on past its first 10.
    assert stats["requests"].get("GET /v1/transfers/{id}/reversals") == 1
    assert stats["requests"].get("GET /v1/application_fees/{id}/refunds") == 1


def test_the_warehouse_ends_as_stripe_is(after_changes):
    sb, first, second, _, _ = after_changes
    warehouse = Warehouse().load(first).load(second)
    for stream in STREAMS:
        assert set(warehouse.live(stream)) == sb.ids(stream), stream


def test_an_incremental_run_costs_what_changed_not_the_history(after_changes):
    sb, first, _second, changes, stats = after_changes
    requests = stats["requests"]
    listed = [s for s in EVENT_STREAMS.values() if not (s.unsettled or s.created_unannounced)]
    assert not any(requests.get(f"GET {s.path}") for s in listed), "listed, not read from events"
    # The account's one read of events, for every stream (and the events stream itself): one
    # page, which is also the probe.
    assert requests["GET /v1/events"] == 1
    long_ones = [
        i for i in sb.objects("invoices") if i["id"] in changes.changed["invoices"]
    ]  # one request for the rest of each long changed invoice's lines
    assert requests.get("GET /v1/invoices/{id}/lines") == sum(
        i["lines"]["has_more"] for i in long_ones
    )
    assert sum(requests.values()) < sum(1 for m in first.messages if m["type"] == "RECORD") / 20


def test_the_cost_does_not_grow_with_the_account():
    """The same changes in a ten times bigger account: the same requests (bar the re-reads of
    what may change silently, balance transactions and invoice items not yet settled, and of
    the Checkout Sessions created since, which scale with recent activity)."""
    counts = []
    for scale in (0.02, 0.2):
        with fresh_sandbox(scale=scale) as sb:
            first = sync(tap_config(sb))
            sb.advance(60)
            for customer in sb.objects("customers")[:3]:
                sb.update("customers", customer["id"], {"metadata": {"x": "1"}})
            sb.delete("products", sb.objects("products")[0]["id"])
            sb.reset_stats()
            sync(tap_config(sb), state=first.states[-1])
            requests = sb.stats["requests"]
            relists = ("balance_transactions", "invoiceitems", "checkout")
            counts.append({k: v for k, v in requests.items() if not any(r in k for r in relists)})
    assert counts[0] == counts[1]


@pytest.mark.parametrize("same_version", [True, False], ids=["our version", "older version"])
def test_objects_are_fetched_only_when_the_event_speaks_another_version(same_version):
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        if not same_version:
            sb.set_event_api_version("2025-03-31.basil")
        sb.advance(60)
        customers = [c["id"] for c in sb.objects("customers")[:4]]
        for customer in customers:
            sb.update("customers", customer, {"metadata": {"a": "1"}})
            sb.update("customers", customer, {"metadata": {"a": "2"}})  # two events, one fetch
        gone = sb.objects("products")[0]["id"]
        sb.delete("products", gone)
        sb.reset_stats()
        second = sync(tap_config(sb), state=first.states[-1])
        fetches = sb.stats["requests"].get("GET /v1/customers/{id}", 0)
        assert fetches == (0 if same_version else len(customers))
        assert sb.stats["requests"].get("GET /v1/products/{id}", 0) == 0, "deleted: no fetch"
        records = {r["id"]: r for r in second.records("customers")}
        assert all(records[c]["metadata"] == {"a": "2"} for c in customers)
        assert second.deleted_ids("products") == {gone}


@pytest.mark.parametrize("same_version", [True, False], ids=["our version", "older version"])
def test_a_fee_refund_changed_on_its_own_arrives_as_it_is_now(same_version):
    """application_fee.refund.updated: the refund from the event, or (Stripe retrieves a fee
    refund only under its fee) from its fee's list of refunds, read once."""
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        if not same_version:
            sb.set_event_api_version("2025-03-31.basil")
        sb.advance(60)
        refund = sb.objects("application_fee_refunds")[0]
        sb.update("application_fee_refunds", refund["id"], {"metadata": {"a": "1"}})
        sb.update("application_fee_refunds", refund["id"], {"metadata": {"a": "2"}})
        sb.reset_stats()
        second = sync(tap_config(sb), state=first.states[-1])
        lists = sb.stats["requests"].get("GET /v1/application_fees/{id}/refunds", 0)
        assert lists == (0 if same_version else 1)
        records = [r for r in second.records("application_fee_refunds") if r["id"] == refund["id"]]
        assert records and all(r["metadata"] == {"a": "2"} for r in records)
        siblings = {
            r["id"] for r in sb.objects("application_fee_refunds") if r["fee"] == refund["fee"]
        }
        assert second.ids("application_fee_refunds") == (
            {refund["id"]} if same_version else siblings
        )


def test_without_event_read_a_run_reads_everything_again_and_retires_what_is_gone(caplog):
    key = "rk_live_sandboxNoEvents0000000000000"
    with fresh_sandbox() as sb:
        sb.add_key(key, denied=("event_read",))
        config = tap_config(sb, api_key=key)
        first = sync(config)
        changes = Changes(sb)
        with caplog.at_level("WARNING"):
            second = sync(config, state=first.states[-1])
        warnings = [r for r in caplog.records if "Updates and deletions" in r.getMessage()]
        assert len(warnings) == 1 and "event_read" in warnings[0].getMessage()
        warehouse = Warehouse().load(first).load(second)
        for stream in set(STREAMS) - {"events"}:  # the key may not read them
            assert set(warehouse.live(stream)) == sb.ids(stream), stream
        assert set(changes.deleted_products) <= warehouse.deleted_ids("products")
        assert changes.removed_line in warehouse.deleted_ids("invoice_line_items")


def test_after_thirty_days_a_run_reads_everything_again(caplog):
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        sb.advance(31 * DAY)
        changes = Changes(sb)
        with caplog.at_level("WARNING"):
            second = sync(tap_config(sb), state=first.states[-1])
        assert "older than the 30 days of events" in caplog.text
        warehouse = Warehouse().load(first).load(second)
        for stream in STREAMS:
            assert set(warehouse.live(stream)) == sb.ids(stream), stream
        assert set(changes.deleted_products) <= warehouse.deleted_ids("products")


def as_stripe_has_it(warehouse: Warehouse, sb: StripeSandbox, stream: str) -> None:
    """The stream's live rows are exactly Stripe's objects, each as it is now."""
    live = warehouse.live(stream)
    assert set(live) == sb.ids(stream), stream
    current = {o["id"]: o for o in sb.objects(stream)}
    added = {"_sdc_table_version", getattr(STREAM_CLASSES[stream], "parent_key", None)}
    omitted = STREAM_CLASSES[stream].omitted_fields  # (never written: an install's auth_code)
    for object_id, row in live.items():
        now = {k: v for k, v in current[object_id].items() if k not in omitted}
        record = {k: v for k, v in row.items() if k in now or k not in added}
        assert record == now, f"{stream} {object_id} is not as it is now"


def test_an_incremental_run_cut_short_loses_no_change(monkeypatch):
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        Changes(sb)
        # The changes are older than the margin a run re-reads before its bookmark: only the
        # bookmarks can keep them.
        sb.advance(plan.CLOCK_SKEW + 60)
        monkeypatch.setattr(client, "PAGE_SIZE", 3)  # many pages of events
        monkeypatch.setattr(tap_run, "STATE_INTERVAL_SECONDS", 0.0)  # a STATE after each answer
        second = sync(tap_config(sb), state=first.states[-1])
        before = first.states[-1]["bookmarks"]
        moved = [
            n
            for n, state in enumerate(second.states, 1)
            if any(
                state["bookmarks"][s]["replication_key_value"] != before[s]["replication_key_value"]
                for s in EVENT_STREAMS
            )
        ]
        # (The streams' bookmarks move once the account's one read of events is done.)
        assert moved, "no bookmark moved"
        last = len(second.states)
        for n in sorted({1, last // 2, last - 1, moved[0]}):
            cut = second.until_state(n)  # died there, before its work was done
            resumed = sync(tap_config(sb), state=cut.states[-1])
            warehouse = Warehouse().load(first).load(cut).load(resumed)
            for stream in STREAMS:
                as_stripe_has_it(warehouse, sb, stream)


def test_a_pending_balance_transaction_that_settles_arrives_available():
    # Stripe's clock three days on is this machine's: a state never runs ahead of it.
    with fresh_sandbox(now=int(time.time()) - 3 * DAY) as sb:
        first = sync(tap_config(sb))
        pending = {
            r["id"] for r in first.records("balance_transactions") if r["status"] == "pending"
        }
        assert pending, "the sandbox has no pending transaction: the test would prove nothing"
        sb.advance(3 * DAY)
        settled = set(sb.settle_balance_transactions())
        assert settled == pending
        second = sync(tap_config(sb), state=first.states[-1])
        again = {r["id"]: r for r in second.records("balance_transactions")}
        assert pending <= set(again)
        assert all(again[t]["status"] == "available" for t in pending)
        third = sync(tap_config(sb), state=second.states[-1])
        assert not (pending & third.ids("balance_transactions")), "settled: not read again"


def test_events_of_objects_that_do_not_exist_are_skipped():
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb))
        sb.advance(60)
        sb.emit_upcoming_invoice(sb.objects("subscriptions")[0]["customer"])
        second = sync(tap_config(sb), state=first.states[-1])
        assert not second.records("invoices")


def test_capture_changes_false_reads_only_new_objects():
    with fresh_sandbox() as sb:
        config = tap_config(sb, capture_changes=False)
        first = sync(config)
        sb.advance(60)
        updated = sb.objects("customers")[0]["id"]
        sb.update("customers", updated, {"metadata": {"x": "1"}})
        new = sb.create("customers")["id"]
        sb.reset_stats()
        second = sync(config, state=first.states[-1])
        assert new in second.ids("customers") and updated not in second.ids("customers")
        # The probe (Stripe's clock) and the page of new events of the events stream.
        # The events stream's new events, from the one read of events that is the probe.
        assert sb.stats["requests"]["GET /v1/events"] == 1


def test_a_first_sync_asks_for_one_event_only():
    """The probe that reads Stripe's clock and the key's access to events is one small request."""
    with fresh_sandbox() as sb:
        sb.reset_stats()
        sync(tap_config(sb, api_key=DEMO_API_KEY), select=set(STREAMS) - {"events"})
        assert sb.stats["requests"]["GET /v1/events"] == 1


@pytest.mark.parametrize("why", ["no event_read", "older than 30 days"])
@pytest.mark.parametrize("activate", [True, False], ids=["activate", "no activate"])
def test_the_warning_when_events_cannot_serve_says_what_follows(caplog, why, activate):
    key = "rk_live_sandboxWarning00000000000000"
    with fresh_sandbox() as sb:
        sb.add_key(key, denied=("event_read",) if why == "no event_read" else ())
        config = tap_config(sb, api_key=key, emit_activate_version_messages=activate)
        first = sync(config, select=["customers"])
        if why != "no event_read":
            sb.advance(31 * DAY)
        with caplog.at_level("WARNING"):
            sync(config, state=first.states[-1], select=["customers"])
    (warning,) = [
        r.getMessage() for r in caplog.records if "Updates and deletions" in r.getMessage()
    ]
    assert ("event_read" in warning) == (why == "no event_read")
    assert ("older than the 30 days" in warning) == (why != "no event_read")
    assert ("the target marks what no longer exists" in warning) == activate
    assert ("what was deleted stays in the target" in warning) == (not activate)


# -- changes during a run ---------------------------------------------------------------------


def changed_during_its_fetch(
    monkeypatch: pytest.MonkeyPatch, path: str, change: t.Callable[[], None]
) -> None:
    """``change`` happens in Stripe just before the tap fetches ``path``."""
    get = transport.StripeTransport.get
    pending = [change]

    def fetch(self, asked, params=(), **kwargs):
        if asked == path and pending:
            pending.pop()()
        return get(self, asked, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", fetch)


def test_a_change_made_during_a_run_is_read_by_the_next(monkeypatch):
    """The bookmark is when the stream's read began, and the next run reads from a margin
    before it: a change made while the stream is read, after its events were, is not lost,
    though Stripe lists its event late (stamped before the run began) and the read goes on."""
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb), select=["customers"])
        sb.set_event_api_version("2025-03-31.basil")  # so that the stream's read goes on
        sb.advance(60)
        fetched, during = (c["id"] for c in sb.objects("customers")[:2])
        sb.update("customers", fetched, {"metadata": {"x": "1"}})

        def change() -> None:
            sb.advance(-60)  # stamped a minute before this run began, listed only now
            sb.update("customers", during, {"metadata": {"during": "the run"}})
            sb.advance(60 + plan.CLOCK_SKEW + 60)  # the read goes on, a while

        with monkeypatch.context() as patched:
            changed_during_its_fetch(patched, f"/v1/customers/{fetched}", change)
            second = sync(tap_config(sb), state=first.states[-1], select=["customers"])
        assert second.ids("customers") == {fetched}
        third = sync(tap_config(sb), state=second.states[-1], select=["customers"])
        (record,) = [r for r in third.records("customers") if r["id"] == during]
        assert record["metadata"] == {"during": "the run"}


# -- nested items past the embedded page ----------------------------------------------------


def long_draft_and_subscription(sb: StripeSandbox) -> tuple[str, str]:
    """A draft invoice with more lines than Stripe embeds, and such a subscription."""
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")["id"]
    sb.add_invoice_lines(draft, 14)
    subscription = next(
        s["id"]
        for s in sb.objects("subscriptions")
        if s["items"]["has_more"] and s["status"] not in ("canceled", "incomplete_expired")
    )
    # Their events lie before what the next run re-reads: only state can tell their items.
    sb.advance(plan.CLOCK_SKEW + 60)
    return draft, subscription


def nested_of(sb: StripeSandbox, stream: str, key: str, parent: str) -> list[str]:
    return [o["id"] for o in sb.objects(stream) if o[key] == parent]


def past_the_embedded_page(sb: StripeSandbox, parents: str, parent: str) -> list[str]:
    """The items of a long parent that its embedded first page does not show."""
    child, key, field = {
        "invoices": ("invoice_line_items", "invoice", "lines"),
        "subscriptions": ("subscription_items", "subscription", "items"),
    }[parents]
    (embedded,) = [p[field] for p in sb.objects(parents) if p["id"] == parent]
    shown = {i["id"] for i in embedded["data"]}
    return [i for i in nested_of(sb, child, key, parent) if i not in shown]


def test_items_removed_past_the_embedded_page_are_written_deleted():
    with fresh_sandbox() as sb:
        draft, subscription = long_draft_and_subscription(sb)
        first = sync(tap_config(sb))
        kept = {
            name: first.states[-1]["bookmarks"][parent]["nested_items"][name]
            for parent, name in (
                ("invoices", "invoice_line_items"),
                ("subscriptions", "subscription_items"),
            )
        }
        lines = nested_of(sb, "invoice_line_items", "invoice", draft)
        items = nested_of(sb, "subscription_items", "subscription", subscription)
        assert sorted(kept["invoice_line_items"][draft]) == sorted(lines)
        assert sorted(kept["subscription_items"][subscription]) == sorted(items)
        # Only what can still change and is longer than the embedded page.
        long_ones = {i["id"] for i in sb.objects("invoices") if i["lines"]["has_more"]}
        assert long_ones - {draft}, "no settled long invoice: the test would prove nothing"
        assert set(kept["invoice_line_items"]) == {draft}
        sb.advance(60)
        removed_lines = past_the_embedded_page(sb, "invoices", draft)[::3]
        for line in removed_lines:
            sb.delete("invoice_line_items", line)
        removed_item = past_the_embedded_page(sb, "subscriptions", subscription)[0]
        sb.delete("subscription_items", removed_item)
        second = sync(tap_config(sb), state=first.states[-1])
        assert second.deleted_ids("invoice_line_items") == set(removed_lines)
        assert second.deleted_ids("subscription_items") == {removed_item}
        again = second.states[-1]["bookmarks"]["invoices"]["nested_items"]
        assert sorted(again["invoice_line_items"][draft]) == sorted(set(lines) - set(removed_lines))
        warehouse = Warehouse().load(first).load(second)
        as_stripe_has_it(warehouse, sb, "invoice_line_items")
        as_stripe_has_it(warehouse, sb, "subscription_items")


def test_a_settled_parent_is_no_longer_kept_in_state():
    with fresh_sandbox() as sb:
        draft, _ = long_draft_and_subscription(sb)
        first = sync(tap_config(sb), select=["invoices", "invoice_line_items"])
        sb.advance(60)
        sb.pay_invoice(draft)
        second = sync(
            tap_config(sb), select=["invoices", "invoice_line_items"], state=first.states[-1]
        )
        assert "nested_items" not in second.states[-1]["bookmarks"]["invoices"]


def test_a_deleted_long_draft_takes_each_of_its_lines_with_it_once():
    with fresh_sandbox() as sb:
        draft, _ = long_draft_and_subscription(sb)
        lines = nested_of(sb, "invoice_line_items", "invoice", draft)
        embedded = set(lines) - set(past_the_embedded_page(sb, "invoices", draft))
        first = sync(tap_config(sb))
        sb.advance(60)
        sb.delete("invoices", draft)
        second = sync(tap_config(sb), state=first.states[-1])
        records = [r for r in second.records("invoice_line_items") if r.get("invoice") == draft]
        assert sorted(r["id"] for r in records) == sorted(lines), "each line, once"
        assert all(r["_sdc_deleted_at"] for r in records)
        # The embedded ones are written as they were, and nothing overwrites them after.
        warehouse = Warehouse().load(first).load(second)
        rows = warehouse.tables["invoice_line_items"]
        assert len(embedded) == 10
        assert all(rows[line]["amount"] is not None for line in embedded)
        assert set(lines) <= warehouse.deleted_ids("invoice_line_items")
        assert "nested_items" not in second.states[-1]["bookmarks"]["invoices"]


def test_a_nested_list_it_may_not_read_keeps_the_bookmark(monkeypatch, caplog):
    with fresh_sandbox() as sb:
        select = ["invoices", "invoice_line_items"]
        first = sync(tap_config(sb), select=select)
        sb.advance(60)
        draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")["id"]
        sb.add_invoice_lines(draft, 14)
        get = transport.StripeTransport.get

        def no_lines(self, path, params=(), **kwargs):
            if path.endswith("/lines"):
                raise PermissionDeniedError(f"GET {path}: forbidden", INVOICE_READ)
            return get(self, path, params, **kwargs)

        with monkeypatch.context() as patched, caplog.at_level("WARNING"):
            patched.setattr(transport.StripeTransport, "get", no_lines)
            second = sync(tap_config(sb), select=select, state=first.states[-1])
        assert "those invoices are read again next run" in caplog.text
        bookmark = second.states[-1]["bookmarks"]["invoices"]["replication_key_value"]
        assert bookmark == first.states[-1]["bookmarks"]["invoices"]["replication_key_value"]
        sb.advance(plan.CLOCK_SKEW + 60)
        third = sync(tap_config(sb), select=select, state=second.states[-1])
        lines = nested_of(sb, "invoice_line_items", "invoice", draft)
        assert set(lines) <= third.ids("invoice_line_items")


# -- what a fetch finds ---------------------------------------------------------------------


def test_an_object_gone_when_fetched_is_written_deleted(monkeypatch):
    select = ["customers", "payment_methods", "products"]
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb), select=select)
        sb.set_event_api_version("2025-03-31.basil")  # so that the objects are fetched
        sb.advance(60)
        customer = sb.objects("customers")[0]["id"]
        product = sb.objects("products")[0]["id"]
        method = next(m for m in sb.objects("payment_methods") if m["customer"])["id"]
        sb.update("customers", customer, {"metadata": {"x": "1"}})
        sb.update("products", product, {"metadata": {"x": "1"}})
        sb.update("payment_methods", method, {"metadata": {"x": "1"}})

        def not_found() -> None:
            raise NotFoundError(f"GET /v1/payment_methods/{method}: No such PaymentMethod")

        # A deleted customer is answered (200, "deleted": true); a deleted product is a 404.
        changed_during_its_fetch(
            monkeypatch, f"/v1/customers/{customer}", lambda: sb.delete("customers", customer)
        )
        changed_during_its_fetch(
            monkeypatch, f"/v1/products/{product}", lambda: sb.delete("products", product)
        )
        changed_during_its_fetch(monkeypatch, f"/v1/payment_methods/{method}", not_found)
        second = sync(tap_config(sb), select=select, state=first.states[-1])
        for stream, gone in (
            ("customers", customer),
            ("products", product),
            ("payment_methods", method),
        ):
            (record,) = [r for r in second.records(stream) if r["id"] == gone]
            assert record["_sdc_deleted_at"], stream


# -- the events read --------------------------------------------------------------------------


def vanishing_events_cursor(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """The customers' events lose their cursor ``times`` times (each page after the first)."""
    get = transport.StripeTransport.get
    vanished: list[int] = []

    def vanishing(self, path, params=(), **kwargs):
        paging = any(name == "starting_after" for name, _ in params)
        customers = ("types[]", "customer.updated") in params
        if path == "/v1/events" and paging and customers and len(vanished) < times:
            vanished.append(1)
            raise CursorVanishedError(f"GET {path}: No such event")
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", vanishing)
    return vanished


def test_a_vanished_events_cursor_reads_the_events_again(monkeypatch):
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb), select=["customers"])
        sb.advance(60)
        customers = [c["id"] for c in sb.objects("customers")[:8]]
        for customer in customers:
            sb.update("customers", customer, {"metadata": {"x": "1"}})
        monkeypatch.setattr(client, "PAGE_SIZE", 3)
        vanished = vanishing_events_cursor(monkeypatch, times=event_feed.MAX_FEED_RESTARTS)
        second = sync(tap_config(sb), state=first.states[-1], select=["customers"])
        assert len(vanished) == event_feed.MAX_FEED_RESTARTS
        assert second.ids("customers") == set(customers)
        assert len(second.records("customers")) == len(customers), "each once"


def test_an_events_cursor_that_keeps_vanishing_stops_with_one_line(monkeypatch):
    with fresh_sandbox() as sb:
        first = sync(tap_config(sb), select=["customers"])
        sb.advance(60)
        for customer in sb.objects("customers")[:8]:
            sb.update("customers", customer["id"], {"metadata": {"x": "1"}})
        monkeypatch.setattr(client, "PAGE_SIZE", 3)
        vanishing_events_cursor(monkeypatch, times=1000)
        with pytest.raises(BadAnswerError, match="Reading the account's events lost its place"):
            sync(tap_config(sb), state=first.states[-1], select=["customers"])


def test_the_next_page_of_events_waits_while_many_fetches_do(monkeypatch):
    """Each changed object in another API version is fetched: the next page of events is
    asked for once most of those fetches are done, not at once (memory stays bounded)."""
    monkeypatch.setattr(stream_read, "MAX_WAITING_READS", 4)
    now = 1_790_000_000  # Stripe never answers from the future: a past moment
    bookmark = {"replication_key": "created", "replication_key_value": now - 600}
    tap = TapStripeReadonly(
        config={"api_key": DEMO_API_KEY},
        state={"bookmarks": {"customers": bookmark}},
        validate_config=True,
    )
    for name, stream in tap.streams.items():
        stream.selected = name == "customers"
    run = Run(tap)
    customers = t.cast("StripeStream", tap.streams["customers"])
    run.output.schema(customers)
    account = run.accounts[0]
    account.now, account.events_readable = now, True
    reading = StreamRead(run.seam, account, customers)
    feed = event_feed.EventsFeed(run.seam, account, now - 600 - plan.CLOCK_SKEW, None)

    def customer(n: int) -> dict[str, t.Any]:
        return {"id": f"cus_{n}", "object": "customer"}

    def event(n: int) -> msgspec.Raw:
        data = {"object": customer(n)}
        fields = {"type": "customer.updated", "created": now - 10, "api_version": "2020-08-27"}
        return msgspec.Raw(msgspec.json.encode({"id": f"evt_{n}", **fields, "data": data}))

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        first = feed.first_task(lambda: start_reading(reading, feed), lambda exc: [])
        fetches = list(first.on_body(ListPage("list", [event(n) for n in range(6)], True)))
        assert [task.path for task in fetches] == [f"/v1/customers/cus_{n}" for n in range(6)]
        released = [
            [task.path for task in fetch.on_body(msgspec.Raw(msgspec.json.encode(customer(n))))]
            for n, fetch in enumerate(fetches)
        ]
    # Held while half the limit or more wait; then asked for, after the last event read.
    assert released == [[], [], [], [], ["/v1/events"], []]


def test_a_hand_edited_nested_items_stops_the_run():
    check_state(
        {"bookmarks": {"invoices": {"nested_items": {"invoice_line_items": {"in_1": ["il_1"]}}}}},
        ["invoices"],
    )
    for bad in ({"invoice_line_items": ["il_1"]}, {"invoice_line_items": {"in_1": "il_1"}}):
        with pytest.raises(StateError, match="nested_items for stream 'invoices'"):
            check_state({"bookmarks": {"invoices": {"nested_items": bad}}}, ["invoices"])
        backfill = {"range": [0, 1], "done": [], "nested_items": bad}
        with pytest.raises(StateError, match="backfill for stream 'invoices'"):
            check_state({"bookmarks": {"invoices": {"backfill": backfill}}}, ["invoices"])
