"""What a run says while it runs and when it ends: a progress line at a steady interval,
singer-sdk's METRIC points, and one summary block.

A first sync of a real account runs for an hour or more; the progress line tells a person
watching that it is alive, how far each stream is and how long is left. The METRIC points
are singer-sdk's own (its ``Point``, its logger, its format), so whatever parses them for
other SDK taps keeps working; like the SDK's counters they are logged once a minute, not
per request. Everything here runs on the engine's calling thread, and reads a clock that
tests replace.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass, field

from singer_sdk import metrics

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable, Sequence

    from tap_stripe_readonly.reading import StreamRead

Clock = t.Callable[[], float]

DEFAULT_PROGRESS_INTERVAL = 30
# A time left is estimated only once a stream has been read this long and this far.
ESTIMATE_AFTER_SECONDS = 10.0
ESTIMATE_AFTER_SHARE = 0.01


def duration(seconds: float) -> str:
    """``12m30s``, ``45s``, ``1h05m``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _about(seconds: float) -> str:
    """A time left, as precise as an estimate is: ``~4m``, ``~40s``, ``~1h10m``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"~{max(seconds, 1)}s"
    if seconds < 3600:
        return f"~{round(seconds / 60)}m"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"~{hours}h{minutes:02d}m"


# -- where a stream is -----------------------------------------------------------------------


@dataclass
class StreamView:
    """One stream over its reads in this run (its accounts, a catch-up): how far it is."""

    name: str
    readings: list[StreamRead] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return bool(self.readings) and all(r.finished for r in self.readings)

    @property
    def skipped(self) -> str | None:
        """Why, in two words, when no read of it goes on."""
        if not self.readings or any(r.finished or not r.abandoned() for r in self.readings):
            return None
        if all(r.skipped for r in self.readings):
            products = {r.not_enabled for r in self.readings}
            return "no permission" if None in products else "not enabled"
        return "account failed"

    def going_on(self) -> list[StreamRead]:
        return [r for r in self.readings if not (r.finished or r.abandoned())]

    def share(self) -> float | None:
        """The share read of the reads in full under way: their pages read, over those and
        the pages their windows still hold at the density their pages showed (the estimate
        the engine schedules by). Not the share of the `created` range: from a start date
        of 1970, or years before the account's first object, most of its seconds are empty,
        and a range read newest first would go from 1% to 97% in seconds."""
        read = left = 0.0
        listing = False
        for reading in self.going_on():
            if reading.mode != "list":
                continue
            listing = True
            read += reading.pages_read
            left += sum(1 + chain.left for chain in reading.chains)
        if not listing:
            return None
        return read / (read + left) if read + left else 0.0

    def started(self) -> float:
        return min(r.started for r in self.readings)


class Progress:
    """The progress line: every ``interval`` seconds (0: never), nothing before the first."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        *,
        clock: Clock,
        records: Callable[[], int],
        requests: Callable[[], int],
        rate_limited: Callable[[], int],
        limit: float,
        readings: Callable[[], Sequence[StreamRead]],
        accounts: Callable[[], Sequence[tuple[str | None, bool, bool]]],
    ) -> None:
        self._logger = logger
        self.interval = interval
        self._clock = clock
        self._records = records
        self._requests = requests
        self._rate_limited = rate_limited
        self._limit = limit
        self._readings = readings
        #: (account, done, failed) for each account of the run.
        self._accounts = accounts
        self.started = clock()
        self._last = (self.started, 0, 0)  # (when, records, requests) at the last line

    def tick(self) -> None:
        if not self.interval:
            return
        now = self._clock()
        if now - self._last[0] >= self.interval:
            self._logger.info("%s", self.line(now))

    def line(self, now: float) -> str:
        when, records_then, requests_then = self._last
        records, requests = self._records(), self._requests()
        seconds = max(now - when, 1e-9)
        self._last = (now, records, requests)
        head = (
            f"Progress {duration(now - self.started)}: {records:,} records "
            f"({(records - records_then) / seconds:,.0f}/s), {requests:,} requests "
            f"({(requests - requests_then) / seconds:,.0f}/s, limit {self._limit:g}), "
            f"{self._rate_limited():,} rate limited"
        )
        parts = self._streams(now)
        accounts = self._accounts()
        if len(accounts) > 1:
            done = sum(1 for _, finished, failed in accounts if finished and not failed)
            failed = sum(1 for _, _, failed in accounts if failed)
            parts.append(
                f"accounts {done} done, {len(accounts) - done - failed} in progress, "
                f"{failed} failed"
            )
        return "; ".join([head, *parts])

    def _streams(self, now: float) -> list[str]:
        views: dict[str, StreamView] = {}
        for reading in self._readings():
            views.setdefault(reading.stream.name, StreamView(reading.stream.name))
            views[reading.stream.name].readings.append(reading)
        going: list[tuple[float, str]] = []
        done: list[str] = []
        skipped: dict[str, list[str]] = {}
        for name, view in views.items():
            if view.done:
                done.append(name)
            elif (why := view.skipped) is not None:
                skipped.setdefault(why, []).append(name)
            else:
                going.append(self._going(view, now))
        parts = [", ".join(text for _, text in sorted(going))] if going else []
        if done:
            parts.append(f"{len(done)} done" if going else "every stream done")
        parts += [f"{', '.join(sorted(names))} skipped ({why})" for why, names in skipped.items()]
        return parts

    def _going(self, view: StreamView, now: float) -> tuple[float, str]:
        share = view.share()
        if share is None and any(r.mode == "whole" for r in view.going_on()):
            pages = sum(r.pages_read for r in view.going_on())
            return (1.0, f"{view.name} {pages:,} pages")  # a list read whole: no estimate
        if share is None:  # reading changes from events
            events = sum(r.events_read for r in view.readings)
            written = sum(r.written for r in view.readings)
            return (1.0, f"{view.name} {events:,} events ({written:,} written)")
        text = f"{view.name} {int(share * 100)}%"
        # Its pace since its read began (from nothing read): the time left at that pace.
        elapsed = now - view.started()
        if elapsed >= ESTIMATE_AFTER_SECONDS and share >= ESTIMATE_AFTER_SHARE:
            text += f" {_about((1 - share) * elapsed / share)} left"
        return (share, text)


