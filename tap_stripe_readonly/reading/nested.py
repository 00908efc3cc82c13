"""The nested lists of a page of parents (invoice lines, subscription items, a customer's
payment methods), whichever way the parents were read.

A parent embeds the first page of its list (up to 10 items) with ``has_more`` and a ``url``:
the embedded items are written with their parent, and the rest of the list is read from its
start (skipping what was written) only when Stripe says there is more. A list Stripe keeps
apart from its parent (a customer's payment methods) is read for every parent. A page of
parents counts as written only once its nested lists are (``PageMark``), so state never
covers a parent whose items are not out. For a parent whose list is longer than the embedded
page and can still change (a draft invoice), state keeps the ids of its items, so that an item
removed past the first 10 is found when the parent next changes.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qsl, urlsplit

from tap_stripe_readonly import client, shapes
from tap_stripe_readonly.errors import CursorVanishedError, NotFoundError, PermissionDeniedError
from tap_stripe_readonly.reading.vanishing import restarted

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from tap_stripe_readonly.client import ChangesWhile, StripeChildStream
    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.reading.windows import Window
    from tap_stripe_readonly.shapes import Item, ListPage, Raw

# A nested list whose cursor keeps vanishing is listed again from its start this many times.
MAX_NESTED_RESTARTS = 3


@dataclass(eq=False)
class PageMark:
    """A page of parents: what it completes (``cover``), once its nested lists are written
    too; then ``settle`` (the read that listed the page) records it."""

    cover: Window
    settle: Callable[[], None] | None = None
    waiting: int = 0
    failed: bool = False  # a nested list could not be read: never counts as written


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


class NestedLists:
    """Writes pages of parents with their nested lists, for one stream's read."""

    def __init__(self, read: StreamRead) -> None:
        self.read = read
        stream, children = read.stream, read.children
        # The nested streams whose item ids state keeps (for long parents that can change).
        self.tracked: dict[str, ChangesWhile] = {
            c.name: c.changes_while
            for c in children
            if c.changes_while and stream.event_types and read.seam.settings.capture_changes
        }
        self.child_heads = {c.name: shapes.head_type(type(c)) for c in children}
        self.made: dict[str, int] = {c.name: 0 for c in children}  # nested reads, per stream
        self.denied: set[str] = set()
        #: Told each parent's complete list of items: by default a read in full's state keeps
        #: the ids of those that can still change; events mode sets its own.
        self.on_whole: Callable[[StripeChildStream, str, set[str], bool], None] = self.keep

    def write_parents(self, items: list[Item], mark: PageMark) -> list[Task]:
        read = self.read
        tasks: list[Task] = []
        nested: list[tuple[StripeChildStream, list[Raw | bytes]]] = []
        for child in read.children:
            rows: list[Raw | bytes] = []
            if child.embedded_field is None:
                # In events mode, a list with events of its own is told its changes by them;
                # one without (a product's features) is listed again for each parent that
                # changed.
                if read.mode != "events" or not child.event_types:
                    read_apart = self._referenced if child.referenced_by else self._listed_apart
                    tasks += read_apart(child, items, mark)
                continue
            for item in items:
                embedded: shapes.EmbeddedList | None = getattr(item.head, child.embedded_field)
                if embedded is None:
                    continue
                parent_id = item.head.id
                entries = shapes.items(self.child_heads[child.name], embedded.data)
                rows += [self.child_row(child, entry, parent_id) for entry in entries]
                written = {entry.head.id for entry in entries}
                if not embedded.has_more:
                    self.on_whole(child, parent_id, written, False)
                    continue
                keep = self._may_change(child, item.head)
                task = self.nested(child, parent_id, embedded.url, written, mark, keep=keep)
                if task is not None:
                    tasks.append(task)
            nested.append((child, rows))
        if read.stream.unsettled:
            read.note_unsettled(items)
        if read.write_self:
            read.write(read.stream, [item.raw for item in items])
        for child, rows in nested:
            read.write(child, rows)
        return tasks

    def _may_change(self, child: StripeChildStream, head: t.Any) -> bool:
        """Whether the parent's nested list can still change (and state keeps its ids)."""
        rule = self.tracked.get(child.name)
        return rule is not None and rule.holds(getattr(head, rule.field))

    @staticmethod
    def child_row(child: StripeChildStream, entry: Item, parent_id: str) -> Raw | bytes:
        """A nested item as a record of its own: its JSON, with its parent's id if missing."""
        parent = getattr(entry.head, child.parent_key)
        if isinstance(parent, str):
            return entry.raw
        if parent is shapes.UNSET:
            return shapes.with_fields(entry.raw, {child.parent_key: parent_id})
        row = shapes.to_dict(entry.raw)  # present but null: replaced
        row[child.parent_key] = parent_id
        return shapes.encode(row)

    def _listed_apart(
        self, child: StripeChildStream, items: list[Item], mark: PageMark
    ) -> list[Task]:
        """A list Stripe keeps apart from its parent: listed for each parent, from its start."""
        tasks = []
        for item in items:
            url = None
            if child.listed_by is not None:
                value = getattr(item.head, child.listed_by)
                if not isinstance(value, str):
                    continue  # (a linked account whose owners were never asked for)
                url = child.nested_url(item.head.id, value)
            keep = self._may_change(child, item.head)
            task = self.nested(child, item.head.id, url, set(), mark, keep=keep)
            if task is not None:
                tasks.append(task)
        return tasks

    def _referenced(
        self, child: StripeChildStream, items: list[Item], mark: PageMark
    ) -> list[Task]:
        """The object each parent names by id (a charge's review), fetched (a 404: gone
        since, nothing to write)."""
        field = t.cast("str", child.referenced_by)
        tasks = []
        for item in items:
            object_id = getattr(item.head, field)
            if not isinstance(object_id, str):
                continue
            if child.name in self.denied:
                mark.failed = True  # read again next run, once the permission is granted
                continue
            mark.waiting += 1
            self.read.waiting_reads += 1
            self.made[child.name] += 1
            fetched = partial(self._fetched, child, mark)
            failed = partial(self._fetch_error, child, mark)
            tasks.append(self.read.retrieve(child, object_id, fetched, failed))
        return tasks

    def _fetched(self, child: StripeChildStream, mark: PageMark, raw: Raw) -> list[Task]:
        self.read.write(child, [raw])
        return self._finished(mark)

    def _fetch_error(self, child: StripeChildStream, mark: PageMark, exc: Exception) -> list[Task]:
        if isinstance(exc, PermissionDeniedError):
            self._denied(child, exc, mark)
        elif not isinstance(exc, NotFoundError):
            raise exc
        return self._finished(mark)

    def nested(
        self,
        child: StripeChildStream,
        parent_id: str,
        url: str | None,
        written: set[str],
        mark: PageMark,
        *,
        keep: bool = False,
    ) -> Task | None:
        """A read of a parent's nested list from its start (``url``: where Stripe said it is),
        skipping the ``written``."""
        if child.name in self.denied:
            mark.failed = True  # read again next run, once the permission is granted
            return None
        mark.waiting += 1
        self.read.waiting_reads += 1
        self.made[child.name] += 1
        url = url or child.nested_url(parent_id)
        return self._task(NestedRead(child, parent_id, url, written, mark, keep), None)

    def _task(self, nested: NestedRead, after: str | None) -> Task:
        parts = urlsplit(nested.url)
        params: list[tuple[str, t.Any]] = [*parse_qsl(parts.query)]
        if nested.child.paged:
            params.append(("limit", client.PAGE_SIZE))
        if after:
            params.append(("starting_after", after))
        return self.read.task(
            parts.path,
            params,
            nested.child.path,
            partial(self._page, nested),
            partial(self._error, nested),
            permission=nested.child.permission,
            stream=nested.child.name,
        )

    def _page(self, nested: NestedRead, body: ListPage) -> list[Task]:
        page = shapes.items(self.child_heads[nested.child.name], body.data)
        rows = []
        for entry in page:
            if entry.head.id in nested.skip:
                continue
            nested.skip.add(entry.head.id)
            rows.append(self.child_row(nested.child, entry, nested.parent_id))
        if rows:
            nested.restarts = 0  # progress: only vanishing cursors in a row stop the read
        self.read.write(nested.child, rows)
        if body.has_more and page:
            return [self._task(nested, after=page[-1].head.id)]
        self.on_whole(nested.child, nested.parent_id, nested.skip, nested.keep)
        return self._done(nested)

    def _error(self, nested: NestedRead, exc: Exception) -> list[Task]:
        read = self.read
        if isinstance(exc, PermissionDeniedError):
            self._denied(nested.child, exc, nested.mark)
            return self._done(nested)
        if isinstance(exc, NotFoundError):
            # Deleted since its page was listed (draft invoices can be): nothing left to read;
            # the deletion itself comes with the next run's events.
            read.stream.logger.info(
                "'%s' of %s: the parent was deleted during the sync.",
                nested.child.name,
                nested.parent_id,
            )
            return self._done(nested)
        if isinstance(exc, CursorVanishedError):
            what = (
                f"The {nested.child.name} of {nested.parent_id} kept changing while they were "
                "listed"
            )
            nested.restarts = restarted(nested.restarts, MAX_NESTED_RESTARTS, what, exc)
            return [self._task(nested, after=None)]  # from its start, skipping the written
        raise exc

    def _denied(self, child: StripeChildStream, exc: PermissionDeniedError, mark: PageMark) -> None:
        # The parents are written, but not all their items: their pages stay unwritten in
        # state, so the next run reads them again; the report says what to grant.
        read = self.read
        self.denied.add(child.name)
        read.seam.nested_unread(child, exc.permission, read.stream, read.account.id)
        mark.failed = True

    def _done(self, nested: NestedRead) -> list[Task]:
        return self._finished(nested.mark)

    def _finished(self, mark: PageMark) -> list[Task]:
        mark.waiting -= 1
        self.read.waiting_reads -= 1
        if mark.settle is not None:
            mark.settle()
        return self.read.release()

    def keep(self, child: StripeChildStream, parent_id: str, ids: set[str], keep: bool) -> None:
        """A parent's nested list, all written, in a read in full: state keeps its ids if it
        can still change, and forgets those of one that no longer can."""
        progress = self.read.progress()
        kept = progress.get("nested_items") if progress is not None else None
        if kept is None or child.name not in self.tracked:
            return
        if keep and ids:
            kept.setdefault(child.name, {})[parent_id] = sorted(ids)
        elif parent_id in kept.get(child.name, ()):
            # Read before this run resumed and changed since, or with nothing to remember.
            del kept[child.name][parent_id]
