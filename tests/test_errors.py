"""How the tap meets Stripe's errors: bad keys, missing permissions, limits and faults."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import urllib3

from tap_stripe_readonly import client, ratelimit, transport
from tap_stripe_readonly.errors import (
    AccountAccessError,
    BadAnswerError,
    CursorVanishedError,
    InvalidApiKeyError,
    NoConnectAccessError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TransientError,
    permission_in_message,
)
from tap_stripe_readonly.permissions import Permission
from tap_stripe_readonly.redaction import install_log_redaction, redact
from tap_stripe_readonly.report import grant
from tap_stripe_readonly.shapes import Raw
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.transport import ReadOnlyPoolManager, WriteAttemptError
from tests.conftest import SyncResult, logged_by, run_cli, sync, tap_config
from tests.stripe_sandbox import StripeSandbox
from tests.stripe_sandbox.api import PERMISSION_NAMES

SECRET = "Zq9XK7redactionCanary0000Qx7W"  # last four: unlikely anywhere else
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
# The guide's minimal key of a revenue warehouse (the README's first eight rows).
CORE = {
    "customer_read", "charge_read", "payment_intent_read", "invoice_read", "subscription_read",
    "product_read", "plan_read", "balance_read",
}  # fmt: skip


def summary(stderr: str) -> list[str]:
    """The lines of the end-of-run summary of what to grant, as logged."""
    lines = stderr.splitlines()
    (start,) = [i for i, line in enumerate(lines) if "Some streams were not synced" in line]
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    return block


def test_the_pool_refuses_anything_but_get(shared_sandbox):
    pool = ReadOnlyPoolManager()
    for method in ("POST", "DELETE", "PUT", "PATCH"):
        with pytest.raises(WriteAttemptError):
            pool.request(method, f"{shared_sandbox.url}/v1/customers", fields={"email": "x"})
    assert shared_sandbox.stats["non_get"] == 0
    assert shared_sandbox.stats["requests"] == {}


def test_every_request_goes_through_the_read_only_pool(shared_sandbox, monkeypatch):
    sent: list[str] = []
    urlopen = ReadOnlyPoolManager.urlopen

    def counting(self, method, url, *args, **kwargs):
        sent.append(method)
        return urlopen(self, method, url, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyPoolManager, "urlopen", counting)
    sync(tap_config(shared_sandbox))
    served = sum(shared_sandbox.stats["requests"].values())
    assert sent and set(sent) == {"GET"} and len(sent) == served


@pytest.mark.parametrize("form", ["new", "legacy"])
def test_missing_permission_skips_only_that_stream(own_sandbox, tmp_path, form):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("plan_read",), message_form=form)
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path)
    assert result.returncode == 0, result.stderr
    synced = {m["stream"] for m in SyncResult.parse(result.stdout).of_type("RECORD")}
    # Prices, plans, and the trial offers the tap reads with Prices' permission.
    assert synced == set(STREAMS) - {"prices", "plans", "product_catalog_trial_offers"}
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, "one tidy summary, not a warning per stream"
    assert "Some streams were not synced" in result.stderr
    assert 'plans, prices, product_catalog_trial_offers: grant Read on "Prices" (plan_read)' in (
        result.stderr
    )
    assert "ERROR" not in result.stderr


def needs(stream: type) -> Permission:
    """The permission a stream waits for: its parent's when that one is missing (a payout's
    balance transactions are read through the payouts)."""
    parent = getattr(stream, "parent_stream_type", None)
    if parent is not None and parent.permission.name not in CORE:
        return parent.permission
    return stream.permission


def test_a_minimal_key_gets_one_tidy_summary(own_sandbox, tmp_path):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=PERMISSION_NAMES - CORE)
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ERROR" not in result.stderr and "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, warnings
    assert "Skipping" not in result.stderr.replace("Skipping parse of env var", "")
    missing: dict[str, list[str]] = {}
    for stream in STREAM_TYPES:
        if stream.selected_by_default and needs(stream).name not in CORE:
            missing.setdefault(grant(needs(stream)), []).append(stream.name)
    expected = sorted(f"{', '.join(sorted(n))}: grant {what}" for what, n in missing.items())
    assert summary(result.stderr) == expected  # in a stable order; payment_methods unselected
    synced = SyncResult.parse(result.stdout)
    for stream in STREAM_TYPES:
        if stream.selected_by_default and needs(stream).name in CORE:
            assert synced.ids(stream.name) == own_sandbox.ids(stream.name), stream.name
        else:
            assert not synced.records(stream.name), stream.name


def test_a_minimal_key_on_an_account_without_issuing_ends_calm(tmp_path):
    """Issuing not switched on: its streams leave the summary of what to grant for one line
    of their own, and the run ends 0."""
    key = f"rk_live_{SECRET}"
    with StripeSandbox(scale=0.02, seed=7) as sb:
        sb.add_key(key, denied=PERMISSION_NAMES - CORE)
        result = run_cli([], tap_config(sb, api_key=key), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ERROR" not in result.stderr and "Traceback" not in result.stderr
    assert not any("issuing_" in line for line in summary(result.stderr))
    (line,) = [line for line in result.stderr.splitlines() if "switched these products" in line]
    assert "Issuing (issuing_authorizations, issuing_cardholders, issuing_cards" in line


def test_an_unselected_nested_stream_is_not_reported_skipped(own_sandbox, tmp_path):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("customer_read",))
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert summary(result.stderr) == ['customers: grant Read on "Customers" (customer_read)']


def test_missing_parent_permission_skips_its_children(own_sandbox):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("invoice_read",))
    result = sync(tap_config(own_sandbox, api_key=key))
    assert not result.records("invoices") and not result.records("invoice_line_items")
    assert result.ids("customers") == own_sandbox.ids("customers")


def test_permission_lost_mid_stream_keeps_what_was_read(own_sandbox, monkeypatch):
    """The next run reads what the first could not, and nothing is lost between them."""
    monkeypatch.setattr("tap_stripe_readonly.client.PAGE_SIZE", 10)
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key)
    get = transport.StripeTransport.get
    pages = {"n": 0}

    def lose_permission_after_three_pages(self, path, params=(), **kwargs):
        if path == "/v1/customers":
            pages["n"] += 1
            if pages["n"] == 4:
                own_sandbox.add_key(key, denied=("customer_read",))
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", lose_permission_after_three_pages)
    first = sync(tap_config(own_sandbox, api_key=key), select=["customers"])
    assert 0 < len(first.ids("customers")) < len(own_sandbox.ids("customers"))
    bookmark = first.states[-1]["bookmarks"]["customers"]
    assert "replication_key_value" not in bookmark and bookmark["backfill"]["done"]

    own_sandbox.add_key(key)
    resumed = sync(
        tap_config(own_sandbox, api_key=key), state=first.states[-1], select=["customers"]
    )
    assert first.ids("customers") | resumed.ids("customers") == own_sandbox.ids("customers")
    assert resumed.states[-1]["bookmarks"]["customers"]["replication_key_value"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Permission denied. The provided key 'rk_live_***j4va7j' does not have the required "
            "permissions for this endpoint on account 'acct_1'. Enabling \"Prices Read\" "
            "('plan_read') permissions on this key would allow this request to continue.",
            Permission("plan_read", "Prices"),
        ),
        (
            "The provided key 'rk_test_***' does not have the required permissions for this "
            "endpoint on account 'acct_1'. Having the 'rak_charge_read' permission would allow "
            "this request to continue.",
            Permission("charge_read", "Charges"),
        ),
    ],
)
def test_permission_parsed_from_both_message_forms(message, expected):
    fallback = Permission("charge_read", "Charges")
    assert permission_in_message(message, fallback) == expected


def test_invalid_key_stops_at_once_without_traceback(own_sandbox, tmp_path):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key)
    own_sandbox.revoke_key(key)
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path)
    assert result.returncode == 1
    # With the Request-Id Stripe's support asks for.
    assert re.search(r"Stripe rejected the API key \(401, Request-Id req_\w+\)", result.stderr)
    assert "Traceback" not in result.stderr
    assert own_sandbox.stats["status"] == {401: 1}, "a 401 must not be retried"


def test_rate_limits_and_faults_are_retried(own_sandbox, fast_retries):
    own_sandbox.set_rate_limits(global_rps=50, endpoint_rps=20)
    own_sandbox.set_faults(fault_rate=0.3, latency_ms=0, kinds=("500", "drop", "lock_timeout"))
    result = sync(tap_config(own_sandbox))
    stats = own_sandbox.stats
    assert stats["status"].get(500, 0) > 0 and stats["dropped"] > 0
    own_sandbox.set_faults(fault_rate=0.0)
    own_sandbox.set_rate_limits(global_rps=None, endpoint_rps=None)
    for stream in STREAMS:
        assert result.ids(stream) == own_sandbox.ids(stream), stream


class _Clock:
    """This machine's monotonic clock, moved by hand: each backoff waits ``step`` seconds."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        return self.now

    def back_off(self, tries: int) -> None:
        self.now += self.step