# -- singer-sdk's METRIC points ------------------------------------------------------------


@dataclass
class _Tally:
    count: int = 0
    seconds: float = 0.0


class Meters:
    """record_count, http_request_count and http_request_duration (the mean of the interval's
    requests), per stream (and account) and endpoint, logged once per interval; and
    sync_duration when a stream's read ends."""

    def __init__(
        self,
        *,
        clock: Clock,
        several_accounts: bool,
        interval: float = metrics.DEFAULT_LOG_INTERVAL,
    ) -> None:
        self._clock = clock
        self._several_accounts = several_accounts
        self._interval = interval
        self._logger = metrics.get_metrics_logger()
        self._pid = os.getpid()
        self._records: dict[tuple[str, str | None], int] = {}
        self._requests: dict[tuple[str, str], _Tally] = {}
        self._last = clock()

    def records(self, stream: str, account: str | None, count: int) -> None:
        key = (stream, account)
        self._records[key] = self._records.get(key, 0) + count

    def requests(self, stream: str | None, endpoint: str, durations: Iterable[float]) -> None:
        tally = self._requests.setdefault((stream or "", endpoint), _Tally())
        for seconds in durations:
            tally.count += 1
            tally.seconds += seconds

    def read_ended(
        self, stream: str, account: str | None, seconds: float, *, succeeded: bool
    ) -> None:
        status = metrics.Status.SUCCEEDED if succeeded else metrics.Status.FAILED
        tags = self._tags(stream, account)
        tags[metrics.Tag.STATUS] = status
        self._log(metrics.Point("timer", metrics.Metric.SYNC_DURATION, seconds, tags))

    def tick(self) -> None:
        if self._clock() - self._last >= self._interval:
            self.flush()

    def flush(self) -> None:
        """Log what was counted since the last flush."""
        self._last = self._clock()
        for (stream, account), count in self._records.items():
            tags = self._tags(stream, account)
            self._log(metrics.Point("counter", metrics.Metric.RECORD_COUNT, count, tags))
        self._records.clear()
        for (stream, endpoint), tally in self._requests.items():
            tags = {**self._tags(stream, None), metrics.Tag.ENDPOINT: endpoint}
            self._log(
                metrics.Point("counter", metrics.Metric.HTTP_REQUEST_COUNT, tally.count, tags)
            )
            mean = round(tally.seconds / tally.count, 4) if tally.count else 0.0
            self._log(metrics.Point("timer", metrics.Metric.HTTP_REQUEST_DURATION, mean, tags))
        self._requests.clear()

    def _tags(self, stream: str, account: str | None) -> dict[str, t.Any]:
        tags: dict[str, t.Any] = {metrics.Tag.STREAM: stream, metrics.Tag.PID: self._pid}
        if self._several_accounts and account:
            tags[metrics.Tag.CONTEXT] = {"stripe_account": account}
        return tags

    def _log(self, point: metrics.Point[t.Any]) -> None:
        metrics.log(self._logger, point)


# -- the summary at the end ----------------------------------------------------------------


def outcome(
    name: str,
    readings: Sequence[StreamRead],
    skipped_for: Callable[[str, str | None], str | None],
) -> str:
    """How the reads of a stream (or of the stream it is nested in) ended, over its accounts:
    ``complete``, ``resumes next run``, ``skipped: grant …`` (or ``skipped: Issuing not
    enabled``), ``account failed``."""
    ends: dict[str, int] = {}
    for reading in readings:
        if reading.finished:
            end = "complete"
        elif reading.skipped:
            end = f"skipped: {skipped_for(name, reading.account.id) or 'grant a Read permission'}"
        elif reading.account.failed:
            end = "account failed"
        else:
            end = "resumes next run"
        # A catch-up and the read it completes are one account's.
        ends[end] = ends.get(end, 0) + (0 if reading.is_catch_up else 1)
    if not ends:
        return "not read (account failed)"
    if len(ends) == 1 and sum(ends.values()) <= 1:
        return next(iter(ends))
    order = ("resumes next run", "account failed", "complete")
    ranked = sorted(ends.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else -1)
    return "; ".join(f"{end} ({n} account{'s' if n != 1 else ''})" for end, n in ranked if n)


def summary(
    *,
    elapsed: float,
    rows: Sequence[tuple[str, int, int, str]],
    requests: int,
    rate_limited: int,
    shared: int = 0,
) -> str:
    """The end-of-run block: per stream its records, requests and how it ended, then the
    requests no stream made alone (the read of events every stream shares); totals first."""
    records = sum(r[1] for r in rows)
    width = max([len(SHARED_ROW), *(len(r[0]) for r in rows)])
    lines = [
        f"Sync ended after {duration(elapsed)}: {records:,} records, {requests:,} requests "
        f"({rate_limited:,} rate limited).",
        f"  {'stream':<{width}}  {'records':>9}  {'requests':>8}  ended",
    ]
    lines += [f"  {n:<{width}}  {rec:>9,}  {req:>8,}  {end}" for n, rec, req, end in rows]
    if shared:
        lines.append(f"  {SHARED_ROW:<{width}}  {'':>9}  {shared:>8,}")
    return "\n".join(lines)


SHARED_ROW = "(events, shared)"
