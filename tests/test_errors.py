"""How the tap meets Stripe's errors: bad keys, missing permissions, limits and faults."""

from __future__ import annotations

import io
import json
import logging

import backoff
import pytest
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.errors import NoConnectAccessError, Permission, permission_in_message
from tap_stripe_readonly.redaction import install_log_redaction, redact
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tap_stripe_readonly.transport import ReadOnlySession, WriteAttemptError
from tests.conftest import run_cli, sync, tap_config

SECRET = "Zq9XK7redactionCanary0000Qx7W"  # last four: unlikely anywhere else


@pytest.fixture
def fast_retries(monkeypatch):
    """Retries as the tap does them, minus the waiting."""
    monkeypatch.setattr(
        StripeStream, "backoff_wait_generator", lambda self: backoff.constant(interval=0.01)
    )
    monkeypatch.setattr(StripeStream, "backoff_jitter", lambda self, value: value)


def test_session_refuses_anything_but_get(shared_sandbox):
    session = ReadOnlySession()
    for method in ("POST", "DELETE", "PUT", "PATCH"):
        with pytest.raises(WriteAttemptError):
            session.request(method, f"{shared_sandbox.url}/v1/customers", data={"email": "x"})
    assert shared_sandbox.stats["non_get"] == 0
    assert shared_sandbox.stats["requests"] == {}


def test_every_stream_uses_the_read_only_session(shared_sandbox):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    for stream in tap.streams.values():
        assert isinstance(stream.requests_session, ReadOnlySession)
        assert stream.http_method == "GET"


@pytest.mark.parametrize("form", ["new", "legacy"])
def test_missing_permission_skips_only_that_stream(own_sandbox, tmp_path, form):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("plan_read",), message_form=form)
    result = run_cli([], tap_config(own_sandbox, api_key=key), tmp_path)
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    synced = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert "prices" not in synced
    assert synced == {s.name for s in STREAM_TYPES} - {"prices"}
    warnings = [line for line in result.stderr.splitlines() if "Skipping stream 'prices'" in line]
    assert warnings and "plan_read" in warnings[0]
    assert "1 stream(s) were skipped" in result.stderr
    assert "prices: Read on" in result.stderr
    assert own_sandbox.stats["status"][403] == 1


def test_missing_parent_permission_skips_its_children(own_sandbox):
    key = f"rk_live_{SECRET}"
    own_sandbox.add_key(key, denied=("invoice_read",))
    tap = TapStripeReadonly(config=tap_config(own_sandbox, api_key=key), validate_config=True)
    result = sync(dict(tap.config))
    assert not result.records("invoices") and not result.records("invoice_line_items")
    assert result.ids("customers") == own_sandbox.ids("customers")


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
    assert "Stripe rejected the API key (401)" in result.stderr
    assert "Traceback" not in result.stderr
    assert own_sandbox.stats["status"] == {401: 1}, "a 401 must not be retried"


def test_rate_limits_and_faults_are_retried(own_sandbox, fast_retries):
    own_sandbox.set_rate_limits(global_rps=50, endpoint_rps=20)
    own_sandbox.set_faults(fault_rate=0.3, latency_ms=0)
    result = sync(tap_config(own_sandbox))
    stats = own_sandbox.stats
    assert stats["status"].get(500, 0) > 0 and stats["dropped"] > 0
    own_sandbox.set_faults(fault_rate=0.0)
    own_sandbox.set_rate_limits(global_rps=None, endpoint_rps=None)
    for stream in STREAM_TYPES:
        assert result.ids(stream.name) == own_sandbox.ids(stream.name), stream.name


def test_rate_limited_requests_are_retried(own_sandbox, monkeypatch):
    # Waits long enough for the bucket (10 tokens/s) to refill between tries.
    monkeypatch.setattr(
        StripeStream, "backoff_wait_generator", lambda self: backoff.constant(interval=0.1)
    )
    own_sandbox.set_rate_limits(global_rps=10, endpoint_rps=None)
    result = sync(tap_config(own_sandbox))
    assert own_sandbox.stats["status"].get(429, 0) > 0
    own_sandbox.set_rate_limits(global_rps=None, endpoint_rps=None)
    assert result.ids("customers") == own_sandbox.ids("customers")


def _response(status: int, headers: dict[str, str] | None = None, body: dict | None = None):
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = json.dumps(
        body or {"error": {"message": "x", "type": "api_error"}}
    ).encode()
    response.url = "https://api.stripe.com/v1/customers"
    return response


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (500, {}, RetriableAPIError),
        (429, {}, RetriableAPIError),
        (409, {}, RetriableAPIError),
        (500, {"Stripe-Should-Retry": "false"}, FatalAPIError),
        (400, {"Stripe-Should-Retry": "true"}, RetriableAPIError),
        (400, {}, FatalAPIError),
        (404, {}, FatalAPIError),
    ],
)
def test_retry_decision_honours_stripe_should_retry(shared_sandbox, status, headers, expected):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    stream = tap.streams["customers"]
    with pytest.raises(expected) as raised:
        stream.validate_response(_response(status, headers))
    if expected is FatalAPIError:
        assert not isinstance(raised.value, RetriableAPIError)


@pytest.mark.parametrize("status", [400, 403])
def test_key_without_connect_access_stops_the_run(shared_sandbox, status):
    tap = TapStripeReadonly(config=tap_config(shared_sandbox), validate_config=True)
    message = (
        "You passed a restricted API key with the Stripe-Account header, but the restricted "
        "API key does not have any Connect permissions."
    )
    body = {"error": {"message": message, "type": "invalid_request_error"}}
    with pytest.raises(NoConnectAccessError, match="unset account_id"):
        tap.streams["customers"].validate_response(_response(status, body=body))


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
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("some.library")
    logger.addHandler(handler)
    try:
        logger.warning("sending %s", f"Bearer rk_live_{SECRET}")
        try:
            raise ValueError(f"bad key rk_live_{SECRET}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
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
    assert "Stripe rejected the API key (401)" in revoked.stderr
    for run in (result, revoked):
        output = run.stdout + run.stderr
        assert SECRET not in output
        assert SECRET[-4:] not in output, "even the last characters Stripe shows stay private"
