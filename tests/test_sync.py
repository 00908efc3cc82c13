"""A sync against the sandbox: complete, incremental, resumable, read-only."""

from __future__ import annotations

import datetime
import math

import pytest

from tap_stripe_readonly import client
from tap_stripe_readonly.client import API_VERSION, StripeStream
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, sync, tap_config
from tests.stripe_sandbox import DEMO_ACCOUNT_ID, StripeSandbox

STREAMS = [s.name for s in STREAM_TYPES]


@pytest.fixture(scope="module")
def full_sync(sandbox: StripeSandbox) -> tuple[SyncResult, dict]:
    sandbox.reset_stats()
    result = sync(tap_config(sandbox, account_id=DEMO_ACCOUNT_ID))
    return result, sandbox.stats


@pytest.mark.parametrize("stream", STREAMS)
def test_full_sync_emits_exactly_the_sandbox_objects(sandbox, full_sync, stream):
    result, _ = full_sync
    records = result.records(stream)
    assert records, f"the sandbox has no {stream}: the test would prove nothing"
    assert len(records) == len(result.ids(stream)), "duplicate records"
    assert result.ids(stream) == sandbox.ids(stream)


def test_full_sync_has_the_hard_cases(sandbox, full_sync):
    result, _ = full_sync
    statuses = {s["status"] for s in result.records("subscriptions")}
    assert "canceled" in statuses
    long_invoices = [i for i in sandbox.objects("invoices") if i["lines"]["has_more"]]
    assert long_invoices
    for invoice in long_invoices:
        lines = [r for r in result.records("invoice_line_items") if r["invoice"] == invoice["id"]]
        assert len(lines) == invoice["lines"]["total_count"] > 10


def test_sub_lists_requested_only_for_parents_with_more(sandbox, full_sync):
    _, stats = full_sync
    for parent, field, endpoint in [
        ("invoices", "lines", "GET /v1/invoices/{id}/lines"),
        ("subscriptions", "items", "GET /v1/subscription_items"),
    ]:
        embedded = [p[field] for p in sandbox.objects(parent)]
        expected = sum(
            math.ceil((e["total_count"] - len(e["data"])) / client.PAGE_SIZE)
            for e in embedded
            if e["has_more"]
        )
        assert expected > 0
        assert stats["requests"].get(endpoint, 0) == expected


def test_children_carry_their_parent_id(sandbox, full_sync):
    result, _ = full_sync
    invoices = sandbox.ids("invoices")
    subscriptions = {s["id"] for s in sandbox.objects("subscriptions")}
    assert all(r["invoice"] in invoices for r in result.records("invoice_line_items"))
    assert all(r["subscription"] in subscriptions for r in result.records("subscription_items"))


def test_one_schema_message_per_stream_and_no_state_per_parent(full_sync):
    result, _ = full_sync
    schemas = [m["stream"] for m in result.of_type("SCHEMA")]
    assert sorted(schemas) == sorted(STREAMS)
    bookmarks = result.states[-1]["bookmarks"]
    for child in ("invoice_line_items", "subscription_items"):
        assert "partitions" not in bookmarks.get(child, {})


def test_nested_streams_never_activate_a_version(own_sandbox):
    """An ACTIVATE_VERSION after one parent's items would drop every other parent's."""
    result = sync(tap_config(own_sandbox, emit_activate_version_messages=True))
    assert result.records("invoice_line_items")
    activated = {m["stream"] for m in result.of_type("ACTIVATE_VERSION")}
    assert not activated & {"invoice_line_items", "subscription_items"}


def test_only_gets_with_pinned_version_and_account(full_sync):
    _, stats = full_sync
    assert stats["non_get"] == 0
    assert stats["headers"]["Stripe-Version"] == {API_VERSION}
    assert stats["headers"]["Stripe-Account"] == {DEMO_ACCOUNT_ID}


def test_final_state_bookmarks_newest_created(sandbox, full_sync):
    result, _ = full_sync
    bookmarks = result.states[-1]["bookmarks"]
    for stream in ("customers", "invoices", "subscriptions"):
        newest = max(o["created"] for o in sandbox.objects(stream))
        assert bookmarks[stream]["replication_key_value"] == newest
        assert "progress_markers" not in bookmarks[stream]


