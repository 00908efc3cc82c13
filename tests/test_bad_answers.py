"""When the network, a proxy, Stripe or the state misbehaves: retry what is transient, one
clear line for the rest, never a traceback, and what was sent stays resumable."""

from __future__ import annotations

import datetime
import json
import logging
import os
import signal
import subprocess
import sys
import time
import typing as t

import pytest

from tap_stripe_readonly import client, transport
from tap_stripe_readonly.errors import BadAnswerError, CursorVanishedError
from tap_stripe_readonly.reading import nested, range_read
from tap_stripe_readonly.redaction import install_log_redaction, redact
from tap_stripe_readonly.state import check_state
from tap_stripe_readonly.streams import STREAM_NAMES, STREAM_TYPES
from tests.conftest import (
    SyncResult,
    error_lines,
    run_cli,
    start_tap,
    stopped_with_one_line,
    sync,
    tap_config,
)
from tests.misbehaving_proxy import MisbehavingProxy
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

# What a sync writes unless told otherwise (payment_methods costs a request per customer).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
# Later than any time a run writes (Stripe's at the start of a sync).
IN_TWO_DAYS = int(time.time()) + 2 * 86_400


@pytest.fixture
def proxy(own_sandbox: StripeSandbox) -> t.Iterator[MisbehavingProxy]:
    with MisbehavingProxy(own_sandbox.url) as p:
        yield p


def resumes_exactly(
    sb: StripeSandbox, first: subprocess.CompletedProcess[str], tmp_path: t.Any, **config: t.Any
) -> None:
    """A run from the failed run's last STATE ends with exactly the sandbox's ids."""
    before = SyncResult.parse(first.stdout)
    assert before.states, "no STATE was written before the failure"
    again = run_cli([], tap_config(sb, **config), tmp_path, state=before.states[-1])
    assert again.returncode == 0, again.stderr[-2000:]
    after = SyncResult.parse(again.stdout)
    for stream in STREAMS:
        assert before.ids(stream) | after.ids(stream) == sb.ids(stream), stream


# -- answers that are not Stripe's -------------------------------------------------------


def test_gateway_error_page_every_time_is_retried_then_one_line(own_sandbox, proxy, tmp_path):
    # From the moment the customers' first page is answered, so that another stream has gone
    # on meanwhile, whatever the order of the first requests of a hundred streams.
    proxy.on_answer(
        "/v1/customers",
        lambda body: proxy.script("html_502", times=10_000, path="/v1/invoices", exact=True),
    )
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    line = stopped_with_one_line(
        result, "GET /v1/invoices", "502", "text/html", "502 Bad Gateway", "api_url", "proxy",
        "status.stripe.com",
    )  # fmt: skip
    assert "created[gte]=" in line, "the line says what was asked"
    assert f"{transport.MAX_TRIES} times in a row" in line
    # (Other windows of the invoices, in flight meanwhile, were refused too.)
    assert proxy.served["html_502"] >= transport.MAX_TRIES
    assert SyncResult.parse(result.stdout).ids("customers"), "other streams went on meanwhile"
    resumes_exactly(own_sandbox, result, tmp_path)


@pytest.mark.parametrize("kind", ["cut_body", "dropped"])
def test_body_cut_short_is_retried_like_a_5xx(own_sandbox, proxy, tmp_path, kind):
    proxy.script(kind, times=2, path="/v1/charges")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert proxy.served[kind] == 2
    assert SyncResult.parse(result.stdout).ids("charges") == own_sandbox.ids("charges")


def test_body_cut_short_every_time_is_one_line(own_sandbox, proxy, tmp_path):
    proxy.script("cut_body", times=10_000, path="/v1/charges")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    stopped_with_one_line(result, "GET /v1/charges", "cut off", "api_url")
    resumes_exactly(own_sandbox, result, tmp_path)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("html_200", ["200", "text/html", "Sign in", "not the Stripe API", "api_url", "proxy"]),
        ("not_a_list", ["200", "application/json", "gateway", "not a Stripe list", "api_url"]),
    ],
)
def test_an_answer_that_can_never_be_right_stops_at_once(own_sandbox, proxy, tmp_path, kind, words):
    proxy.script(kind, times=10_000, path="/v1/products")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    stopped_with_one_line(result, "GET /v1/products", *words)
    assert proxy.served[kind] == 1, "never retried"
    resumes_exactly(own_sandbox, result, tmp_path)


