"""Fixtures shared by the tap's tests: a local Stripe sandbox and ways to run the tap."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field

import pytest

from tap_stripe_readonly import transport
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_API_KEY, StripeSandbox

# Small enough for a fast suite, large enough to hold every case the tap must
# handle (invoices with >10 lines, subscriptions with >10 items, canceled ones,
# hundreds of objects created in one second).
TEST_SCALE = 0.05

# The tap's CLI with Stripe's backoff shortened to milliseconds: retries happen as in
# production, without the waiting.
FAST_RETRY_TAP = (
    "import sys; from tap_stripe_readonly import transport; "
    "transport.BACKOFF_FIRST_SECONDS = transport.BACKOFF_MAX_SECONDS = 0.001; "
    "from tap_stripe_readonly.tap import TapStripeReadonly; TapStripeReadonly.cli()"
)


@pytest.fixture(scope="session")
def sandbox() -> t.Iterator[StripeSandbox]:
    """A shared sandbox (its accounts use Issuing; the platform has a connected account).
    Tests must not change its data: use ``own_sandbox`` for that."""
    with StripeSandbox(
        scale=TEST_SCALE, seed=42, products=ALL_PRODUCTS, connected_accounts=1
    ) as sb:
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
    """A sandbox of this test's own, free to change (its accounts use Issuing; the platform
    has a connected account)."""
    with StripeSandbox(scale=0.02, seed=7, products=ALL_PRODUCTS, connected_accounts=1) as sb:
        yield sb


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries as the tap does them, minus the waiting."""
    monkeypatch.setattr(transport, "BACKOFF_FIRST_SECONDS", 0.001)
    monkeypatch.setattr(transport, "BACKOFF_MAX_SECONDS", 0.001)


def tap_config(sb: StripeSandbox, **overrides: t.Any) -> dict[str, t.Any]:
    return {"api_key": DEMO_API_KEY, "api_url": sb.url, **overrides}


