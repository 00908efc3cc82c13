"""Whole Connect platforms (9/9): the platform's connected accounts and what it knows of each,
read by the platform itself, and ``account_ids: all``."""

from __future__ import annotations

import typing as t

import pytest

from tap_stripe_readonly.config import config_problems
from tests.conftest import SyncResult, Warehouse, run_cli, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

PLATFORM = ["accounts", "persons", "external_accounts", "capabilities"]


@pytest.fixture(scope="module")
def platform() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7, connected_accounts=3) as sb:
        yield sb


def connected(sb: StripeSandbox) -> set[str]:
    return set(sb.accounts[1:])


def test_the_platform_reads_its_accounts_and_what_it_knows_of_each(platform):
    platform.reset_stats()
    result = sync(tap_config(platform), select=PLATFORM)
    assert result.ids("accounts") == connected(platform)
    for stream in PLATFORM[1:]:
        assert result.ids(stream) == platform.ids(stream), stream
        assert {r["account"] for r in result.records(stream)} == connected(platform), stream
    # Read by path, never as a connected account: the permission is "(Direct)".
    assert platform.stats["requests"]["GET /v1/accounts/{id}/capabilities"] == 3


def test_a_capability_is_unique_with_its_account_only(platform):
    result = sync(tap_config(platform), select=["accounts", "capabilities"])
    (schema,) = [m for m in result.of_type("SCHEMA") if m["stream"] == "capabilities"]
    assert schema["key_properties"] == ["account", "id"]
    keys = [(r["account"], r["id"]) for r in result.records("capabilities")]
    assert len(keys) == len(set(keys)) > len({r["id"] for r in result.records("capabilities")})


@pytest.mark.parametrize("value", ["all", ["all"]])
def test_all_is_a_valid_account_ids(value):
    assert not config_problems({"api_key": "rk_live_" + "a" * 24, "account_ids": value})


def test_another_word_is_not(tmp_path):
    problems = config_problems({"api_key": "rk_live_" + "a" * 24, "account_ids": "every"})
    assert any("or all" in p for p in problems)


def test_every_connected_account_is_read_and_the_list_follows_the_platform(tmp_path):
    with StripeSandbox(scale=0.02, seed=5, connected_accounts=2) as sb:
        config = tap_config(sb, account_ids="all")
        streams = ["customers", "invoices", *PLATFORM]
        first = sync(config, select=streams)
        one, two = sb.accounts[1:]
        assert {r["stripe_account"] for r in first.records("customers")} == {one, two}
        assert first.ids("accounts") == {one, two}
        persons = first.records("persons")
        assert all(r["stripe_account"] == r["account"] for r in persons)
        # A third account connects, the first disconnects.
        sb.advance(60)
        three = sb.connect_account()
        sb.disconnect_account(one)
        sb.reset_stats()
        result = run_cli([], config, tmp_path, state=first.states[-1])
        assert result.returncode == 0, result.stderr[-2000:]
        assert "ERROR" not in result.stderr
        assert "account_ids: all: 2 connected accounts found." in result.stderr
        second = SyncResult.parse(result.stdout)
        customers = {r["stripe_account"] for r in second.records("customers")}
        assert customers == {three}, "only the new account has customers to read in full"
        assert second.ids("customers") == sb.ids("customers", account=three)
        assert second.ids("accounts") == {two, three}


def test_all_needs_the_platform_s_connected_accounts_permission(tmp_path):
    key = "rk_live_sandboxNoConnectedAccounts00000"
    with StripeSandbox(scale=0.02, seed=5, connected_accounts=1) as sb:
        sb.add_key(key, denied=("connected_account_read",))
        result = run_cli([], tap_config(sb, api_key=key, account_ids="all"), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "account_ids: all" in line]
    assert "connected_account_read" in line


def test_the_check_of_all_says_how_many_it_found_and_checks_a_sample(tmp_path):
    with StripeSandbox(scale=0.02, seed=5, connected_accounts=4) as sb:
        result = run_cli(["--test"], tap_config(sb, account_ids="all"), tmp_path)
        checked = [line[3:] for line in result.stdout.splitlines() if line.startswith("== ")]
        assert result.returncode == 0, result.stderr[-2000:]
        assert "account_ids: all: 4 connected accounts found; checking 3 of them." in (
            result.stdout
        )
        assert len(checked) == 3 and set(checked) <= set(sb.accounts[1:])


def test_the_platform_s_view_is_tagged_with_the_account_it_is_about(platform):
    result = sync(tap_config(platform, account_ids=sorted(connected(platform))), select=PLATFORM)
    warehouse = Warehouse().load(result)
    assert {row["stripe_account"] for row in warehouse.live("accounts").values()} == connected(
        platform
    )
    for stream in PLATFORM[1:]:
        rows = result.records(stream)
        assert rows and all(r["stripe_account"] == r["account"] for r in rows), stream


def test_with_account_id_the_platform_s_view_is_still_read_by_the_platform():
    """account_id reads a connected account as if it were the key's own; the platform's view
    of its accounts is still the platform's, and its state does not stop the next run."""
    with StripeSandbox(scale=0.02, seed=7, connected_accounts=1) as sb:
        account = sb.accounts[1]
        config = tap_config(sb, account_id=account)
        first = sync(config, select=["customers", "accounts"])
        assert first.ids("customers") == sb.ids("customers", account=account)
        assert first.ids("accounts") == {account}
        sb.advance(60)
        sb.reset_stats()
        second = sync(config, select=["customers", "accounts"], state=first.states[-1])
        assert second.ids("accounts") == {account}
        # The platform's requests carry no Stripe-Account header: the account's own do.
        assert sb.stats["accounts"].get(account, 0) >= 1
        assert sb.stats["requests"]["GET /v1/accounts"] == 1