def test_empty_page_promising_more_is_misbehaviour(own_sandbox, proxy, tmp_path):
    proxy.script("empty_has_more", times=1, path="/v1/customers")
    recovered = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    assert SyncResult.parse(recovered.stdout).ids("customers") == own_sandbox.ids("customers")

    proxy.script("empty_has_more", times=10_000, path="/v1/customers")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path, fast_retries=True)
    stopped_with_one_line(result, "GET /v1/customers", "empty page with has_more")
    resumes_exactly(own_sandbox, result, tmp_path)


def test_the_line_never_shows_the_key(own_sandbox, proxy, tmp_path):
    key = "rk_live_sandboxEchoedBack00000000000"
    own_sandbox.add_key(key)
    proxy.script("echo_key", times=10_000, path="/v1/products")
    result = run_cli(
        [], tap_config(own_sandbox, api_url=proxy.url, api_key=key), tmp_path, fast_retries=True
    )
    line = stopped_with_one_line(result, "502", "Bearer rk_live_[redacted]")
    assert key not in result.stderr + result.stdout
    assert key[-6:] not in line
    resumes_exactly(own_sandbox, result, tmp_path, api_key=key)


# -- rate limits are never fatal --------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "times"),
    [
        ("429_no_retry", 3),
        ("rate_limit_400", 3),
        # A 429 all the same: more in a row than a 5xx is retried, and the run goes on.
        ("lock_timeout", transport.MAX_TRIES + 2),
        ("409", 3),
    ],
)
def test_rate_limits_and_locks_are_retried_whatever_stripe_says(own_sandbox, tmp_path, kind, times):
    own_sandbox.fail_next(kind, times=times, path="/v1/customers")
    result = run_cli([], tap_config(own_sandbox), tmp_path, fast_retries=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert SyncResult.parse(result.stdout).ids("customers") == own_sandbox.ids("customers")
    assert own_sandbox.cancel_fail_next() == 0, "the faults were not all met"


# -- accounts -----------------------------------------------------------------------------


def test_an_account_the_key_cannot_read_stops_with_one_line(own_sandbox, tmp_path):
    result = run_cli([], tap_config(own_sandbox, account_id="acct_1NotConnected0000"), tmp_path)
    line = stopped_with_one_line(result, "acct_1NotConnected0000", "account id")
    assert "permission" not in line.lower()
    # Nothing of the account: only, if its page came before the stop, the platform's own list
    # of its connected accounts (read by the platform itself, without the account's header).
    platform = {s.name for s in STREAM_TYPES if s.read_by_platform}
    written = {m["stream"] for m in SyncResult.parse(result.stdout).of_type("RECORD")}
    assert written <= platform, written


# -- the state a run starts from ----------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("{not json", ["not valid JSON", "--full-refresh"]),
        ('["a", "list"]', ["not an object", "--full-refresh"]),
        (json.dumps({"bookmarks": {"customers": "1700000000"}}), ["'customers'", '"1700000000"']),
        (
            json.dumps({"bookmarks": {"customers": {"replication_key_value": "yesterday"}}}),
            ["'customers'", '"yesterday"', "--full-refresh"],
        ),
        (
            json.dumps({"bookmarks": {"invoices": {"backfill": {"range": [5, 1], "done": []}}}}),
            ["'invoices'", "backfill"],
        ),
        (b"\xff\xfe{}", ["not UTF-8", "--full-refresh"]),
        (
            {"bookmarks": {"customers": {"replication_key_value": 1_795_000_000_000}}},
            ["'customers'", "replication_key_value", "1795000000000", "--full-refresh"],
        ),
        (
            {"bookmarks": {"customers": {"replication_key_value": IN_TWO_DAYS}}},
            ["'customers'", "replication_key_value", str(IN_TWO_DAYS)],
        ),
        (
            {
                "bookmarks": {
                    "balance_transactions": {
                        "replication_key_value": 1_700_000_000,
                        "unsettled_since": IN_TWO_DAYS,
                    }
                }
            },
            ["'balance_transactions'", "unsettled_since", str(IN_TWO_DAYS)],
        ),
        (
            {"bookmarks": {"invoices": {"backfill": {"range": [0, IN_TWO_DAYS], "done": []}}}},
            ["'invoices'", "backfill", str(IN_TWO_DAYS)],
        ),
        (
            {
                "bookmarks": {
                    "charges": {
                        "partitions": [
                            {"context": {"stripe_account": "acct_1"}, "replication_key_value": 1},
                            {
                                "context": {"stripe_account": "acct_2"},
                                "replication_key_value": 1_795_000_000_000,
                            },
                        ]
                    }
                }
            },
            ["'charges'", "1795000000000"],
        ),
        (
            {"bookmarks": {"coupons": {"listing": {"after": 7, "began": 1_700_000_000}}}},
            ["'coupons'", "listing"],
        ),
        (
            {"bookmarks": {"customers": {"catch_up": {"streams": "payment_methods"}}}},
            ["'customers'", "catch_up"],
        ),
        (
            {"bookmarks": {"invoice_items": {"unsettled_ids": "ii_1"}}},
            ["'invoice_items'", "unsettled_ids"],
        ),
        (
            {"bookmarks": {"balance_transactions": {"unsettled_due": "tomorrow"}}},
            ["'balance_transactions'", "unsettled_due"],
        ),
        (
            {"bookmarks": {"issuing_cards": {"not_enabled": {"product": "Issuing"}}}},
            ["'issuing_cards'", "not_enabled"],
        ),
    ],
    ids=[
        "not json",
        "not an object",
        "bare string",
        "not created",
        "bad backfill",
        "not utf-8",
        "milliseconds",
        "in the future",
        "unsettled in the future",
        "backfill to the future",
        "an account's in milliseconds",
        "bad listing",
        "bad catch-up",
        "unsettled ids not a list",
        "unsettled due not a time",
        "product not enabled, not when",
    ],
)
def test_a_state_the_tap_did_not_write_stops_before_any_request(
    own_sandbox, tmp_path, state, words
):
    own_sandbox.reset_stats()
    result = run_cli([], tap_config(own_sandbox), tmp_path, state=state)
    stopped_with_one_line(result, *words)
    assert own_sandbox.stats["requests"] == {}


