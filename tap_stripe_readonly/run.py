"""One sync run: the accounts, the streams of each, the engine that reads them all at once.

The run wires the reads (``reading/``) to what they need through a ``Seam``: the output, the
engine's plan, the state and the report. A read never sees the run.
"""

from __future__ import annotations

import time
import typing as t

from singer_sdk.helpers._state import get_state_if_exists

from tap_stripe_readonly.client import API_VERSION
from tap_stripe_readonly.config import (
    DEFAULT_API_URL,
    MAX_REQUESTS_PER_SECOND,
    every_connected_account,
    parse_start_date,
)
from tap_stripe_readonly.connected import list_connected_accounts
from tap_stripe_readonly.engine import Engine, Stopped, Task
from tap_stripe_readonly.errors import (
    InvalidApiKeyError,
    NetworkSetupError,
    NoConnectAccessError,
    PermissionDeniedError,
    StopSyncError,
)
from tap_stripe_readonly.output import SingerOutput
from tap_stripe_readonly.permissions import EVENT_READ
from tap_stripe_readonly.progress import (
    DEFAULT_PROGRESS_INTERVAL,
    Meters,
    Progress,
    outcome,
    summary,
)
from tap_stripe_readonly.ratelimit import RateLimiter
from tap_stripe_readonly.reading import Account, ReadSettings, StreamRead, plan
from tap_stripe_readonly.reading import start as start_reading
from tap_stripe_readonly.reading.event_feed import EventsFeed
from tap_stripe_readonly.report import SyncReport
from tap_stripe_readonly.state import check_state_account
from tap_stripe_readonly.transport import StripeTransport

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk import Tap

    from tap_stripe_readonly.client import StripeStream
    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.shapes import Raw

DEFAULT_REQUESTS_PER_SECOND = 50
DEFAULT_REQUESTS_IN_FLIGHT = 32
# STATE is written when it changed, at most this often (and always at the end): every STATE
# carries every account's bookmarks, so one per answer would grow with their square.
STATE_INTERVAL_SECONDS = 1.0


def requests_per_second(config: t.Mapping[str, t.Any]) -> int:
    """The setting, or its default: never more than Stripe allows the key's mode."""
    limit = MAX_REQUESTS_PER_SECOND["test" if "_test_" in config["api_key"] else "live"]
    return int(config.get("max_requests_per_second") or min(limit, DEFAULT_REQUESTS_PER_SECOND))


def requests_in_flight(config: t.Mapping[str, t.Any]) -> int:
    return int(config.get("max_requests_in_flight") or DEFAULT_REQUESTS_IN_FLIGHT)


def make_transport(config: t.Mapping[str, t.Any]) -> StripeTransport:
    return StripeTransport(
        api_key=config["api_key"],
        api_url=config.get("api_url") or DEFAULT_API_URL,
        api_version=API_VERSION,
        limiter=RateLimiter(requests_per_second(config)),
        max_connections=requests_in_flight(config),
    )


def accounts_of(config: t.Mapping[str, t.Any]) -> list[str | None]:
    """The accounts a run reads: account_ids, or account_id, or the key's own (None); none
    for ``account_ids: all``, whose accounts are listed when the run starts."""
    if every_connected_account(config.get("account_ids")):
        return []
    return list(config.get("account_ids") or [config.get("account_id") or None])


