"""The events stream after its first sync: Stripe's events themselves, as records, taken from
the account's one read of them (``event_feed.py``) instead of a read of their own."""

from __future__ import annotations

import typing as t

from tap_stripe_readonly.reading import coverage
from tap_stripe_readonly.reading.event_feed import Subscriber

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.event_feed import EventsFeed
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import Event, Raw


class EventRecords:
    """Every event since the stream's bookmark, each written once."""

    pages_read = 0
    chains: tuple[()] = ()

    def __init__(
        self, read: StreamRead, feed: EventsFeed, fall_back: Callable[[], list[Task]]
    ) -> None:
        self.read = read
        self.feed = feed
        self.fall_back = fall_back
        self.written: set[str] = set()  # (the feed may read its pages again)
        self.events_read = 0

    def start(self, since: int) -> list[Task]:
        read = self.read
        coverage.read_covers(read, read.state)
        read.mode = "events"
        read.version = read.state.get("table_version")
        self.feed.join(Subscriber(read, since, None, take=self._take, fall_back=self.fall_back))
        return []

    def _take(self, events: list[tuple[Raw, Event]]) -> list[Task]:
        self.events_read += len(events)
        rows: list[Raw | bytes] = [raw for raw, event in events if event.id not in self.written]
        self.written.update(event.id for _, event in events)
        self.read.write(self.read.stream, rows)
        return []

    def finish(self) -> None:
        read = self.read
        read.state["replication_key"] = read.stream.replication_key
        read.state["replication_key_value"] = read.account.now
        coverage.record_covered(read)
        read.seam.state_changed()