def test_the_times_a_run_writes_are_accepted_and_its_version_is_milliseconds():
    """A table_version is singer's ACTIVATE_VERSION, in milliseconds: not a `created` time."""
    now = int(time.time())
    written = {
        "replication_key": "created",
        "replication_key_value": now,
        "table_version": now * 1000,
        "unsettled_since": now - 86_400,
        "unsettled_due": now + 2 * 86_400,  # funds due in two days
    }
    backfill = {"range": [0, now], "done": [[now - 10, now]], "version": now * 1000}
    state = {"bookmarks": {"balance_transactions": written, "customers": {"backfill": backfill}}}
    check_state(state, STREAM_NAMES)


def test_an_empty_state_file_is_no_state(own_sandbox, tmp_path):
    result = run_cli([], tap_config(own_sandbox), tmp_path, state="")
    assert result.returncode == 0, result.stderr[-2000:]
    assert SyncResult.parse(result.stdout).ids("products") == own_sandbox.ids("products")


# -- signals ------------------------------------------------------------------------------

# The tap's command with one method patched to act (send a signal, raise) when it is called
# the n-th time: what is tested then happens at a known point of the run, without waiting.
PATCHED_TAP = """
import importlib, os, signal, sys
module, attribute = sys.argv.pop(1).split(":")
owner_name, method = attribute.split(".")
owner = getattr(importlib.import_module(module), owner_name)
original = getattr(owner, method)
calls = []

def patched(*args, **kwargs):
    calls.append(1)
    if len(calls) == {n}:
        {act}
    return original(*args, **kwargs)

setattr(owner, method, patched)
from tap_stripe_readonly.tap import TapStripeReadonly
TapStripeReadonly.cli()
"""


def patched_tap(point: str, act: str, n: int = 1) -> list[str]:
    """Python's arguments for the tap doing ``act`` at ``point`` ("module:Class.method")."""
    return ["-c", PATCHED_TAP.format(n=n, act=act), point]


def signal_at(point: str, signum: int) -> list[str]:
    return patched_tap(point, f"os.kill(os.getpid(), {int(signum)})")


