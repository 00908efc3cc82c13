"""The connection check a person runs before the first sync: `tap-stripe-readonly --test`."""

from __future__ import annotations

import re

from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import error_lines, run_cli, tap_config
from tests.stripe_sandbox import DEMO_ACCOUNT_ID

KEY = "rk_live_sandboxCheckKey00000000000000"
EVERYTHING = [
    "customer_read", "charge_read", "payment_intent_read", "invoice_read", "subscription_read",
    "product_read", "plan_read", "balance_read", "event_read", "connected_account_read",
    "credit_note_read", "coupon_read", "promotion_code_read", "tax_rate_read", "dispute_read",
    "payout_read", "setup_intent_read", "payment_method_read", "checkout_session_read",
    "transfer_read", "application_fee_read",
]  # fmt: skip


def table(stdout: str) -> dict[str, str]:
    rows = {}
    for line in stdout.splitlines():
        match = re.match(r"^(\w+)\s{2,}(.+)$", line)
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
    assert "Stripe rejected the API key (401)" in line


def test_a_key_that_reads_nothing_is_one_line(own_sandbox, tmp_path):
    own_sandbox.add_key(KEY, denied=EVERYTHING)
    result = run_cli(["--test"], tap_config(own_sandbox, api_key=KEY), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert "may read none of the streams" in line
    assert all(v.startswith("missing") for v in table(result.stdout).values())
