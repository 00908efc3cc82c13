"""One read of Stripe's events per account per run, shared by every stream that reads them.

Stripe allots each account a number of read requests a month; a quiet scheduled run must cost
a few, whatever the number of streams. So the events since the oldest bookmark among the
streams that read them are paged once (with ``types[]`` when all their types fit Stripe's 20,
unfiltered otherwise), and each event is handed to the streams it concerns, each from its own
bookmark: a stream selected later, or whose last run failed, still reads only what it misses.
The first page is the account's first request (it tells Stripe's time and whether the key may
read events); a stream that lists what events do not announce first (``range_read.py``) is
handed the events once its listing is done, so that an event's older copy never follows it.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from tap_stripe_readonly import client, shapes
from tap_stripe_readonly.engine import Task
from tap_stripe_readonly.errors import CursorVanishedError, PermissionDeniedError, StopSyncError
from tap_stripe_readonly.permissions import EVENT_READ
from tap_stripe_readonly.reading.vanishing import restarted
from tap_stripe_readonly.shapes import Event, ListPage

if t.TYPE_CHECKING:
    from collections.abc import Callable, Collection

    from tap_stripe_readonly.reading.seam import Account, Seam
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import Raw

# Stripe takes at most this many types[] in one list of events.
MAX_TYPES = 20
MAX_FEED_RESTARTS = 5


@dataclass(eq=False)
class Subscriber:
    """A stream's read of the events since its own bookmark: held open until the account's
    events are read to their end, or cannot be read."""

    read: StreamRead
    since: int
    types: frozenset[str] | None  # None: every event (the events stream)
    take: Callable[[list[tuple[Raw, Event]]], list[Task]]  # the events that concern it
    fall_back: Callable[[], list[Task]]  # the events cannot be read: it reads in full
    at_end: Callable[[], list[Task]] = list  # what it reads once it has every event
    ready: bool = True  # False until what it lists first is listed
    done: bool = False
    waiting: list[tuple[Raw, Event]] = field(default_factory=list)  # events kept till ready

    def concerns(self, event: Event) -> bool:
        return event.created >= self.since and (self.types is None or event.type in self.types)

    def alive(self) -> bool:
        return not self.read.abandoned()  # not skipped, its account not failed

    def end(self, tasks: list[Task]) -> list[Task]:
        """It ends with ``tasks`` (its own end, or its read in full instead)."""
        self.done = True
        self.read.outstanding -= 1
        return tasks + self.read.maybe_finish()


class EventsFeed:
    """The events of one account since the oldest bookmark of the streams that read them."""

    def __init__(
        self, seam: Seam, account: Account, since: int, types: Collection[str] | None
    ) -> None:
        self.seam = seam
        self.account = account
        #: Where the read starts, and what it asks for (None: every event).
        self.since = since
        self.types = None if types is None or len(types) > MAX_TYPES else sorted(types)
        self.subscribers: list[Subscriber] = []
        self.finished = False
        self.restarts = 0
        self.oldest: int | None = None  # `created` of the oldest event read
        self._first: tuple[list[tuple[Raw, Event]], bool] | None = None  # the first page

    def covers(self, since: int, types: Collection[str] | None) -> bool:
        """Whether a stream reading from ``since`` the events of ``types`` is served."""
        served = self.types is None or (types is not None and set(types) <= set(self.types))
        return since >= self.since and served

    def join(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)
        subscriber.read.outstanding += 1  # until the events are read to their end

    # -- the pages ---------------------------------------------------------------------------

    def first_task(
        self,
        on_first: Callable[[], list[Task]],
        on_error: Callable[[Exception], list[Task]],
    ) -> Task:
        """The account's first request: the first page, kept until the streams joined
        (``on_first`` starts them); ``on_error`` for what it answers instead."""

        def first(body: ListPage) -> list[Task]:
            self._first = (_events(body.data), body.has_more)
            return on_first() + self.deliver_first()

        task = self._task(None, first)
        task.on_error = on_error
        return task

    def deliver_first(self) -> list[Task]:
        """The first page, to the streams that joined (once they all did)."""
        if self._first is None:
            return []
        events, has_more = self._first
        self._first = None
        return self._route(events, has_more)

    def _params(self, after: str | None) -> list[tuple[str, t.Any]]:
        params: list[tuple[str, t.Any]] = [
            ("limit", client.PAGE_SIZE),
            ("created[gte]", self.since),
        ]
        params += [("types[]", name) for name in self.types or ()]
        if after:
            params.append(("starting_after", after))
        return params

    def _task(self, after: str | None, on_page: Callable[[ListPage], list[Task]]) -> Task:
        return Task(
            "/v1/events",
            self._params(after),
            "/v1/events",
            on_body=on_page,
            on_error=self._error,
            account=self.account.header,
            permission=EVENT_READ,
        )

    def _page(self, body: ListPage) -> list[Task]:
        if self.account.failed:
            return []
        return self._route(_events(body.data), body.has_more)

    def _route(self, events: list[tuple[Raw, Event]], has_more: bool) -> list[Task]:
        if not any(subscriber.alive() for subscriber in self.subscribers):
            self.finished = True  # no stream reads events after all (or none may any more)
            return []
        tasks: list[Task] = []
        for subscriber in self.subscribers:
            if not subscriber.alive():
                continue
            mine = [pair for pair in events if subscriber.concerns(pair[1])]
            if not subscriber.ready:
                subscriber.waiting += mine
            elif mine:
                tasks += subscriber.take(mine)
        if events and (self.oldest is None or events[-1][1].created < self.oldest):
            self.oldest = events[-1][1].created
            self.restarts = 0  # progress: only vanishing cursors in a row stop the read
        if has_more and events:
            following = [self._task(events[-1][1].id, self._page)]
            for subscriber in self.subscribers:  # held while a stream has many reads waiting
                if following and subscriber.alive():
                    following = subscriber.read.hold_if_busy(following)
            return tasks + following
        self.finished = True
        return tasks + self._end()

    def ready(self, subscriber: Subscriber) -> list[Task]:
        """``subscriber`` listed what it lists first: the events kept for it, and its end if
        the feed ended meanwhile."""
        subscriber.ready = True
        waiting, subscriber.waiting = subscriber.waiting, []
        tasks = subscriber.take(waiting) if waiting else []
        return tasks + (self._end() if self.finished else [])

    def _end(self) -> list[Task]:
        tasks: list[Task] = []
        for subscriber in self.subscribers:
            if subscriber.ready and not subscriber.done:
                tasks += subscriber.end(subscriber.at_end())
        return tasks

    def _error(self, exc: Exception) -> list[Task]:
        if isinstance(exc, CursorVanishedError):
            # The event paged from is gone: the events are read again from the first page
            # (each object is still written once).
            what = "Reading the account's events lost its place"
            self.restarts = restarted(self.restarts, MAX_FEED_RESTARTS, what, exc)
            return [self._task(None, self._page)]
        if isinstance(exc, PermissionDeniedError):
            # The key may no longer read events: each stream reads in full instead.
            self.finished = True
            self.account.events_readable = False
            tasks: list[Task] = []
            for subscriber in self.subscribers:
                if not subscriber.done and subscriber.alive():
                    tasks += subscriber.end(subscriber.fall_back())
                subscriber.done = True
            return tasks
        if isinstance(exc, StopSyncError) and self.seam.fails_one_account(exc):
            self.account.fail(exc)
            return []
        raise exc


_decode_event = shapes.decoder(Event)


def _events(raws: list[Raw]) -> list[tuple[Raw, Event]]:
    """A page's events: each as Stripe sent it, and decoded."""
    return [(raw, _decode_event(raw)) for raw in raws]