def stopped_by_signal(result: subprocess.CompletedProcess[str], signum: int) -> SyncResult:
    assert result.returncode == 128 + signum, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert f"Stopped by a signal ({signal.Signals(signum).name})" in line, line
    return SyncResult.parse(result.stdout)  # every message whole


@pytest.mark.parametrize(
    ("point", "signum", "args"),
    [
        ("tap_stripe_readonly.tap:TapStripeReadonly.__init__", signal.SIGTERM, []),
        ("tap_stripe_readonly.tap:TapStripeReadonly.__init__", signal.SIGINT, []),
        ("tap_stripe_readonly.tap:TapStripeReadonly.discover_streams", signal.SIGTERM, []),
        ("tap_stripe_readonly.tap:TapStripeReadonly.run_connection_test", signal.SIGTERM,
         ["--test"]),
        ("tap_stripe_readonly.output:SingerOutput.schema", signal.SIGTERM, []),
        ("tap_stripe_readonly.run:Run._check_all_done", signal.SIGTERM, []),
        ("tap_stripe_readonly.report:SyncReport.log_summary", signal.SIGTERM, []),
        ("tap_stripe_readonly.report:SyncReport.log_summary", signal.SIGINT, []),
    ],
    ids=[
        "before the tap exists", "ctrl-c before the tap exists", "during discovery",
        "during --test", "as the run starts", "as the run ends", "after the run",
        "ctrl-c after the run",
    ],
)  # fmt: skip
def test_a_signal_at_any_point_stops_with_its_exit_code_and_one_line(
    shared_sandbox, tmp_path, point, signum, args
):
    entry = signal_at(point, signum)
    # Recent objects only: the run is short, whatever point it is stopped at.
    config = tap_config(shared_sandbox, start_date=_iso(shared_sandbox.now - 86_400))
    stopped_by_signal(run_cli(args, config, tmp_path, entry=entry), signum)


def test_ctrl_c_during_the_run_stops_it_resumably(own_sandbox, tmp_path):
    entry = signal_at("tap_stripe_readonly.output:SingerOutput.records", signal.SIGINT)
    result = run_cli([], tap_config(own_sandbox), tmp_path, entry=entry)
    first = stopped_by_signal(result, signal.SIGINT)
    assert first.of_type("RECORD"), "stopped before any record: the test would prove little"
    resumes_exactly(own_sandbox, result, tmp_path)


