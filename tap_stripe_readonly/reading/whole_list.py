"""A list read whole, page after page, resumable at the last page written.

Some of Stripe's lists take no ``created`` filter (quotes, payment links, billing meters):
they can only be paged from the newest object to the oldest. State (``listing``) keeps the
last object of the last page written, once that page's nested lists are written too, so a
run that stops resumes after it. An object created while the list is read is above the
pages already read: the bookmark is the moment the listing began, so the next run's events
bring it. The object paged from may vanish (deleted): the list is then read again from its
start (what was written is written again), a few times in a row at most.
"""

from __future__ import annotations

import typing as t
from collections import deque
from functools import partial

from tap_stripe_readonly import shapes
from tap_stripe_readonly.errors import CursorVanishedError
from tap_stripe_readonly.reading import coverage
from tap_stripe_readonly.reading.nested import PageMark
from tap_stripe_readonly.reading.vanishing import restarted

if t.TYPE_CHECKING:
    from tap_stripe_readonly.engine import Task
    from tap_stripe_readonly.reading.nested import NestedLists
    from tap_stripe_readonly.reading.stream_read import StreamRead
    from tap_stripe_readonly.shapes import ListPage

MAX_LIST_RESTARTS = 3


class WholeListRead:
    """One stream's list, read whole (state: ``listing``)."""

    events_read = 0
    chains: tuple[()] = ()

    def __init__(self, read: StreamRead, nested: NestedLists) -> None:
        self.read = read
        self.nested = nested
        self.pages_read = 0
        # Pages written, in the list's order, with the last id of each: the cursor state
        # keeps moves past a page once its nested lists are out.
        self.pages: deque[tuple[PageMark, str]] = deque()
        self.listed_to_end = False
        self.restarts = 0

    def read_in_full(self, now: int) -> list[Task]:
        read = self.read
        settings = read.seam.settings
        read.covers = read.writes
        listing: dict[str, t.Any] = {
            "after": None,
            "began": now,
            "version": settings.version if settings.activate_versions else None,
            "streams": sorted(read.covers),
        }
        if self.nested.tracked:
            listing["nested_items"] = {}  # moved into the state when the read completes
        read.state["listing"] = listing
        read.seam.state_changed()
        return self.resume()

    def resume(self) -> list[Task]:
        read = self.read
        listing = read.state["listing"]
        read.mode = "whole"
        read.version = listing.get("version") or read.state.get("table_version")
        return [self._task(listing.get("after"))]

    def _task(self, after: str | None) -> Task:
        stream = self.read.stream
        params = stream.list_params()
        if after:
            params.append(("starting_after", after))
        return self.read.task(
            stream.path, params, stream.path, partial(self._page, after), self._error
        )

    def _page(self, after: str | None, body: ListPage) -> list[Task]:
        read = self.read
        page = shapes.items(read.head, body.data)
        self.pages_read += 1
        if page:
            self.restarts = 0
        tasks: list[Task] = []
        if page:
            mark = PageMark((0, -1), settle=self._settle)
            self.pages.append((mark, page[-1].head.id))
            tasks += self.nested.write_parents(page, mark)
        if body.has_more and page:
            tasks += read.hold_if_busy([self._task(page[-1].head.id)])
        else:
            self.listed_to_end = True
        self._settle()
        read.seam.foresee(self, read.stream.path, 1.0 if not self.listed_to_end else 0.0)
        return tasks

    def _settle(self) -> None:
        """Pages whose nested lists are all written (in order) move the cursor state keeps."""
        moved = None
        while self.pages and self.pages[0][0].waiting == 0 and not self.pages[0][0].failed:
            moved = self.pages.popleft()[1]
        if moved is not None:
            self.read.state["listing"]["after"] = moved
            self.read.seam.state_changed()

    def _error(self, exc: Exception) -> list[Task]:
        if not isinstance(exc, CursorVanishedError):
            raise exc
        stream = self.read.stream
        what = f"Listing '{stream.name}' lost its place"
        self.restarts = restarted(self.restarts, MAX_LIST_RESTARTS, what, exc)
        stream.logger.info(
            "The object Stripe was paging '%s' from vanished; listing it again from its start.",
            stream.name,
        )
        self.read.state["listing"]["after"] = None
        self.read.seam.state_changed()
        return [self._task(None)]

    def finish(self) -> None:
        """The list read to its end: the bookmark is the moment the listing began."""
        read = self.read
        state = read.state
        listing = state["listing"]
        if not self.listed_to_end or self.pages:
            return  # a nested list could not be read: the next run resumes after the last page
        if version := listing.get("version"):
            for stream in (read.stream, *read.children):
                if stream.selected and stream.name in read.covers:
                    read.seam.activate_version(stream, version)
        if read.is_catch_up:
            coverage.caught_up(read, listing)
            return
        if "nested_items" in listing:
            read.keep_items(listing["nested_items"])
        state["replication_key"] = read.stream.replication_key
        state["replication_key_value"] = listing["began"]
        if listing.get("version"):
            state["table_version"] = listing["version"]
        del state["listing"]
        coverage.record_covered(read)
        read.seam.state_changed()
