"""Products an account may not use (9/9): Issuing, read when the account has switched it on
and skipped calmly when it has not; Terminal's locations, readers and configurations."""

from __future__ import annotations

import logging
import typing as t

import pytest
import urllib3

from tap_stripe_readonly import client
from tap_stripe_readonly.errors import ProductNotEnabledError
from tap_stripe_readonly.permissions import ISSUING_CARD_READ
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.transport import _raise_for_error
from tests.conftest import SyncResult, Warehouse, run_cli, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

ISSUING = [s.name for s in STREAM_TYPES if s.permission.area == "Issuing"]
# Issuing's lists of its own (tokens are listed per card).
ISSUING_LISTS = [s for s in STREAM_TYPES if s.name in ISSUING and not s.parent_stream_type]
TERMINAL = [s.name for s in STREAM_TYPES if s.permission.area == "Terminal"]
NEW = [*ISSUING, *TERMINAL]
NOT_ENABLED = "Not read, as the account has not switched these products on: Issuing ("
DAY = 86_400


def test_the_new_streams_are_issuing_s_and_terminal_s():
    assert set(NEW) == {
        "issuing_cardholders", "issuing_cards", "issuing_authorizations",
        "issuing_transactions", "issuing_disputes", "issuing_personalization_designs",
        "issuing_physical_bundles", "issuing_tokens", "terminal_locations", "terminal_readers",
        "terminal_configurations",
    }  # fmt: skip


@pytest.fixture
def no_issuing() -> t.Iterator[StripeSandbox]:
    """An account that has not switched Issuing on."""
    with StripeSandbox(scale=0.02, seed=7) as sb:
        yield sb


@pytest.fixture(scope="module")
def issuing() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.05, seed=42, products=["Issuing"]) as sb:
        yield sb


