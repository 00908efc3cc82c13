"""Parallel reads inside Stripe's rate limits, and backfills that resume where they stopped."""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import typing as t

import msgspec
import pytest

from tap_stripe_readonly import client, ratelimit, transport
from tap_stripe_readonly.reading import StreamRead
from tap_stripe_readonly.reading import start as start_reading
from tap_stripe_readonly.run import Run, make_transport, requests_per_second
from tap_stripe_readonly.shapes import ListPage
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, start_tap, sync, tap_config
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

# What a sync writes unless told otherwise (payment_methods costs a request per customer).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(ratelimit.time, "monotonic", fake)
    return fake


def test_a_bucket_spends_its_burst_then_paces_at_its_rate(clock):
    bucket = ratelimit.TokenBucket(40)
    burst = int(40 * ratelimit.BURST_SECONDS)
    waits = [bucket.reserve() for _ in range(burst + 20)]
    assert waits[:burst] == [0.0] * burst
    assert waits[burst:] == pytest.approx([(n + 1) / 40 for n in range(20)])
    clock.now += 10
    assert bucket.reserve() == 0.0


def test_a_429_halves_the_bucket_which_recovers_to_just_under_the_rate_refused(clock):
    bucket = ratelimit.TokenBucket(40)
    bucket.slow_down()
    assert (bucket.rate, bucket.ceiling) == (20, 36)
    bucket.slow_down()
    assert (bucket.rate, bucket.ceiling) == (10, 18)
    clock.now += ratelimit.RECOVERY_SECONDS
    bucket.reserve()
    # Not back to 40, nor to 20: Stripe refused 20, and would refuse it every second or two.
    slow_rise = 40 * ratelimit.RECOVERY_SECONDS / ratelimit.CEILING_RECOVERY_SECONDS
    assert bucket.rate == pytest.approx(18 + slow_rise) and bucket.rate < 20
    clock.now += ratelimit.CEILING_RECOVERY_SECONDS
    bucket.reserve()
    assert bucket.rate == 40


@pytest.mark.parametrize(
    ("reason", "slowed"),
    [
        ("endpoint-rate", "endpoint"),
        ("endpoint-concurrency", "endpoint"),
        ("resource-specific", "endpoint"),
        ("global-rate", "account"),
        ("global-concurrency", "account"),
        (None, None),  # a lock timeout: nothing to slow down
    ],
)
def test_stripe_rate_limited_reason_names_the_bucket_to_slow(clock, reason, slowed):
    limiter = ratelimit.RateLimiter(50)
    limiter.rate_limited("/v1/charges", reason)
    assert limiter.endpoint("/v1/charges").rate == (12.5 if slowed == "endpoint" else 25)
    assert limiter.account.rate == (25 if slowed == "account" else 50)
    assert limiter.endpoint("/v1/customers").rate == 25


def test_the_transport_tells_the_limiter_which_bucket_stripe_named(own_sandbox, fast_retries):
    told: list[tuple[str, str | None]] = []

    class Limiter(ratelimit.RateLimiter):
        def rate_limited(self, endpoint: str, reason: str | None) -> None:
            told.append((endpoint, reason))

    own_sandbox.fail_next("429", times=2, path="/v1/customers")
    api = transport.StripeTransport(
        api_key=tap_config(own_sandbox)["api_key"],
        api_url=own_sandbox.url,
        api_version=client.API_VERSION,
        limiter=Limiter(50),
    )
    page = api.get("/v1/customers", [("limit", 3)], endpoint="/v1/customers")
    assert len(page.data) == 3
    assert told == [("/v1/customers", "endpoint-rate")] * 2
    assert api.rate_limited == 2


def test_a_lock_timeout_slows_nothing_and_is_retried_past_max_tries(own_sandbox, fast_retries):
    told: list[tuple[str, str | None]] = []

    class Limiter(ratelimit.RateLimiter):
        def rate_limited(self, endpoint: str, reason: str | None) -> None:
            told.append((endpoint, reason))
            super().rate_limited(endpoint, reason)

    times = transport.MAX_TRIES + 2
    own_sandbox.fail_next("lock_timeout", times=times, path="/v1/customers")
    limiter = Limiter(50)
    api = transport.StripeTransport(
        api_key=tap_config(own_sandbox)["api_key"],
        api_url=own_sandbox.url,
        api_version=client.API_VERSION,
        limiter=limiter,
    )
    page = api.get("/v1/customers", [("limit", 3)], endpoint="/v1/customers")
    assert len(page.data) == 3
    assert told == [("/v1/customers", None)] * times
    assert limiter.account.rate == 50 and limiter.endpoint("/v1/customers").rate == 25


@pytest.mark.parametrize(
    ("setting", "key", "expected"),
    [
        (None, "rk_live_", 50),  # half of Stripe's live limit, for the account's own traffic
        (None, "rk_test_", 25),  # Stripe's test-mode limit
        (80, "rk_live_", 80),
        (10, "rk_test_", 10),
    ],
)
def test_the_rate_is_the_setting_or_half_of_stripe_s_limit_for_the_key_s_mode(
    setting, key, expected
):
    config = {"api_key": key + "x" * 24, "max_requests_per_second": setting}
    assert requests_per_second(config) == expected
    assert make_transport(config).limiter.account.rate == expected


