"""Config is checked before any request: wrong keys and ids fail with a message that says why."""

from __future__ import annotations

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_stripe_readonly.config import HOW_TO_CREATE_KEY, KEY_PERMISSIONS
from tap_stripe_readonly.permissions import EVENT_READ
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import run_cli, sync, tap_config

# Made-up keys of every kind; the body is what must never be echoed.
BODY = "Zq9XK7sandboxNotARealKey000000"

REJECTED = [
    # (case, overrides, words the error must contain)
    ("secret live key", {"api_key": f"sk_live_{BODY}"}, ["secret key (sk_live_...)", "restricted"]),
    ("secret test key", {"api_key": f"sk_test_{BODY}"}, ["secret key (sk_test_...)"]),
    ("publishable key", {"api_key": f"pk_live_{BODY}"}, ["publishable key (pk_live_...)"]),
    ("test restricted key", {"api_key": f"rk_test_{BODY}"}, ["test-mode", "allow_test_keys"]),
    ("not a key", {"api_key": f"rk-live-{BODY}"}, ["not a Stripe API key"]),
    ("empty body", {"api_key": "rk_live_"}, ["not a Stripe API key"]),
    ("punctuation", {"api_key": f"rk_live_{BODY}!"}, ["not a Stripe API key"]),
    ("leading space", {"api_key": f" rk_live_{BODY}"}, ["whitespace"]),
    ("trailing newline", {"api_key": f"rk_live_{BODY}\n"}, ["whitespace"]),
    ("empty key", {"api_key": ""}, ["api_key is missing"]),
    ("malformed account", {"account_id": f"acc_{BODY}"}, ["account_id must be"]),
    ("account with space", {"account_id": "acct_12 34"}, ["account_id must be"]),
    ("bad start_date", {"start_date": "last tuesday"}, ["start_date must be"]),
    ("http to remote host", {"api_url": "http://api.stripe.com"}, ["plain http"]),
    ("rate above Stripe's", {"max_requests_per_second": 101}, ["from 1 to 100"]),
    ("rate of zero", {"max_requests_per_second": 0}, ["from 1 to 100"]),
    (
        "test key rate",
        {"api_key": f"rk_test_{BODY}", "allow_test_keys": True, "max_requests_per_second": 30},
        ["from 1 to 25", "test-mode"],
    ),
    ("no requests in flight", {"max_requests_in_flight": 0}, ["max_requests_in_flight"]),
    ("negative progress interval", {"progress_interval": -5}, ["progress_interval must"]),
    (
        "account and accounts",
        {"account_id": "acct_1Abc", "account_ids": ["acct_1Def"]},
        ["account_id or account_ids"],
    ),
    ("malformed accounts", {"account_ids": ["acct_1Abc", f"acc_{BODY}"]}, ["account_ids must"]),
    ("repeated account", {"account_ids": ["acct_1Abc", "acct_1Abc"]}, ["more than once"]),
    ("credentials in url", {"api_url": "https://user:pw@api.stripe.com"}, ["credentials"]),
    ("not a url", {"api_url": "api.stripe.com"}, ["api_url must be a URL"]),
]


@pytest.mark.parametrize(("case", "overrides", "words"), REJECTED, ids=[c[0] for c in REJECTED])
def test_rejected_config_says_why_and_sends_nothing(shared_sandbox, case, overrides, words):
    config = tap_config(shared_sandbox, **overrides)
    with pytest.raises(ConfigValidationError) as raised:
        TapStripeReadonly(config=config, validate_config=True)
    message = " ".join(raised.value.errors)
    for word in words:
        assert word in message, f"{case}: {message!r}"
    assert BODY not in message
    assert shared_sandbox.stats["requests"] == {}


@pytest.mark.parametrize(
    "overrides",
    [
        {"allow_test_keys": True},
        {"account_id": "acct_1Abc2Def3Ghi"},
        {"start_date": "2024-01-01T00:00:00Z"},
        {"start_date": "2024-01-01"},
        {"api_url": "https://api.stripe.com"},
        {"api_url": "http://localhost:12111"},
        {"api_url": "http://[::1]:12111"},
        {"max_requests_per_second": 100},
        {"max_requests_per_second": 1, "max_requests_in_flight": 1},
        {"account_ids": ["acct_1Abc2Def3Ghi", "acct_1Xyz"]},
        {"capture_changes": False},
        {"progress_interval": 0},
    ],
)
def test_accepted_config(shared_sandbox, overrides):
    config = {**tap_config(shared_sandbox), **overrides}
    assert TapStripeReadonly(config=config, validate_config=True).config["api_key"]


def test_test_key_accepted_with_allow_test_keys(own_sandbox):
    key = f"rk_test_{BODY}"
    own_sandbox.add_key(key)
    config = tap_config(own_sandbox, api_key=key, allow_test_keys=True)
    assert sync(config).ids("products") == own_sandbox.ids("products")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"api_key": f"sk_live_{BODY}"}, "secret key (sk_live_...)"),
        ({"api_key": f"rk_test_{BODY}"}, "allow_test_keys: true"),
        ({"account_id": "account-1"}, "account_id must be"),
    ],
)
def test_cli_exits_non_zero_before_any_request(shared_sandbox, tmp_path, overrides, expected):
    result = run_cli([], tap_config(shared_sandbox, **overrides), tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert BODY not in result.stderr + result.stdout
    assert result.stdout == ""
    assert shared_sandbox.stats["requests"] == {}


def test_key_guidance_names_every_permission_the_streams_need():
    needed = {stream.permission.label for stream in STREAM_TYPES} | {EVENT_READ.label}
    assert set(KEY_PERMISSIONS) == needed
    for label in needed:
        assert label in HOW_TO_CREATE_KEY