class _Unpaced(ratelimit.RateLimiter):
    def acquire(self, endpoint: str) -> None:
        """No waiting for tokens: the clock here is the test's."""


def _transport_on(sb, clock: _Clock) -> transport.StripeTransport:
    api = transport.StripeTransport(
        api_key=tap_config(sb)["api_key"],
        api_url=sb.url,
        api_version=client.API_VERSION,
        limiter=_Unpaced(100),
    )
    api.monotonic = clock
    api._back_off = clock.back_off  # type: ignore[method-assign]
    return api


def test_a_rate_limit_is_waited_out_however_many_429s_it_takes(own_sandbox):
    """Retried as long as Stripe answers within minutes: 200 429s, a second apart."""
    clock = _Clock(step=1.0)
    api = _transport_on(own_sandbox, clock)
    api.get("/v1/events", [("limit", 1)], endpoint="/v1/events")  # a success
    own_sandbox.fail_next("429", times=200, path="/v1/customers")
    page = api.get("/v1/customers", [("limit", 3)], endpoint="/v1/customers")
    assert len(page.data) == 3
    assert api.rate_limited == 200


def test_minutes_without_any_request_succeeding_end_in_one_line(own_sandbox):
    clock = _Clock(step=30.0)
    api = _transport_on(own_sandbox, clock)
    own_sandbox.fail_next("429", times=1000, path="/v1/customers")
    with pytest.raises(BadAnswerError) as raised:
        api.get("/v1/customers", [("limit", 3)], endpoint="/v1/customers")
    line = str(raised.value)
    assert "rate limited every request of the run for 10 minutes" in line
    assert "Request-Id req_" in line and "max_requests_per_second" in line
    assert (
        transport.RATE_LIMITED_GIVE_UP_SECONDS
        <= clock.now - 1000
        < (transport.RATE_LIMITED_GIVE_UP_SECONDS + 30)
    )
    own_sandbox.cancel_fail_next()


