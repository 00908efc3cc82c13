"""Several accounts in one run (Connect platforms, agencies): each read with its own
Stripe-Account, each record tagged with its account, state kept per account."""

from __future__ import annotations

import typing as t

import pytest

from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import SyncResult, error_lines, run_cli, sync, tap_config
from tests.stripe_sandbox import ALL_PRODUCTS, StripeSandbox

# What a sync writes unless told otherwise (payment_methods costs a request per customer), per
# account: the platform's view of its accounts is its own (test_connect_platform.py).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default and not s.read_by_platform]
UNKNOWN = "acct_1NoSuchAccount00"


@pytest.fixture(scope="module")
def platform() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=21, connected_accounts=2, products=ALL_PRODUCTS) as sb:
        sb.advance(3600)
        yield sb


@pytest.fixture(scope="module")
def both(platform) -> tuple[list[str], SyncResult, dict]:
    accounts = platform.accounts  # the platform's own (Connect's transfers, fees) and two more
    platform.reset_stats()
    return accounts, sync(tap_config(platform, account_ids=accounts)), platform.stats


def by_account(result: SyncResult, stream: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for record in result.records(stream):
        out.setdefault(record["stripe_account"], set()).add(record["id"])
    return out


@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_is_tagged_with_the_account_it_came_from(platform, both, stream):
    accounts, result, _ = both
    tagged = by_account(result, stream)
    having = [a for a in accounts if platform.ids(stream, account=a)]  # no fees in some
    assert having and set(tagged) == set(having)
    for account in having:
        assert tagged[account] == platform.ids(stream, account=account), account


def test_each_account_is_read_with_its_own_header(both):
    accounts, _, stats = both
    assert stats["headers"]["Stripe-Account"] == set(accounts)
    assert all(stats["accounts"][a] > 0 for a in accounts)


def test_the_account_is_part_of_every_primary_key(both):
    _, result, _ = both
    for schema in result.of_type("SCHEMA"):
        assert schema["key_properties"][0] == "stripe_account"
        assert "stripe_account" in schema["schema"]["properties"]
    assert not result.of_type("ACTIVATE_VERSION"), "one account's version would retire others'"


def test_state_is_kept_per_account(both):
    accounts, result, _ = both
    bookmarks = result.states[-1]["bookmarks"]
    for stream in ("customers", "invoices", "balance_transactions"):
        partitions = bookmarks[stream]["partitions"]
        assert {p["context"]["stripe_account"] for p in partitions} == set(accounts)
        assert all(p["replication_key_value"] for p in partitions)


def test_an_incremental_run_reads_each_account_s_changes(platform, both):
    accounts, first, _ = both
    platform.advance(60)
    changed = platform.objects("customers", account=accounts[1])[0]["id"]
    platform.update("customers", changed, {"metadata": {"x": "1"}}, account=accounts[1])
    second = sync(tap_config(platform, account_ids=accounts), state=first.states[-1])
    assert by_account(second, "customers") == {accounts[1]: {changed}}


def test_an_account_that_cannot_be_read_does_not_hold_the_others_back(platform, both, tmp_path):
    accounts, _, _ = both
    result = run_cli([], tap_config(platform, account_ids=[accounts[0], UNKNOWN]), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert UNKNOWN in line and "the others were synced" in line
    synced = SyncResult.parse(result.stdout)
    assert by_account(synced, "customers") == {
        accounts[0]: platform.ids("customers", account=accounts[0])
    }
    partitions = synced.states[-1]["bookmarks"]["customers"]["partitions"]
    assert [p["context"]["stripe_account"] for p in partitions] == [accounts[0]]


def test_the_connection_check_covers_each_account(platform, tmp_path):
    accounts = [platform.accounts[1], UNKNOWN]
    result = run_cli(["--test"], tap_config(platform, account_ids=accounts), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"== {accounts[0]}" in result.stdout and f"== {UNKNOWN}" in result.stdout
    assert f"may not read account {UNKNOWN}" in result.stdout
    assert "Default currency:  eur" in result.stdout  # the connected account's own


@pytest.mark.parametrize("path", ["/v1/invoices", "/v1/events"], ids=["a-stream", "the-probe"])
def test_an_account_whose_reads_keep_failing_does_not_hold_the_others_back(
    platform, both, tmp_path, path
):
    accounts, _, _ = both
    failing, others = accounts[1], [accounts[0], accounts[2]]
    config = tap_config(platform, account_ids=accounts)
    platform.fail_next("500", times=1_000_000, path=path, account=failing)
    try:
        result = run_cli([], config, tmp_path, fast_retries=True)
    finally:
        platform.cancel_fail_next()
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert failing in line and "the others were synced" in line and "500" in line
    assert not any(a in line for a in others), line
    first = SyncResult.parse(result.stdout)
    for stream in STREAMS:
        tagged = by_account(first, stream)
        for account in others:
            assert tagged.get(account, set()) == platform.ids(stream, account=account), stream
    invoices = {
        p["context"]["stripe_account"]: p
        for p in first.states[-1]["bookmarks"].get("invoices", {}).get("partitions", [])
    }
    assert all(invoices[a]["replication_key_value"] for a in others)
    assert "replication_key_value" not in invoices.get(failing, {}), "not complete: resumed"

    again = sync(config, state=first.states[-1])
    for stream in STREAMS:
        read = by_account(first, stream).get(failing, set())
        read |= by_account(again, stream).get(failing, set())
        assert read == platform.ids(stream, account=failing), stream
    for stream in ("customers", "invoices", "charges"):
        partitions = again.states[-1]["bookmarks"][stream]["partitions"]
        assert {p["context"]["stripe_account"] for p in partitions} == set(accounts)
        assert all(p["replication_key_value"] for p in partitions)


def test_a_key_refused_for_every_account_stops_the_run_at_once(platform, both, tmp_path):
    accounts, _, _ = both
    key = "rk_live_sandboxNoConnect00000000acc"
    platform.add_key(key, connect=False)
    result = run_cli([], tap_config(platform, api_key=key, account_ids=accounts), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "does not have any Connect permissions" in line
    assert "the others were synced" not in line, "not one account's failure: the key's"
    assert not SyncResult.parse(result.stdout).of_type("RECORD")
