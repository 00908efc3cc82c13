"""Which copy of a changed object a run writes, and what it writes of one that is gone.

In events mode an object can arrive several times: as its events had it (newest first), as a
listing or a fetch has it now. The newest is the one the target keeps: a listing or a fetch
over an event's copy, among events the newest; an older copy is never written after a newer
one. An event in another API version than the pinned one is not written: the object is
fetched as it is now. A deletion is written as the newest event had the object, whole in the
pinned version, and otherwise with the fields the pinned schema has, so that an upserting
target keeps a deleted product's name; the id alone only when no event brought it.
"""

from __future__ import annotations

import datetime
import typing as t
from functools import partial

from tap_stripe_readonly import shapes
from tap_stripe_readonly.client import DELETED_AT
from tap_stripe_readonly.errors import NotFoundError
from tap_stripe_readonly.reading.nested import PageMark
from tap_stripe_readonly.shapes import Raw

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_stripe_readonly.client import StripeChildStream, StripeStream
    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.nested import NestedLists
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import Item

NO_COPY = (-1, False)


def iso(stamp: int) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).isoformat()


class Copies:
    """The copies of one stream's objects written in this run (events mode)."""

    def __init__(
        self,
        read: StreamRead,
        nested: NestedLists,
        deleted_items: Callable[[StripeChildStream, str, set[str]], None],
    ) -> None:
        self.read = read
        self.nested = nested
        #: Told the items a deleted parent embedded (written deleted with it).
        self.deleted_items = deleted_items
        # Per object, (the time its copy shows it at, whether it is the object now).
        self.written: dict[str, tuple[int, bool]] = {}
        # The objects being fetched, with the event that asked (if one did).
        self.fetching: dict[str, Item | None] = {}
        # The objects written deleted this run (with their nested items).
        self.deleted: set[str] = set()

    def newer(self, object_id: str, at: int, *, now: bool = False) -> bool:
        """Whether a copy of the object as it was at ``at`` (``now``: listed or fetched, as it
        is) is newer than any written this run; if so, it is the one written."""
        copy = (at, now)
        if copy <= self.written.get(object_id, NO_COPY):
            return False
        self.written[object_id] = copy
        return True

    def stale(self, object_id: str, changed_at: int) -> bool:
        """Whether an object another object's event changed at ``changed_at`` (a dispute its
        charge) must be read again: not if it is being fetched, or a copy at least as new
        was written."""
        if object_id in self.fetching:
            return False
        return self.written.get(object_id, NO_COPY) < (changed_at, False)

    def in_scope(self, head: t.Any) -> bool:
        """Whether the object was created at or after start_date, as the first sync read."""
        created = head.created
        return not isinstance(created, int) or created >= self.read.seam.settings.start_date

    # -- fetches ---------------------------------------------------------------------------------

    def fetch(
        self,
        object_id: str,
        child: StripeChildStream | None = None,
        *,
        event_item: Item | None = None,
    ) -> Task:
        """The object as it is now; ``event_item``: its newest event's copy, written if it is
        gone (a 404)."""
        read = self.read
        stream = child or read.stream
        read.waiting_reads += 1
        self.fetching[object_id] = event_item
        return read.retrieve(
            stream,
            object_id,
            partial(self._fetched, object_id, child),
            partial(self._fetch_error, object_id, child),
        )

    def _fetched(self, object_id: str, child: StripeChildStream | None, raw: Raw) -> list[Task]:
        read = self.read
        head = self.nested.child_heads[child.name] if child else read.head
        item = shapes.items(head, [raw])[0]
        tasks: list[Task] = []
        event_item = self.fetching.pop(object_id, None)
        self.newer(object_id, read.seam.stripe_now(), now=True)
        if item.head.deleted:
            # A deleted customer is answered with its id and `"deleted": true`.
            self.gone(object_id, child, event_item)
        elif child is not None:
            read.write(child, [raw])
        elif self.in_scope(item.head):
            tasks = self.nested.write_parents([item], PageMark((0, -1)))
        read.waiting_reads -= 1
        return tasks + read.release()

    def _fetch_error(
        self, object_id: str, child: StripeChildStream | None, exc: Exception
    ) -> list[Task]:
        if not isinstance(exc, NotFoundError):
            raise exc
        read = self.read
        event_item = self.fetching.pop(object_id, None)
        self.newer(object_id, read.seam.stripe_now(), now=True)
        self.gone(object_id, child, event_item)
        read.waiting_reads -= 1
        return read.release()

    # -- deletions -------------------------------------------------------------------------------

    def gone(self, object_id: str, child: StripeChildStream | None, last: Item | None) -> None:
        """An object that no longer exists: written as its last event had it (or as its id
        alone, when no event brought it)."""
        if object_id in self.deleted:
            # Its deletion's event came while it was being fetched (another object's event
            # asked for it: an invoice item of a draft deleted with it), and wrote it and its
            # items already.
            return
        when = self.read.account.now
        if child is None:
            self.write_deleted(last, object_id, when, as_sent=False)
        else:
            row = pinned(child, last.raw) if last else {"id": object_id}
            row[DELETED_AT] = iso(when)
            self.read.write(child, [shapes.encode(row)])

    def write_deleted(self, item: Item | None, object_id: str, when: int, *, as_sent: bool) -> None:
        """A deletion: the object as it was (or its id alone) with ``_sdc_deleted_at`` set.

        ``as_sent``: the copy is in the pinned API version, written whole; a copy in another
        version keeps the fields the schema has, with values of its types. Its nested items go
        with it: those it embeds here, and at the end of the run those its events or state
        show it had (``EventsRead.finish``).
        """
        read = self.read
        self.deleted.add(object_id)
        at = iso(when)
        for child in read.children:
            if child.embedded_field is None:
                if child.name in self.nested.tracked:
                    # Kept apart, and its items in state: those go with it (end of the run).
                    self.deleted_items(child, object_id, set())
                continue  # else its own events tell what became of it
            embedded = getattr(item.head, child.embedded_field) if item else None
            head = self.nested.child_heads[child.name]
            entries = shapes.items(head, embedded.data if embedded else ())
            rows: list[Raw | bytes] = []
            for entry in entries:
                child_row = self.nested.child_row(child, entry, object_id)
                if not as_sent:
                    child_row = shapes.encode(pinned(child, child_row))
                rows.append(shapes.with_fields(child_row, {DELETED_AT: at}))
            self.deleted_items(child, object_id, {e.head.id for e in entries})
            read.write(child, rows)
        if read.write_self:
            row: dict[str, t.Any] = {"id": object_id}
            if item is not None:
                row = shapes.to_dict(item.raw) if as_sent else pinned(read.stream, item.raw)
            row[DELETED_AT] = at
            read.write(read.stream, [shapes.encode(row)])


def pinned(stream: StripeStream, raw: Raw | bytes) -> dict[str, t.Any]:
    """An object of another API version, as far as the pinned schema describes it."""
    return stream.conforming_fields(shapes.to_dict(raw))