def test_start_date_limits_created(shared_sandbox):
    customers = sorted(o["created"] for o in shared_sandbox.objects("customers"))
    cutoff = customers[len(customers) // 2]
    iso = datetime.datetime.fromtimestamp(cutoff, tz=datetime.timezone.utc)
    result = sync(tap_config(shared_sandbox, start_date=iso.isoformat()))
    expected = {o["id"] for o in shared_sandbox.objects("customers") if o["created"] >= cutoff}
    assert result.ids("customers") == expected
    assert len(expected) < len(customers)


def test_second_run_with_state_adds_only_new_objects(own_sandbox):
    first = sync(tap_config(own_sandbox))
    new = {own_sandbox.create("customers")["id"] for _ in range(3)}
    second = sync(tap_config(own_sandbox), state=first.states[-1])
    assert new <= second.ids("customers")
    # Only the boundary second of the bookmark may be read again.
    newest_before = first.states[-1]["bookmarks"]["customers"]["replication_key_value"]
    old_again = second.ids("customers") - new
    assert all(
        o["created"] == newest_before
        for o in own_sandbox.objects("customers")
        if o["id"] in old_again
    )


@pytest.mark.parametrize("backfill", [True, False], ids=["first run", "incremental run"])
def test_interrupted_run_resumes_without_gap(own_sandbox, monkeypatch, backfill):
    state = None if backfill else sync(tap_config(own_sandbox)).states[-1]
    new = set()
    for _ in range(12):  # each a second apart, so a bookmark can fall between them
        own_sandbox.advance(1)
        new.add(own_sandbox.create("customers")["id"])
    expected = own_sandbox.ids("customers") if backfill else new
    # STATE after every 3 records, so the run can be cut between two of them.
    for stream_type in STREAM_TYPES:
        monkeypatch.setattr(stream_type, "STATE_MSG_FREQUENCY", 3)
    run = sync(tap_config(own_sandbox), state=state)
    # Cut the run after its 7th customer record, as if the process died there.
    customers = [
        i
        for i, m in enumerate(run.messages)
        if m["type"] == "RECORD" and m["stream"] == "customers"
    ]
    before_cut = SyncResult(run.messages[: customers[6] + 1])
    assert before_cut.states, "no STATE before the cut: the test would prove nothing"
    resumed = sync(tap_config(own_sandbox), state=before_cut.states[-1])
    assert expected <= before_cut.ids("customers") | resumed.ids("customers")


def test_permission_lost_mid_stream_keeps_the_previous_bookmark(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 10)
    key = "rk_live_sandboxRevokedMidway0000000000"
    own_sandbox.add_key(key)
    parse_response = StripeStream.parse_response

    def parse_then_lose_permission(self, response):
        yield from parse_response(self, response)
        if self.name == "customers":
            own_sandbox.add_key(key, denied=("customer_read",))

    monkeypatch.setattr(StripeStream, "parse_response", parse_then_lose_permission)
    first = sync(tap_config(own_sandbox, api_key=key))
    assert 0 < len(first.ids("customers")) < len(own_sandbox.ids("customers"))
    assert "replication_key_value" not in first.states[-1]["bookmarks"].get("customers", {})

    monkeypatch.setattr(StripeStream, "parse_response", parse_response)
    own_sandbox.add_key(key)
    resumed = sync(tap_config(own_sandbox, api_key=key), state=first.states[-1])
    assert resumed.ids("customers") == own_sandbox.ids("customers")


def test_parent_deleted_before_its_sub_list_is_read(own_sandbox, caplog):
    invoice = next(i for i in own_sandbox.objects("invoices") if i["lines"]["has_more"])
    own_sandbox.delete("invoices", invoice["id"])
    tap = TapStripeReadonly(config=tap_config(own_sandbox), validate_config=True)
    lines = tap.streams["invoice_line_items"]
    lines.embedded_page = invoice["lines"]
    emitted = [r["id"] for r in lines.get_records({"parent_id": invoice["id"]})]
    assert emitted == [line["id"] for line in invoice["lines"]["data"]]
    assert "the parent was deleted during the sync" in caplog.text


def test_children_get_their_parent_id_when_stripe_leaves_it_out(shared_sandbox):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    line = tap.streams["invoice_line_items"].post_process({"id": "il_1"}, {"parent_id": "in_1"})
    item = tap.streams["subscription_items"].post_process(
        {"id": "si_1", "subscription": None}, {"parent_id": "sub_1"}
    )
    assert line["invoice"] == "in_1"
    assert item["subscription"] == "sub_1"


def test_vanished_cursor_resumes_from_last_created(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 5)
    tap = TapStripeReadonly(config=tap_config(own_sandbox), validate_config=True)
    stream = tap.streams["customers"]
    emitted = []
    for record in stream.get_records(None):
        emitted.append(record["id"])
        if len(emitted) == 5:
            # The cursor for the next page is gone, as when an object is deleted mid-sync.
            own_sandbox.delete("customers", record["id"])
    assert own_sandbox.stats["status"].get(400, 0) == 1
    assert len(emitted) == len(set(emitted))
    assert set(emitted) >= own_sandbox.ids("customers")


def test_vanished_cursor_in_sub_list_lists_it_again(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 3)
    invoice = next(i for i in own_sandbox.objects("invoices") if i["lines"]["has_more"])
    tap = TapStripeReadonly(config=tap_config(own_sandbox), validate_config=True)
    lines = tap.streams["invoice_line_items"]
    lines.embedded_page = invoice["lines"]
    emitted = []
    for record in lines.get_records({"parent_id": invoice["id"]}):
        emitted.append(record["id"])
        if len(emitted) == len(invoice["lines"]["data"]) + 3:
            own_sandbox.delete("invoice_line_items", record["id"])
    assert own_sandbox.stats["status"].get(400, 0) == 1
    assert len(emitted) == len(set(emitted))
    expected = {
        r["id"] for r in own_sandbox.objects("invoice_line_items") if r["invoice"] == invoice["id"]
    }
    assert expected <= set(emitted)
    assert expected <= own_sandbox.ids("invoice_line_items")
