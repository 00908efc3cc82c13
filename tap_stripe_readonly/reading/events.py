"""Change capture: what changed since the last run, from Stripe's events.

A stream is handed the events of its objects since its bookmark (less a margin for clocks
that disagree) by the account's one read of them (``event_feed.py``), and writes each
changed object once, as it is now (``copies.py``): the newest event's object when it speaks
the pinned API version, otherwise a fetch. Deletions are written with ``_sdc_deleted_at``. A
changed parent comes with its whole nested list, and the items its events (or state) show it
had that it no longer has are written deleted. Another object's events that change one of
the stream's (a dispute its charge) read that object again. What events do not announce is
listed first, beside them (``range_read.py``).
"""

from __future__ import annotations

import typing as t

from tap_stripe_readonly import report, shapes
from tap_stripe_readonly.client import API_VERSION, DELETED_AT
from tap_stripe_readonly.reading import coverage
from tap_stripe_readonly.reading.copies import Copies, iso
from tap_stripe_readonly.reading.event_feed import Subscriber
from tap_stripe_readonly.reading.nested import PageMark
from tap_stripe_readonly.reading.range_read import Chain, RangeRead, list_parts

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_stripe_readonly.client import StripeChildStream
    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.event_feed import EventsFeed
    from tap_stripe_readonly.reading.nested import NestedLists
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import Event, Item, Raw


