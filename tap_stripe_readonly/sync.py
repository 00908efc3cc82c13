"""How each stream is read in a run, and the state that makes every read resumable.

A stream without a bookmark is read in full: its ``created`` range is cut into windows read
side by side (``windows.py``), and state records which seconds have been written, so a run
that stops anywhere resumes with what was left. Once a stream has a bookmark, a run reads the
Stripe Events of its objects since then and writes each changed object once, as it is now;
deletions are written with ``_sdc_deleted_at``. Where events cannot serve (no Events
permission, or older than Stripe keeps them), the stream is read in full again and an
ACTIVATE_VERSION lets the target mark what no longer exists.

Nested lists (invoice lines, subscription items) come with their parent: its embedded first
page, then the rest of the list when Stripe says there is more. A page of parents counts as
written only once its nested lists are, so state never covers a parent whose items are not out.
For a parent whose list is longer than that page and can still change (a draft invoice), state
keeps the ids of its items: when the parent changes, those no longer there are written deleted.

Everything here runs on the engine's calling thread: handlers write, then return the
follow-up requests.
"""

from __future__ import annotations

import datetime
import math
import typing as t
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qsl, urlsplit

from tap_stripe_readonly import client, report, shapes, windows
from tap_stripe_readonly.client import API_VERSION, DELETED_AT, StripeChildStream, StripeStream
from tap_stripe_readonly.engine import MAX_IN_FLIGHT_PER_ENDPOINT, Task
from tap_stripe_readonly.errors import (
    BadAnswerError,
    CursorVanishedError,
    NotFoundError,
    PermissionDeniedError,
    StopSyncError,
)
from tap_stripe_readonly.permissions import EVENT_READ
from tap_stripe_readonly.shapes import EventsPage, Item, ListPage, Raw

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tap_stripe_readonly.run import AccountRun, Run


DAY = 86_400
# Stripe lists the events of the last 30 days; a bookmark older than this reads in full.
EVENTS_USABLE_FOR = 29 * DAY
# The next events read starts this long before this run did, for clocks that disagree.
CLOCK_SKEW = 300
# Windows read side by side per stream: enough to keep an endpoint at its rate limit.
WANT_CHAINS = MAX_IN_FLIGHT_PER_ENDPOINT
# Parent pages, and the next page of events, wait while this many nested-list reads and
# fetches are queued (memory stays bounded).
MAX_WAITING_READS = 200
# A nested list whose cursor keeps vanishing is listed again from its start this many times.
MAX_NESTED_RESTARTS = 3
MAX_WINDOW_RESTARTS = 5


@dataclass(eq=False)
class PageMark:
    """The seconds a page of parents completes, once its nested lists are written too."""

    cover: windows.Window
    chain: Chain | None = None
    waiting: int = 0
    failed: bool = False  # a nested list could not be read: never counts as written


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


@dataclass(eq=False)
class NestedRead:
    """The rest of one parent's nested list, listed from its start."""

    child: StripeChildStream
    parent_id: str
    url: str
    skip: set[str]  # ids already written (the embedded page)
    mark: PageMark
    keep: bool = False  # state keeps its ids once all are written
    restarts: int = 0