def test_sigterm_before_the_tap_exists_stops_with_one_line(own_sandbox, tmp_path):
    """Sent from outside while the tap waits for its state file (a pipe the test holds)."""
    fifo = tmp_path / "state.fifo"
    os.mkfifo(fifo)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(tap_config(own_sandbox)))
    command = [sys.executable, "-m", "tap_stripe_readonly", "--config", str(config_file)]
    tap = subprocess.Popen(
        [*command, "--state", str(fifo)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    with open(fifo, "w"):  # returns once the tap has opened it: it waits for the state
        tap.send_signal(signal.SIGTERM)
        out, err = tap.communicate(timeout=30)
    stopped_by_signal(
        subprocess.CompletedProcess(command, tap.returncode, out, err), signal.SIGTERM
    )
    assert own_sandbox.stats["requests"] == {}


def test_sigterm_ends_the_run_promptly_and_resumably(tmp_path):
    with StripeSandbox(scale=0.05, seed=11, latency_ms=40) as sb:
        tap = start_tap(tap_config(sb), tmp_path, stderr=subprocess.PIPE, text=True)
        assert tap.stdout is not None
        lines = []
        states = 0
        for line in tap.stdout:  # until the run is well under way
            lines.append(line)
            states += '"type":"STATE"' in line
            if states == 2:  # the first at once, the next a second later
                break
        tap.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        # The rest of both (a run of every stream ends with more than a pipe holds of
        # metrics on stderr: read together, or the tap waits to write them).
        rest, err = tap.communicate(timeout=10)
        lines.append(rest)
        assert time.monotonic() - signalled < 5, "promptly: no request is waited for"
        assert tap.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in err
        (line,) = error_lines(err)
        assert "Stopped by a signal" in line
        first = SyncResult.parse("".join(lines))
        assert first.states
        resumed = sync(tap_config(sb), state=first.states[-1])
        for stream in STREAMS:
            assert first.ids(stream) | resumed.ids(stream) == sb.ids(stream), stream


# -- bugs ---------------------------------------------------------------------------------

BUG = "raise RuntimeError('a bug, said\\n  on two lines, near rk_live_Zq9XK7bugLeak')"


def test_a_bug_is_one_line_to_report_with_its_traceback_only_at_debug(own_sandbox, tmp_path):
    entry = patched_tap("tap_stripe_readonly.reading.nested:NestedLists.write_parents", BUG, n=20)
    result = run_cli([], tap_config(own_sandbox), tmp_path, entry=entry)
    said = "RuntimeError: a bug, said on two lines, near rk_live_[redacted]"
    line = stopped_with_one_line(result, said, "a bug in the tap", "report it")
    assert "Zq9XK7" not in result.stderr
    assert SyncResult.parse(result.stdout).of_type("RECORD"), "it came during the run"
    resumes_exactly(own_sandbox, result, tmp_path)

    debug = {"TAP_STRIPE_READONLY_LOGLEVEL": "DEBUG"}
    result = run_cli([], tap_config(own_sandbox), tmp_path, debug, entry=entry)
    assert result.returncode == 1
    assert line.split("|")[-1] in result.stderr, "the same line"
    assert "Traceback" in result.stderr and "write_parents" in result.stderr
    assert "Zq9XK7" not in result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, ["was not found", "--config"]), ("{api_key", ["Could not read the config", "JSON"])],
    ids=["missing", "not json"],
)
def test_a_config_file_that_cannot_be_read_is_one_line(tmp_path, content, words):
    config = tmp_path / "tap.json"
    if content is not None:
        config.write_text(content)
    command = [sys.executable, "-m", "tap_stripe_readonly", "--config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    stopped_with_one_line(result, *words)


# -- nested lists -------------------------------------------------------------------------


def test_nested_records_are_copies_of_their_own(own_sandbox):
    """Deselecting a child's property leaves its parent's embedded items alone."""
    tap_catalog = _catalog(own_sandbox)
    for entry in tap_catalog["streams"]:
        if entry["tap_stream_id"] == "invoice_line_items":
            for meta in entry["metadata"]:
                if meta["breadcrumb"] == ["properties", "amount"]:
                    meta["metadata"]["selected"] = False
    result = sync(tap_config(own_sandbox), catalog=tap_catalog)
    lines = result.records("invoice_line_items")
    assert lines and all("amount" not in line for line in lines)
    embedded = [item for inv in result.records("invoices") for item in inv["lines"]["data"]]
    assert embedded and all("amount" in item for item in embedded)


def test_nested_list_is_read_from_its_start_skipping_what_was_sent(own_sandbox, monkeypatch):
    asked = _record_requests(monkeypatch)
    result = sync(tap_config(own_sandbox))
    long_ones = [i for i in own_sandbox.objects("invoices") if i["lines"]["has_more"]]
    line_requests = [
        (path, dict(params))
        for path, params in asked
        if path.startswith("/v1/invoices/") and path.endswith("/lines")
    ]
    assert len(line_requests) == len(long_ones), "one request per long invoice, as before"
    assert all("starting_after" not in params for _, params in line_requests)
    records = result.records("invoice_line_items")
    assert len(records) == len({r["id"] for r in records}), "the embedded ones are not resent"
    assert result.ids("invoice_line_items") == own_sandbox.ids("invoice_line_items")


def test_a_nested_cursor_that_keeps_vanishing_stops_with_one_line(own_sandbox, monkeypatch):
    monkeypatch.setattr("tap_stripe_readonly.client.PAGE_SIZE", 5)
    _vanish_cursors(monkeypatch, lambda path: path.endswith("/lines"))
    with pytest.raises(BadAnswerError, match="kept changing while they were listed"):
        sync(tap_config(own_sandbox), select=["invoices", "invoice_line_items"])


def test_a_list_cursor_that_keeps_vanishing_stops_with_one_line(own_sandbox, monkeypatch):
    monkeypatch.setattr("tap_stripe_readonly.client.PAGE_SIZE", 5)
    _vanish_cursors(monkeypatch, lambda path: path == "/v1/customers")
    with pytest.raises(BadAnswerError, match=r"Listing 'customers' lost its place") as raised:
        sync(tap_config(own_sandbox), select=["customers"])
    assert "the last answer's Request-Id req_Vanish1" in str(raised.value)
    assert range_read.MAX_WINDOW_RESTARTS < 10


def test_a_list_cursor_that_keeps_vanishing_is_one_line_and_resumes(own_sandbox, proxy, tmp_path):
    customers = [c["created"] for c in own_sandbox.objects("customers")]
    assert max(customers.count(c) for c in customers) > client.PAGE_SIZE, "paged with a cursor"
    proxy.script("cursor_gone", times=10_000, path="/v1/customers")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path)
    stopped_with_one_line(result, "Listing 'customers' lost its place", "run again later")
    assert proxy.served["cursor_gone"] >= range_read.MAX_WINDOW_RESTARTS + 1
    resumes_exactly(own_sandbox, result, tmp_path)


