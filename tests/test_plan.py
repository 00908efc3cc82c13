"""Which read a stream gets from its state: the one place that decides (reading/plan.py)."""

from __future__ import annotations

import typing as t

import pytest

from tap_stripe_readonly.reading import StreamRead, plan
from tap_stripe_readonly.reading import start as start_reading
from tap_stripe_readonly.reading.event_feed import EventsFeed
from tap_stripe_readonly.reading.events import EventsRead
from tap_stripe_readonly.reading.range_read import RangeRead
from tap_stripe_readonly.reading.whole_list import WholeListRead
from tap_stripe_readonly.run import Run
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.stripe_sandbox import DEMO_API_KEY
from tests.test_whole_list import TapListingWhole

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

NOW = 1_790_000_000
BOOKMARK = {"replication_key": "created", "replication_key_value": NOW - 3600}
BACKFILL = {"backfill": {"range": [0, NOW - 60], "done": [[NOW - 600, NOW - 60]]}}
LISTING = {"listing": {"after": "cus_1", "began": NOW - 60, "streams": ["customers"]}}


def planned(
    state: dict[str, t.Any],
    *,
    events_readable: bool = True,
    stream: str = "customers",
    tap_type: type[TapStripeReadonly] = TapStripeReadonly,
    **config: t.Any,
) -> tuple[StreamRead, list[t.Any]]:
    tap = tap_type(
        config={"api_key": DEMO_API_KEY, **config},
        state={"bookmarks": {stream: state}} if state else None,
        validate_config=True,
    )
    for name, declared in tap.streams.items():
        declared.selected = name == stream
    run = Run(tap)
    account = run.accounts[0]
    account.now, account.events_readable = NOW, events_readable
    reading = StreamRead(run.seam, account, t.cast("StripeStream", tap.streams[stream]))
    capture = config.get("capture_changes", True)
    wanted = plan.wanted_events(reading.stream, reading.state, NOW, capture_changes=capture)
    if wanted is None or not events_readable:
        return reading, start_reading(reading)
    # The account's one read of events is its first request; the stream's follow its answer.
    feed = EventsFeed(run.seam, account, *wanted)
    tasks = start_reading(reading, feed)
    return reading, [feed.first_task(list, lambda exc: []), *tasks]


@pytest.mark.parametrize(
    ("state", "kwargs", "part", "mode", "first"),
    [
        ({}, {}, RangeRead, "list", "/v1/customers"),
        (BACKFILL, {}, RangeRead, "list", "/v1/customers"),
        (BOOKMARK, {}, EventsRead, "events", "/v1/events"),
        (BOOKMARK, {"events_readable": False}, RangeRead, "list", "/v1/customers"),
        (BOOKMARK, {"capture_changes": False}, RangeRead, "list", "/v1/customers"),
        (
            {**BOOKMARK, "replication_key_value": NOW - plan.EVENTS_USABLE_FOR - 3600},
            {},
            RangeRead,
            "list",
            "/v1/customers",
        ),
        (
            {},
            {"tap_type": TapListingWhole, "stream": "coupons"},
            WholeListRead,
            "whole",
            "/v1/coupons",
        ),
        (LISTING, {}, WholeListRead, "whole", "/v1/customers"),
    ],
    ids=[
        "no bookmark: in full",
        "a read under way: resumed",
        "a bookmark: events",
        "no Events permission: in full",
        "capture_changes false: created since",
        "events expired: in full",
        "a list without created: whole",
        "a listing under way: resumed",
    ],
)
def test_the_state_decides_the_read(state, kwargs, part, mode, first):
    reading, tasks = planned(state, **kwargs)
    assert type(reading.part) is part
    assert reading.mode == mode
    assert tasks and tasks[0].path == first


def test_a_read_in_full_from_events_and_since_the_bookmark_cover_their_ranges():
    reading, tasks = planned({})
    assert reading.state["backfill"]["range"] == [0, NOW]
    reading, tasks = planned(BOOKMARK, capture_changes=False)
    assert reading.state["backfill"]["range"] == [NOW - 3600, NOW]
    reading, tasks = planned(BOOKMARK)
    (events,) = tasks
    assert ("created[gte]", NOW - 3600 - plan.CLOCK_SKEW) in events.params
