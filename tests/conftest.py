"""Fixtures shared by the tap's tests: a local Stripe sandbox and ways to run the tap."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field

import pytest

from tap_stripe_readonly.tap import TapStripeReadonly
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

# Small enough for a fast suite, large enough to hold every case the tap must
# handle (invoices with >10 lines, subscriptions with >10 items, canceled ones).
TEST_SCALE = 0.05


@pytest.fixture(scope="session")
def sandbox() -> t.Iterator[StripeSandbox]:
    """A shared sandbox. Tests must not change its data: use ``own_sandbox`` for that."""
    with StripeSandbox(scale=TEST_SCALE, seed=42) as sb:
        yield sb


@pytest.fixture
def shared_sandbox(sandbox: StripeSandbox) -> t.Iterator[StripeSandbox]:
    """The shared sandbox with fresh counters and no faults."""
    sandbox.reset_stats()
    yield sandbox
    sandbox.set_faults(fault_rate=0.0, latency_ms=0)
    sandbox.set_rate_limits(global_rps=None, endpoint_rps=None)


@pytest.fixture
def own_sandbox() -> t.Iterator[StripeSandbox]:
    """A sandbox of this test's own, free to change."""
    with StripeSandbox(scale=0.02, seed=7) as sb:
        yield sb


def tap_config(sb: StripeSandbox, **overrides: t.Any) -> dict[str, t.Any]:
    return {"api_key": DEMO_API_KEY, "api_url": sb.url, **overrides}


@dataclass
class SyncResult:
    """What a tap run wrote: records per stream, and every STATE message."""

    messages: list[dict[str, t.Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, t.Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def ids(self, stream: str) -> set[str]:
        return {r["id"] for r in self.records(stream)}

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def of_type(self, kind: str) -> list[dict[str, t.Any]]:
        return [m for m in self.messages if m["type"] == kind]


def sync(config: dict[str, t.Any], state: dict[str, t.Any] | None = None) -> SyncResult:
    """Run a full sync in this process and parse its Singer output."""
    tap = TapStripeReadonly(config=config, state=state, validate_config=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    return SyncResult([json.loads(line) for line in out.getvalue().splitlines()])


def run_cli(
    args: list[str], config: dict[str, t.Any], tmp_path: t.Any, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tap-stripe-readonly`` command as a user would."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "tap_stripe_readonly", "--config", str(config_file), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )
