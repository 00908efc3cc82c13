"""CLI: python -m tests.stripe_sandbox --port 12111 --scale 1 --seed 42"""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
import threading
import time
from collections.abc import Sequence

from .server import DEFAULT_FAULT_KINDS, DEMO_API_KEY, FAULT_KINDS, StripeSandbox


def _parse_now(value: str) -> int:
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        dt = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a unix time or ISO date: {value!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)  # naive dates are taken as UTC
    return int(dt.timestamp())


def _parse_bool(value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise argparse.ArgumentTypeError(f"expected true or false, not {value!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tests.stripe_sandbox",
        description=(
            "A local, seeded, read-only Stripe-compatible API (2026-10-28.endive). It answers "
            "as Stripe does on the wire: JSON indented by two spaces, gzip-compressed when the "
            "request's Accept-Encoding takes gzip, and ids in paths percent-decoded per "
            "segment (an id may hold any character, '/' included, when encoded)."
        ),
    )
    p.add_argument("--port", type=int, default=12111, help="port (0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--scale", type=float, default=1.0, help="1 = about 2,000 customers")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="fixed clock, unix seconds or ISO date (default: the real time)",
    )
    p.add_argument("--rate-limit-global", type=float, default=None, metavar="RPS")
    p.add_argument("--rate-limit-endpoint", type=float, default=None, metavar="RPS")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of a fault (one of --fault-kinds) per request",
    )
    p.add_argument(
        "--fault-kinds",
        nargs="+",
        choices=FAULT_KINDS,
        default=list(DEFAULT_FAULT_KINDS),
        metavar="KIND",
        help=f"faults to draw from: {', '.join(FAULT_KINDS)} (default: 500 drop)",
    )
    p.add_argument(
        "--rate-limit-should-retry",
        type=_parse_bool,
        default=None,
        metavar="true|false",
        help="Stripe-Should-Retry on rate-limit errors (default: no header)",
    )
    p.add_argument(
        "--connected-accounts",
        type=int,
        default=0,
        metavar="N",
        help="connected accounts besides the platform, reached with the Stripe-Account header",
    )
    p.add_argument(
        "--deny",
        nargs="+",
        action="extend",
        default=[],
        metavar="PERMISSION",
        help="permissions every key lacks, e.g. plan_read balance_read",
    )
    p.add_argument(
        "--key",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY",
        help="extra keys to accept (besides the demo key)",
    )
    p.add_argument(
        "--products",
        nargs="+",
        action="extend",
        default=[],
        metavar="PRODUCT",
        help="products every account has switched on, e.g. Issuing (else their lists answer "
        "400 'not set up', as Stripe's do)",
    )
    p.add_argument(
        "--compact",
        action="store_true",
        help="answer compact one-line JSON instead of Stripe's indented JSON (to compare)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    sb = StripeSandbox(
        scale=args.scale, seed=args.seed, port=args.port, host=args.host,
        rate_limit_global=args.rate_limit_global, rate_limit_endpoint=args.rate_limit_endpoint,
        latency_ms=args.latency_ms, fault_rate=args.fault_rate, now=args.now,
        denied=args.deny, keys=args.key, verbose=args.verbose,
        connected_accounts=args.connected_accounts, fault_kinds=args.fault_kinds,
        rate_limit_should_retry=args.rate_limit_should_retry, indent=not args.compact,
        products=args.products,
    )  # fmt: skip
    # Before the ready line: a SIGTERM sent as soon as it is read must stop us cleanly.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sb.start()
    counts = sb.counts()
    summary = ", ".join(f"{n} {r}" for r, n in counts.items())
    connected = sb.accounts[1:]
    accounts = f"; connected accounts {' '.join(connected)}" if connected else ""
    print(
        f"Stripe sandbox on {sb.url} (scale {args.scale:g}, seed {args.seed}): {summary}"
        f"{accounts}; ready in {time.perf_counter() - started:.1f}s; demo key {DEMO_API_KEY}",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