class StreamSync:
    """One stream of one account in this run: how it is read, and its state.

    A stream and its nested streams are read together, and their state is the stream's.
    State says which of them its bookmark covers (``streams``): one selected later (or
    again) is not, and gets a catch-up of its own, a read in full of the stream that writes
    only the streams it lacks (state ``catch_up``), while the others are read as usual.
    """

    def __init__(
        self,
        run: Run,
        account: AccountRun,
        stream: StripeStream,
        *,
        catch_up_for: frozenset[str] | None = None,
    ) -> None:
        self.run = run
        self.account = account
        self.stream = stream
        context = {"stripe_account": account.id} if stream.tags_accounts else None
        #: The stream's own state; a catch-up's is its ``catch_up`` in it.
        self.entry = stream.get_context_state(context)
        self.is_catch_up = catch_up_for is not None
        self.state = self.entry["catch_up"] if catch_up_for is not None else self.entry
        if not stream.tags_accounts:
            # Checked when a run starts (with account_ids, state is per account already).
            self.entry["stripe_account"] = account.id
        selected = [stream, *stream.child_streams]
        #: The streams this read writes (the selected ones of the family, or a catch-up's).
        self.writes = catch_up_for or frozenset(s.name for s in selected if s.selected)
        #: The streams whose data this read leaves complete up to its bookmark.
        self.covers: frozenset[str] = self.writes if self.is_catch_up else frozenset()
        #: The catch-up started for streams selected later (see start()).
        self.catch_up: StreamSync | None = None
        #: Versions for the streams a catch-up reads (their ACTIVATE_VERSION is its own).
        self.stream_versions: dict[str, int | None] = {}
        self.children = [
            t.cast("StripeChildStream", c)
            for c in stream.child_streams
            if c.selected and c.name in self.writes
        ]
        self.write_self = stream.selected and stream.name in self.writes
        embedded = tuple(c.embedded_field for c in self.children if c.embedded_field)
        status = tuple(sorted({c.changes_while.field for c in self.children if c.changes_while}))
        self.head = shapes.head_type(type(stream), embedded, status)
        # The nested streams whose item ids state keeps (for long parents that can change).
        self.tracked = {
            c.name: c.changes_while
            for c in self.children
            if c.changes_while and stream.event_types and run.capture_changes
        }
        self.child_heads = {c.name: shapes.head_type(type(c)) for c in self.children}
        # Nested streams with events of their own (a customer's payment methods).
        self.child_events = {c.object_name: c for c in self.children if c.event_types}
        self.unsettled_since: int | None = None
        self.mode = ""
        self.version: int | None = None
        self.outstanding = 0
        self.finished = False
        self.skipped = False
        self.chains: set[Chain] = set()  # windows being read
        self.pages_read = 0
        self.nested_made: dict[str, int] = {c.name: 0 for c in self.children}
        self.waiting_reads = 0  # nested-list reads and fetches not yet done
        self.held: list[Task] = []
        self.nested_denied: set[str] = set()
        # Events mode: the copy of each object written this run, as (the time it shows the
        # object at, whether it is the object now): an older copy never follows a newer one.
        # The objects being fetched (with the event that asked, if one did). Per nested
        # stream and parent, the items its events show it had, and those it has now, once its
        # whole list is written (a deleted parent: those written deleted); the difference was
        # removed from it. Then the parents whose ids state keeps.
        self.copies: dict[str, tuple[int, bool]] = {}
        self.fetching: dict[str, Item | None] = {}
        self.changed_by = {
            event_type: rule.field for rule in stream.changed_by for event_type in rule.event_types
        }
        self.relisted: set[tuple[str, str]] = set()  # nested lists read for an item's event
        self.items_seen: dict[str, dict[str, set[str]]] = {c.name: {} for c in self.children}
        self.items_now: dict[str, dict[str, set[str]]] = {c.name: {} for c in self.children}
        self.kept_parents: dict[str, set[str]] = {c.name: set() for c in self.children}
        self.events_restarts = 0
        self.events_oldest: int | None = None  # `created` of the oldest event read
        # What the progress line and the summary tell.
        self.events_read = 0
        self.written = 0
        self.started = run.monotonic()

    # -- the plan --------------------------------------------------------------------------

    def start(self) -> list[Task]:
        """The first requests; which reading the state calls for."""
        if self.is_catch_up:
            tasks = (
                self._resume() if "backfill" in self.state else self._read_in_full(self.account.now)
            )
        else:
            tasks = self._start_reading()
            self._plan_catch_up()
        if not tasks:
            self._maybe_finish()
        return tasks

    def _start_reading(self) -> list[Task]:
        state, stream, now = self.state, self.stream, self.account.now
        bookmark = state.get("replication_key_value")
        if isinstance(state.get("backfill"), dict):
            self._covers(state["backfill"])
            tasks = self._resume()
        elif bookmark is None:
            tasks = self._read_in_full(now)
        elif not self.run.capture_changes or not (stream.event_types or stream.unsettled):
            tasks = self._read_range(bookmark, now)
        elif not stream.event_types:
            tasks = self._read_range(self._unsettled_from(bookmark), now)
        elif not self.account.events_readable:
            tasks = self._events_unusable(report.NO_EVENT_READ)
        elif bookmark - CLOCK_SKEW < now - EVENTS_USABLE_FOR:
            tasks = self._events_unusable(report.EVENTS_EXPIRED)
        else:
            tasks = self._read_events(bookmark - CLOCK_SKEW, now)
        return tasks

    def _covers(self, progress: dict[str, t.Any]) -> None:
        """What the bookmark or the read under way (``progress``) is complete for."""
        if "streams" not in progress:
            # Written before state said it: taken to cover what is selected now.
            progress["streams"] = sorted(self.writes)
            self.run.state_changed()
        self.covers = self.writes & set(progress["streams"])

    def _plan_catch_up(self) -> None:
        """A catch-up for the selected streams the reading does not cover, if any."""
        lacking = self.writes - self.covers
        kept = self.state.get("catch_up")
        if not lacking:
            if kept is not None:
                del self.state["catch_up"]  # a read in full covers them now
                self.run.state_changed()
            return
        if not (isinstance(kept, dict) and set(kept.get("streams", ())) == lacking):
            self.state["catch_up"] = {"streams": sorted(lacking)}
            self.run.state_changed()
        self.catch_up = StreamSync(
            self.run, self.account, self.stream, catch_up_for=frozenset(lacking)
        )
        version = self.state["catch_up"].get("backfill", {}).get("version")
        if version is None and self.run.activate_versions:
            version = self.run.version
        # What this read writes of those streams belongs to the catch-up's version, which
        # its ACTIVATE_VERSION keeps.
        self.stream_versions = dict.fromkeys(lacking, version)

    def _events_unusable(self, why: str) -> list[Task]:
        self.run.report.events_unusable(why, activates=self.run.activate_versions)
        return self._read_in_full(self.account.now)

    def _read_in_full(self, now: int) -> list[Task]:
        start = self.run.start_date
        version = self.run.version if self.run.activate_versions else None
        self.covers = self.writes
        backfill: dict[str, t.Any] = {
            "range": [start, now],
            "done": [],
            "version": version,
            "streams": sorted(self.covers),
        }
        if self.tracked:
            backfill["nested_items"] = {}  # moved into the state when the read completes
        self.state["backfill"] = backfill
        self.run.state_changed()
        return self._resume()

    def _read_range(self, since: int, now: int) -> list[Task]:
        # Objects of the bookmark's own second are read again: some may have come after it.
        self._covers(self.state)
        self.state["backfill"] = {"range": [since, now], "done": [], "streams": sorted(self.covers)}
        self.run.state_changed()
        return self._resume()

    def _resume(self) -> list[Task]:
        backfill = self.state["backfill"]
        self.mode = "list"
        self.version = backfill.get("version") or self.state.get("table_version")
        lo, hi = backfill["range"]
        done = [(a, b) for a, b in backfill["done"]]
        return [self._window(Chain(a, b)) for a, b in windows.gaps((lo, hi), done)]

    def _read_events(self, since: int, now: int) -> list[Task]:
        self._covers(self.state)
        self.mode = "events"
        self.version = self.state.get("table_version")
        params: list[tuple[str, t.Any]] = [("limit", client.PAGE_SIZE), ("created[gte]", since)]
        for stream in (self.stream, *self.child_events.values()):
            params += [("types[]", name) for name in stream.event_types]
        params += [("types[]", name) for name in self.changed_by]
        tasks = [self._events_page_task(params)]
        # What events do not announce is listed: objects created (Checkout Sessions), or
        # changed while unsettled (invoice items not yet invoiced).
        if self.stream.created_unannounced:
            tasks.append(self._window(Chain(since, now)))
        if self.stream.unsettled:
            tasks.append(self._window(Chain(self._unsettled_from(since), now)))
        return tasks

    def _unsettled_from(self, bookmark: int) -> int:
        """Where a re-list starts: the oldest object that could still change silently."""
        oldest = self.state.get("unsettled_since")
        return bookmark if oldest is None else min(bookmark, oldest)

    # -- tasks and their bookkeeping -----------------------------------------------------

    def _task(
        self,
        path: str,
        params: list[tuple[str, t.Any]],
        endpoint: str,
        on_body: Callable[[t.Any], Iterable[Task]],
        on_error: Callable[[Exception], Iterable[Task]] | None = None,
        *,
        shape: type[t.Any] = ListPage,
        permission: t.Any = None,
        stream: str | None = None,
    ) -> Task:
        self.outstanding += 1
        return Task(
            path,
            params,
            endpoint,
            on_body=partial(self._handle, on_body),
            on_error=partial(self._handle_error, on_error),
            account=self.account.header,
            permission=permission or self.stream.permission,
            shape=shape,
            stream=stream or self.stream.name,
        )

    def _handle(self, handler: Callable[[t.Any], Iterable[Task]], result: t.Any) -> list[Task]:
        self.outstanding -= 1
        tasks = [] if self.abandoned() else list(handler(result))
        return tasks + self._maybe_finish()

    def _handle_error(
        self, handler: Callable[[Exception], Iterable[Task]] | None, exc: Exception
    ) -> list[Task]:
        self.outstanding -= 1
        tasks: list[Task] = []
        if not self.abandoned():
            try:
                if handler is None:
                    raise exc
                tasks = list(handler(exc))
            except PermissionDeniedError as denied:
                self._skip(denied)
            except StopSyncError as lost:
                if not self.run.fails_one_account(lost):
                    raise
                self.account.fail(lost)
        return tasks + self._maybe_finish()

    def abandoned(self) -> bool:
        return self.skipped or self.account.failed

    def _skip(self, denied: PermissionDeniedError) -> None:
        # Whatever was written stays written, and state keeps what it covers: the next run
        # resumes there once the permission is granted.
        self.skipped = True
        self.run.report.skip(self.stream, denied.permission, self.account)

    def _maybe_finish(self) -> list[Task]:
        if self.outstanding or self.finished or self.abandoned():
            return []
        self.finished = True
        if self.mode == "events":
            self._finish_events()
        else:
            self._finish_list()
        self.run.read_ended(self, succeeded=True)
        return []

    # -- reading a range in windows ---------------------------------------------------

    def _window(self, chain: Chain) -> Task:
        self.chains.add(chain)
        return self._window_task(chain)

    def _window_task(self, chain: Chain) -> Task:
        params = [
            *self.stream.list_params(),
            ("created[gte]", chain.lo),
            ("created[lte]", chain.hi),
        ]
        if chain.cursor:
            params.append(("starting_after", chain.cursor))
        return self._task(
            self.stream.path,
            params,
            self.stream.path,
            partial(self._window_page, chain),
            partial(self._window_error, chain),
        )

    def _window_page(self, chain: Chain, body: ListPage) -> list[Task]:
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
            if self.mode == "events" and not self._newer(object_id, self._stripe_now(), now=True):
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
        mark = PageMark((low + 1, top) if has_more else (chain.lo, top), chain)
        chain.pages.append(mark)
        tasks = self._write_parents(written, mark)
        if has_more:
            tasks += self._go_on(chain, page, low)
        else:
            self.chains.discard(chain)
        self._settle(chain)
        self._foresee()
        return tasks

    def _page_items(self, raws: list[Raw]) -> list[Item]:
        """A page's objects, with the heads the window needs.

        Parents of nested lists, objects that may change silently and objects listed
        beside events need each head. Otherwise only the objects of the page's first
        second (some may have been written before) and of its last (where the next page
        goes on) are read into; the others are written as they came.
        """
        if self.children or self.stream.unsettled or self.mode == "events" or len(raws) < 3:
            return shapes.items(self.head, raws)
        decode = shapes.decoder(self.head)
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
        self.pages_read += 1
        pages = sum(1 + c.left for c in self.chains)
        engine = self.run.engine
        engine.foresee(self, self.stream.path, pages)
        for child in self.children:
            per_page = self.nested_made[child.name] / self.pages_read
            engine.foresee(self, child.path, pages * per_page)

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
            return self._hold_if_busy([self._window_task(chain)])
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
            )
            for a, b in windows.split(chain.lo, low, per_second, parts, size)
        ]
        return self._hold_if_busy([self._window(c) for c in new])

    def _window_error(self, chain: Chain, exc: Exception) -> list[Task]:
        if not isinstance(exc, CursorVanishedError):
            raise exc
        # The object paged from is gone (deleted, or no longer matching the filter).
        # Everything unwritten is at or before the last `created` written: list from there.
        chain.restarts = _restarted(
            chain.restarts, MAX_WINDOW_RESTARTS, f"Listing '{self.stream.name}' lost its place", exc
        )
        self.stream.logger.info(
            "The object Stripe was paging '%s' from vanished; listing again from %s.",
            self.stream.name,
            chain.low,
        )
        if chain.low is not None:
            chain.hi, chain.skip = chain.low, set(chain.at_low)
            chain.low, chain.at_low = None, set()
        chain.cursor = None
        return [self._window_task(chain)]

    def _settle(self, chain: Chain | None) -> None:
        """Pages whose nested lists are all written (in order) join the state's done ranges."""
        if chain is None:
            return
        covered = []
        while chain.pages and chain.pages[0].waiting == 0 and not chain.pages[0].failed:
            covered.append(chain.pages.popleft().cover)
        if covered and self.mode == "list":  # events mode keeps no progress: it is re-read
            backfill = self.state["backfill"]
            done = [(a, b) for a, b in backfill["done"]]
            for cover in covered:
                done = windows.merge(done, cover)
            backfill["done"] = [list(w) for w in done]
            self.run.state_changed()

    def _hold_if_busy(self, tasks: list[Task]) -> list[Task]:
        """More pages (of parents, of events) once the reads they brought are mostly done."""
        if self.waiting_reads < MAX_WAITING_READS:
            return tasks
        self.held += tasks
        return []

    def _release(self) -> list[Task]:
        if not self.held or self.waiting_reads >= MAX_WAITING_READS // 2:
            return []
        tasks, self.held = self.held, []
        return tasks

    def _finish_list(self) -> None:
        backfill = self.state["backfill"]
        lo, hi = backfill["range"]
        if windows.gaps((lo, hi), [(a, b) for a, b in backfill["done"]]):
            return  # a nested list could not be read: these pages are read again next run
        if version := backfill.get("version"):
            for stream in (self.stream, *self.children):
                if stream.selected and stream.name in self.covers:
                    self.run.output.activate_version(stream, version)
        if self.is_catch_up:
            self._caught_up(backfill)
            return
        if self.stream.unsettled:
            self.state["unsettled_since"] = backfill.get("unsettled_since")
        if "nested_items" in backfill:
            self._keep_items(backfill["nested_items"])
        self.state["replication_key"] = self.stream.replication_key
        self.state["replication_key_value"] = hi
        if backfill.get("version"):
            self.state["table_version"] = backfill["version"]
        del self.state["backfill"]
        self._record_covered()
        self.run.state_changed()

    def _record_covered(self) -> None:
        """The streams the bookmark now covers: those this read covers, and those a catch-up
        completed; a stream not selected this run is covered no longer."""
        before = set(self.state.get("streams", ()))
        self.state["streams"] = sorted((before & self.writes) | self.covers)

    def _caught_up(self, backfill: dict[str, t.Any]) -> None:
        """A catch-up read in full: its streams join those the stream's bookmark covers."""
        entry = self.entry
        entry["streams"] = sorted(set(entry.get("streams", ())) | self.writes)
        holders = [entry]
        if isinstance(entry.get("backfill"), dict):  # the stream's own read, under way
            progress = entry["backfill"]
            progress["streams"] = sorted(set(progress.get("streams", ())) | self.writes)
            if "nested_items" in progress:
                holders.append(progress)
        # The ids of long nested lists it kept, where the stream's own reads have none newer.
        for holder in holders:
            kept = holder.setdefault("nested_items", {})
            for name, parents in backfill.get("nested_items", {}).items():
                for parent_id, ids in parents.items():
                    kept.setdefault(name, {}).setdefault(parent_id, ids)
            if holder is entry and not any(kept.values()):
                del entry["nested_items"]
        del entry["catch_up"]
        self.run.state_changed()

    # -- writing parents and their nested lists -----------------------------------------

    def _write_parents(self, items: list[Item], mark: PageMark) -> list[Task]:
        tasks: list[Task] = []
        nested: list[tuple[StripeChildStream, list[Raw | bytes]]] = []
        for child in self.children:
            rows: list[Raw | bytes] = []
            if child.embedded_field is None:
                if self.mode == "list":  # in events mode, its own events tell its changes
                    tasks += self._listed_apart(child, items, mark)
                continue
            for item in items:
                embedded: shapes.EmbeddedList | None = getattr(item.head, child.embedded_field)
                if embedded is None:
                    continue
                parent_id = item.head.id
                entries = shapes.items(self.child_heads[child.name], embedded.data)
                rows += [self._child_row(child, entry, parent_id) for entry in entries]
                written = {entry.head.id for entry in entries}
                if not embedded.has_more:
                    self._read_whole(child, parent_id, written, keep=False)
                    continue
                keep = self._may_change(child, item.head)
                task = self._nested(child, parent_id, embedded.url, written, mark, keep=keep)
                if task is not None:
                    tasks.append(task)
            nested.append((child, rows))
        if self.stream.unsettled:
            self._note_unsettled(items)
        if self.write_self:
            self._write(self.stream, [item.raw for item in items])
        for child, rows in nested:
            self._write(child, rows)
        return tasks

    def _may_change(self, child: StripeChildStream, head: t.Any) -> bool:
        """Whether the parent's nested list can still change (and state keeps its ids)."""
        rule = self.tracked.get(child.name)
        return rule is not None and rule.holds(getattr(head, rule.field))

    @staticmethod
    def _child_row(child: StripeChildStream, entry: Item, parent_id: str) -> Raw | bytes:
        """A nested item as a record of its own: its JSON, with its parent's id if missing."""
        parent = getattr(entry.head, child.parent_key)
        if isinstance(parent, str):
            return entry.raw
        if parent is shapes.UNSET:
            return shapes.with_fields(entry.raw, {child.parent_key: parent_id})
        row = shapes.to_dict(entry.raw)  # present but null: replaced
        row[child.parent_key] = parent_id
        return shapes.encode(row)

    def _write(self, stream: StripeStream, rows: list[Raw | bytes]) -> None:
        version = self.stream_versions.get(stream.name, self.version)
        self.written += len(rows)
        self.run.meters.records(stream.name, self.account.id, len(rows))
        self.run.output.records(stream, rows, account=self.account.id, version=version)

    def _note_unsettled(self, items: list[Item]) -> None:
        field_name, value = t.cast("tuple[str, str | None]", self.stream.unsettled)
        for item in items:
            created = item.head.created
            if getattr(item.head, field_name) != value or created is None:
                continue
            if self.unsettled_since is None or created < self.unsettled_since:
                self.unsettled_since = created
        if self.mode == "list" and self.unsettled_since is not None:
            backfill = self.state["backfill"]  # kept with the progress, for a resumed read
            oldest = backfill.get("unsettled_since")
            backfill["unsettled_since"] = min(oldest or self.unsettled_since, self.unsettled_since)

    def _listed_apart(
        self, child: StripeChildStream, items: list[Item], mark: PageMark
    ) -> list[Task]:
        """A list Stripe keeps apart from its parent: listed for each parent, from its start."""
        tasks = []
        for item in items:
            task = self._nested(child, item.head.id, None, set(), mark)
            if task is not None:
                tasks.append(task)
        return tasks

    def _nested(
        self,
        child: StripeChildStream,
        parent_id: str,
        url: str | None,
        written: set[str],
        mark: PageMark,
        *,
        keep: bool = False,
    ) -> Task | None:
        if child.name in self.nested_denied:
            mark.failed = True  # read again next run, once the permission is granted
            return None
        mark.waiting += 1
        self.waiting_reads += 1
        self.nested_made[child.name] += 1
        url = url or child.nested_url(parent_id)
        return self._nested_task(NestedRead(child, parent_id, url, written, mark, keep), None)

    def _nested_task(self, read: NestedRead, after: str | None) -> Task:
        parts = urlsplit(read.url)
        params: list[tuple[str, t.Any]] = [*parse_qsl(parts.query), ("limit", client.PAGE_SIZE)]
        if after:
            params.append(("starting_after", after))
        return self._task(
            parts.path,
            params,
            read.child.path,
            partial(self._nested_page, read),
            partial(self._nested_error, read),
            permission=read.child.permission,
            stream=read.child.name,
        )

    def _nested_page(self, read: NestedRead, body: ListPage) -> list[Task]:
        page = shapes.items(self.child_heads[read.child.name], body.data)
        rows = []
        for entry in page:
            if entry.head.id in read.skip:
                continue
            read.skip.add(entry.head.id)
            rows.append(self._child_row(read.child, entry, read.parent_id))
        if rows:
            read.restarts = 0  # progress: only vanishing cursors in a row stop the read
        self._write(read.child, rows)
        if body.has_more and page:
            return [self._nested_task(read, after=page[-1].head.id)]
        self._read_whole(read.child, read.parent_id, read.skip, keep=read.keep)
        return self._nested_done(read)

    def _nested_error(self, read: NestedRead, exc: Exception) -> list[Task]:
        if isinstance(exc, PermissionDeniedError):
            # The parents are written, but not all their items: their pages stay unwritten
            # in state, so the next run reads them again; the report says what to grant.
            self.nested_denied.add(read.child.name)
            self.run.report.nested_unread(read.child, exc.permission, self.stream, self.account)
            read.mark.failed = True
            return self._nested_done(read)
        if isinstance(exc, NotFoundError):
            # Deleted since its page was listed (draft invoices can be): nothing left to read;
            # the deletion itself comes with the next run's events.
            self.stream.logger.info(
                "'%s' of %s: the parent was deleted during the sync.",
                read.child.name,
                read.parent_id,
            )
            return self._nested_done(read)
        if isinstance(exc, CursorVanishedError):
            what = f"The {read.child.name} of {read.parent_id} kept changing while they were listed"
            read.restarts = _restarted(read.restarts, MAX_NESTED_RESTARTS, what, exc)
            return [self._nested_task(read, after=None)]  # from its start, skipping the written
        raise exc

    def _nested_done(self, read: NestedRead) -> list[Task]:
        read.mark.waiting -= 1
        self.waiting_reads -= 1
        self._settle(read.mark.chain)
        return self._release()

    def _read_whole(
        self, child: StripeChildStream, parent_id: str, ids: set[str], *, keep: bool
    ) -> None:
        """A parent's nested list, all written: what it has now, and whether state keeps it."""
        if self.mode == "events":
            self.items_now[child.name][parent_id] = ids
            if keep:
                self.kept_parents[child.name].add(parent_id)
            return
        kept = self.state["backfill"].get("nested_items")
        if kept is None or child.name not in self.tracked:
            return
        if keep:
            kept.setdefault(child.name, {})[parent_id] = sorted(ids)
        elif parent_id in kept.get(child.name, ()):
            del kept[child.name][parent_id]  # read before this run resumed, and changed since

    def _keep_items(self, kept: dict[str, dict[str, list[str]]]) -> None:
        kept = {name: parents for name, parents in kept.items() if parents}
        if kept:
            self.state["nested_items"] = kept
        else:
            self.state.pop("nested_items", None)

    # -- reading events ------------------------------------------------------------------

    def _events_page_task(self, params: list[tuple[str, t.Any]]) -> Task:
        return self._task(
            "/v1/events",
            params,
            "/v1/events",
            partial(self._events_page, params),
            partial(self._events_error, params),
            shape=EventsPage,
            permission=EVENT_READ,
        )

    def _events_page(self, params: list[tuple[str, t.Any]], body: EventsPage) -> list[Task]:
        """Each object once, as the newest of its events has it (events come newest first),
        unless a listing or a fetch brings it as it is now."""
        changed: list[Item] = []
        tasks: list[Task] = []
        changed_by: dict[str, int] = {}  # objects another object's event changed, and when
        self.events_read += len(body.data)
        for event in body.data:
            item = shapes.items(self.head, [event.data.object])[0]
            object_id = item.head.id
            if item.head.object in self.child_events and isinstance(object_id, str):
                tasks += self._child_event(self.child_events[item.head.object], event)
                continue
            if event.type in self.changed_by:
                changed_id = shapes.field_of(event.data.object, self.changed_by[event.type])
                if isinstance(changed_id, str):
                    changed_by[changed_id] = max(event.created, changed_by.get(changed_id, 0))
                continue
            if item.head.object != self.stream.object_name:
                continue
            if not isinstance(object_id, str):
                continue  # a preview such as invoice.upcoming: not an object that exists
            self._note_items(object_id, item, event.data.previous_attributes)
            if not self._newer(object_id, event.created) or not self._in_scope(item.head):
                continue
            same_version = event.api_version == API_VERSION
            if self.stream.is_deletion(event.type):
                self._write_deleted(item, object_id, event.created, as_sent=same_version)
            elif same_version:
                changed.append(item)
            else:
                # data.object is rendered in the API version of the event's time, which the
                # schemas may not describe: fetch the object as it is now, in our version.
                tasks.append(self._fetch_task(object_id, event_item=item))
        tasks += self._write_parents(changed, PageMark((0, -1)))
        # After the page: the object's own event of the same second may follow the other's.
        tasks += [self._fetch_task(i) for i, at in changed_by.items() if self._stale(i, at)]
        if body.data and (self.events_oldest is None or body.data[-1].created < self.events_oldest):
            self.events_oldest = body.data[-1].created
            self.events_restarts = 0  # progress: only vanishing cursors in a row stop the read
        if body.has_more and body.data:
            after = [p for p in params if p[0] != "starting_after"]
            after.append(("starting_after", body.data[-1].id))
            tasks += self._hold_if_busy([self._events_page_task(after)])
        return tasks

    def _child_event(self, child: StripeChildStream, event: shapes.Event) -> list[Task]:
        """A nested object's own event: written as it is now, like a top-level object's."""
        entry = shapes.items(self.child_heads[child.name], [event.data.object])[0]
        if not self._newer(entry.head.id, event.created):
            return []
        if event.api_version == API_VERSION:
            self._write(child, [entry.raw])
            return []
        if child.embedded_field is None:
            return [self._fetch_task(entry.head.id, child)]
        # Stripe retrieves a fee refund only under its fee: the fee's list, read whole,
        # brings it as it is now (once per parent, however many of its items changed).
        parent_id = getattr(entry.head, child.parent_key)
        if not isinstance(parent_id, str) or (child.name, parent_id) in self.relisted:
            return []
        self.relisted.add((child.name, parent_id))
        task = self._nested(child, parent_id, None, set(), PageMark((0, -1)))
        return [task] if task is not None else []

    def _events_error(self, params: list[tuple[str, t.Any]], exc: Exception) -> list[Task]:
        if isinstance(exc, CursorVanishedError):
            # The event paged from is gone: the events are read again from the first page
            # (each object is still written once).
            what = f"Reading the events of '{self.stream.name}' lost its place"
            self.events_restarts = _restarted(self.events_restarts, MAX_WINDOW_RESTARTS, what, exc)
            self.stream.logger.info(
                "The event Stripe was paging '%s' from vanished; reading events again.",
                self.stream.name,
            )
            return [self._events_page_task([p for p in params if p[0] != "starting_after"])]
        if not isinstance(exc, PermissionDeniedError):
            raise exc
        self.account.events_readable = False
        return self._events_unusable(report.NO_EVENT_READ)

    def _note_items(self, object_id: str, item: Item, previous: Raw) -> None:
        """Nested items an event shows its parent had (at the event, or before its change)."""
        before = shapes.items(self.head, [previous])[0].head if previous != shapes.NULL else None
        for child in self.children:
            if child.embedded_field is None:
                continue
            seen = self.items_seen[child.name].setdefault(object_id, set())
            for head in (item.head, before):
                embedded = getattr(head, child.embedded_field, None) if head else None
                if embedded is not None:
                    entries = shapes.items(self.child_heads[child.name], embedded.data)
                    seen.update(e.head.id for e in entries if e.head.id)

    def _stale(self, object_id: str, changed_at: int) -> bool:
        """Whether an object another object's event changed at ``changed_at`` (a dispute its
        charge) must be read again: not if it is being fetched, or a copy at least as new
        was written."""
        if object_id in self.fetching:
            return False
        return self.copies.get(object_id, _NO_COPY) < (changed_at, False)

    def _newer(self, object_id: str, at: int, *, now: bool = False) -> bool:
        """Whether a copy of the object as it was at ``at`` (``now``: listed or fetched, as it
        is) is newer than any written this run; if so, it is the one written."""
        copy = (at, now)
        if copy <= self.copies.get(object_id, _NO_COPY):
            return False
        self.copies[object_id] = copy
        return True

    def _in_scope(self, head: t.Any) -> bool:
        """Whether the object was created at or after start_date, as the first sync read."""
        created = head.created
        return not isinstance(created, int) or created >= self.run.start_date

    def _stripe_now(self) -> int:
        return self.run.transport.now()

    def _fetch_task(
        self,
        object_id: str,
        child: StripeChildStream | None = None,
        *,
        event_item: Item | None = None,
    ) -> Task:
        """The object as it is now; ``event_item``: its newest event's copy, written if it is
        gone (a 404)."""
        stream = child or self.stream
        self.waiting_reads += 1
        self.fetching[object_id] = event_item
        return self._task(
            stream.object_url(object_id),
            [],
            stream.retrieve_endpoint,
            partial(self._fetched, object_id, child),
            partial(self._fetch_error, object_id, child),
            shape=Raw,
            permission=stream.permission,
            stream=stream.name,
        )

    def _fetched(self, object_id: str, child: StripeChildStream | None, raw: Raw) -> list[Task]:
        item = shapes.items(self.child_heads[child.name] if child else self.head, [raw])[0]
        tasks: list[Task] = []
        event_item = self.fetching.pop(object_id, None)
        self._newer(object_id, self._stripe_now(), now=True)
        if item.head.deleted:
            # A deleted customer is answered with its id and `"deleted": true`.
            self._gone(object_id, child, event_item)
        elif child is not None:
            self._write(child, [raw])
        elif self._in_scope(item.head):
            tasks = self._write_parents([item], PageMark((0, -1)))
        self.waiting_reads -= 1
        return tasks + self._release()

    def _fetch_error(
        self, object_id: str, child: StripeChildStream | None, exc: Exception
    ) -> list[Task]:
        if not isinstance(exc, NotFoundError):
            raise exc
        event_item = self.fetching.pop(object_id, None)
        self._newer(object_id, self._stripe_now(), now=True)
        self._gone(object_id, child, event_item)
        self.waiting_reads -= 1
        return self._release()

    def _gone(self, object_id: str, child: StripeChildStream | None, last: Item | None) -> None:
        """An object that no longer exists: written as its last event had it (or as its id
        alone, when no event brought it)."""
        when = self.account.now
        if child is None:
            self._write_deleted(last, object_id, when, as_sent=False)
        else:
            row = self._pinned(child, last.raw) if last else {"id": object_id}
            row[DELETED_AT] = _iso(when)
            self._write(child, [shapes.encode(row)])

    def _write_deleted(
        self, item: Item | None, object_id: str, when: int, *, as_sent: bool
    ) -> None:
        """A deletion: the object as it was (or its id alone) with ``_sdc_deleted_at`` set.

        ``as_sent``: the copy is in the pinned API version, written whole; a copy in another
        version keeps the fields the schema has, with values of its types, so that a target
        that upserts keeps a deleted product's name and price. Its nested items go with it:
        those it embeds here, and at the end of the run those its events or state show it
        had (``_finish_events``).
        """
        at = _iso(when)
        for child in self.children:
            if child.embedded_field is None:
                continue  # its own events tell what became of it
            embedded = getattr(item.head, child.embedded_field) if item else None
            entries = shapes.items(self.child_heads[child.name], embedded.data if embedded else ())
            rows: list[Raw | bytes] = []
            for entry in entries:
                child_row = self._child_row(child, entry, object_id)
                if not as_sent:
                    child_row = shapes.encode(self._pinned(child, child_row))
                rows.append(shapes.with_fields(child_row, {DELETED_AT: at}))
            self.items_now[child.name][object_id] = {e.head.id for e in entries}
            self._write(child, rows)
        if self.write_self:
            row: dict[str, t.Any] = {"id": object_id}
            if item is not None:
                row = shapes.to_dict(item.raw) if as_sent else self._pinned(self.stream, item.raw)
            row[DELETED_AT] = at
            self._write(self.stream, [shapes.encode(row)])

    @staticmethod
    def _pinned(stream: StripeStream, raw: Raw | bytes) -> dict[str, t.Any]:
        """An object of another API version, as far as the pinned schema describes it."""
        return stream.conforming_fields(shapes.to_dict(raw))

    def _finish_events(self) -> None:
        at = _iso(self.account.now)
        stored = self.state.get("nested_items", {})
        kept: dict[str, dict[str, list[str]]] = {}
        for child in self.children:
            kept[child.name] = parents = dict(stored.get(child.name, {}))
            rows: list[Raw | bytes] = []
            # Parents whose list was not read whole this run are left as they were.
            for parent_id, now in self.items_now[child.name].items():
                had = self.items_seen[child.name].get(parent_id, set())
                had = had.union(parents.pop(parent_id, ()))
                rows += [
                    shapes.encode({"id": item_id, child.parent_key: parent_id, DELETED_AT: at})
                    for item_id in sorted(had - now)
                ]
                if parent_id in self.kept_parents[child.name]:
                    parents[parent_id] = sorted(now)
            self._write(child, rows)
        self._keep_items(kept)
        if self.stream.unsettled:
            self.state["unsettled_since"] = self.unsettled_since
        if not self.nested_denied:
            # (Else some nested lists are unread: their parents' events are read again.)
            self.state["replication_key"] = self.stream.replication_key
            self.state["replication_key_value"] = self.account.now
        self._record_covered()
        self.run.state_changed()


_NO_COPY = (-1, False)


def _restarted(restarts: int, limit: int, what: str, last: CursorVanishedError) -> int:
    """One more restart of a read whose cursor vanished; more than ``limit`` in a row (without
    a page that wrote something new) stop the run, since the read would never end."""
    restarts += 1
    if restarts > limit:
        raise BadAnswerError(
            f"{what} ({restarts} times in a row: the objects it paged from kept disappearing; "
            f"the last answer's{last.request_id or ' Request-Id: none'}); run again later."
        )
    return restarts


def _iso(stamp: int) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).isoformat()
