"""Which streams a stream's bookmark covers, and the catch-up of those it does not.

A stream and its nested streams are read together, and their state is the stream's: state
says which of them its bookmark covers (``streams``; in ``backfill``, those the read under way
will cover). A stream selected after the first sync, or deselected and selected again, is not
covered: a catch-up of its own (state ``catch_up``) reads the stream in full writing only the
streams it lacks, while the others are read as usual; once complete, they join ``streams``.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from tap_stripe_readonly.reading.stream_read import StreamRead


def read_covers(read: StreamRead, progress: dict[str, t.Any]) -> None:
    """What the bookmark or the read under way (``progress``) is complete for."""
    if "streams" not in progress:
        # Written before state said it: taken to cover what is selected now.
        progress["streams"] = sorted(read.writes)
        read.seam.state_changed()
    read.covers = read.writes & set(progress["streams"])


def plan_catch_up(read: StreamRead) -> StreamRead | None:
    """A catch-up for the selected streams the reading does not cover, if any."""
    lacking = read.writes - read.covers
    kept = read.state.get("catch_up")
    if not lacking:
        if kept is not None:
            del read.state["catch_up"]  # a read in full covers them now
            read.seam.state_changed()
        return None
    if not (isinstance(kept, dict) and set(kept.get("streams", ())) == lacking):
        read.state["catch_up"] = {"streams": sorted(lacking)}
        read.seam.state_changed()
    catch_up = read.sibling(frozenset(lacking))
    settings = read.seam.settings
    version = read.state["catch_up"].get("backfill", {}).get("version")
    if version is None and settings.activate_versions:
        version = settings.version
    # What this read writes of those streams belongs to the catch-up's version, which its
    # ACTIVATE_VERSION keeps.
    read.stream_versions = dict.fromkeys(lacking, version)
    return catch_up


def record_covered(read: StreamRead) -> None:
    """The streams the bookmark now covers: those this read covers, and those a catch-up
    completed; a stream not selected this run is covered no longer."""
    before = set(read.state.get("streams", ()))
    read.state["streams"] = sorted((before & read.writes) | read.covers)


def caught_up(read: StreamRead, backfill: dict[str, t.Any]) -> None:
    """A catch-up read in full: its streams join those the stream's bookmark covers."""
    entry = read.entry
    entry["streams"] = sorted(set(entry.get("streams", ())) | read.writes)
    holders = [entry]
    if isinstance(entry.get("backfill"), dict):  # the stream's own read, under way
        progress = entry["backfill"]
        progress["streams"] = sorted(set(progress.get("streams", ())) | read.writes)
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
    read.seam.state_changed()