@dataclass
class SyncResult:
    """What a tap run wrote: its messages, in order."""

    messages: list[dict[str, t.Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, stdout: str) -> SyncResult:
        return cls([json.loads(line) for line in stdout.splitlines() if line.strip()])

    def records(self, stream: str) -> list[dict[str, t.Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def ids(self, stream: str) -> set[str]:
        return {r["id"] for r in self.records(stream)}

    def live_ids(self, stream: str) -> set[str]:
        """Ids whose last record does not say the object was deleted."""
        last = {r["id"]: r for r in self.records(stream)}
        return {i for i, r in last.items() if not r.get("_sdc_deleted_at")}

    def deleted_ids(self, stream: str) -> set[str]:
        return {r["id"] for r in self.records(stream) if r.get("_sdc_deleted_at")}

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def of_type(self, kind: str) -> list[dict[str, t.Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def until_state(self, n: int) -> SyncResult:
        """The messages up to and including the n-th STATE (as if the run died there)."""
        seen = 0
        for i, m in enumerate(self.messages):
            if m["type"] == "STATE":
                seen += 1
                if seen == n:
                    return SyncResult(self.messages[: i + 1])
        raise ValueError(f"fewer than {n} STATE messages")


def sync(
    config: dict[str, t.Any],
    state: dict[str, t.Any] | None = None,
    catalog: dict[str, t.Any] | None = None,
    select: t.Collection[str] | None = None,
) -> SyncResult:
    """Run a sync in this process and parse its Singer output (of the ``select``ed streams)."""
    tap = TapStripeReadonly(config=config, state=state, catalog=catalog, validate_config=True)
    for stream in tap.streams.values():
        if select is not None:
            stream.selected = stream.name in select
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # the tap writes bytes to .buffer
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    out.seek(0)
    return SyncResult.parse(out.read())


def run_cli(
    args: list[str],
    config: dict[str, t.Any],
    tmp_path: t.Any,
    env: dict[str, str] | None = None,
    *,
    state: t.Any = None,
    fast_retries: bool = False,
    entry: t.Sequence[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the ``tap-stripe-readonly`` command as a user would.

    ``state`` is written to a file passed with --state: a dict as JSON, a str or bytes as
    they are. ``entry``: python's arguments that run the tap instead (a patched entry point).
    """
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    if state is not None:
        state_file = tmp_path / "state.json"
        if isinstance(state, bytes):
            state_file.write_bytes(state)
        else:
            state_file.write_text(state if isinstance(state, str) else json.dumps(state))
        args = [*args, "--state", str(state_file)]
    command = ["-c", FAST_RETRY_TAP] if fast_retries else ["-m", "tap_stripe_readonly"]
    if entry is not None:
        command = list(entry)
    return subprocess.run(
        [sys.executable, *command, "--config", str(config_file), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


# The tap's CLI writing a STATE after every answer that changed it (not at most once a
# second): where a test cuts a run, the state is as fine-grained as it can be.
STATE_AFTER_EACH_ANSWER_TAP = (
    "from tap_stripe_readonly import run; run.STATE_INTERVAL_SECONDS = 0.0; "
    "from tap_stripe_readonly.tap import TapStripeReadonly; TapStripeReadonly.cli()"
)


def start_tap(
    config: dict[str, t.Any],
    tmp_path: t.Any,
    *,
    state_after_each_answer: bool = False,
    **popen: t.Any,
) -> subprocess.Popen:
    """The tap's command started as a user starts it, its output read as it comes."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    entry = (
        ["-c", STATE_AFTER_EACH_ANSWER_TAP]
        if state_after_each_answer
        else ["-m", "tap_stripe_readonly"]
    )
    command = [sys.executable, *entry, "--config", str(config_file)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, **popen)


def error_lines(stderr: str) -> list[str]:
    """The ERROR lines a run logged (the tap's own and any library's)."""
    return [line for line in stderr.splitlines() if "ERROR" in line or "CRITICAL" in line]


def stopped_with_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit code 1, one ERROR line holding ``words``, no traceback; returns the line."""
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    for word in words:
        assert word in line, line
    return line


@contextlib.contextmanager
def logged_by(name: str) -> t.Iterator[io.StringIO]:
    """What the logger ``name`` writes while the block runs, as a handler of its own sees it
    (after the tap's redaction, which works on every record)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def sandbox_process(*args: str) -> t.Iterator[tuple[subprocess.Popen[str], str]]:
    """The sandbox's command line (``python -m tests.stripe_sandbox``) in a process of its own,
    and the ready line it prints; stopped (killed if need be) after the block."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_sandbox", "--port", "0", *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Stripe sandbox on http://127.0.0.1:"), proc.stderr
        yield proc, line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Warehouse:
    """What a target with soft delete holds after some runs (as target-postgres does it).

    A record replaces its row (upsert on the key); ``_sdc_deleted_at`` in a record marks the
    row deleted; ACTIVATE_VERSION marks deleted every row of an older (or no) version.
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict[str, t.Any]]] = {}

    def load(self, result: SyncResult) -> Warehouse:
        for message in result.messages:
            table = self.tables.setdefault(message.get("stream", ""), {})
            if message["type"] == "RECORD":
                record = message["record"]
                table[record["id"]] = {**record, "_sdc_table_version": message.get("version")}
            elif message["type"] == "ACTIVATE_VERSION":
                for row in table.values():
                    old = row["_sdc_table_version"]
                    if (old is None or old < message["version"]) and not row.get("_sdc_deleted_at"):
                        row["_sdc_deleted_at"] = "retired by ACTIVATE_VERSION"
        return self

    def live(self, stream: str) -> dict[str, dict[str, t.Any]]:
        return {
            i: r for i, r in self.tables.get(stream, {}).items() if not r.get("_sdc_deleted_at")
        }

    def deleted_ids(self, stream: str) -> set[str]:
        return {i for i, r in self.tables.get(stream, {}).items() if r.get("_sdc_deleted_at")}
