"""A long run says how it goes: a progress line at a steady interval, singer-sdk's METRIC
points, and one summary at its end."""

from __future__ import annotations

import json
import logging
import re
import typing as t
from types import SimpleNamespace

import pytest
from singer_sdk.logging import StructuredFormatter

from tap_stripe_readonly import progress
from tap_stripe_readonly.progress import Meters, Progress
from tap_stripe_readonly.redaction import install_log_redaction
from tests.conftest import run_cli, sync, tap_config
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

# Anything that would identify an object, a key or a request in a log line.
OBJECT_ID = re.compile(
    r"\b(cus|in|ch|pi|sub|si|il|prod|price|txn|po|re|dp|cn|evt|acct)_[A-Za-z0-9]{6,}"
)
URL = re.compile(r"https?://")


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def reading(
    name: str,
    *,
    mode: str = "list",
    pages: int = 0,
    left: tuple[float, ...] = (),
    finished: bool = False,
    skipped: bool = False,
    account: str | None = None,
    account_failed: bool = False,
    events: int = 0,
    written: int = 0,
) -> t.Any:
    """A stream's read as the progress line sees it: ``pages`` read, and windows going on
    whose density says ``left`` pages each after their next."""
    return SimpleNamespace(
        stream=SimpleNamespace(name=name),
        mode=mode,
        pages_read=pages,
        chains=[SimpleNamespace(left=n) for n in left],
        started=1000.0,
        finished=finished,
        skipped=skipped,
        not_enabled=None,
        is_catch_up=False,
        account=SimpleNamespace(id=account, failed=account_failed),
        abandoned=lambda: skipped or account_failed,
        events_read=events,
        written=written,
    )


def a_progress(clock: FakeClock, readings: list[t.Any], logger: logging.Logger, **kw: t.Any):
    counts = {"records": 0, "requests": 0}
    line = Progress(
        logger,
        kw.pop("interval", 30),
        clock=clock,
        records=lambda: counts["records"],
        requests=lambda: counts["requests"],
        rate_limited=lambda: 3,
        limit=100,
        readings=lambda: readings,
        accounts=kw.pop("accounts", lambda: [(None, False, False)]),
    )
    return line, counts


def test_the_first_line_comes_after_the_interval_with_shares_and_time_left(caplog):
    clock = FakeClock()
    invoices = reading("invoices", pages=5, left=(4,))  # 5 read, 5 to go
    readings = [
        invoices,
        reading("charges", finished=True),
        reading("prices", skipped=True),
        reading("customers", mode="events", events=1204, written=310),
    ]
    logger = logging.getLogger("test-progress")
    line, counts = a_progress(clock, readings, logger)
    with caplog.at_level(logging.INFO, logger="test-progress"):
        for _ in range(29):
            clock.now += 1
            line.tick()
        assert not caplog.records, "nothing before the interval"
        clock.now += 1
        counts.update(records=30_000, requests=3000)
        line.tick()
        (first,) = [r.getMessage() for r in caplog.records]
        assert first == (
            "Progress 30s: 30,000 records (1,000/s), 3,000 requests (100/s, limit 100), "
            "3 rate limited; invoices 50% ~30s left, customers 1,204 events (310 written); "
            "1 done; prices skipped (no permission)"
        )
        invoices.pages_read = 15  # 15 read, 5 to go: 75% in 60 s
        clock.now += 30
        line.tick()
        last = caplog.records[-1].getMessage()
    assert "invoices 75% ~20s left" in last, last
    assert last.startswith("Progress 1m00s: 30,000 records (0/s)")


def test_several_accounts_say_how_many_are_done_going_and_failed(caplog):
    clock = FakeClock()
    readings = [
        reading("customers", account="acct_1", finished=True),
        reading("customers", account="acct_2", pages=1, left=(3,)),
        reading("customers", account="acct_3", account_failed=True),
    ]
    accounts = [("acct_1", True, False), ("acct_2", False, False), ("acct_3", False, True)]
    logger = logging.getLogger("test-progress")
    line, _ = a_progress(clock, readings, logger, accounts=lambda: accounts)
    text = line.line(clock.now + 30)
    assert text.endswith("; customers 20% ~2m left; accounts 1 done, 1 in progress, 1 failed")


def test_no_line_when_the_interval_is_zero(caplog):
    clock = FakeClock()
    logger = logging.getLogger("test-progress")
    line, _ = a_progress(clock, [reading("charges")], logger, interval=0)
    with caplog.at_level(logging.INFO, logger="test-progress"):
        clock.now += 3600
        line.tick()
    assert not caplog.records


def test_time_left_and_durations_read_at_a_glance():
    assert [progress.duration(s) for s in (5, 90, 750, 3900)] == ["5s", "1m30s", "12m30s", "1h05m"]
    assert [progress._about(s) for s in (0.4, 40, 250, 4200)] == ["~1s", "~40s", "~4m", "~1h10m"]


# -- singer-sdk's METRIC points --------------------------------------------------------------


def _metric_points(records: list[logging.LogRecord]) -> list[dict[str, t.Any]]:
    points = []
    for record in records:
        message = record.getMessage()
        assert message.startswith("METRIC: ")
        points.append(json.loads(message.removeprefix("METRIC: ")))
    return points


