"""A full sync against the sandbox: complete, exact, resumable, read-only, and in parallel."""

from __future__ import annotations

import datetime
import math
import threading
import time
from collections import Counter

import pytest

from tap_stripe_readonly import client, transport
from tap_stripe_readonly import run as tap_run
from tap_stripe_readonly.client import API_VERSION
from tap_stripe_readonly.errors import StopSyncError
from tap_stripe_readonly.reading import stream_read
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, run_cli, sync, tap_config
from tests.stripe_sandbox import DEMO_ACCOUNT_ID, StripeSandbox
from tests.stripe_sandbox import store as sandbox_store

# What a sync writes unless told otherwise (payment_methods costs a request per customer).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
CHILDREN = {"invoice_line_items": "invoice", "subscription_items": "subscription"}


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
    assert "canceled" in {s["status"] for s in result.records("subscriptions")}
    long_invoices = [i for i in sandbox.objects("invoices") if i["lines"]["has_more"]]
    assert long_invoices
    for invoice in long_invoices:
        lines = [r for r in result.records("invoice_line_items") if r["invoice"] == invoice["id"]]
        assert len(lines) == invoice["lines"]["total_count"] > 10
    seconds = [c["created"] for c in result.records("customers")]
    assert max(seconds.count(s) for s in set(seconds)) > client.PAGE_SIZE, "a burst, read whole"


def test_records_are_stripe_s_json_as_sent(sandbox, full_sync):
    result, _ = full_sync
    by_id = {o["id"]: o for o in sandbox.objects("invoices")}
    for record in result.records("invoices")[:50]:
        assert record == by_id[record["id"]]


def test_nested_lists_are_requested_only_for_parents_with_more(sandbox, full_sync):
    _, stats = full_sync
    for parent, field, endpoint in [
        ("invoices", "lines", "GET /v1/invoices/{id}/lines"),
        ("subscriptions", "items", "GET /v1/subscription_items"),
        ("credit_notes", "lines", "GET /v1/credit_notes/{id}/lines"),
        ("transfers", "reversals", "GET /v1/transfers/{id}/reversals"),
        ("application_fees", "refunds", "GET /v1/application_fees/{id}/refunds"),
    ]:
        embedded = [p[field] for p in sandbox.objects(parent)]
        expected = sum(
            math.ceil(e["total_count"] / client.PAGE_SIZE) for e in embedded if e["has_more"]
        )
        assert expected > 0
        assert stats["requests"].get(endpoint, 0) == expected


def test_children_carry_their_parent_id(sandbox, full_sync):
    result, _ = full_sync
    for child, key in CHILDREN.items():
        parents = {p["id"] for p in sandbox.objects(child.rsplit("_", 2)[0] + "s")} or None
        assert parents is not None
        assert all(r[key] for r in result.records(child))
    invoices = sandbox.ids("invoices")
    assert all(r["invoice"] in invoices for r in result.records("invoice_line_items"))


def test_one_schema_per_stream_before_its_records(full_sync):
    result, _ = full_sync
    schemas = [m["stream"] for m in result.of_type("SCHEMA")]
    assert sorted(schemas) == sorted(STREAMS)
    seen: set[str] = set()
    for message in result.messages:
        if message["type"] == "SCHEMA":
            seen.add(message["stream"])
        elif message["type"] == "RECORD":
            assert message["stream"] in seen


def test_a_complete_read_activates_its_version_after_its_records(full_sync):
    """Targets then mark rows of objects that are gone; nested streams included."""
    result, _ = full_sync
    activations = {m["stream"]: m["version"] for m in result.of_type("ACTIVATE_VERSION")}
    assert set(activations) == set(STREAMS)
    last_record = {}
    for i, message in enumerate(result.messages):
        if message["type"] == "RECORD":
            assert message["version"] == activations[message["stream"]]
            last_record[message["stream"]] = i
    for i, message in enumerate(result.messages):
        if message["type"] == "ACTIVATE_VERSION":
            assert i > last_record[message["stream"]]


def test_only_gets_with_pinned_version_and_account(full_sync):
    _, stats = full_sync
    assert stats["non_get"] == 0
    assert stats["headers"]["Stripe-Version"] == {API_VERSION}
    assert stats["headers"]["Stripe-Account"] == {DEMO_ACCOUNT_ID}