def _response(status: int, headers: dict[str, str] | None = None, body: object = None):
    payload = body if body is not None else {"error": {"message": "x", "type": "api_error"}}
    return urllib3.HTTPResponse(
        body=io.BytesIO(json.dumps(payload).encode()),
        headers={"Content-Type": "application/json", **(headers or {})},
        status=status,
        preload_content=True,
    )


def _error(code: str, param: str | None = None, message: str = "x") -> dict:
    return {"error": {"code": code, "param": param, "message": message, "type": "x"}}


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (500, {}, None, TransientError),
        (409, {}, None, TransientError),
        (429, {"Stripe-Rate-Limited-Reason": "global-rate"}, None, RateLimitedError),
        (429, {"Stripe-Should-Retry": "false"}, _error("rate_limit"), RateLimitedError),
        (400, {}, _error("rate_limit"), RateLimitedError),
        (429, {"Stripe-Should-Retry": "true"}, _error("lock_timeout"), RateLimitedError),
        (429, {}, {"error": {"message": "x"}}, RateLimitedError),
        (500, {"Stripe-Should-Retry": "false"}, None, BadAnswerError),
        (400, {"Stripe-Should-Retry": "true"}, None, TransientError),
        (400, {}, None, BadAnswerError),
        (400, {}, _error("resource_missing", "starting_after"), CursorVanishedError),
        (404, {}, _error("resource_missing", "id"), NotFoundError),
        (404, {}, {"error": {"message": "Unrecognized request URL"}}, BadAnswerError),
        (301, {"Location": "https://elsewhere.example"}, {}, BadAnswerError),
        (401, {}, None, InvalidApiKeyError),
        (403, {}, _error("x", message="Enabling \"Prices Read\" ('plan_read')"),
         PermissionDeniedError),
        (403, {}, _error("account_invalid", message="The provided key 'rk_live_***' does not "
                         "have access to account 'acct_1X' (or that account does not exist)."),
         AccountAccessError),
        (403, {}, _error("x", message="You passed a restricted API key with the Stripe-Account "
                         "header, but the restricted API key does not have any Connect "
                         "permissions."), NoConnectAccessError),
    ],
)  # fmt: skip
def test_what_each_answer_means(status, headers, body, expected):
    with pytest.raises(expected) as raised:
        transport._raise_for_error(_response(status, headers, body), "GET /v1/x", None)
    if expected is TransientError:
        assert not isinstance(raised.value, RateLimitedError)


