"""How fast the tap reads Stripe, against the local sandbox under Stripe-like conditions.

    .venv/bin/python benchmarks/run.py                  # about 25 minutes
    .venv/bin/python benchmarks/run.py --scale 2 --cpu-scale 10

1. Throughput: the sandbox at --scale with 150 ms per request, 100 requests/s per account and
   25 per endpoint (Stripe's live limits). A full sync with one request in flight, then one
   with the engine at max_requests_per_second 100. For each: records, requests, 429s, wall
   seconds, records/s, the tap's peak RSS, and wall time over the rate-limit lower bound
   max(requests / 100, busiest endpoint's requests / 25). Both must write the same ids (but
   for the events that pass Stripe's 30 days while the slower run goes on).
2. The record path: the sandbox at --cpu-scale with no latency and no limits; records per
   CPU-second of the tap's process alone (user + system time), and its peak RSS, with the
   sandbox answering as Stripe does (JSON indented by two spaces, gzip-compressed since the
   tap asks for it) and then with compact JSON; the bytes each run received. CPU time on a
   shared 2-core machine varies by 10% or more between runs: each figure is the best of
   --cpu-repeats runs.
3. Changes: after a full sync at --changes-scale, a run with nothing changed (what a quiet
   scheduled run costs of Stripe's read allocation), then a day of business (updates,
   deletions, cancellations, payments, new objects, quotes, a price archived, a review
   closed, a customer's tax id); each incremental run's requests, by endpoint, and records
   next to the full read's. Then the full read's requests to the endpoints of the newer
   streams, next to the fewest a reader that knows the data needs.

The tap runs as a user runs it (`python -m tap_stripe_readonly --config ...`), in its own
process; its stdout is read here and only counted (or its ids collected), so the reading
costs this process, not the tap.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tap_stripe_readonly.streams import STREAM_TYPES  # noqa: E402
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox  # noqa: E402

LATENCY_MS = 150
GLOBAL_RPS = 100
ENDPOINT_RPS = 25


@dataclass
class Result:
    name: str
    records: int = 0
    requests: int = 0
    busiest: tuple[str, int] = ("", 0)
    rate_limited: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    exit_code: int = 0
    bytes_received: int = 0
    ids: dict[str, set[str]] = field(default_factory=dict)

    @property
    def lower_bound(self) -> float:
        return max(self.requests / GLOBAL_RPS, self.busiest[1] / ENDPOINT_RPS)


class Sandbox:
    """The sandbox in a process of its own, so that it never shares a CPU lock with the tap."""

    def __init__(self, scale: float, *, stripe_like: bool, compact: bool = False) -> None:
        args = [sys.executable, "-m", "tests.stripe_sandbox", "--port", "0", "--scale", str(scale)]
        if compact:
            args.append("--compact")
        if stripe_like:
            args += [
                "--latency-ms", str(LATENCY_MS),
                "--rate-limit-global", str(GLOBAL_RPS),
                "--rate-limit-endpoint", str(ENDPOINT_RPS),
            ]  # fmt: skip
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        self.url = ready.split(" on ", 1)[1].split(" ", 1)[0]
        print(f"  {ready.strip()}", flush=True)

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_sandbox/stats", timeout=30) as response:
            return json.load(response)

    def stop(self) -> None:
        self.process.kill()  # no need to wait for it to free gigabytes of objects
        self.process.wait(timeout=30)


def run_tap(name: str, sandbox: Sandbox, config: dict, *, collect_ids: bool) -> Result:
    result = Result(name)
    before = sandbox.stats()
    with tempfile.TemporaryDirectory() as tmp:
        config_file = Path(tmp) / "config.json"
        config_file.write_text(
            json.dumps({"api_key": DEMO_API_KEY, "api_url": sandbox.url, **config})
        )
        started = time.perf_counter()
        tap = subprocess.Popen(
            [sys.executable, "-m", "tap_stripe_readonly", "--config", str(config_file)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert tap.stdout is not None
        for line in tap.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                result.records += 1
                if collect_ids:
                    message = json.loads(line)
                    result.ids.setdefault(message["stream"], set()).add(message["record"]["id"])
        _, status, usage = os.wait4(tap.pid, 0)
        result.wall = time.perf_counter() - started
    result.exit_code = os.waitstatus_to_exitcode(status)
    result.cpu = usage.ru_utime + usage.ru_stime
    result.peak_rss_mb = usage.ru_maxrss / 1024
    after = sandbox.stats()
    counts = {
        endpoint: n - before["requests"].get(endpoint, 0)
        for endpoint, n in after["requests"].items()
    }
    counts = {endpoint: n for endpoint, n in counts.items() if n}
    result.requests = sum(counts.values())
    result.busiest = max(counts.items(), key=lambda kv: kv[1])
    result.rate_limited = after["status"].get("429", 0) - before["status"].get("429", 0)
    result.bytes_received = after["bytes_sent"] - before["bytes_sent"]
    return result


def throughput(scale: float) -> None:
    print(f"\n1. Full sync, Stripe-like conditions (scale {scale}: {LATENCY_MS} ms per request, "
          f"{GLOBAL_RPS} req/s per account, {ENDPOINT_RPS} per endpoint)", flush=True)  # fmt: skip
    sandbox = Sandbox(scale, stripe_like=True)
    try:
        runs = [
            run_tap("one in flight", sandbox,
                    {"max_requests_in_flight": 1, "max_requests_per_second": 100},
                    collect_ids=True),
            run_tap("engine", sandbox, {"max_requests_per_second": 100}, collect_ids=True),
        ]  # fmt: skip
    finally:
        sandbox.stop()
    header = (
        f"  {'run':<14}{'records':>9}{'requests':>10}{'429s':>6}{'wall s':>8}{'rec/s':>8}"
        f"{'RSS MB':>8}{'bound s':>9}{'wall/bound':>11}  busiest endpoint"
    )
    print(header)
    for r in runs:
        print(
            f"  {r.name:<14}{r.records:>9}{r.requests:>10}{r.rate_limited:>6}{r.wall:>8.1f}"
            f"{r.records / r.wall:>8.0f}{r.peak_rss_mb:>8.0f}{r.lower_bound:>9.1f}"
            f"{r.wall / r.lower_bound:>11.2f}  {r.busiest[0]} ({r.busiest[1]})"
        )
    one, engine = runs
    # Stripe keeps events 30 days: those at the edge pass it while the slow run goes on.
    aged = one.ids.get("events", set()) - engine.ids.get("events", set())
    streams = (set(one.ids) | set(engine.ids)) - {"events"}
    same = (
        all(one.ids.get(s) == engine.ids.get(s) for s in streams)
        and engine.ids.get("events", set()) <= one.ids.get("events", set())
        and all(r.exit_code == 0 for r in runs)
    )
    print(f"  requests, engine / one in flight: {engine.requests / one.requests:.2f}; "
          f"same record ids in both runs: {'yes' if same else 'NO'} (events aside: "
          f"{len(aged)} passed Stripe's 30 days in between)")  # fmt: skip


def record_path(scale: float, repeats: int) -> None:
    print(f"\n2. The record path: no latency, no limits (scale {scale})", flush=True)
    for wire, compact in (("indented, as Stripe", False), ("compact", True)):
        sandbox = Sandbox(scale, stripe_like=False, compact=compact)
        try:
            runs = [
                run_tap("engine", sandbox, {"max_requests_per_second": 100}, collect_ids=False)
                for _ in range(max(1, repeats))
            ]
        finally:
            sandbox.stop()
        r = min(runs, key=lambda run: run.cpu)
        print(
            f"  {wire}: {r.records} records, {r.requests} requests, "
            f"{r.bytes_received / 1e6:,.0f} MB received, {r.wall:.1f} s wall, tap CPU "
            f"{r.cpu:.1f} s: {r.records / r.cpu:,.0f} records per CPU-second; tap peak RSS "
            f"{r.peak_rss_mb:.0f} MB; exit code {r.exit_code}"
        )


def changes(scale: float) -> None:
    print(f"\n3. An incremental run after changes, next to a full read (scale {scale})", flush=True)
    with StripeSandbox(scale=scale, seed=42) as sb, tempfile.TemporaryDirectory() as tmp:
        sb.advance(3600)
        full = _sync_in_subprocess(sb, Path(tmp), state=None)
        sb.advance(60)
        quiet = _sync_in_subprocess(sb, Path(tmp), state=full.states[-1])
        sb.advance(60)
        made = _a_day_of_business(sb)
        incremental = _sync_in_subprocess(sb, Path(tmp), state=quiet.states[-1])
        print(f"  changes made: {made}")
        print(f"  {'run':<14}{'requests':>10}{'records':>10}  requests by endpoint")
        runs = (("full read", full), ("nothing new", quiet), ("a day later", incremental))
        for name, run in runs:
            by = ", ".join(f"{path} {n}" for path, n in sorted(run.by_endpoint.items()))
            by = by if name != "full read" else ""
            print(f"  {name:<14}{run.requests:>10}{len(run.records):>10}  {by}")
        print("  the full read's requests to the newer streams, next to the fewest possible:")
        print(f"  {'endpoint':<46}{'tap':>6}{'fewest':>8}  objects")
        for endpoint, fewest, objects in _fewest_requests(sb, full.by_endpoint):
            tap = full.by_endpoint.get(endpoint, 0)
            print(f"  {endpoint:<46}{tap:>6}{fewest:>8}  {objects}")


def _fewest_requests(sb: StripeSandbox, by_endpoint: dict[str, int]) -> list[tuple]:
    """Per endpoint of a newer stream (and of the prices, read in two parts): the
    requests a reader that knows the data would make (a page per 100 objects, per part; a
    list per parent for a list kept apart; the rest of an embedded list past its first 10; a
    fetch per object named by id), and how many objects it holds."""
    new = {s.name for s in STREAM_TYPES[28:]} | {"prices"}
    rows: dict[str, list[int]] = {}
    for stream in STREAM_TYPES:
        if stream.name not in new or not stream.selected_by_default:
            continue
        n = len(sb.ids(stream.name))
        endpoint, fewest = f"GET {stream.path}", max(1, math.ceil(n / 100))
        parent = stream.parent_stream_type
        if getattr(stream, "referenced_by", None):
            endpoint, fewest = f"GET {stream.path}/{{id}}", n
        elif parent is not None and stream.embedded_field:
            embedded = (o[stream.embedded_field] for o in sb.objects(parent.name))
            fewest = sum(1 for e in embedded if e and e["has_more"])
        elif parent is not None:
            fewest = len(sb.ids(parent.name))
        elif stream.name == "prices":
            active = sum(1 for p in sb.objects("prices") if p["active"])
            fewest = math.ceil(active / 100) + math.ceil((n - active) / 100)
        row = rows.setdefault(endpoint, [0, 0])
        row[0] += fewest
        row[1] += n
    if "GET /v1/balance_transactions" in rows:  # the stream's own pages too
        rows["GET /v1/balance_transactions"][0] += math.ceil(
            len(sb.ids("balance_transactions")) / 100
        )
    return [(e, f, o) for e, (f, o) in sorted(rows.items())]


@dataclass
class _Run:
    requests: int
    records: list[bytes]
    states: list[dict]
    by_endpoint: dict[str, int]


def _sync_in_subprocess(sb: StripeSandbox, tmp: Path, state: dict | None) -> _Run:
    config = tmp / "config.json"
    config.write_text(json.dumps({"api_key": DEMO_API_KEY, "api_url": sb.url}))
    args = [sys.executable, "-m", "tap_stripe_readonly", "--config", str(config)]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    sb.reset_stats()
    out = subprocess.run(args, cwd=ROOT, capture_output=True, check=True).stdout.splitlines()
    return _Run(
        requests=sum(sb.stats["requests"].values()),
        by_endpoint=dict(sb.stats["requests"]),
        records=[line for line in out if line.startswith(b'{"type":"RECORD"')],
        states=[json.loads(line)["value"] for line in out if line.startswith(b'{"type":"STATE"')],
    )


def _a_day_of_business(sb: StripeSandbox) -> str:
    customers = sb.objects("customers")
    for customer in customers[:100]:
        sb.update("customers", customer["id"], {"metadata": {"segment": "enterprise"}})
    for customer in customers[-5:]:
        sb.delete("customers", customer["id"])
    for product in sb.objects("products")[-3:]:
        sb.delete("products", product["id"])
    active = [s for s in sb.objects("subscriptions") if s["status"] == "active"]
    for subscription in active[:10]:
        sb.delete("subscriptions", subscription["id"])
    unpaid = [i for i in sb.objects("invoices") if i["status"] == "open"]
    for invoice in unpaid[:10]:
        sb.pay_invoice(invoice["id"])
    for _ in range(20):
        sb.create("customers")
    for _ in range(5):
        sb.create("quotes", lines=2)
    price = next(p for p in sb.objects("prices") if p["active"])
    sb.update("prices", price["id"], {"active": False})
    sb.create_customer_tax_id(customers[0]["id"])
    review = next(r for r in sb.objects("reviews") if r["open"])
    sb.update("reviews", review["id"], {"open": False, "closed_reason": "approved"})
    return (
        "100 customers updated, 5 deleted, 3 products deleted, 10 subscriptions canceled, "
        "10 open invoices paid (with their payments), 20 customers created, 5 quotes "
        "created, a price archived, a review closed, a customer's tax id added"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=2.0, help="throughput run (>= 2)")
    parser.add_argument("--cpu-scale", type=float, default=10.0, help="record-path run")
    parser.add_argument(
        "--cpu-repeats", type=int, default=3, help="record-path runs, the best is reported"
    )
    parser.add_argument("--changes-scale", type=float, default=1.0, help="changes run")
    parser.add_argument("--only", choices=("throughput", "record-path", "changes"))
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        throughput(args.scale)
    if args.only in (None, "record-path"):
        record_path(args.cpu_scale, args.cpu_repeats)
    if args.only in (None, "changes"):
        changes(args.changes_scale)


if __name__ == "__main__":
    main()
