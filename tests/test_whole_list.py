"""The whole-list read: a list Stripe does not filter by ``created``, paged from its newest
object to its oldest, resumable at the last page written. No stream of the tap needs it yet:
these tests declare streams that use it (coupons; invoices with their lines) against the
sandbox."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import typing as t
from pathlib import Path

import pytest

from tap_stripe_readonly import client, transport
from tap_stripe_readonly import run as tap_run
from tap_stripe_readonly.errors import CursorVanishedError
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.streams.billing import (
    CouponsStream,
    InvoiceLineItemsStream,
    InvoicesStream,
)
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, Warehouse, sync, tap_config
from tests.stripe_sandbox import StripeSandbox


class CouponsListedWhole(CouponsStream):
    created_filter = False


class InvoicesListedWhole(InvoicesStream):
    created_filter = False


class LinesOfInvoicesListedWhole(InvoiceLineItemsStream):
    parent_stream_type = InvoicesListedWhole


WHOLE = {
    CouponsStream: CouponsListedWhole,
    InvoicesStream: InvoicesListedWhole,
    InvoiceLineItemsStream: LinesOfInvoicesListedWhole,
}


class TapListingWhole(TapStripeReadonly):
    """The tap, with coupons and invoices declared as lists without a `created` filter."""

    def discover_streams(self) -> list[t.Any]:
        return [WHOLE.get(s, s)(tap=self) for s in STREAM_TYPES]


def sync_whole(
    config: dict[str, t.Any], select: list[str], state: dict[str, t.Any] | None = None
) -> SyncResult:
    tap = TapListingWhole(config=config, state=state, validate_config=True)
    for stream in tap.streams.values():
        stream.selected = stream.name in select
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    out.seek(0)
    return SyncResult.parse(out.read())


@pytest.fixture
def sb() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.05, seed=7) as sandbox:
        sandbox.advance(3600)
        yield sandbox


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, t.Any]]]:
    """Every request the tap sends: its path and parameters."""
    sent: list[tuple[str, dict[str, t.Any]]] = []
    get = transport.StripeTransport.get

    def recording(self, path, params=(), **kwargs):
        sent.append((path, dict(params)))
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", recording)
    return sent


def test_a_list_without_created_is_read_whole_page_after_page(sb, asked, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 3)
    began = sb.now  # (the sandbox's clock is real: a second may pass during the run)
    result = sync_whole(tap_config(sb), ["coupons"])
    assert result.ids("coupons") == sb.ids("coupons")
    assert len(result.records("coupons")) == len(sb.ids("coupons")), "each once"
    pages = [params for path, params in asked if path == "/v1/coupons"]
    assert len(pages) == -(-len(sb.ids("coupons")) // 3)
    assert not any(name.startswith("created") for params in pages for name in params)
    assert [("starting_after" in params) for params in pages] == [False] + [True] * (len(pages) - 1)
    (activated,) = result.of_type("ACTIVATE_VERSION")
    assert activated["stream"] == "coupons"
    bookmark = result.states[-1]["bookmarks"]["coupons"]
    assert "listing" not in bookmark and bookmark["streams"] == ["coupons"]
    assert began <= bookmark["replication_key_value"] <= sb.now, "when the listing began"


def test_a_whole_list_cut_short_resumes_after_its_last_page_written(sb, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 3)
    monkeypatch.setattr(tap_run, "STATE_INTERVAL_SECONDS", 0.0)  # a STATE after each answer
    first = sync_whole(tap_config(sb), ["coupons"])
    cut = next(
        n
        for n, state in enumerate(first.states, 1)
        if state["bookmarks"].get("coupons", {}).get("listing", {}).get("after")
    )
    before = first.until_state(cut)
    listing = before.states[-1]["bookmarks"]["coupons"]["listing"]
    assert listing["after"] and listing["streams"] == ["coupons"]
    resumed = sync_whole(tap_config(sb), ["coupons"], state=before.states[-1])
    assert before.ids("coupons") | resumed.ids("coupons") == sb.ids("coupons")
    assert not before.ids("coupons") & resumed.ids("coupons"), "from the page after the last"
    assert "listing" not in resumed.states[-1]["bookmarks"]["coupons"]


def test_parents_listed_whole_come_with_every_nested_item(sb, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 20)
    streams = ["invoices", "invoice_line_items"]
    result = sync_whole(tap_config(sb), streams)
    for stream in streams:
        assert result.ids(stream) == sb.ids(stream), stream
    assert any(i["lines"]["has_more"] for i in sb.objects("invoices")), "lines past 10 to read"
    bookmark = result.states[-1]["bookmarks"]["invoices"]
    assert bookmark["streams"] == ["invoice_line_items", "invoices"]


def test_a_vanished_cursor_reads_the_list_again_from_its_start(sb, monkeypatch):
    monkeypatch.setattr(client, "PAGE_SIZE", 5)
    get = transport.StripeTransport.get
    vanished: list[str] = []

    def once_vanishing(self, path, params=(), **kwargs):
        cursor = dict(params).get("starting_after")
        if path == "/v1/coupons" and cursor and not vanished:
            vanished.append(cursor)
            raise CursorVanishedError(f"GET {path}: No such coupon: '{cursor}'")
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", once_vanishing)
    result = sync_whole(tap_config(sb), ["coupons"])
    assert vanished
    assert result.ids("coupons") == sb.ids("coupons")


def test_later_runs_read_the_changes_from_events(sb, asked):
    first = sync_whole(tap_config(sb), ["coupons"])
    sb.advance(600)
    coupon = sb.objects("coupons")[0]["id"]
    sb.update("coupons", coupon, {"metadata": {"season": "winter"}})
    new = sb.create("coupons")["id"]
    asked.clear()
    second = sync_whole(tap_config(sb), ["coupons"], state=first.states[-1])
    assert second.ids("coupons") == {coupon, new}
    assert not [path for path, _ in asked if path == "/v1/coupons"], "not listed again"
    warehouse = Warehouse().load(first).load(second)
    assert warehouse.live("coupons")[coupon]["metadata"] == {"season": "winter"}
    assert set(warehouse.live("coupons")) == sb.ids("coupons")


# -- a state written before the reads were parts ---------------------------------------------

OLD_STATE = Path(__file__).parent / "data" / "state_of_the_tap_before_its_reads_were_parts.json"


def test_a_state_the_tap_wrote_before_its_reads_were_parts_resumes_exactly():
    """Written by the tap as it was (one class read every way), cut in the middle of a read
    in full of invoices (done ranges, the ids of a long draft's lines) with customers at an
    events bookmark: the reads of today resume it."""
    fixture = json.loads(OLD_STATE.read_text())
    made, state = fixture["sandbox"], fixture["state"]
    backfill = state["bookmarks"]["invoices"]["backfill"]
    with StripeSandbox(scale=made["scale"], seed=made["seed"], now=made["now"]) as sb:
        sb.add_invoice_lines(made["long_draft"], made["lines_added"])
        sb.advance(made["advanced"])
        streams = ["customers", "invoices", "invoice_line_items"]
        resumed = sync(tap_config(sb), state=copy.deepcopy(state), select=streams)
        invoices = sb.objects("invoices")
    left = {
        i["id"] for i in invoices if not any(a <= i["created"] <= b for a, b in backfill["done"])
    }
    assert left and resumed.ids("invoices") == left
    lines = {line["id"] for i in invoices if i["id"] in left for line in i["lines"]["data"]}
    assert lines <= resumed.ids("invoice_line_items")
    assert not resumed.ids("customers"), "nothing changed since the events bookmark"
    after = resumed.states[-1]["bookmarks"]["invoices"]
    assert "backfill" not in after and after["replication_key_value"] == backfill["range"][1]
    assert after["nested_items"] == backfill["nested_items"], "the long draft's lines kept"
    assert after["table_version"] == backfill["version"]