@pytest.mark.parametrize(
    ("status", "headers", "body", "reason"),
    [
        (429, {"Stripe-Rate-Limited-Reason": "endpoint-concurrency"}, _error("rate_limit"),
         "endpoint-concurrency"),
        (429, {}, _error("rate_limit"), "global-rate"),  # a rate limiter that does not say
        (400, {}, _error("rate_limit"), "global-rate"),
        # Not a rate limiter (Stripe: a 429 without the header): retried, nothing slowed.
        (429, {"Stripe-Should-Retry": "true"}, _error("lock_timeout"), None),
        (429, {"Stripe-Should-Retry": "false"}, None, None),
    ],
    ids=["named", "unnamed", "400", "lock timeout", "lock timeout, no retry"],
)  # fmt: skip
def test_every_429_is_retried_as_a_rate_limit_slowing_what_stripe_names(
    status, headers, body, reason
):
    with pytest.raises(RateLimitedError) as raised:
        transport._raise_for_error(_response(status, headers, body), "GET /v1/x", None)
    assert raised.value.rate_limit_reason == reason


@pytest.mark.parametrize(
    ("status", "code", "param", "expected"),
    [
        (400, "parameter_unknown", None, BadAnswerError),
        (403, "more_permissions_required", None, PermissionDeniedError),
        (400, "resource_missing", "starting_after", CursorVanishedError),
        (404, "resource_missing", "id", NotFoundError),
    ],
    ids=["bad request", "permission", "cursor", "not found"],
)
def test_stripe_s_message_goes_into_the_line_on_one_line(status, code, param, expected):
    message = "Enabling \"Prices Read\" ('plan_read'):\n  Received unknown parameter\r\n\tfoo."
    response = _response(status, {}, _error(code, param, message))
    with pytest.raises(expected) as raised:
        transport._raise_for_error(response, "GET /v1/x", None)
    line = str(raised.value)
    assert "('plan_read'): Received unknown parameter foo." in line
    assert not any(c in line for c in "\n\r\t")
    if expected is PermissionDeniedError:
        assert raised.value.permission == Permission("plan_read", "Prices")


def test_an_object_that_is_not_one_says_what_to_check():
    response = urllib3.HTTPResponse(
        body=io.BytesIO(b'["a", "list"]'),
        headers={"Content-Type": "application/json"},
        status=200,
        preload_content=True,
    )
    with pytest.raises(BadAnswerError) as raised:
        transport._parse(response, "GET /v1/customers/cus_1", Raw)
    line = str(raised.value)
    assert "not a Stripe object" in line and "Check api_url" in line and "proxy" in line


def test_redact_hides_keys_and_their_masked_forms():
    text = (
        f"Invalid API Key provided: rk_live_****{SECRET[-4:]}; "
        f"key rk_live_{SECRET}; sk_test_{SECRET}"
    )
    redacted = redact(text)
    assert SECRET not in redacted and SECRET[-4:] not in redacted
    assert redacted.count("[redacted]") == 3


def test_log_records_are_redacted_whatever_the_logger():
    install_log_redaction()
    logger = logging.getLogger("some.library")
    with logged_by("some.library") as stream:
        logger.warning("sending %s", f"Bearer rk_live_{SECRET}")
        try:
            raise ValueError(f"bad key rk_live_{SECRET}")
        except ValueError:
            logger.exception("failed")
    output = stream.getvalue()
    assert "rk_live_[redacted]" in output
    assert SECRET not in output
    assert SECRET[-4:] not in output


def test_a_bad_log_call_neither_crashes_nor_leaks():
    install_log_redaction()
    record = logging.getLogger("some.library").makeRecord(
        "some.library", logging.WARNING, __file__, 1, "two args %s %s", (f"rk_live_{SECRET}",), None
    )
    assert SECRET not in str(record.msg) + str(record.args)


def test_key_never_appears_in_output_even_at_debug(own_sandbox, tmp_path):
    """A run that meets 403s, faults and a 401 at debug level leaks no part of the key."""
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("plan_read", "charge_read"))
    own_sandbox.set_faults(fault_rate=0.05, latency_ms=0)  # retries log too
    env = {"TAP_STRIPE_READONLY_LOGLEVEL": "DEBUG"}
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path, env=env)
    own_sandbox.revoke_key(key)
    revoked = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path, env=env)
    assert "DEBUG" in result.stderr, "debug logging was not on: the test would prove little"
    assert "Stripe rejected the API key (401, Request-Id req_" in revoked.stderr
    for run in (result, revoked):
        output = run.stdout + run.stderr
        assert SECRET not in output
        assert SECRET[-4:] not in output, "even the last characters Stripe shows stay private"