class Run:
    """Reads every selected stream of every account through one engine."""

    def __init__(self, tap: Tap, report: SyncReport | None = None) -> None:
        config = tap.config
        self.tap = tap
        self.report = report = report or SyncReport(tap.logger)
        self.accounts = [Account(a, report.account_failed) for a in accounts_of(config)]
        self.several_accounts = bool(config.get("account_ids"))
        self.every_account = every_connected_account(config.get("account_ids"))
        start_date = config.get("start_date")
        self.settings = ReadSettings(
            start_date=int(parse_start_date(start_date).timestamp()) if start_date else 0,
            version=int(time.time() * 1000),
            # With several accounts in one table, one account's version would retire the
            # others'.
            activate_versions=(
                bool(config.get("emit_activate_version_messages", True))
                and not self.several_accounts
            ),
            capture_changes=bool(config.get("capture_changes", True)),
        )
        self.transport = make_transport(config)
        self.engine = Engine(self.transport, max_in_flight=requests_in_flight(config))
        self.output = SingerOutput(tap)
        self.streams = [
            t.cast("StripeStream", s)
            for s in tap.streams.values()
            if not s.parent_stream_type and (s.selected or s.has_selected_descendents)
        ]
        # The platform's own reads of its connected accounts (read_by_platform), never with
        # a Stripe-Account header: by an account of their own when the run reads connected
        # accounts, and as the key's own account's otherwise.
        self.platform: Account | None = None
        if any(s.read_by_platform for s in self.streams) and (
            self.several_accounts or config.get("account_id")
        ):
            self.platform = Account(None, report.account_failed)
            self.accounts.append(self.platform)
        self.syncs: list[StreamRead] = []
        self.seam = _RunSeam(self)
        self._state_changed = False
        #: This machine's monotonic clock (tests drive a fake one).
        self.monotonic: t.Callable[[], float] = time.monotonic
        self._state_written_at: float | None = None
        self.started = self.monotonic()
        #: HTTP requests per stream whose records they bring (None: the accounts' probes).
        self.requests_by_stream: dict[str | None, int] = {}
        self.meters = Meters(clock=lambda: self.monotonic(), several_accounts=self.several_accounts)
        interval = config.get("progress_interval")
        self.progress = Progress(
            tap.logger,
            DEFAULT_PROGRESS_INTERVAL if interval is None else float(interval),
            clock=lambda: self.monotonic(),
            records=lambda: sum(self.output.records_written.values()),
            requests=lambda: sum(self.transport.requests.values()),
            rate_limited=lambda: self.transport.rate_limited,
            limit=requests_per_second(config),
            readings=lambda: self.syncs,
            accounts=lambda: [(a.id, self._account_done(a), a.failed) for a in self.accounts],
        )

    def execute(self) -> None:
        if not self.several_accounts:
            # Before any request: bookmarks of another account would skip what this one has.
            # (The platform's view of its accounts is the platform's, whatever account_id.)
            names = {s.name for s in self._streams_of(self.accounts[0])}
            check_state_account(self.tap.state, names, self.accounts[0].id)
        for stream in self.streams:
            for s in (stream, *stream.child_streams):
                if s.selected:
                    self.output.schema(t.cast("StripeStream", s))
        first = [self._probe(a) for a in self.accounts]
        if self.every_account:
            first.append(list_connected_accounts(self._connected_accounts_found))
        try:
            self.engine.run(
                first,
                self.write_state,
                answered=self._answered,
                tick=self._tick,
            )
        except Stopped:
            self._end_telling()  # what a stopped run did, before the line saying it stopped
            raise
        finally:
            self.write_state(at_end=True)
        self._check_all_done()
        self._end_telling()

    def _connected_accounts_found(self, ids: list[str]) -> list[Task]:
        """``account_ids: all``: the accounts the platform lists now, each read as if listed."""
        accounts = [Account(a, self.report.account_failed) for a in ids]
        self.accounts += accounts
        self.tap.logger.info("account_ids: all: %d connected accounts found.", len(ids))
        return [self._probe(a) for a in accounts]

    def _answered(self, task: Task) -> None:
        count = len(task.durations)
        self.requests_by_stream[task.stream] = self.requests_by_stream.get(task.stream, 0) + count
        self.meters.requests(task.stream, task.endpoint, task.durations)

    def _tick(self) -> None:
        self.progress.tick()
        self.meters.tick()

    def _account_done(self, account: Account) -> bool:
        readings = [s for s in self.syncs if s.account is account]
        return bool(readings) and all(s.finished for s in readings)

    def _end_telling(self) -> None:
        """The METRIC points left, and the summary block."""
        for reading in self.syncs:
            if not reading.finished:
                seconds = self.monotonic() - reading.started
                name, account = reading.stream.name, reading.account.id
                self.meters.read_ended(name, account, seconds, succeeded=False)
        self.meters.flush()
        rows = []
        for stream in self.streams:
            readings = [r for r in self.syncs if r.stream is stream]
            for s in (stream, *stream.child_streams):
                if not s.selected:
                    continue
                end = outcome(s.name, readings, self.report.why_skipped)
                records = self.output.records_written.get(s.name, 0)
                rows.append((s.name, records, self.requests_by_stream.get(s.name, 0), end))
        self.tap.logger.info(
            "%s",
            summary(
                elapsed=self.monotonic() - self.started,
                rows=sorted(rows),
                requests=sum(self.transport.requests.values()),
                rate_limited=self.transport.rate_limited,
                shared=self.requests_by_stream.get(None, 0),
            ),
        )

    def _check_all_done(self) -> None:
        # The engine ran out of work: every read must have ended (or been given up for a
        # permission or an account). One that did not would leave a gap with exit code 0.
        unfinished = [s for s in self.syncs if not (s.finished or s.abandoned())]
        if unfinished:
            names = ", ".join(sorted({s.stream.name for s in unfinished}))
            raise StopSyncError(
                f"The read of {names} ended before it was complete, a bug in the tap: please "
                "report it with this line. The last STATE covers what was written, so the next "
                "run resumes there."
            )

    def fails_one_account(self, exc: StopSyncError) -> bool:
        """Whether ``exc`` stops only the account it came from (the others sync on).

        With account_ids, an account that cannot be read, or whose reads keep failing, is
        told at the end; a key Stripe refuses, or a proxy, stops every account at once.
        """
        return self.several_accounts and not isinstance(
            exc, (InvalidApiKeyError, NoConnectAccessError, NetworkSetupError)
        )

    def state_changed(self) -> None:
        self._state_changed = True

    def write_state(self, *, at_end: bool = False) -> None:
        """STATE, if it changed: at most every STATE_INTERVAL_SECONDS, and at the end."""
        if not self._state_changed:
            return
        now = self.monotonic()
        last = self._state_written_at
        if not at_end and last is not None and now - last < STATE_INTERVAL_SECONDS:
            return
        self._state_changed = False
        self._state_written_at = now
        self.output.state(self.tap.state)

    def _probe(self, account: Account) -> Task:
        """One events request per account before anything else.

        Its answer tells Stripe's time (the ``Date`` of the answer, which windows and the
        events bookmark are reckoned in, whatever this machine's clock says) and whether
        the key may read events; a key that may not read the account fails here (with
        account_ids, only that account). When streams read what changed since their
        bookmarks, it is the first page of the account's one read of events (``feed``);
        otherwise it asks for one event.
        """
        feed = self._events_feed(account)

        def readable(body: object = None) -> list[Task]:
            account.events_readable = True
            return self._start(account, feed)

        def unreadable(exc: Exception) -> list[Task]:
            if isinstance(exc, PermissionDeniedError):
                return self._start(account, None)
            if isinstance(exc, StopSyncError) and self.fails_one_account(exc):
                account.fail(exc)
                return []
            raise exc

        if feed is not None:
            return feed.first_task(readable, unreadable)
        return Task(
            "/v1/events",
            [("limit", 1)],
            "/v1/events",
            on_body=readable,
            on_error=unreadable,
            account=account.header,
            permission=EVENT_READ,
        )

    def _events_feed(self, account: Account) -> EventsFeed | None:
        """The account's one read of events: from the oldest bookmark of the streams that
        read events, of the types they read (by this machine's clock: plan.py checks it
        again by Stripe's)."""
        context = {"stripe_account": account.id} if self.several_accounts else None
        wanted = [
            plan.wanted_events(
                stream,
                # Looked up, not created (as get_context_state would): an account that
                # fails at its first request leaves no partition in state.
                get_state_if_exists(self.tap.state, stream.name, context) or {},
                int(time.time()),
                capture_changes=self.settings.capture_changes,
            )
            for stream in self._streams_of(account)
        ]
        reads = [w for w in wanted if w is not None]
        if not reads:
            return None
        every = any(types is None for _, types in reads)
        types = None if every else frozenset().union(*(t for _, t in reads if t is not None))
        return EventsFeed(self.seam, account, min(since for since, _ in reads), types)

    def _start(self, account: Account, feed: EventsFeed | None) -> list[Task]:
        account.now = self.transport.now()
        tasks: list[Task] = []
        for stream in self._streams_of(account):
            reading = StreamRead(self.seam, account, stream)
            self.syncs.append(reading)
            tasks += start_reading(reading, feed if account.events_readable else None)
            if reading.catch_up is not None:
                self.syncs.append(reading.catch_up)
                tasks += start_reading(reading.catch_up)
        return tasks

    def _streams_of(self, account: Account) -> list[StripeStream]:
        if self.platform is None:
            return self.streams
        platform = account is self.platform
        return [s for s in self.streams if s.read_by_platform is platform]