@pytest.fixture(scope="module")
def paged_sync(issuing: StripeSandbox) -> SyncResult:
    """Every new stream, three objects a page: each list is read past its first page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "PAGE_SIZE", 3)
        return sync(tap_config(issuing), select=NEW)


@pytest.mark.parametrize("stream", NEW)
def test_every_object_of_the_new_streams_is_read_once(issuing, paged_sync, stream):
    records = paged_sync.records(stream)
    assert records, stream
    assert len(records) == len(paged_sync.ids(stream)), "duplicate records"
    assert paged_sync.ids(stream) == issuing.ids(stream)


def test_the_long_lists_are_read_past_their_first_pages(issuing, paged_sync):
    for stream in ("issuing_cardholders", "issuing_cards", "issuing_authorizations",
                   "issuing_transactions"):  # fmt: skip
        assert len(paged_sync.records(stream)) > 3, stream


def test_a_day_of_business_with_cards_and_readers():
    with StripeSandbox(scale=0.02, seed=3, products=["Issuing"]) as sb:
        first = sync(tap_config(sb), select=NEW)
        sb.advance(DAY)  # Terminal's locations are read again once a day
        card = sb.create("issuing_cards")
        auth = sb.create("issuing_authorizations", {"card": card["id"]})["id"]
        sb.update("issuing_authorizations", auth, {"status": "closed"})
        txn = sb.objects("issuing_transactions")[0]["id"]
        dispute = sb.create("issuing_disputes", {"transaction": txn})["id"]
        blocked = sb.objects("issuing_cards")[-1]["id"]
        sb.update("issuing_cards", blocked, {"status": "inactive"})
        store = sb.create("terminal_locations", {"display_name": "Pop-up"})["id"]
        gone = sb.objects("terminal_readers")[0]["id"]
        sb.delete("terminal_readers", gone)
        sb.reset_stats()
        second = sync(tap_config(sb), select=NEW, state=first.states[-1])
        assert {card["id"], card["cardholder"]["id"]} <= (
            second.ids("issuing_cards") | second.ids("issuing_cardholders")
        )
        (closed,) = [r for r in second.records("issuing_authorizations") if r["id"] == auth]
        assert closed["status"] == "closed"
        assert dispute in second.ids("issuing_disputes")
        assert store in second.ids("terminal_locations")
        warehouse = Warehouse().load(first).load(second)
        for stream in NEW:
            assert set(warehouse.live(stream)) == sb.ids(stream), stream
        assert gone not in warehouse.live("terminal_readers")
        # The changes came from the events: no Issuing list was read again in full.
        listed = sb.stats["requests"].get("GET /v1/issuing/authorizations", 0)
        assert listed == 0, "the authorizations came from their events"


def test_an_account_without_issuing_skips_it_with_one_calm_line(no_issuing, tmp_path):
    result = run_cli([], tap_config(no_issuing), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "switched these products" in line]
    issuing = line[line.index("Issuing (") :]  # the other products it lacks come before
    assert all(s.name in issuing for s in ISSUING_LISTS)  # (tokens are not selected)
    synced = SyncResult.parse(result.stdout)
    assert not any(synced.records(name) for name in ISSUING)
    assert synced.ids("terminal_readers") == no_issuing.ids("terminal_readers")
    # One request each: Stripe's 400 is no fault to retry.
    requests = no_issuing.stats["requests"]
    assert all(requests[f"GET {s.path}"] == 1 for s in ISSUING_LISTS)
    assert "skipped: Issuing not enabled" in result.stderr


def test_a_product_switched_on_later_is_read_from_where_the_skipped_read_stopped(no_issuing):
    """The skipped read keeps its place, as for a permission granted later: the windows it
    had planned are read, and what came after them comes through the events."""
    streams = ["issuing_cards", "issuing_cardholders"]
    first = sync(tap_config(no_issuing), select=streams)
    assert not first.records("issuing_cards")
    no_issuing.enable_product("Issuing")
    no_issuing.advance(DAY)  # asked again a day later
    card = no_issuing.create("issuing_cards")["id"]
    second = sync(tap_config(no_issuing), select=streams, state=first.states[-1])
    no_issuing.advance(60)
    third = sync(tap_config(no_issuing), select=streams, state=second.states[-1])
    warehouse = Warehouse().load(first).load(second).load(third)
    assert set(warehouse.live("issuing_cards")) == {card}


def test_a_product_not_enabled_is_asked_about_once_a_day_not_every_run(no_issuing, caplog):
    caplog.set_level(logging.INFO)
    first = sync(tap_config(no_issuing), select=ISSUING)
    no_issuing.advance(3600)
    no_issuing.reset_stats()
    second = sync(tap_config(no_issuing), select=ISSUING, state=first.states[-1])
    assert not any("/v1/issuing/" in e for e in no_issuing.stats["requests"]), "not asked"
    assert caplog.text.count(NOT_ENABLED) == 2, "said again, though not asked again"
    no_issuing.advance(DAY)
    no_issuing.reset_stats()
    sync(tap_config(no_issuing), select=ISSUING, state=second.states[-1])
    asked = [e for e in no_issuing.stats["requests"] if "/v1/issuing/" in e]
    assert len(asked) == len(ISSUING_LISTS), "a day later, asked again"


def test_the_check_says_not_enabled_in_one_line(no_issuing, tmp_path):
    result = run_cli(["--test"], tap_config(no_issuing), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert f"Issuing: not enabled on this account ({len(ISSUING)} streams)" in lines
    assert not any(line.strip().startswith("issuing_") for line in lines)
    assert "Terminal:" in lines and "Payments:" in lines and "Billing:" in lines
    assert any(line.split() == ["terminal_readers", "readable"] for line in lines)


def test_the_check_of_an_issuing_account_lists_its_streams(issuing, tmp_path):
    result = run_cli(["--test"], tap_config(issuing), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "Issuing:" in lines
    for name in ISSUING:
        assert any(line.split() == [name, "readable"] for line in lines), name


def _answer(status: int, body: bytes) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(
        body=body, status=status, headers={"Content-Type": "application/json"},
        preload_content=True,
    )  # fmt: skip


def test_stripe_s_not_set_up_answer_names_the_product():
    body = (
        b'{"error": {"message": "Your account is not set up to use Issuing. Please visit '
        b'https://dashboard.stripe.com/issuing/overview to get started.", '
        b'"type": "invalid_request_error"}}'
    )
    with pytest.raises(ProductNotEnabledError) as raised:
        _raise_for_error(_answer(400, body), "GET /v1/issuing/cards", ISSUING_CARD_READ)
    assert raised.value.product == "Issuing"
    assert raised.value.permission == ISSUING_CARD_READ


def test_a_product_not_enabled_is_no_permission_to_grant(no_issuing, caplog):
    caplog.set_level(logging.INFO)
    sync(tap_config(no_issuing), select=["issuing_cards", "customers"])
    assert "Some streams were not synced" not in caplog.text
    assert NOT_ENABLED + "issuing_cards)" in caplog.text