def test_one_request_in_flight_reads_the_same(shared_sandbox, full_sync):
    one = sync(tap_config(shared_sandbox, max_requests_in_flight=1))
    assert shared_sandbox.stats["max_in_flight"] == 1
    result, _ = full_sync
    assert all(one.ids(s) == result.ids(s) for s in STREAMS)


def test_final_state_bookmarks_the_sync_start_in_stripe_s_time():
    with StripeSandbox(scale=0.02, seed=7, now=1_700_000_000) as sb:
        sb.advance(86_400 * 3)  # Stripe's clock, not this machine's
        result = sync(tap_config(sb))
    bookmarks = result.states[-1]["bookmarks"]
    for stream in ("customers", "invoices", "subscriptions", "balance_transactions"):
        assert bookmarks[stream]["replication_key_value"] == 1_700_000_000 + 86_400 * 3
        assert "backfill" not in bookmarks[stream]
    top = {s.name for s in STREAM_TYPES if not s.parent_stream_type and s.selected_by_default}
    assert set(bookmarks) == top


def test_start_date_limits_created(shared_sandbox):
    customers = sorted(o["created"] for o in shared_sandbox.objects("customers"))
    cutoff = customers[len(customers) // 2]
    iso = datetime.datetime.fromtimestamp(cutoff, tz=datetime.timezone.utc)
    result = sync(tap_config(shared_sandbox, start_date=iso.isoformat()))
    expected = {o["id"] for o in shared_sandbox.objects("customers") if o["created"] >= cutoff}
    assert result.ids("customers") == expected
    assert len(expected) < len(customers)


def test_same_second_bursts_page_to_their_end(own_sandbox, monkeypatch):
    """Pages that end inside a second of hundreds of objects: none lost, none twice."""
    monkeypatch.setattr(client, "PAGE_SIZE", 7)
    streams = ("customers", "invoices", "charges", "balance_transactions")
    result = sync(tap_config(own_sandbox, max_requests_in_flight=8), select=streams)
    for stream in streams:
        records = result.records(stream)
        seconds = [r["created"] for r in records]
        assert max(seconds.count(s) for s in set(seconds)) > 10 * client.PAGE_SIZE
        assert len(records) == len(result.ids(stream)) and result.ids(stream) == own_sandbox.ids(
            stream
        ), stream


def test_a_cursor_vanishing_inside_a_burst_second_loses_and_repeats_nothing(
    own_sandbox, monkeypatch
):
    """The list goes on from that second again, skipping what it wrote of it."""
    monkeypatch.setattr(client, "PAGE_SIZE", 7)
    created = {c["id"]: c["created"] for c in own_sandbox.objects("customers")}
    burst, size = Counter(created.values()).most_common(1)[0]
    assert size > 10 * client.PAGE_SIZE
    cursors_in_burst: list[str] = []
    deleted: list[str] = []
    get = transport.StripeTransport.get

    def delete_a_cursor_five_pages_into_the_burst(self, path, params=(), **kwargs):
        cursor = dict(params).get("starting_after")
        if path == "/v1/customers" and cursor and created.get(cursor) == burst:
            cursors_in_burst.append(cursor)
            if len(cursors_in_burst) == 5:
                own_sandbox.delete("customers", cursor)
                deleted.append(cursor)
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", delete_a_cursor_five_pages_into_the_burst)
    result = sync(tap_config(own_sandbox), select=["customers"])
    assert deleted and own_sandbox.stats["status"].get(400, 0) == 1
    records = result.records("customers")
    assert len(records) == len(result.ids("customers")), "none twice"
    assert result.ids("customers") == own_sandbox.ids("customers") | set(deleted), "none lost"


def test_a_burst_in_the_bookmark_s_own_second_is_read_whole_by_the_next_run(monkeypatch):
    """Objects created in the second a sync began, after it read that second, come next run."""
    monkeypatch.setattr(client, "PAGE_SIZE", 7)
    with StripeSandbox(scale=0.02, seed=7, now=int(time.time())) as sb:
        config = tap_config(sb, capture_changes=False)
        first = sync(config, select=["customers"])
        state = first.states[-1]
        assert state["bookmarks"]["customers"]["replication_key_value"] == sb.now
        burst = {c["id"] for c in sb.create_burst("customers", 10 * client.PAGE_SIZE)}
        sb.advance(60)
        second = sync(config, state=state, select=["customers"])
    records = second.records("customers")
    assert len(records) == len(second.ids("customers")), "none twice"
    assert burst <= second.ids("customers")
    assert first.ids("customers") | second.ids("customers") == sb.ids("customers")


def test_a_stream_is_read_in_several_windows_at_once(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 5)
    own_sandbox.set_faults(latency_ms=20)  # answers take long enough for requests to overlap
    windows: set[int] = set()
    lock = threading.Lock()
    in_flight = peak = 0
    get = transport.StripeTransport.get

    def counting(self, path, params=(), **kwargs):
        nonlocal in_flight, peak
        if path != "/v1/customers":
            return get(self, path, params, **kwargs)
        with lock:
            windows.add(dict(params)["created[lte]"])
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            return get(self, path, params, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(transport.StripeTransport, "get", counting)
    result = sync(tap_config(own_sandbox), select=["customers"])
    assert len(windows) > 2, "one window, paged from its end"
    assert peak > 1, "windows read one after the other"
    records = result.records("customers")
    assert len(records) == len(result.ids("customers"))
    assert result.ids("customers") == own_sandbox.ids("customers")


def test_pages_held_back_while_nested_lists_wait_are_read_after_them(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 10)
    monkeypatch.setattr(stream_read, "MAX_WAITING_READS", 2)
    held: list[int] = []
    hold_if_busy = stream_read.StreamRead.hold_if_busy

    def counting(self, tasks):
        kept = hold_if_busy(self, tasks)
        held.extend([len(tasks)] if tasks and not kept else [])
        return kept

    monkeypatch.setattr(stream_read.StreamRead, "hold_if_busy", counting)
    streams = ["invoices", "invoice_line_items", "subscriptions", "subscription_items"]
    result = sync(tap_config(own_sandbox), select=streams)
    assert held, "nothing was held back: the test would prove nothing"
    for stream in streams:
        records = result.records(stream)
        assert len(records) == len(result.ids(stream)), stream
        assert result.ids(stream) == own_sandbox.ids(stream), stream
    assert all("backfill" not in b for b in result.states[-1]["bookmarks"].values())


def test_a_read_left_unfinished_stops_the_run_instead_of_ending_with_a_gap(
    own_sandbox, monkeypatch
):
    """Were held-back pages never released (a bug), the run must not end as if complete."""
    monkeypatch.setattr(client, "PAGE_SIZE", 10)
    # Every invoice's lines to be listed (none embedded): each page of invoices is held back.
    monkeypatch.setattr(sandbox_store, "EMBEDDED_LIMIT", 0)
    monkeypatch.setattr(stream_read, "MAX_WAITING_READS", 2)
    monkeypatch.setattr(stream_read.StreamRead, "release", lambda self: [])
    with pytest.raises(StopSyncError, match="The read of invoices ended before it was complete"):
        sync(tap_config(own_sandbox), select=["invoices", "invoice_line_items"])


def test_a_full_sync_from_the_command_line_never_falls_back_on_singer_sdk_s_reading(
    own_sandbox, tmp_path
):
    """singer-sdk's own sync of a stream warns that it is unsorted and not resumable."""
    result = run_cli([], tap_config(own_sandbox), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    for words in ("not resumable", "unsorted", "WARNING", "ERROR"):
        assert words not in result.stderr, words
    done = SyncResult.parse(result.stdout)
    assert all(done.ids(s) == own_sandbox.ids(s) for s in STREAMS)


@pytest.mark.parametrize("cut_at", [2, 6, 13])
def test_a_first_sync_cut_anywhere_resumes_exactly(own_sandbox, monkeypatch, cut_at):
    monkeypatch.setattr(client, "PAGE_SIZE", 20)
    monkeypatch.setattr(tap_run, "STATE_INTERVAL_SECONDS", 0.0)  # a STATE after each answer
    run = sync(tap_config(own_sandbox, max_requests_in_flight=4))
    before_cut = run.until_state(cut_at)
    resumed = sync(tap_config(own_sandbox), state=before_cut.states[-1])
    for stream in STREAMS:
        assert before_cut.ids(stream) | resumed.ids(stream) == own_sandbox.ids(stream), stream
    # (Lists read in full every run are read in full again, whatever state says.)
    relisted = {s.name for s in STREAM_TYPES if s.relisted_in_full}
    resumable = [s for s in STREAMS if s not in relisted]
    resent = sum(len(before_cut.ids(s) & resumed.ids(s)) for s in resumable)
    written = sum(len(before_cut.ids(s)) for s in resumable)
    assert resent < written or written == 0
    assert "backfill" not in resumed.states[-1]["bookmarks"]["customers"]


def test_vanished_cursor_lists_again_from_the_last_second_written(own_sandbox, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 5)
    from tap_stripe_readonly import transport

    get = transport.StripeTransport.get
    deleted = []

    def delete_the_cursor_once(self, path, params=(), **kwargs):
        cursor = dict(params).get("starting_after")
        if path == "/v1/customers" and cursor and not deleted:
            own_sandbox.delete("customers", cursor)
            deleted.append(cursor)
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", delete_the_cursor_once)
    result = sync(tap_config(own_sandbox, max_requests_in_flight=1), select=["customers"])
    assert deleted
    assert own_sandbox.stats["status"].get(400, 0) == 1
    records = result.records("customers")
    assert len(records) == len(result.ids("customers"))
    assert result.ids("customers") >= own_sandbox.ids("customers")


def test_parent_deleted_before_its_nested_list_is_read(own_sandbox, monkeypatch, caplog):
    from tap_stripe_readonly import transport

    get = transport.StripeTransport.get
    gone = []

    def delete_parent_first(self, path, params=(), **kwargs):
        if path.startswith("/v1/invoices/") and path.endswith("/lines") and not gone:
            invoice = path.split("/")[3]
            own_sandbox.delete("invoices", invoice)
            gone.append(invoice)
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", delete_parent_first)
    with caplog.at_level("INFO"):
        result = sync(tap_config(own_sandbox))
    assert gone and "the parent was deleted during the sync" in caplog.text
    assert gone[0] in result.ids("invoices")
    assert result.states[-1]["bookmarks"]["invoices"]["replication_key_value"]


def test_children_get_their_parent_id_when_stripe_leaves_it_out(own_sandbox, monkeypatch):
    from tap_stripe_readonly import shapes

    items = shapes.items

    def without_parent_keys(head, raws):
        stripped = []
        for raw in raws:
            text = bytes(raw).replace(b'"subscription":"sub_', b'"_x":"sub_')
            stripped.append(shapes.Raw(text))
        return items(head, stripped)

    monkeypatch.setattr(shapes, "items", without_parent_keys)
    result = sync(tap_config(own_sandbox))
    records = result.records("subscription_items")
    assert records and all(r["subscription"].startswith("sub_") for r in records)


@pytest.mark.parametrize(
    "config",
    [
        {"stream_maps": {"customers": {"email": None, "domain": "email.split('@')[-1]"}}},
        {"flattening_enabled": True, "flattening_max_depth": 1},
    ],
    ids=["stream maps", "flattening"],
)
def test_stream_maps_and_flattening_still_work(own_sandbox, config):
    result = sync(tap_config(own_sandbox, **config))
    customers = result.records("customers")
    assert result.ids("customers") == own_sandbox.ids("customers")
    if "stream_maps" in config:
        assert all("email" not in c and c["domain"] for c in customers)
    else:
        assert any("address__city" in c for c in customers)


def test_tap_reads_several_streams_at_once_within_in_flight_limit(shared_sandbox):
    shared_sandbox.set_faults(latency_ms=20)
    sync(tap_config(shared_sandbox, max_requests_in_flight=6))
    assert 4 <= shared_sandbox.stats["max_in_flight"] <= 6


def test_get_records_says_how_streams_are_read(shared_sandbox):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    with pytest.raises(NotImplementedError, match="sync_all"):
        list(tap.streams["customers"].get_records(None))