class EventsRead:
    """The events of one stream's objects since its bookmark."""

    def __init__(
        self,
        read: StreamRead,
        nested: NestedLists,
        feed: EventsFeed,
        fall_back: Callable[[str], list[Task]],
    ) -> None:
        self.read = read
        self.nested = nested
        self.feed = feed
        #: A read in full instead, for a reason (report.NO_EVENT_READ): no Events permission.
        self.fall_back = fall_back
        self.copies = Copies(read, nested, self._deleted_items)
        self.relist = RangeRead(read, nested, beside_events=self.listed)
        children = read.children
        # Nested streams with events of their own (a customer's payment methods).
        self.child_events = {c.object_name: c for c in children if c.event_types}
        self.changed_by = {
            event_type: rule.field
            for rule in read.stream.changed_rules()
            for event_type in rule.event_types
        }
        # Per nested stream and parent, the items its events show it had, and those it has
        # now, once its whole list is written (a deleted parent: those written deleted); the
        # difference was removed from it. Then the parents whose ids state keeps.
        self.items_seen: dict[str, dict[str, set[str]]] = {c.name: {} for c in children}
        self.items_now: dict[str, dict[str, set[str]]] = {c.name: {} for c in children}
        self.kept_parents: dict[str, set[str]] = {c.name: set() for c in children}
        self.relisted: set[tuple[str, str]] = set()  # nested lists read for an item's event
        self.events_read = 0
        self.listed_ids: set[str] = set()  # listed beside the events
        #: With a re-list of the unsettled ones alone: those state knew (else None).
        self.known_unsettled: set[str] | None = None

    @property
    def pages_read(self) -> int:
        return self.relist.pages_read

    @property
    def chains(self) -> set[Chain]:
        return self.relist.chains

    def start(self, since: int, now: int) -> list[Task]:
        read = self.read
        coverage.read_covers(read, read.state)
        read.mode = "events"
        read.version = read.state.get("table_version")
        self.nested.on_whole = self._whole
        # What events do not announce is listed first: objects created (Checkout Sessions),
        # or changed while unsettled (invoice items not yet invoiced, if state says some are).
        # The events are taken after: an event's copy of an object listed already is older,
        # and is not written.
        relist: list[Task] = []
        parts = [filters for _, filters in list_parts(read.stream)]
        if read.stream.created_unannounced:
            relist += [self.relist.window(Chain(since, now, filters=f)) for f in parts]
        if read.stream.unsettled and (oldest := read.unsettled_from()) is not None:
            unsettled: tuple[tuple[str, str], ...] = ()
            if read.stream.unsettled_list and "unsettled_ids" in read.state:
                # Stripe lists the unsettled ones alone: those (at the end, the ones that
                # settled since are fetched).
                self.known_unsettled = set(read.state["unsettled_ids"])
                unsettled = tuple(read.stream.unsettled_list.items())
            relist += [
                self.relist.window(Chain(min(since, oldest), now, filters=(*f, *unsettled)))
                for f in parts
            ]
        subscriber = Subscriber(
            read,
            since,
            read.stream.events_read(),
            take=self.take,
            fall_back=lambda: self.fall_back(report.NO_EVENT_READ),
            at_end=self._settled_since,
            ready=not relist,
        )
        self.feed.join(subscriber)
        if relist:
            self.relist.then = lambda: self.feed.ready(subscriber)
        return relist

    def _settled_since(self) -> list[Task]:
        """The objects state knew unsettled that the re-list no longer shows so, and no event
        brought: settled silently (an invoice item now invoiced), fetched as they are now.
        Only once every event is taken, so that a deletion's event keeps its fields."""
        copies = self.copies
        return [
            copies.fetch(object_id)
            for object_id in sorted((self.known_unsettled or set()) - self.listed_ids)
            if object_id not in copies.written and object_id not in copies.fetching
        ]

    def listed(self, object_id: str) -> bool:
        """An object listed beside the events, as it is now: written unless already so."""
        self.listed_ids.add(object_id)
        return self.copies.newer(object_id, self.read.seam.stripe_now(), now=True)

    def _settled_unlisted(self, item: Item) -> bool:
        """An event's copy shows the object unsettled, but the re-list of the unsettled ones
        did not list it: it has settled since (an invoice item invoiced)."""
        return (
            self.known_unsettled is not None
            and self.read.is_unsettled(item.head)
            and item.head.id not in self.listed_ids
        )

    # -- the events it is handed ------------------------------------------------------------------

    def take(self, events: list[tuple[Raw, Event]]) -> list[Task]:
        """Each object once, as the newest of its events has it (events come newest first),
        unless a listing or a fetch brings it as it is now."""
        read, copies = self.read, self.copies
        changed: list[Item] = []
        tasks: list[Task] = []
        changed_by: dict[str, int] = {}  # objects another object's event changed, and when
        self.events_read += len(events)
        for _, event in events:
            item = shapes.items(read.head, [event.data.object])[0]
            object_id = item.head.id
            if event.type in self.changed_by:
                changed_id = shapes.field_of(event.data.object, self.changed_by[event.type])
                if isinstance(changed_id, str):
                    changed_by[changed_id] = max(event.created, changed_by.get(changed_id, 0))
            if item.head.object in self.child_events and isinstance(object_id, str):
                # (A customer's tax id is its own record and changes its customer too.)
                tasks += self._child_event(self.child_events[item.head.object], event)
                continue
            if event.type in self.changed_by:
                continue
            if item.head.object != read.stream.object_name:
                continue
            if not isinstance(object_id, str):
                continue  # a preview such as invoice.upcoming: not an object that exists
            self._note_items(object_id, item, event.data.previous_attributes)
            if not copies.newer(object_id, event.created) or not copies.in_scope(item.head):
                continue
            same_version = event.api_version == API_VERSION
            if read.stream.is_deletion(event.type):
                copies.write_deleted(item, object_id, event.created, as_sent=same_version)
            elif same_version and not read.stream.expand and not self._settled_unlisted(item):
                changed.append(item)
            else:
                # data.object is rendered in the API version of the event's time, which the
                # schemas may not describe, or lacks the fields only an expand brings, or is
                # stale: the object as it is now, fetched.
                tasks.append(copies.fetch(object_id, event_item=item))
        tasks += self.nested.write_parents(changed, PageMark((0, -1)))
        # After the page: the object's own event of the same second may follow the other's.
        tasks += [copies.fetch(i) for i, at in changed_by.items() if copies.stale(i, at)]
        return tasks

    def _child_event(self, child: StripeChildStream, event: shapes.Event) -> list[Task]:
        """A nested object's own event: written as it is now, like a top-level object's."""
        read = self.read
        entry = shapes.items(self.nested.child_heads[child.name], [event.data.object])[0]
        if not self.copies.newer(entry.head.id, event.created):
            return []
        if event.api_version == API_VERSION:
            read.write(child, [entry.raw])
            return []
        if child.embedded_field is None and child.retrieved_alone:
            return [self.copies.fetch(entry.head.id, child)]
        # Stripe retrieves a fee refund only under its fee (a cash balance transaction under
        # its customer): the parent's list, read whole, brings it as it is now (once per
        # parent, however many of its items changed).
        parent_id = getattr(entry.head, child.parent_key)
        if not isinstance(parent_id, str) or (child.name, parent_id) in self.relisted:
            return []
        self.relisted.add((child.name, parent_id))
        task = self.nested.nested(child, parent_id, None, set(), PageMark((0, -1)))
        return [task] if task is not None else []

    def _note_items(self, object_id: str, item: Item, previous: Raw) -> None:
        """Nested items an event shows its parent had (at the event, or before its change)."""
        read = self.read
        before = shapes.items(read.head, [previous])[0].head if previous != shapes.NULL else None
        for child in read.children:
            if child.embedded_field is None:
                continue
            seen = self.items_seen[child.name].setdefault(object_id, set())
            for head in (item.head, before):
                embedded = getattr(head, child.embedded_field, None) if head else None
                if embedded is not None:
                    entries = shapes.items(self.nested.child_heads[child.name], embedded.data)
                    seen.update(e.head.id for e in entries if e.head.id)

    def _whole(self, child: StripeChildStream, parent_id: str, ids: set[str], keep: bool) -> None:
        """A parent's nested list read whole: what it has now."""
        self.items_now[child.name][parent_id] = ids
        if keep:
            self.kept_parents[child.name].add(parent_id)

    def _deleted_items(self, child: StripeChildStream, parent_id: str, ids: set[str]) -> None:
        self.items_now[child.name][parent_id] = ids

    # -- the end ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Items removed from the parents that changed are written deleted; the bookmark moves
        to this run's start (unless some nested lists could not be read)."""
        read = self.read
        state = read.state
        at = iso(read.account.now)
        stored = state.get("nested_items", {})
        kept: dict[str, dict[str, list[str]]] = {}
        for child in read.children:
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
                if parent_id in self.kept_parents[child.name] and now:
                    parents[parent_id] = sorted(now)
            read.write(child, rows)
        read.keep_items(kept)
        if read.stream.unsettled:
            read.keep_unsettled(read.unsettled)
        if not self.nested.denied:
            # (Else some nested lists are unread: their parents' events are read again.)
            state["replication_key"] = read.stream.replication_key
            state["replication_key_value"] = read.account.now
        coverage.record_covered(read)
        read.seam.state_changed()
