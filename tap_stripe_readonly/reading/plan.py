"""Which read a stream gets, from its state: the one place that decides.

- A read under way (``backfill``, ``listing``) resumes where it stopped.
- No bookmark: the stream is read in full, its ``created`` range in windows, or its whole
  list when Stripe's list takes no ``created`` filter.
- A list Stripe announces no change of (``relisted_in_full``): in full, every run, or once
  ``relist_every`` has passed since the last time (settings that change seldom).
- A bookmark: changes since then, from the account's one read of Stripe's events (less a
  margin for clocks that disagree; ``event_feed.py``); objects created since the bookmark
  instead with ``capture_changes: false`` or a stream without events; a read in full again
  when events cannot serve (no Events permission, or older than the 30 days Stripe keeps).
- Streams of the family the bookmark does not cover get a catch-up (``coverage.py``).
- A product the account had not switched on, less than a day ago: not asked again yet.
"""

from __future__ import annotations

import typing as t
from functools import partial

from tap_stripe_readonly import report
from tap_stripe_readonly.reading import coverage
from tap_stripe_readonly.reading.event_records import EventRecords
from tap_stripe_readonly.reading.events import EventsRead
from tap_stripe_readonly.reading.nested import NestedLists
from tap_stripe_readonly.reading.range_read import RangeRead
from tap_stripe_readonly.reading.whole_list import WholeListRead

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_stripe_readonly.client import StripeStream
    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.event_feed import EventsFeed
    from tap_stripe_readonly.reading.stream_read import StreamRead

DAY = 86_400
# Stripe lists the events of the last 30 days; a bookmark older than this reads in full.
EVENTS_USABLE_FOR = 29 * DAY
# The next events read starts this long before this run did, for clocks that disagree.
CLOCK_SKEW = 300
# A product the account had not switched on is asked about again after this long.
PRODUCT_RECHECK = DAY


def wanted_events(
    stream: StripeStream, state: Mapping[str, t.Any], now: int, *, capture_changes: bool
) -> tuple[int, frozenset[str] | None] | None:
    """What a stream's read will take from the account's events, by its state: since when,
    and which types (None: every event); None if it reads none (a first sync, a read under
    way, or a bookmark older than Stripe keeps events). The run reads events from the oldest
    of these, once."""
    bookmark = state.get("replication_key_value")
    if bookmark is None or "backfill" in state or "listing" in state:
        return None
    if stream.events_themselves:
        return bookmark, None
    if not capture_changes or not stream.event_types:
        return None
    since = bookmark - CLOCK_SKEW
    if since < now - EVENTS_USABLE_FOR:
        return None
    return since, stream.events_read()


def start(read: StreamRead, feed: EventsFeed | None = None) -> list[Task]:
    """The first requests of ``read``: how its state says it is read (its catch-up, if it
    needs one, is ``read.catch_up``, started by the run); ``feed``: the account's read of
    events."""
    marker = read.state.get("not_enabled")
    if marker is not None and not read.is_catch_up:
        if read.account.now < marker["at"] + PRODUCT_RECHECK:
            read.skip(read.stream.permission, marker["product"])
            return []
        del read.state["not_enabled"]  # asked again: the answer says whether it still holds
    nested = NestedLists(read)
    if read.is_catch_up:
        under_way = "backfill" in read.state or "listing" in read.state
        tasks = _resume(read, nested) if under_way else _in_full(read, nested)
    else:
        tasks = _plan(read, nested, feed)
        read.catch_up = coverage.plan_catch_up(read)
    if not tasks:
        read.maybe_finish()
    return tasks


def _plan(read: StreamRead, nested: NestedLists, feed: EventsFeed | None) -> list[Task]:
    state, stream, now = read.state, read.stream, read.account.now
    settings = read.seam.settings
    bookmark = state.get("replication_key_value")
    if isinstance(state.get("backfill"), dict) or isinstance(state.get("listing"), dict):
        coverage.read_covers(read, state.get("backfill") or state["listing"])
        return _resume(read, nested)
    relisted_lately = bookmark is not None and now - bookmark < (stream.relist_every or 0)
    if stream.relisted_in_full and relisted_lately:
        coverage.read_covers(read, state)
        return []  # read in full less than relist_every ago: nothing to read yet
    if bookmark is None or stream.relisted_in_full:
        return _in_full(read, nested)
    if stream.events_themselves:
        if feed is None or not read.account.events_readable or not feed.covers(bookmark, None):
            return _since(read, nested, bookmark)
        records = EventRecords(read, feed, fall_back=partial(_since, read, nested, bookmark))
        read.part = records
        return records.start(bookmark)
    if not settings.capture_changes or not (stream.event_types or stream.unsettled):
        return _since(read, nested, bookmark)
    if not stream.event_types:
        oldest = read.unsettled_from()  # the oldest object that can have changed silently
        return _since(read, nested, bookmark if oldest is None else min(bookmark, oldest))
    if not read.account.events_readable:
        return _events_unusable(read, nested, report.NO_EVENT_READ)
    since = bookmark - CLOCK_SKEW
    if since < now - EVENTS_USABLE_FOR or feed is None:
        return _events_unusable(read, nested, report.EVENTS_EXPIRED)
    if not feed.covers(since, stream.events_read()):
        # The account's read of events was planned by this machine's clock: at the limit of
        # 30 days, Stripe's may say otherwise.
        return _events_unusable(read, nested, report.EVENTS_EXPIRED)
    events = EventsRead(read, nested, feed, fall_back=partial(_events_unusable, read, nested))
    read.part = events
    return events.start(since, now)


def _in_full(read: StreamRead, nested: NestedLists) -> list[Task]:
    nested.on_whole = nested.keep  # (events mode, falling back here, had its own)
    if not read.stream.created_filter:
        whole = WholeListRead(read, nested)
        read.part = whole
        return whole.read_in_full(read.account.now)
    windows = RangeRead(read, nested)
    read.part = windows
    return windows.read_in_full(read.account.now)


def _resume(read: StreamRead, nested: NestedLists) -> list[Task]:
    if isinstance(read.state.get("listing"), dict):
        whole = WholeListRead(read, nested)
        read.part = whole
        return whole.resume()
    windows = RangeRead(read, nested)
    read.part = windows
    return windows.resume()


def _since(read: StreamRead, nested: NestedLists, since: int) -> list[Task]:
    """Objects created since ``since``; a list without a ``created`` filter, whole again."""
    if not read.stream.created_filter:
        return _in_full(read, nested)
    windows = RangeRead(read, nested)
    read.part = windows
    return windows.read_since(since, read.account.now)


def _events_unusable(read: StreamRead, nested: NestedLists, why: str) -> list[Task]:
    read.seam.events_unusable(why)
    return _in_full(read, nested)