def test_a_nested_cursor_that_keeps_vanishing_is_one_line_and_resumes(own_sandbox, proxy, tmp_path):
    (invoice,) = own_sandbox.create_burst("invoices", 1, lines=client.PAGE_SIZE + 50)
    proxy.script("cursor_gone", times=10_000, path="/lines")
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path)
    stopped_with_one_line(result, f"invoice_line_items of {invoice['id']}", "kept changing")
    assert proxy.served["cursor_gone"] >= nested.MAX_NESTED_RESTARTS + 1
    resumes_exactly(own_sandbox, result, tmp_path)


def test_a_nested_list_forbidden_keeps_its_parents_for_the_next_run(own_sandbox, proxy, tmp_path):
    proxy.script("forbidden", times=10_000, path="/lines")
    first = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "invoice_line_items: items past the first 10 of some invoices" in first.stderr
    assert "invoice_read" in first.stderr
    state = SyncResult.parse(first.stdout).states[-1]
    assert "backfill" in state["bookmarks"]["invoices"], "their pages are not counted done"
    resumes_exactly(own_sandbox, first, tmp_path)


# -- redaction ----------------------------------------------------------------------------


def test_redaction_catches_keys_glued_to_other_text_and_stack_info(capsys):
    assert "Zq9" not in redact("url?key=%20rk_live_Zq9XK7abc and xrk_live_Zq9XK7abc")
    install_log_redaction()
    logger = logging.getLogger("some.library")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        logger.warning("with a stack", stack_info=True, extra={})
        record = logger.makeRecord(
            "some.library", logging.WARNING, __file__, 1, "x", (), None, sinfo="rk_live_Zq9XK7ab"
        )
        assert "Zq9" not in (record.stack_info or "")
    finally:
        logger.removeHandler(handler)


# -- helpers ------------------------------------------------------------------------------


def _iso(stamp: int) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).isoformat()


def _catalog(sb: StripeSandbox) -> dict[str, t.Any]:
    from tap_stripe_readonly.tap import TapStripeReadonly

    tap = TapStripeReadonly(config=tap_config(sb), validate_config=True)
    return tap.catalog_dict


def _record_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[tuple[str, t.Any]]]]:
    asked: list[tuple[str, list[tuple[str, t.Any]]]] = []
    get = transport.StripeTransport.get

    def recording(self, path, params=(), **kwargs):
        asked.append((path, list(params)))
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", recording)
    return asked


def _vanish_cursors(monkeypatch: pytest.MonkeyPatch, where: t.Callable[[str], bool]) -> None:
    """Every page after the first of the chosen lists loses its cursor object."""
    get = transport.StripeTransport.get

    def vanishing(self, path, params=(), **kwargs):
        if where(path) and any(name == "starting_after" for name, _ in params):
            raise CursorVanishedError(f"GET {path}: No such object", " Request-Id req_Vanish1")
        return get(self, path, params, **kwargs)

    monkeypatch.setattr(transport.StripeTransport, "get", vanishing)


def test_misbehaving_proxy_forwards_what_it_is_not_told_to_break(own_sandbox, proxy, tmp_path):
    result = run_cli([], tap_config(own_sandbox, api_url=proxy.url), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    done = SyncResult.parse(result.stdout)
    assert all(done.ids(s) == own_sandbox.ids(s) for s in STREAMS)
    assert DEMO_API_KEY not in result.stderr
