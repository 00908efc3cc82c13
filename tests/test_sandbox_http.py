"""Keys, permissions, rate limits, faults, read-only enforcement and counters of the sandbox."""

from __future__ import annotations

import base64
import concurrent.futures
import email.utils
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import sandbox_process
from tests.stripe_sandbox import API_VERSION, DEMO_ACCOUNT_ID, DEMO_API_KEY, StripeSandbox

NOW = 1_795_000_000
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=3, now=NOW, connected_accounts=1) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared: StripeSandbox) -> Iterator[StripeSandbox]:
    """The module's sandbox with fresh counters; knobs are reset afterwards."""
    shared.reset_stats()
    yield shared
    shared.set_faults(fault_rate=0.0, latency_ms=0, kinds=("500", "drop"))
    shared.set_rate_limits(global_rps=None, endpoint_rps=None)
    shared.set_rate_limit_should_retry(None)
    assert shared.cancel_fail_next() == 0, "a test left scripted faults unused"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_demo_key_format() -> None:
    assert DEMO_API_KEY.startswith("rk_live_")
    tail = DEMO_API_KEY.removeprefix("rk_live_")
    assert tail.isalnum()
    assert len(tail) >= 24
    assert "sandbox" in DEMO_API_KEY.lower()
    assert DEMO_ACCOUNT_ID.startswith("acct_")


def test_bearer_and_basic_auth(sb: StripeSandbox) -> None:
    assert requests.get(f"{sb.url}/v1/customers", headers=bearer(DEMO_API_KEY)).status_code == 200
    assert requests.get(f"{sb.url}/v1/customers", auth=(DEMO_API_KEY, "")).status_code == 200
    token = base64.b64encode(f"{DEMO_API_KEY}:".encode()).decode()
    r = requests.get(f"{sb.url}/v1/customers", headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200


def test_missing_key_is_a_401(sb: StripeSandbox) -> None:
    r = requests.get(f"{sb.url}/v1/customers")
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith("You did not provide an API key.")


def test_unknown_key_is_a_401_with_the_key_masked(sb: StripeSandbox) -> None:
    key = "rk_live_notregistered0000abcd"
    r = requests.get(f"{sb.url}/v1/customers", headers=bearer(key))
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "message": "Invalid API Key provided: rk_live_****abcd",
            "type": "invalid_request_error",
        }
    }
    assert key not in r.text


def test_revoked_key_is_a_401(sb: StripeSandbox) -> None:
    key = "rk_live_revokedSoon0000000000wxyz"
    sb.add_key(key)
    assert requests.get(f"{sb.url}/v1/products", headers=bearer(key)).status_code == 200
    sb.revoke_key(key)
    r = requests.get(f"{sb.url}/v1/products", headers=bearer(key))
    assert r.status_code == 401
    assert "rk_live_****wxyz" in r.json()["error"]["message"]


def test_permission_denied_new_form(sb: StripeSandbox) -> None:
    key = "rk_live_noPrices000000000000j4va7j"
    sb.add_key(key, denied=("plan_read",))
    assert requests.get(f"{sb.url}/v1/products", headers=bearer(key)).status_code == 200
    r = requests.get(f"{sb.url}/v1/prices", headers=bearer(key))
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "more_permissions_required"
    assert err["type"] == "invalid_request_error"
    assert err["message"] == (
        "Permission denied. The provided key 'rk_live_***j4va7j' does not have the required "
        f"permissions for this endpoint on account '{DEMO_ACCOUNT_ID}'. Enabling \"Prices Read\" "
        "('plan_read') permissions on this key would allow this request to continue."
    )
    price = sb.objects("prices")[0]["id"]
    assert requests.get(f"{sb.url}/v1/prices/{price}", headers=bearer(key)).status_code == 403


def test_permission_denied_legacy_form_names_the_connected_account(sb: StripeSandbox) -> None:
    key = "rk_live_noCharges00000000000000zz"
    sb.add_key(key, denied=("rak_charge_read",), message_form="legacy")
    connected = sb.accounts[1]
    headers = {**bearer(key), "Stripe-Account": connected}
    for path in ("/v1/charges", "/v1/refunds"):
        r = requests.get(sb.url + path, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["message"] == (
            "The provided key 'rk_live_***0000zz' does not have the required permissions for this "
            f"endpoint on account '{connected}'. Having the 'rak_charge_read' permission would "
            "allow this request to continue."
        )


def test_expanding_needs_the_expanded_objects_permission(sb: StripeSandbox) -> None:
    key = "rk_live_noCustomers0000000000000q"
    sb.add_key(key, denied=("customer_read",))
    assert requests.get(f"{sb.url}/v1/charges", headers=bearer(key)).status_code == 200
    r = requests.get(f"{sb.url}/v1/charges?expand[]=data.customer", headers=bearer(key))
    assert r.status_code == 403
    assert "('customer_read')" in r.json()["error"]["message"]


def test_global_denials_apply_to_every_key() -> None:
    with StripeSandbox(scale=0.01, seed=1, now=NOW, denied=["balance_read"]) as sb:
        r = requests.get(f"{sb.url}/v1/balance_transactions", headers=bearer(DEMO_API_KEY))
        assert r.status_code == 403
        assert "('balance_read')" in r.json()["error"]["message"]
        assert requests.get(f"{sb.url}/v1/account", headers=bearer(DEMO_API_KEY)).status_code == 200


def test_global_rate_limit(sb: StripeSandbox) -> None:
    sb.set_rate_limits(global_rps=0.001)  # a bucket of one token that never refills in time
    responses = [
        requests.get(f"{sb.url}/v1/customers", headers=bearer(DEMO_API_KEY)) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [200, 429, 429]
    r = responses[-1]
    assert r.headers["Stripe-Rate-Limited-Reason"] == "global-rate"
    assert r.json() == {
        "error": {
            "code": "rate_limit",
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.",
            "type": "invalid_request_error",
        }
    }
    assert sb.stats["status"] == {200: 1, 429: 2}


def test_endpoint_rate_limit_is_per_route_template(sb: StripeSandbox) -> None:
    sb.set_rate_limits(endpoint_rps=0.001)
    ids = sorted(sb.ids("customers"))
    codes = [
        requests.get(f"{sb.url}/v1/customers/{i}", headers=bearer(DEMO_API_KEY)).status_code
        for i in ids[:2]
    ]
    assert codes == [200, 429]  # every id shares GET /v1/customers/{id}
    r = requests.get(f"{sb.url}/v1/customers/{ids[0]}", headers=bearer(DEMO_API_KEY))
    assert r.headers["Stripe-Rate-Limited-Reason"] == "endpoint-rate"
    assert requests.get(f"{sb.url}/v1/customers", headers=bearer(DEMO_API_KEY)).status_code == 200


def test_faults_give_500s_and_dropped_connections(sb: StripeSandbox) -> None:
    sb.set_faults(fault_rate=1.0)
    errors = dropped = 0
    with requests.Session() as http:
        for _ in range(24):
            try:
                r = http.get(f"{sb.url}/v1/customers", headers=bearer(DEMO_API_KEY))
            except requests.ConnectionError:
                dropped += 1
                continue
            assert r.status_code == 500
            assert r.json() == {
                "error": {"message": "An unknown error occurred", "type": "api_error"}
            }
            errors += 1
    assert errors > 0
    assert dropped > 0
    stats = sb.stats
    assert stats["status"] == {500: errors}
    assert stats["dropped"] == dropped
    sb.set_faults(fault_rate=0.0)
    assert requests.get(f"{sb.url}/v1/customers", headers=bearer(DEMO_API_KEY)).status_code == 200


def test_latency_is_injected(sb: StripeSandbox) -> None:
    sb.set_faults(latency_ms=60)
    started = time.perf_counter()
    requests.get(f"{sb.url}/v1/products", headers=bearer(DEMO_API_KEY))
    assert time.perf_counter() - started >= 0.06


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_writes_are_refused_and_counted(sb: StripeSandbox, method: str) -> None:
    before = sb.ids("customers")
    target = sorted(before)[0]
    r = requests.request(
        method,
        f"{sb.url}/v1/customers/{target}",
        data={"email": "x@y.test"},
        headers=bearer(DEMO_API_KEY),
    )
    assert r.status_code == 403
    assert "read-only" in r.json()["error"]["message"]
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert sb.stats["non_get"] == 1
    assert sb.stats["requests"] == {f"{method} /v1/customers/{{id}}": 1}
    assert sb.ids("customers") == before


def test_stats_count_routes_statuses_and_headers(sb: StripeSandbox) -> None:
    connected = sb.accounts[1]
    with requests.Session() as http:
        http.headers.update(
            {**bearer(DEMO_API_KEY), "Stripe-Version": API_VERSION, "Stripe-Account": connected}
        )
        inv = sb.objects("invoices", account=connected)[0]["id"]
        http.get(f"{sb.url}/v1/customers")
        http.get(f"{sb.url}/v1/customers")
        http.get(f"{sb.url}/v1/invoices/{inv}/lines")
        http.get(f"{sb.url}/v1/invoices/in_nope")
        http.get(f"{sb.url}/v1/nothing")
    stats = sb.stats
    assert stats["requests"] == {
        "GET /v1/customers": 2, "GET /v1/invoices/{id}/lines": 1, "GET /v1/invoices/{id}": 1,
        "GET (unrecognized)": 1,
    }  # fmt: skip
    assert stats["status"] == {200: 3, 404: 2}
    assert stats["headers"] == {"Stripe-Account": {connected}, "Stripe-Version": {API_VERSION}}
    assert stats["accounts"] == {connected: 5}
    assert stats["max_in_flight"] >= 1
    assert stats["non_get"] == 0
    assert stats["dropped"] == 0
    sb.reset_stats()
    assert sb.stats["requests"] == {}


def test_max_in_flight_sees_concurrency(sb: StripeSandbox) -> None:
    sb.set_faults(latency_ms=150)  # keeps requests in flight long enough to overlap
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(
                lambda _: (
                    requests.get(f"{sb.url}/v1/products", headers=bearer(DEMO_API_KEY)).status_code
                ),
                range(6),
            )
        )
    assert codes == [200] * 6
    assert sb.stats["max_in_flight"] >= 2
    assert sb.stats["in_flight"] == 0


def test_stats_endpoint_is_not_api_traffic(sb: StripeSandbox) -> None:
    requests.get(f"{sb.url}/v1/products", headers=bearer(DEMO_API_KEY))
    r = requests.get(f"{sb.url}/_sandbox/stats")
    assert r.status_code == 200
    body = r.json()
    assert body["requests"] == {"GET /v1/products": 1}
    assert body["status"] == {"200": 1}
    assert sb.stats["requests"] == {"GET /v1/products": 1}


def test_every_response_has_a_request_id_and_json(sb: StripeSandbox) -> None:
    for headers, path in (
        ({}, "/v1/customers"),
        (bearer(DEMO_API_KEY), "/v1/customers"),
        (bearer(DEMO_API_KEY), "/v1/customers/cus_nope"),
    ):
        # Uncompressed (requests asks for gzip): Content-Length counts the bytes on the wire.
        r = requests.get(sb.url + path, headers={**headers, "Accept-Encoding": "identity"})
        assert r.headers["Request-Id"].startswith("req_")
        assert r.headers["Content-Type"] == "application/json"
        assert int(r.headers["Content-Length"]) == len(r.content)


def test_binds_loopback_by_default_and_stops(shared: StripeSandbox) -> None:
    sb = StripeSandbox(scale=0.01, seed=1, now=NOW)
    with sb:
        assert sb.address[0] == "127.0.0.1"
        assert sb.url.startswith("http://127.0.0.1:")
        assert sb.port > 0
        with requests.Session() as http:
            assert http.get(f"{sb.url}/v1/account", headers=bearer(DEMO_API_KEY)).ok
            sb.stop()
            with pytest.raises(requests.ConnectionError):
                http.get(f"{sb.url}/v1/account", headers=bearer(DEMO_API_KEY))


def test_cli_prints_a_ready_line_and_stops_on_sigterm() -> None:
    args = (
        "--scale",
        "0.01",
        "--seed",
        "5",
        "--now",
        "2026-11-01T00:00:00Z",
        "--deny",
        "plan_read",
    )
    with sandbox_process(*args) as (proc, line):
        assert "(scale 0.01, seed 5)" in line
        assert "140 customers" in line  # 20, and 120 imported in one second
        assert DEMO_API_KEY in line
        url = line.split()[3]
        assert requests.get(f"{url}/v1/customers", headers=bearer(DEMO_API_KEY)).status_code == 200
        assert requests.get(f"{url}/v1/prices", headers=bearer(DEMO_API_KEY)).status_code == 403
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_date_header_tells_the_sandbox_clock() -> None:
    """Clients reckon in Stripe's time; the sandbox's Date follows its own (advanced) clock."""
    with StripeSandbox(scale=0.02, seed=3, now=1_700_000_000) as sb:
        sb.advance(86_400)
        response = requests.get(f"{sb.url}/v1/customers", auth=(DEMO_API_KEY, ""), timeout=10)
    sent = email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert sent == 1_700_086_400
