"""The connection check a person runs before the first sync: `tap-stripe-readonly --test`."""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import pytest

from tap_stripe_readonly import check
from tap_stripe_readonly.errors import CursorVanishedError, NotFoundError
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import error_lines, run_cli, tap_config
from tests.misbehaving_proxy import MisbehavingProxy
from tests.stripe_sandbox import DEMO_ACCOUNT_ID, StripeSandbox

KEY = "rk_live_sandboxCheckKey00000000000000"
# Every permission a stream needs, and the Events one.
EVERYTHING = sorted({s.permission.name for s in STREAM_TYPES} | {"event_read"})


UNKNOWN = ("acct_1NoSuchAccount00", "acct_1NoSuchAccount01")


@pytest.fixture
def proxy(own_sandbox: StripeSandbox) -> t.Iterator[MisbehavingProxy]:
    with MisbehavingProxy(own_sandbox.url) as p:
        yield p


def table(stdout: str) -> dict[str, str]:
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"^\s*(\w+)\s{2,}(.+)$", line)
        if match and match[1] != "stream":
            rows[match[1]] = match[2]
    return rows


def test_a_key_with_some_permissions_gets_a_table_of_what_to_grant(own_sandbox, tmp_path):
    own_sandbox.add_key(KEY, denied=("plan_read", "balance_read", "connected_account_read"))
    own_sandbox.reset_stats()
    result = run_cli(["--test"], tap_config(own_sandbox, api_key=KEY), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not error_lines(result.stderr)
    rows = table(result.stdout)
    assert set(rows) == {s.name for s in STREAM_TYPES}
    assert rows["prices"] == 'missing: grant Read on "Prices" (plan_read)'
    assert rows["balance_transactions"] == 'missing: grant Read on "Balance" (balance_read)'
    assert rows["customers"] == rows["invoice_line_items"] == "readable"
    assert "Key mode:          live" in result.stdout
    assert "Account:           unknown" in result.stdout, "the key may not read the account"
    assert "Default currency:  usd (from the balance" not in result.stdout, "nor the balance"
    served = sum(own_sandbox.stats["requests"].values())
    assert served <= len(STREAM_TYPES) + 3, "about one cheap request per stream"


def test_the_readme_shows_what_the_check_prints(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### 2. Check the key", 1)[1]
    example = section.split("```")[3].strip("\n")  # the second block: the output
    with StripeSandbox(scale=0.02, seed=7) as sb:  # an account that issues no cards
        sb.add_key(KEY, denied=("plan_read",))  # as it says
        result = run_cli(["--test"], tap_config(sb, api_key=KEY), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip("\n") == example


def test_the_account_and_its_currency_when_the_key_may_read_them(own_sandbox, tmp_path):
    result = run_cli(["--test"], tap_config(own_sandbox, account_id=DEMO_ACCOUNT_ID), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Account:           {DEMO_ACCOUNT_ID}" in result.stdout
    assert "Default currency:  usd" in result.stdout


def test_the_balance_tells_the_currency_when_the_account_is_out_of_reach(own_sandbox, tmp_path):
    own_sandbox.add_key(KEY, denied=("connected_account_read",))
    result = run_cli(["--test"], tap_config(own_sandbox, api_key=KEY), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Default currency:  usd (from the balance" in result.stdout


def test_an_invalid_key_is_one_line(own_sandbox, tmp_path):
    own_sandbox.add_key(KEY)
    own_sandbox.revoke_key(KEY)
    result = run_cli(["--test"], tap_config(own_sandbox, api_key=KEY), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "Stripe rejected the API key (401, Request-Id req_" in line


def test_a_key_that_reads_nothing_is_one_line(own_sandbox, tmp_path):
    own_sandbox.add_key(KEY, denied=EVERYTHING)
    result = run_cli(["--test"], tap_config(own_sandbox, api_key=KEY), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "may read none of the streams" in line
    assert all(v.startswith("missing") for v in table(result.stdout).values())


@pytest.mark.parametrize(
    "accounts", [{"account_id": UNKNOWN[0]}, {"account_ids": list(UNKNOWN)}], ids=["one", "all"]
)
def test_an_account_that_cannot_be_read_is_one_line_saying_so(own_sandbox, tmp_path, accounts):
    result = run_cli(["--test"], tap_config(own_sandbox, **accounts), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    for account in accounts.get("account_ids") or [accounts["account_id"]]:
        assert f"may not read account {account}" in line
        assert f"may not read account {account}" in result.stdout
    assert "grant" not in line, "no permission would help"


@pytest.mark.parametrize(
    ("path", "kind", "denied", "line", "expected"),
    [
        ("/v1/account", "html_200", (), "Account", "unknown (GET /v1/account failed)"),
        ("/v1/account", "html_502", (), "Account", "unknown (GET /v1/account failed)"),
        ("/v1/balance", "html_502", ("connected_account_read",), "Default currency",
         "unknown (GET /v1/balance failed)"),
    ],
)  # fmt: skip
def test_the_account_reads_unknown_when_stripe_does_not_answer_for_it(
    own_sandbox, proxy, tmp_path, path, kind, denied, line, expected
):
    own_sandbox.add_key(KEY, denied=denied)
    proxy.script(kind, times=10_000, path=path, exact=True)
    config = tap_config(own_sandbox, api_key=KEY, api_url=proxy.url)
    result = run_cli(["--test"], config, tmp_path, fast_retries=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not error_lines(result.stderr)
    assert f"{line + ':':<19}{expected}" in result.stdout.splitlines()
    assert proxy.served[kind] >= 1
    rows = table(result.stdout)
    kept = {rows[s.name] for s in STREAM_TYPES if s.permission.name not in denied}
    assert kept == {"readable"}, "the streams' table stands"


def test_a_parent_deleted_before_its_nested_list_is_asked_is_not_tried(
    own_sandbox, proxy, tmp_path
):
    def delete_the_customer_listed(body: bytes) -> None:
        (customer,) = json.loads(body)["data"]
        own_sandbox.delete("customers", customer["id"])

    proxy.on_answer("/v1/customers", delete_the_customer_listed)
    result = run_cli(["--test"], tap_config(own_sandbox, api_url=proxy.url), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not error_lines(result.stderr)
    rows = table(result.stdout)
    lists = ("payment_methods", "customer_tax_ids", "customer_balance_transactions",
             "customer_cash_balance_transactions", "customer_sources")  # fmt: skip
    for child in lists:
        assert rows.pop(child) == "not tried: the customer listed was deleted meanwhile"
    assert set(rows.values()) == {"readable"}
    assert own_sandbox.stats["status"].get(404) == len(lists), "once per customer's list"


@pytest.mark.parametrize("error", [NotFoundError("x"), CursorVanishedError("x")])
def test_a_nested_probe_whose_parent_is_gone_is_not_tried(error):
    tap = TapStripeReadonly(config={"api_key": KEY}, validate_config=False)
    parent, child = next((s, s.child_streams[0]) for s in tap.streams.values() if s.child_streams)
    account = check.AccountCheck(None)
    task = check._stream_task(account, child, "/v1/x", [], parent)
    assert task.on_error is not None and list(task.on_error(error)) == []
    assert account.access[child.name].readable is None
    assert account.access[child.name].note.startswith("not tried: the ")