def test_the_tap_keeps_under_the_limits_it_is_given(shared_sandbox):
    """Stripe's limits at a fifth of their size: the tap's own buckets keep it under them."""
    shared_sandbox.set_rate_limits(global_rps=20, endpoint_rps=5)
    result = sync(tap_config(shared_sandbox, max_requests_per_second=20))
    # Requests arrive as the tap sends them, give or take the scheduling of two processes.
    served = sum(shared_sandbox.stats["requests"].values())
    assert shared_sandbox.stats["status"].get(429, 0) <= served * 0.05
    assert all(result.ids(s) == shared_sandbox.ids(s) for s in STREAMS)


def test_a_tap_told_more_than_stripe_allows_slows_down_and_never_fails(shared_sandbox):
    shared_sandbox.set_rate_limits(global_rps=30, endpoint_rps=10)
    result = sync(tap_config(shared_sandbox, max_requests_per_second=100))
    assert shared_sandbox.stats["status"].get(429, 0) > 0
    assert all(result.ids(s) == shared_sandbox.ids(s) for s in STREAMS)


# Nested streams Stripe lists apart from their parent, with the key naming the parent.
APART = {
    s.name: s.parent_key  # type: ignore[attr-defined]
    for s in STREAM_TYPES
    if s.selected_by_default and getattr(s, "embedded_field", "") is None
}


def test_a_backfill_killed_halfway_resumes_with_a_few_pages_resent(tmp_path):
    """SIGKILL in the middle of a first sync: the next run from the last STATE written ends
    with exactly every object, resending at most a few pages per stream (with a STATE after
    each answer; by default a STATE comes at most once a second, and up to a second of
    records is sent again)."""
    with StripeSandbox(scale=0.05, seed=13, latency_ms=15) as sb:
        total = sum(len(sb.ids(s)) for s in STREAMS)
        tap = start_tap(
            tap_config(sb), tmp_path, state_after_each_answer=True, stderr=subprocess.DEVNULL
        )
        assert tap.stdout is not None
        lines, records = [], 0
        for line in tap.stdout:
            lines.append(line)
            records += line.startswith(b'{"type":"RECORD"')
            if records >= total // 2:
                break
        tap.send_signal(signal.SIGKILL)
        tap.wait(timeout=10)
        # A line cut by the kill is no message: a target would drop it too.
        complete = [line for line in lines if line.endswith(b"\n")]
        before = SyncResult.parse(b"".join(complete).decode())
        resumed = sync(tap_config(sb), state=before.states[-1])
        resent_total = 0
        for stream in STREAMS:
            assert before.ids(stream) | resumed.ids(stream) == sb.ids(stream), stream
            resent = before.ids(stream) & resumed.ids(stream)
            if stream in APART:
                # A list kept apart is read again for each parent resent: count those.
                key = APART[stream]
                resent = {r[key] for r in resumed.records(stream) if r["id"] in resent}
            assert len(resent) <= 3 * client.PAGE_SIZE, f"{stream}: {len(resent)} resent"
            resent_total += len(resent)
        assert resent_total < total // 10


def test_a_window_split_at_a_second_waits_for_the_nested_lists_of_that_second(monkeypatch):
    """The window split off at the last second of a page covers that second again: it must
    not count as written while the nested list of a parent written there is still out."""
    monkeypatch.setattr(client, "PAGE_SIZE", 10)
    now = 1_790_000_000  # Stripe never answers from the future: a past moment
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    for name, stream in tap.streams.items():
        stream.selected = name in ("invoices", "invoice_line_items")
    run = Run(tap)
    invoices = t.cast("StripeStream", tap.streams["invoices"])
    for stream in (invoices, *invoices.child_streams):
        run.output.schema(t.cast("StripeStream", stream))
    run.accounts[0].now = now
    reading = StreamRead(run.seam, run.accounts[0], invoices)

    def page(seconds: range, has_more: bool) -> ListPage:
        def invoice(second: int) -> bytes:
            lines = {
                "object": "list",
                "data": [],
                "has_more": True,
                "url": f"/v1/invoices/in_{second}/lines",
            }
            return msgspec.json.encode(
                {"id": f"in_{second}", "object": "invoice", "created": second, "lines": lines}
            )

        return ListPage("list", [msgspec.Raw(invoice(s)) for s in seconds], has_more)

    def done() -> list[list[int]]:
        return reading.state["backfill"]["done"]

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        (first,) = start_reading(reading)
        # A dense first page: the rest of history is split into windows read side by side.
        follow_ups = first.on_body(page(range(now, now - 10, -1), has_more=True))
        low = now - 9
        nested = {task.path: task for task in follow_ups if task.path.endswith("/lines")}
        split_off = [task for task in follow_ups if task.path == "/v1/invoices"]
        assert len(split_off) > 1, "not split: the test would prove nothing"
        (at_low,) = [w for w in split_off if dict(w.params)["created[lte]"] == low]
        for path, task in nested.items():
            if path != f"/v1/invoices/in_{low}/lines":
                task.on_body(ListPage("list", [], False))
        # The window split off at `low` is read to its end (its objects' nested lists too).
        for task in at_low.on_body(page(range(low - 1, low - 3, -1), has_more=False)):
            task.on_body(ListPage("list", [], False))
        assert not any(a <= low <= b for a, b in done()), "claimed before its lines are out"
        nested[f"/v1/invoices/in_{low}/lines"].on_body(ListPage("list", [], False))
        assert any(a <= low - 2 and now <= b for a, b in done())
