"""STATE is written when it changed, at most about once a second, and always at the end: its
volume does not grow with the square of the accounts."""

from __future__ import annotations

import contextlib
import io
import json
import time
import typing as t

import pytest

from tap_stripe_readonly import run as tap_run
from tap_stripe_readonly.run import Run
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, sync, tap_config
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_state_is_written_when_changed_at_most_once_an_interval_and_at_the_end():
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    run = Run(tap)
    clock = run.monotonic = FakeClock()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    written = []

    def step(advance: float, *, changed: bool, at_end: bool = False) -> None:
        clock.now += advance
        if changed:
            run.state_changed()
        before = out.buffer.tell()
        run.write_state(at_end=at_end)
        written.append(out.buffer.tell() > before)

    with contextlib.redirect_stdout(out):
        step(0, changed=True)  # the first: at once
        step(0.4, changed=True)  # too soon
        step(0.4, changed=True)
        step(0.3, changed=False)  # an interval on, and changed since: written
        step(5, changed=False)  # nothing new
        step(0.1, changed=True, at_end=True)  # the end: whenever it comes
        step(0.1, changed=False, at_end=True)
    assert written == [True, False, False, True, False, True, False]
    assert tap_run.STATE_INTERVAL_SECONDS == 1.0


@pytest.fixture(scope="module")
def platform() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=21, connected_accounts=5) as sb:
        sb.advance(3600)
        yield sb


def test_state_volume_stays_small_with_many_accounts(platform):
    started = time.monotonic()
    result = sync(tap_config(platform, account_ids=platform.accounts))
    elapsed = time.monotonic() - started
    states = result.of_type("STATE")
    assert 1 <= len(states) <= 2 + elapsed / tap_run.STATE_INTERVAL_SECONDS
    assert result.messages[-1]["type"] == "STATE", "the last STATE covers every record"
    # Every STATE carries every account's bookmarks: each is small next to the records, and
    # there is at most one a second (above), however many answers the run had.
    largest = max(len(json.dumps(m)) for m in states)
    record_bytes = sum(len(json.dumps(m)) for m in result.of_type("RECORD"))
    assert largest * 200 < record_bytes, (largest, record_bytes)
    last = result.states[-1]["bookmarks"]["customers"]["partitions"]
    assert {p["context"]["stripe_account"] for p in last} == set(platform.accounts)


def test_a_stopped_run_still_writes_its_last_state(platform, monkeypatch):
    """Whatever stops the engine, the last STATE is written on the way out."""
    monkeypatch.setattr(tap_run, "STATE_INTERVAL_SECONDS", 3600.0)
    calls = {"n": 0}
    real = tap_run.Run.write_state

    def counting(self: Run, *, at_end: bool = False) -> None:
        calls["n"] += 1
        if calls["n"] == 40:
            raise KeyboardInterrupt  # stands in for a stop in the middle of the run
        real(self, at_end=at_end)

    monkeypatch.setattr(tap_run.Run, "write_state", counting)
    tap = TapStripeReadonly(config=tap_config(platform), validate_config=True)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out), pytest.raises(KeyboardInterrupt):
        tap.sync_all()
    out.seek(0)
    result = SyncResult.parse(out.read())
    assert result.of_type("RECORD")
    assert result.messages[-1]["type"] == "STATE"
    assert len(result.states) == 2, "the first at once, the last on the way out"