def test_metric_points_are_singer_sdk_s_once_an_interval(caplog):
    install_log_redaction()  # as the tap runs: points must keep their shape through it
    clock = FakeClock()
    meters = Meters(clock=clock, several_accounts=True)
    with caplog.at_level(logging.INFO, logger="singer_sdk.metrics"):
        for _ in range(50):
            meters.records("customers", "acct_1", 100)
            meters.requests("customers", "/v1/customers", [0.2])
            meters.requests("invoice_line_items", "/v1/invoices/{id}/lines", [0.1, 0.3])
            clock.now += 1
            meters.tick()
        assert not caplog.records, "counters wait for their minute, as the SDK's do"
        clock.now += 10
        meters.tick()
        meters.read_ended("customers", "acct_1", 61.5, succeeded=True)
    points = _metric_points(caplog.records)
    by_metric = {(p["metric"], p["tags"]["stream"]): p for p in points}
    records = by_metric[("record_count", "customers")]
    assert records["type"] == "counter" and records["value"] == 5000
    assert records["tags"]["context"] == {"stripe_account": "acct_1"}
    lines = by_metric[("http_request_count", "invoice_line_items")]
    assert lines["value"] == 100 and lines["tags"]["endpoint"] == "/v1/invoices/{id}/lines"
    duration = by_metric[("http_request_duration", "invoice_line_items")]
    assert duration["type"] == "timer" and duration["value"] == pytest.approx(0.2)
    ended = by_metric[("sync_duration", "customers")]
    assert ended["value"] == 61.5 and ended["tags"]["status"] == "succeeded"
    # Through singer-sdk's structured formatter (Meltano's --log-format json), a metric
    # stays a metric.
    structured = json.loads(StructuredFormatter().format(caplog.records[0]))
    assert structured["message"] == "METRIC"
    assert structured["metric_info"]["metric"] == "record_count"


# -- a real run --------------------------------------------------------------------------------


@pytest.fixture
def sb() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7) as sandbox:
        yield sandbox


def test_a_run_logs_progress_metrics_and_a_summary_without_ids_keys_or_urls(sb, tmp_path):
    sb.add_key("rk_live_NoPricesKey000000000000", denied=("plan_read",))
    config = tap_config(sb, api_key="rk_live_NoPricesKey000000000000", progress_interval=1)
    # Each line of a run at the tap's own pace: the sandbox answers slowly enough that a run
    # lasts a few intervals of one second.
    sb.set_faults(latency_ms=20)
    result = run_cli([], config, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    err = result.stderr
    progress_lines = [line for line in err.splitlines() if "| Progress " in line]
    assert progress_lines, err[-3000:]
    assert re.search(
        r"Progress \d+s: [\d,]+ records \([\d,]+/s\), [\d,]+ requests \([\d,]+/s, limit 50\), "
        r"\d+ rate limited; ",
        progress_lines[0],
    )
    metric_lines = [line for line in err.splitlines() if "METRIC: " in line]
    points = [json.loads(line.split("METRIC: ", 1)[1]) for line in metric_lines]
    metrics = {p["metric"] for p in points}
    assert {"record_count", "http_request_count", "http_request_duration", "sync_duration"} <= (
        metrics
    )
    counted = sum(p["value"] for p in points if p["metric"] == "record_count")
    assert counted == result.stdout.count('"type":"RECORD"')
    summary = err[err.index("Sync ended after") :]
    assert re.search(r"customers\s+[\d,]+\s+[\d,]+\s+complete", summary)
    assert re.search(
        r"prices\s+0\s+[\d,]+\s+skipped: grant Read on \"Prices\" \(plan_read\)", summary
    )
    for line in err.splitlines():
        assert not OBJECT_ID.search(line), line
        assert not URL.search(line) or "| WARNING" in line, line
        assert "rk_live_" not in line or "[redacted]" in line, line
    assert "Wrote " not in err, "the summary replaces the one-line count"


def test_the_summary_counts_each_stream_s_records_and_requests(sb, caplog):
    with caplog.at_level(logging.INFO):
        result = sync(tap_config(sb), select=["invoices", "invoice_line_items", "customers"])
    (summary,) = [r.getMessage() for r in caplog.records if "Sync ended after" in r.getMessage()]
    rows = {
        m["name"]: (
            int(m["records"].replace(",", "")),
            int(m["requests"].replace(",", "")),
            m["end"],
        )
        for m in re.finditer(
            r"^  (?P<name>[a-z_]+)\s+(?P<records>[\d,]+)\s+(?P<requests>[\d,]+)\s+(?P<end>.+)$",
            summary,
            re.M,
        )
        if m["name"] != "stream"
    }
    assert set(rows) == {"customers", "invoices", "invoice_line_items"}
    for name, (records, requests, end) in rows.items():
        assert records == len(result.records(name)), name
        assert requests >= 1 and end == "complete", name
    assert rows["invoice_line_items"][1] >= sum(
        1 for i in sb.objects("invoices") if i["lines"]["has_more"]
    ), "the lines past the first 10 are read at the lines' own endpoint"
    assert DEMO_API_KEY not in summary


def _number(text: str) -> int:
    return int(text.replace(",", ""))
