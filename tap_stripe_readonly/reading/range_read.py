"""A ``created`` range read in windows, side by side, resumable to the second.

The first page of a list shows its newest objects and how dense they are; the rest of the
range is cut into windows (``windows.py``) read side by side, and a window whose first page
shows it dense is cut again. State (``backfill``) records which seconds of the range are
written: a page counts once its nested lists are written too, in the order its window listed
it, so a run that stops anywhere resumes with what was left. Objects sharing a second (an
import of hundreds of customers) are read to the end of that second, none twice.

Beside events (``events.py``), the same windows list what events do not announce (new
Checkout Sessions, invoice items not yet invoiced), keeping no progress.
"""

from __future__ import annotations

import copy
import math
import typing as t
from collections import deque
from dataclasses import dataclass, field
from functools import partial

from tap_stripe_readonly import client, shapes
from tap_stripe_readonly.engine import MAX_IN_FLIGHT_PER_ENDPOINT
from tap_stripe_readonly.errors import CursorVanishedError
from tap_stripe_readonly.reading import coverage, windows
from tap_stripe_readonly.reading.nested import PageMark
from tap_stripe_readonly.reading.vanishing import restarted
from tap_stripe_readonly.shapes import Item

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.nested import NestedLists
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import ListPage, Raw

# Windows read side by side per stream: enough to keep an endpoint at its rate limit.
WANT_CHAINS = MAX_IN_FLIGHT_PER_ENDPOINT
MAX_WINDOW_RESTARTS = 5


@dataclass(eq=False)
class Chain:
    """One window being paged newest first, with a cursor."""

    lo: int
    hi: int
    skip: set[str] = field(default_factory=set)  # ids at second `hi` written before it began
    low: int | None = None  # `created` of the last object listed
    at_low: set[str] = field(default_factory=set)
    cursor: str | None = None
    restarts: int = 0
    pages: deque[PageMark] = field(default_factory=deque)
    left: float = 0.0  # pages expected after the next, at the density seen
    #: The part of the list it reads (``StripeStream.list_filters``) and, beside events, the
    #: filters listing the unsettled objects alone.
    filters: tuple[tuple[str, str], ...] = ()
    #: The part's key in state: its done ranges are ``backfill["done"]`` for the first
    #: part, ``backfill["done_parts"][part]`` for the others.
    part: str = ""


