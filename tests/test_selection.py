"""Streams selected after the first sync get their history; state is tied to its account."""

from __future__ import annotations

import typing as t

import pytest

from tap_stripe_readonly import client
from tap_stripe_readonly import run as tap_run
from tap_stripe_readonly.errors import StateError
from tap_stripe_readonly.state import check_state
from tap_stripe_readonly.streams import STREAM_NAMES
from tests.conftest import SyncResult, Warehouse, error_lines, run_cli, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

NARROW = ["customers", "invoice_line_items"]
WIDER = ["customers", "payment_methods", "invoices", "invoice_line_items"]


@pytest.fixture
def sb() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7) as sandbox:
        sandbox.advance(3600)  # no event of the generated history in the margin re-read
        yield sandbox


def attached_payment_methods(sb: StripeSandbox) -> set[str]:
    return {m["id"] for m in sb.objects("payment_methods") if m["customer"]}


def test_streams_selected_later_are_read_in_full_and_the_others_stay_incremental(sb):
    config = tap_config(sb)
    first = sync(config, select=NARROW)
    assert first.ids("invoice_line_items") == sb.ids("invoice_line_items")
    assert not first.ids("invoices")
    sb.advance(60)
    changed = sb.objects("customers")[0]["id"]
    sb.update("customers", changed, {"metadata": {"tier": "gold"}})

    second = sync(config, state=first.states[-1], select=WIDER)
    assert second.ids("invoices") == sb.ids("invoices")
    assert second.ids("payment_methods") == attached_payment_methods(sb)
    # Those synced before read only what changed.
    assert second.ids("customers") == {changed}
    assert second.ids("invoice_line_items") <= {
        line["id"] for inv in sb.objects("invoices") for line in inv["lines"]["data"]
    }, "lines are read again only with an invoice that changed"
    bookmark = second.states[-1]["bookmarks"]
    assert bookmark["customers"]["streams"] == ["customers", "payment_methods"]
    assert bookmark["invoices"]["streams"] == ["invoice_line_items", "invoices"]
    assert "catch_up" not in bookmark["customers"] and "catch_up" not in bookmark["invoices"]

    sb.advance(60)
    third = sync(config, state=second.states[-1], select=WIDER)
    assert not third.ids("invoices") and not third.ids("payment_methods"), "read in full again"


def test_a_catch_up_retires_what_was_deleted_while_its_stream_was_not_selected(sb):
    """A stream deselected, then selected again, is read in full, and its ACTIVATE_VERSION
    retires the rows of objects deleted meanwhile (and only its own rows)."""
    config = tap_config(sb)
    both = ["invoices", "invoice_line_items"]
    first = sync(config, select=both)
    sb.advance(60)
    second = sync(config, state=first.states[-1], select=["invoices"])
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
    lines = {line["id"] for line in draft["lines"]["data"]}
    sb.advance(60)
    sb.delete("invoices", draft["id"])  # its lines go with it
    sb.advance(600)  # past the margin the next runs re-read: only the catch-up can tell
    with_lines_out = sync(config, state=second.states[-1], select=["invoices"])
    sb.advance(60)
    again = sync(config, state=with_lines_out.states[-1], select=both)
    assert again.ids("invoice_line_items") == sb.ids("invoice_line_items")
    activated = {m["stream"] for m in again.of_type("ACTIVATE_VERSION")}
    assert activated == {"invoice_line_items"}
    warehouse = Warehouse().load(first).load(second).load(with_lines_out).load(again)
    assert lines <= warehouse.deleted_ids("invoice_line_items")
    assert set(warehouse.live("invoice_line_items")) == sb.ids("invoice_line_items")
    assert set(warehouse.live("invoices")) == sb.ids("invoices")


def test_a_catch_up_cut_short_resumes_from_its_own_state(sb, monkeypatch):
    monkeypatch.setattr(tap_run, "STATE_INTERVAL_SECONDS", 0.0)  # a STATE after each answer
    monkeypatch.setattr(client, "PAGE_SIZE", 10)  # pages enough to cut between
    config = tap_config(sb)
    first = sync(config, select=NARROW)
    sb.advance(60)
    second = sync(config, state=first.states[-1], select=WIDER)
    # Cut where the catch-up has written some of its history and not all.
    cut = next(
        n
        for n, state in enumerate(second.states, 1)
        if state["bookmarks"]["customers"].get("catch_up", {}).get("backfill", {}).get("done")
    )
    before = second.until_state(cut)
    kept = before.states[-1]["bookmarks"]["customers"]
    assert kept["streams"] == ["customers"], "the catch-up's stream is not covered yet"
    check_state(before.states[-1], STREAM_NAMES)
    resumed = sync(config, state=before.states[-1], select=WIDER)
    assert before.ids("payment_methods") | resumed.ids("payment_methods") == (
        attached_payment_methods(sb)
    )
    assert resumed.states[-1]["bookmarks"]["customers"]["streams"] == [
        "customers",
        "payment_methods",
    ]


def test_a_state_from_before_streams_were_recorded_covers_what_is_selected(sb):
    config = tap_config(sb)
    first = sync(config, select=WIDER)
    old = first.states[-1]
    for bookmark in old["bookmarks"].values():
        bookmark.pop("streams", None)
        bookmark.pop("stripe_account", None)
    sb.advance(60)
    second = sync(config, state=old, select=WIDER)
    assert not second.ids("invoices") and not second.ids("payment_methods")
    assert second.states[-1]["bookmarks"]["invoices"]["streams"] == [
        "invoice_line_items",
        "invoices",
    ]


# -- state and its account ------------------------------------------------------------------


@pytest.fixture
def platform() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=21, connected_accounts=2) as sandbox:
        sandbox.advance(3600)
        yield sandbox


@pytest.mark.parametrize("other", ["own", "connected"])
def test_state_of_one_account_is_refused_for_another_before_any_request(platform, tmp_path, other):
    _, account_b, account_c = platform.accounts
    first = sync(tap_config(platform, account_id=account_b), select=["customers"])
    assert first.states[-1]["bookmarks"]["customers"]["stripe_account"] == account_b
    config = tap_config(platform, **({"account_id": account_c} if other == "connected" else {}))
    platform.reset_stats()
    result = run_cli([], config, tmp_path, state=first.states[-1])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert f"written for account {account_b}" in line
    assert "fresh state" in line and "--full-refresh" in line
    assert sum(platform.stats["requests"].values()) == 0
    assert not SyncResult.parse(result.stdout).of_type("RECORD")


def test_the_same_account_resumes_and_the_key_s_own_is_recorded_as_null(platform):
    _, account_b, _ = platform.accounts
    own = sync(tap_config(platform), select=["customers"])
    assert own.states[-1]["bookmarks"]["customers"]["stripe_account"] is None
    with pytest.raises(StateError, match="written for the API key's own account"):
        sync(tap_config(platform, account_id=account_b), state=own.states[-1], select=["customers"])
    platform.advance(60)
    again = sync(tap_config(platform), state=own.states[-1], select=["customers"])
    assert not again.ids("customers")


def test_a_bookmark_of_a_stream_not_read_is_not_held_against_the_run(platform):
    _, account_b, _ = platform.accounts
    first = sync(tap_config(platform, account_id=account_b), select=["products"])
    result = sync(tap_config(platform), state=first.states[-1], select=["customers"])
    assert result.ids("customers") == platform.ids("customers")
