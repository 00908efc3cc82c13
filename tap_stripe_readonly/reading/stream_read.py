"""One stream of one account in a run: its state, its requests in flight, and how it ends.

``StreamRead`` is what the run holds: it keeps the stream's state, counts the requests out,
skips the stream when a permission is missing, and finishes it when nothing is left. How the
stream is read is a part of its own (a ``ReadPart``), chosen in ``plan.py`` from the state: a
``created`` range in windows (``range_read.py``), a whole list (``whole_list.py``) or the
changes since the last run (``events.py``); the nested lists of every page of parents go
through ``nested.py``. The parts know this module; it knows none of them. Everything here
runs on the engine's calling thread: handlers write, then return the follow-up requests.
"""

from __future__ import annotations

import copy
import typing as t
from functools import partial

from tap_stripe_readonly import shapes
from tap_stripe_readonly.engine import Task
from tap_stripe_readonly.errors import PermissionDeniedError, StopSyncError
from tap_stripe_readonly.shapes import Item, ListPage, Raw

if t.TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

    from tap_stripe_readonly.client import StripeChildStream, StripeStream
    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.reading.seam import Account, Seam

# Parent pages, and the next page of events, wait while this many nested-list reads and
# fetches are queued (memory stays bounded).
MAX_WAITING_READS = 200


class ReadPart(t.Protocol):
    """A way of reading a stream (plan.py chooses one): how far it is, and how it ends."""

    @property
    def pages_read(self) -> int: ...

    @property
    def chains(self) -> Collection[t.Any]:
        """Its windows being read (their ``left``: the pages foreseen)."""

    @property
    def events_read(self) -> int: ...

    def finish(self) -> None:
        """Nothing is left to read: record it in state (the bookmark, what is covered)."""