class RangeRead:
    """The windows of one stream's ``created`` range (state: ``backfill``)."""

    events_read = 0

    def __init__(
        self,
        read: StreamRead,
        nested: NestedLists,
        *,
        beside_events: Callable[[str], bool] | None = None,
    ) -> None:
        self.read = read
        self.nested = nested
        #: Beside events, whether an object listed is written (not if a copy as new was), and
        #: no progress is kept: the next run reads these again rather than resuming.
        self.beside_events = beside_events
        self.chains: set[Chain] = set()  # windows being read
        self.pages_read = 0
        #: What follows once every window is listed (beside events: the events).
        self.then: Callable[[], list[Task]] | None = None

    # -- starting ------------------------------------------------------------------------------

    def read_in_full(self, now: int) -> list[Task]:
        """The whole range, from start_date to ``now``, ending with ACTIVATE_VERSION."""
        read = self.read
        settings = read.seam.settings
        version = settings.version if settings.activate_versions else None
        read.covers = read.writes
        backfill: dict[str, t.Any] = {
            "range": [settings.start_date, now],
            "done": [],
            "version": version,
            "streams": sorted(read.covers),
        }
        if self.nested.tracked:
            backfill["nested_items"] = {}  # moved into the state when the read completes
        read.state["backfill"] = backfill
        read.seam.state_changed()
        return self.resume()

    def read_since(self, since: int, now: int) -> list[Task]:
        """Objects created since the bookmark (its own second again: some may have come
        after it); the unsettled objects older than that kept as state had them."""
        read = self.read
        coverage.read_covers(read, read.state)
        backfill = {"range": [since, now], "done": [], "streams": sorted(read.covers)}
        read.state["backfill"] = {**backfill, **copy.deepcopy(read.unsettled)}
        read.seam.state_changed()
        return self.resume()

    def resume(self) -> list[Task]:
        read = self.read
        backfill = read.state["backfill"]
        read.mode = "list"
        read.version = backfill.get("version") or read.state.get("table_version")
        lo, hi = backfill["range"]
        return [
            self.window(Chain(a, b, filters=filters, part=part))
            for part, filters in list_parts(read.stream)
            for a, b in windows.gaps((lo, hi), done_of(backfill, part))
        ]

    def window(self, chain: Chain) -> Task:
        self.chains.add(chain)
        return self._task(chain)

    # -- paging ----------------------------------------------------------------------------------

    def _task(self, chain: Chain) -> Task:
        stream = self.read.stream
        params = [
            *stream.list_params(),
            *chain.filters,
            ("created[gte]", chain.lo),
            ("created[lte]", chain.hi),
        ]
        if chain.cursor:
            params.append(("starting_after", chain.cursor))
        return self.read.task(
            stream.path,
            params,
            stream.path,
            partial(self._page, chain),
            partial(self._error, chain),
        )

    def _page(self, chain: Chain, body: ListPage) -> list[Task]:
        page = self._page_items(body.data)
        has_more = body.has_more and bool(page)
        top = chain.hi if chain.low is None else chain.low
        written = []
        for item in page:
            if item.head is None:
                # Between the page's first and last seconds: nothing to skip, nothing to
                # remember (the second after it starts afresh).
                written.append(item)
                chain.low = None
                continue
            created, object_id = item.head.created, item.head.id
            # Listed beside the events (what they do not announce): the object as it is now,
            # newer than any event's copy of it.
            if self.beside_events is not None and not self.beside_events(object_id):
                continue
            if created != chain.low:
                # What is known written at this second: at the window's top, what was
                # written before the window began.
                chain.low = created
                chain.at_low = set(chain.skip) if created == chain.hi else set()
            if object_id in chain.at_low:
                continue  # written already (the window's top second was shared)
            chain.at_low.add(object_id)
            written.append(item)
        if page:
            chain.cursor = page[-1].head.id
        if written:
            chain.restarts = 0  # progress: only vanishing cursors in a row stop the read
        low = chain.low if chain.low is not None else chain.lo
        # Seconds below `top` down to `low` are complete unless the list goes on at `low`.
        cover = (low + 1, top) if has_more else (chain.lo, top)
        mark = PageMark(cover, settle=partial(self.settle, chain))
        chain.pages.append(mark)
        tasks = self.nested.write_parents(written, mark)
        if has_more:
            tasks += self._go_on(chain, page, low)
        else:
            self.chains.discard(chain)
            if not self.chains and self.then is not None:
                tasks += self.then()
                self.then = None
        self.settle(chain)
        self._foresee()
        return tasks

    def _page_items(self, raws: list[Raw]) -> list[Item]:
        """A page's objects, with the heads the window needs.

        Parents of nested lists, objects that may change silently and objects listed
        beside events need each head. Otherwise only the objects of the page's first
        second (some may have been written before) and of its last (where the next page
        goes on) are read into; the others are written as they came.
        """
        read = self.read
        if read.children or read.stream.unsettled or read.mode == "events" or len(raws) < 3:
            return shapes.items(read.head, raws)
        decode = shapes.decoder(read.head)
        page = [Item(raw, None) for raw in raws]
        first = decode(raws[0])
        i = 0
        while i < len(raws):
            head = first if i == 0 else decode(raws[i])
            if head.created != first.created:
                break
            page[i] = Item(raws[i], head)
            i += 1
        last = decode(raws[-1])
        j = len(raws) - 1
        while j >= i:
            head = last if j == len(raws) - 1 else decode(raws[j])
            if head.created != last.created:
                break
            page[j] = Item(raws[j], head)
            j -= 1
        return page

    def _foresee(self) -> None:
        """Tell the engine how many requests the windows being read still hold, and the
        nested lists their parents will bring (at the rate seen so far)."""
        read = self.read
        self.pages_read += 1
        pages = sum(1 + c.left for c in self.chains)
        read.seam.foresee(self, read.stream.path, pages)
        for child in read.children:
            per_page = self.nested.made[child.name] / self.pages_read
            read.seam.foresee(self, child.path, pages * per_page)

    def _go_on(self, chain: Chain, page: list[Item], low: int) -> list[Task]:
        """The next page of a window, or the rest of it cut into windows read side by side."""
        size = client.PAGE_SIZE
        # Objects sharing the page's last second (an import, a billing run) say nothing
        # of the seconds before it, and a window starting there would list them again.
        at_low = sum(1 for item in page if item.head is not None and item.head.created == low)
        per_second = windows.density(page[0].head.created, low, len(page) - at_low)
        left = windows.pages_in(chain.lo, low, per_second, size)
        parts = min(
            windows.MAX_PARTS,
            WANT_CHAINS - len(self.chains) + 1,
            math.ceil(left / windows.TARGET_PAGES),
        )
        if at_low > size // 4 or left <= windows.SPLIT_MIN_PAGES or parts < 2:
            chain.left = max(0.0, left - 1)
            return self.read.hold_if_busy([self._task(chain)])
        self.chains.discard(chain)
        # The newest part starts at `low` again, skipping what was written of that second:
        # a cursor is never carried into another window. It shares this window's queue of
        # page marks: the parents written at `low` may still wait for their nested lists,
        # and its own pages (which cover `low`) must not count as written before they do.
        new = [
            Chain(
                a,
                b,
                skip=set(chain.at_low) if b == low else set(),
                pages=chain.pages if b == low else deque(),
                left=windows.pages_in(a, b, per_second, size),
                filters=chain.filters,
                part=chain.part,
            )
            for a, b in windows.split(chain.lo, low, per_second, parts, size)
        ]
        return self.read.hold_if_busy([self.window(c) for c in new])

    def _error(self, chain: Chain, exc: Exception) -> list[Task]:
        if not isinstance(exc, CursorVanishedError):
            raise exc
        # The object paged from is gone (deleted, or no longer matching the filter).
        # Everything unwritten is at or before the last `created` written: list from there.
        stream = self.read.stream
        what = f"Listing '{stream.name}' lost its place"
        chain.restarts = restarted(chain.restarts, MAX_WINDOW_RESTARTS, what, exc)
        stream.logger.info(
            "The object Stripe was paging '%s' from vanished; listing again from %s.",
            stream.name,
            chain.low,
        )
        if chain.low is not None:
            chain.hi, chain.skip = chain.low, set(chain.at_low)
            chain.low, chain.at_low = None, set()
        chain.cursor = None
        return [self._task(chain)]

    def settle(self, chain: Chain) -> None:
        """Pages whose nested lists are all written (in order) join the state's done ranges."""
        covered = []
        while chain.pages and chain.pages[0].waiting == 0 and not chain.pages[0].failed:
            covered.append(chain.pages.popleft().cover)
        if covered and self.beside_events is None:
            read = self.read
            backfill = read.state["backfill"]
            done = done_of(backfill, chain.part)
            for cover in covered:
                done = windows.merge(done, cover)
            ranges = [list(w) for w in done]
            if chain.part:
                backfill.setdefault("done_parts", {})[chain.part] = ranges
            else:
                backfill["done"] = ranges
            read.seam.state_changed()

    # -- the end -------------------------------------------------------------------------------

    def finish(self) -> None:
        """The range read whole: the bookmark moves to its end (a catch-up's streams join
        the stream's bookmark instead)."""
        read = self.read
        state = read.state
        backfill = state["backfill"]
        lo, hi = backfill["range"]
        if any(windows.gaps((lo, hi), done_of(backfill, p)) for p, _ in list_parts(read.stream)):
            return  # a nested list could not be read: these pages are read again next run
        if version := backfill.get("version"):
            for stream in (read.stream, *read.children):
                if stream.selected and stream.name in read.covers:
                    read.seam.activate_version(stream, version)
        if read.is_catch_up:
            coverage.caught_up(read, backfill)
            return
        if read.stream.unsettled:
            read.keep_unsettled(backfill)
        if "nested_items" in backfill:
            read.keep_items(backfill["nested_items"])
        state["replication_key"] = read.stream.replication_key
        state["replication_key_value"] = hi
        if backfill.get("version"):
            state["table_version"] = backfill["version"]
        del state["backfill"]
        coverage.record_covered(read)
        read.seam.state_changed()


def list_parts(stream: client.StripeStream) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The parts a stream's list is read in, each with its key in state: the first part's
    progress is ``done`` (a state written before a stream had parts resumes as its first
    part: for prices, the active ones, which is what the bare list showed)."""
    return [
        ("&".join(f"{k}={v}" for k, v in f.items()) if i else "", tuple(f.items()))
        for i, f in enumerate(stream.list_filters)
    ]


def done_of(backfill: t.Mapping[str, t.Any], part: str) -> list[tuple[int, int]]:
    """The ranges of a part of the list written so far."""
    ranges = backfill.get("done_parts", {}).get(part, []) if part else backfill["done"]
    return [(a, b) for a, b in ranges]