class _RunSeam:
    """What the run offers its reads (reading.Seam): the output, the engine's plan, the
    state, the report."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self.settings = run.settings

    def write(
        self,
        stream: StripeStream,
        rows: Sequence[Raw | bytes],
        account: str | None,
        version: int | None,
    ) -> None:
        self._run.meters.records(stream.name, account, len(rows))
        self._run.output.records(stream, rows, account=account, version=version)

    def activate_version(self, stream: StripeStream, version: int) -> None:
        self._run.output.activate_version(stream, version)

    def foresee(self, source: object, endpoint: str, requests: float) -> None:
        self._run.engine.foresee(source, endpoint, requests)

    def state_changed(self) -> None:
        self._run.state_changed()

    def stripe_now(self) -> int:
        return self._run.transport.now()

    def monotonic(self) -> float:
        return self._run.monotonic()

    def skipped(
        self,
        stream: StripeStream,
        permission: Permission | None,
        account: str | None,
        product: str | None = None,
    ) -> None:
        self._run.report.skip(stream, permission, account, product)

    def nested_unread(
        self,
        child: StripeStream,
        permission: Permission | None,
        parent: StripeStream,
        account: str | None,
    ) -> None:
        self._run.report.nested_unread(child, permission, parent, account)

    def events_unusable(self, why: str) -> None:
        self._run.report.events_unusable(why, activates=self.settings.activate_versions)

    def read_ended(self, stream: str, account: str | None, seconds: float, succeeded: bool) -> None:
        self._run.meters.read_ended(stream, account, seconds, succeeded=succeeded)

    def fails_one_account(self, exc: StopSyncError) -> bool:
        return self._run.fails_one_account(exc)