class StreamRead:
    """One stream of one account in this run: how it is read, and its state.

    A stream and its nested streams are read together, and their state is the stream's.
    State says which of them its bookmark covers (``streams``): one selected later (or
    again) is not, and gets a catch-up of its own, a read in full of the stream that writes
    only the streams it lacks (state ``catch_up``), while the others are read as usual.
    """

    def __init__(
        self,
        seam: Seam,
        account: Account,
        stream: StripeStream,
        *,
        catch_up_for: frozenset[str] | None = None,
    ) -> None:
        self.seam = seam
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
        #: The catch-up started for streams selected later (see coverage.py).
        self.catch_up: StreamRead | None = None
        #: Versions for the streams a catch-up reads (their ACTIVATE_VERSION is its own).
        self.stream_versions: dict[str, int | None] = {}
        self.children = [
            t.cast("StripeChildStream", c)
            for c in stream.child_streams
            if c.selected and c.name in self.writes
        ]
        self.write_self = stream.selected and stream.name in self.writes
        # What a parent's head decodes: its embedded lists, and the fields that say whether
        # they can still change.
        embedded = tuple(c.embedded_field for c in self.children if c.embedded_field)
        status = tuple(sorted({c.changes_while.field for c in self.children if c.changes_while}))
        referenced = tuple(
            field for c in self.children for field in (c.referenced_by, c.listed_by) if field
        )
        self.head = shapes.head_type(type(stream), embedded, (*status, *referenced))
        #: "list" (a range in windows), "whole" (a whole list) or "events".
        self.mode = ""
        self.version: int | None = None
        #: The way it is read (see plan.py).
        self.part: ReadPart | None = None
        #: What may still change silently (state's ``unsettled_*``): see note_unsettled.
        self.unsettled: dict[str, t.Any] = {}
        self.outstanding = 0
        self.finished = False
        self.skipped = False
        self.not_enabled: str | None = None  # skipped: the product the account lacks
        self.waiting_reads = 0  # nested-list reads and fetches not yet done
        self.held: list[Task] = []
        # What the progress line and the summary tell.
        self.written = 0
        self.started = seam.monotonic()

    def sibling(self, streams: frozenset[str]) -> StreamRead:
        """A read of the same stream and account that writes only ``streams``: a catch-up."""
        return StreamRead(self.seam, self.account, self.stream, catch_up_for=streams)

    # -- what the progress line reads --------------------------------------------------------

    @property
    def pages_read(self) -> int:
        return self.part.pages_read if self.part is not None else 0

    @property
    def chains(self) -> Collection[t.Any]:
        return self.part.chains if self.part is not None else ()

    @property
    def events_read(self) -> int:
        return self.part.events_read if self.part is not None else 0

    # -- requests and their bookkeeping ------------------------------------------------------

    def task(
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
        """A request of this read: counted out until answered; its answer ignored once the
        read is abandoned; the read finishes when none is left."""
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

    def retrieve(
        self,
        stream: StripeStream,
        object_id: str,
        on_body: Callable[[t.Any], Iterable[Task]],
        on_error: Callable[[Exception], Iterable[Task]],
    ) -> Task:
        """A request for one object of ``stream`` (this read's, or a nested stream's) by id,
        with the fields only an expand brings; answered as Stripe's JSON (Raw)."""
        return self.task(
            stream.object_url(object_id),
            stream.retrieve_params(),
            stream.retrieve_endpoint,
            on_body,
            on_error,
            shape=Raw,
            permission=stream.permission,
            stream=stream.name,
        )

    def _handle(self, handler: Callable[[t.Any], Iterable[Task]], result: t.Any) -> list[Task]:
        self.outstanding -= 1
        tasks = [] if self.abandoned() else list(handler(result))
        return tasks + self.maybe_finish()

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
                if not self.seam.fails_one_account(lost):
                    raise
                self.account.fail(lost)
        return tasks + self.maybe_finish()

    def abandoned(self) -> bool:
        return self.skipped or self.account.failed

    def _skip(self, denied: PermissionDeniedError) -> None:
        # Whatever was written stays written, and state keeps what it covers: the next run
        # resumes there once the permission is granted.
        if denied.product is not None and not self.is_catch_up:
            # Asked again in a day, not every run: a product is switched on rarely, and each
            # run of an account without it would pay a request per stream.
            self.state["not_enabled"] = {"product": denied.product, "at": self.account.now}
            self.seam.state_changed()
        self.skip(denied.permission, denied.product)

    def skip(self, permission: Permission | None, product: str | None = None) -> None:
        """No more of this read: the key lacks ``permission``, or the account has not switched
        ``product`` on (without a request, when it had not less than a day ago)."""
        self.skipped = True
        self.not_enabled = product
        self.seam.skipped(self.stream, permission, self.account.id, product)

    def maybe_finish(self) -> list[Task]:
        if self.outstanding or self.finished or self.abandoned():
            return []
        self.finished = True
        if self.part is not None:
            self.part.finish()
        seconds = self.seam.monotonic() - self.started
        self.seam.read_ended(self.stream.name, self.account.id, seconds, succeeded=True)
        return []

    def hold_if_busy(self, tasks: list[Task]) -> list[Task]:
        """More pages (of parents, of events) once the reads they brought are mostly done."""
        if self.waiting_reads < MAX_WAITING_READS:
            return tasks
        self.held += tasks
        return []

    def release(self) -> list[Task]:
        if not self.held or self.waiting_reads >= MAX_WAITING_READS // 2:
            return []
        tasks, self.held = self.held, []
        return tasks

    # -- what it writes ----------------------------------------------------------------------

    def write(self, stream: StripeStream, rows: list[Raw | bytes]) -> None:
        version = self.stream_versions.get(stream.name, self.version)
        self.written += len(rows)
        self.seam.write(stream, rows, self.account.id, version)

    def note_unsettled(self, items: list[Item]) -> None:
        """The objects written that may still change silently (pending balance transactions),
        for the next run: the oldest one's ``created`` (listed again from there), when the
        first can change (``unsettled_due``) and, where Stripe lists them alone, their ids."""
        heads = [i.head for i in items if i.head.created is not None and self.is_unsettled(i.head)]
        if not heads:
            return
        note_unsettled(self.unsettled, self.stream, heads)
        if (progress := self.progress()) is not None:
            note_unsettled(progress, self.stream, heads)  # kept with it, for a resumed read

    def unsettled_from(self) -> int | None:
        """From when what may have changed silently is listed again (the oldest unsettled
        object's ``created``); None if nothing can have: none is unsettled, or none is due
        yet (state's are then kept as they were, with those this run adds)."""
        state = self.state
        oldest, due = state.get("unsettled_since"), state.get("unsettled_due")
        if oldest is not None and due is not None and self.account.now < due:
            kept = {key: value for key, value in state.items() if key.startswith("unsettled_")}
            self.unsettled = copy.deepcopy(kept)
            return None
        return oldest

    def is_unsettled(self, head: t.Any) -> bool:
        field_name, value = t.cast("tuple[str, str | None]", self.stream.unsettled)
        return bool(getattr(head, field_name) == value)

    def keep_unsettled(self, notes: Mapping[str, t.Any]) -> None:
        """State's ``unsettled_*`` from ``notes``: a read's progress, or this run's own."""
        self.state["unsettled_since"] = notes.get("unsettled_since")
        for key in ("unsettled_due", "unsettled_ids"):
            if key in notes:
                self.state[key] = notes[key]
            else:
                self.state.pop(key, None)

    def progress(self) -> dict[str, t.Any] | None:
        """The state of the read under way that a stopped run resumes (None in events mode,
        which keeps no progress: it is read again)."""
        if self.mode == "list":
            return t.cast("dict[str, t.Any]", self.state["backfill"])
        if self.mode == "whole":
            return t.cast("dict[str, t.Any]", self.state["listing"])
        return None

    def keep_items(self, kept: dict[str, dict[str, list[str]]]) -> None:
        """The ids state keeps of long nested lists that can still change."""
        kept = {name: parents for name, parents in kept.items() if parents}
        if kept:
            self.state["nested_items"] = kept
        else:
            self.state.pop("nested_items", None)


def note_unsettled(note: dict[str, t.Any], stream: StripeStream, heads: list[t.Any]) -> None:
    """Unsettled objects in ``note`` (a state's, a progress' or a read's ``unsettled_*``)."""
    oldest = min(head.created for head in heads)
    since = note.get("unsettled_since")
    note["unsettled_since"] = oldest if since is None else min(since, oldest)
    if stream.unsettled_due:
        dues = [d for h in heads if isinstance(d := getattr(h, stream.unsettled_due), int)]
        if dues:
            due = note.get("unsettled_due")
            note["unsettled_due"] = min(dues) if due is None else min(due, *dues)
    if stream.unsettled_list:
        ids = note.setdefault("unsettled_ids", [])
        known = set(ids)
        ids += [head.id for head in heads if head.id not in known]
