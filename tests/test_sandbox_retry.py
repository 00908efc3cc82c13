"""Transient errors as Stripe sends them: Stripe-Should-Retry on every error, 409s, lock
timeouts, rate limits in their 429 and old 400 forms, and scripted faults (fail_next)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import stripe

from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox
from tests.stripe_sandbox.__main__ import build_parser
from tests.stripe_sandbox.server import (
    CONFLICT_MESSAGE,
    FAIL_NEXT_KINDS,
    LOCK_TIMEOUT_MESSAGE,
    RATE_LIMIT_MESSAGE,
)

NOW = 1_795_000_000
ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}


@pytest.fixture(scope="module")
def shared() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.01, seed=4, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared: StripeSandbox) -> Iterator[StripeSandbox]:
    shared.reset_stats()
    yield shared
    shared.set_faults(fault_rate=0.0, kinds=("500", "drop"))
    shared.set_rate_limits(global_rps=None, endpoint_rps=None)
    shared.set_rate_limit_should_retry(None)
    assert shared.cancel_fail_next() == 0, "a test left scripted faults unused"


def get(sb: StripeSandbox, path: str = "/v1/customers", **headers: str) -> requests.Response:
    return requests.get(sb.url + path, headers={**AUTH, **headers})


# ---------------------------------------------------------------------------------------------
def test_client_errors_say_do_not_retry(sb: StripeSandbox) -> None:
    sb.add_key("rk_live_sandboxNoCustomers000000zzz", denied=("customer_read",))
    cases = {
        400: get(sb, "/v1/customers?limit=0"),
        401: requests.get(f"{sb.url}/v1/customers"),
        403: get(sb, Authorization="Bearer rk_live_sandboxNoCustomers000000zzz"),
        404: get(sb, "/v1/customers/cus_nope"),
    }
    for status, r in cases.items():
        assert r.status_code == status
        assert r.headers["Stripe-Should-Retry"] == "false", status
    r = requests.post(f"{sb.url}/v1/customers", headers=AUTH)
    assert (r.status_code, r.headers["Stripe-Should-Retry"]) == (403, "false")
    assert "Stripe-Should-Retry" not in get(sb).headers  # not on success


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        ("500", 500, None, "An unknown error occurred"),
        ("409", 409, None, CONFLICT_MESSAGE),
        ("lock_timeout", 429, "lock_timeout", LOCK_TIMEOUT_MESSAGE),
    ],
)
def test_transient_errors_say_retry(
    sb: StripeSandbox, kind: str, status: int, code: str | None, message: str
) -> None:
    sb.fail_next(kind)
    r = get(sb)
    assert r.status_code == status
    assert r.headers["Stripe-Should-Retry"] == "true"
    # A 429 without Stripe-Rate-Limited-Reason was not a rate limiter.
    assert "Stripe-Rate-Limited-Reason" not in r.headers
    error = r.json()["error"]
    assert error["message"] == message
    assert error["type"] == ("api_error" if kind == "500" else "invalid_request_error")
    assert error.get("code") == code
    if code:
        assert error["doc_url"] == "https://stripe.com/docs/error-codes/lock-timeout"
    assert get(sb).status_code == 200  # once only


def test_rate_limit_should_retry_is_configurable(sb: StripeSandbox) -> None:
    sb.set_rate_limits(global_rps=0.001)  # one token, never refilled in time
    assert get(sb).status_code == 200
    r = get(sb)
    assert r.status_code == 429
    assert r.headers["Stripe-Rate-Limited-Reason"] == "global-rate"
    assert "Stripe-Should-Retry" not in r.headers
    sb.set_rate_limit_should_retry(True)
    assert get(sb).headers["Stripe-Should-Retry"] == "true"
    sb.set_rate_limit_should_retry(False)
    assert get(sb).headers["Stripe-Should-Retry"] == "false"
    with StripeSandbox(scale=0.01, seed=1, now=NOW, rate_limit_should_retry=True) as other:
        other.fail_next("429")
        assert get(other).headers["Stripe-Should-Retry"] == "true"


def test_scripted_rate_limits(sb: StripeSandbox) -> None:
    sb.fail_next("429")
    sb.fail_next("429_no_retry")
    sb.fail_next("rate_limit_400")
    first, second, third = get(sb), get(sb), get(sb)
    for r in (first, second):
        assert r.status_code == 429
        assert r.headers["Stripe-Rate-Limited-Reason"] == "endpoint-rate"
        assert r.json()["error"]["code"] == "rate_limit"
    assert "Stripe-Should-Retry" not in first.headers
    assert second.headers["Stripe-Should-Retry"] == "false"
    # Stripe's old form of a rate limit: a 400 with code rate_limit and no limiter header.
    assert third.status_code == 400
    assert "Stripe-Rate-Limited-Reason" not in third.headers
    assert "Stripe-Should-Retry" not in third.headers  # a rate limit: no header unless set
    assert third.json() == {
        "error": {
            "code": "rate_limit",
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": RATE_LIMIT_MESSAGE,
            "type": "invalid_request_error",
        }
    }
    sb.set_rate_limit_should_retry(True)
    sb.fail_next("rate_limit_400")
    assert get(sb).headers["Stripe-Should-Retry"] == "true"
    sb.fail_next("429_no_retry")
    assert get(sb).headers["Stripe-Should-Retry"] == "false"  # whatever the setting


def test_fail_next_counts_and_filters_by_path(sb: StripeSandbox) -> None:
    invoice = sb.objects("invoices")[0]["id"]
    sb.fail_next("500", times=2, path="/v1/invoices/{id}/lines")
    sb.fail_next("409", path="/v1/customers/cus_")
    assert get(sb).status_code == 200  # matches neither
    assert get(sb, f"/v1/invoices/{invoice}").status_code == 200
    assert get(sb, f"/v1/invoices/{invoice}/lines").status_code == 500
    assert get(sb, "/v1/customers/cus_nope").status_code == 409  # by the path's prefix
    assert get(sb, f"/v1/invoices/{invoice}/lines").status_code == 500
    assert get(sb, f"/v1/invoices/{invoice}/lines").status_code == 200
    assert sb.stats["status"] == {200: 3, 409: 1, 500: 2}
    sb.fail_next("drop")
    with pytest.raises(requests.ConnectionError):
        get(sb)
    assert sb.stats["dropped"] == 1
    sb.fail_next("500", times=3)
    assert sb.cancel_fail_next() == 3
    assert get(sb).status_code == 200
    with pytest.raises(ValueError, match="kind"):
        sb.fail_next("418")
    assert set(FAIL_NEXT_KINDS) == {
        "500", "drop", "409", "lock_timeout", "rate_limit_400", "429", "429_no_retry",
    }  # fmt: skip


def test_random_faults_draw_from_the_chosen_kinds(sb: StripeSandbox) -> None:
    sb.set_faults(fault_rate=1.0, kinds=("409", "lock_timeout"))
    statuses = {get(sb).status_code for _ in range(20)}
    assert statuses == {409, 429}
    sb.set_faults(kinds=("rate_limit_400",))
    assert get(sb).json()["error"]["code"] == "rate_limit"
    with pytest.raises(ValueError, match="fault kinds"):
        sb.set_faults(kinds=("429",))  # scripted only: fail_next("429")
    with pytest.raises(ValueError, match="fault kinds"):
        sb.set_faults(kinds=())


def test_stripe_python_obeys_the_headers(
    sb: StripeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stripe-python retries what Stripe says to retry, and maps both rate-limit forms."""
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda *a: 0)
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    retrying = stripe.StripeClient(
        DEMO_API_KEY, base_addresses={"api": sb.url}, max_network_retries=2
    )
    for kind in ("lock_timeout", "409", "500"):
        sb.reset_stats()
        sb.fail_next(kind)
        assert retrying.v1.customers.list({"limit": 1}).data
        assert sb.stats["requests"] == {"GET /v1/customers": 2}, kind
    sb.reset_stats()
    sb.fail_next("429_no_retry")
    with pytest.raises(stripe.RateLimitError):
        retrying.v1.customers.list()
    assert sb.stats["requests"] == {"GET /v1/customers": 1}
    sb.fail_next("rate_limit_400")
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.list()


# ---------------------------------------------------------------------------------------------
def test_cli_flags_for_connect_faults_and_retry_headers() -> None:
    args = build_parser().parse_args(
        ["--connected-accounts", "2", "--fault-kinds", "409", "lock_timeout",
         "--rate-limit-should-retry", "false"]
    )  # fmt: skip
    assert args.connected_accounts == 2
    assert args.fault_kinds == ["409", "lock_timeout"]
    assert args.rate_limit_should_retry is False
    defaults = build_parser().parse_args([])
    assert (defaults.connected_accounts, defaults.rate_limit_should_retry) == (0, None)
    assert defaults.fault_kinds == ["500", "drop"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--rate-limit-should-retry", "maybe"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_sandbox", "--port", "0", "--scale", "0.01",
         "--now", "2026-11-01T00:00:00Z", "--connected-accounts", "1", "--fault-rate", "1",
         "--fault-kinds", "409"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "; connected accounts acct_" in line, proc.stderr
        url = line.split()[3]
        connected = line.split("; connected accounts ")[1].split(";")[0]
        r = requests.get(f"{url}/v1/account", headers={**AUTH, "Stripe-Account": connected})
        assert (r.status_code, r.headers["Stripe-Should-Retry"]) == (409, "true")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
