"""The state a run starts from, checked before any request.

A bookmark is only trusted if it has the shape this tap writes. Anything else (a hand-edited
value, another tap's state) would silently read too much or too little, so the run stops with
one line naming the stream and the value, and how to start over.

Per stream (or per account, under ``partitions``):

- ``replication_key_value``: every object created up to this second (unix time) was read;
  changes since then are read from Stripe's events.
- ``backfill``: a read of ``range`` ([first, last] second) under way; ``done`` lists the
  ranges already written, ``version`` the ACTIVATE_VERSION to send when it completes.
- ``table_version``, ``unsettled_since``: the last complete read's version; the oldest
  object still expected to change silently (balance transactions still pending).
- ``nested_items``: per nested stream, per parent whose nested list is longer than the page
  Stripe embeds and can still change (a draft invoice), the ids of its items written; kept in
  ``backfill`` too while a read in full is under way.
"""

from __future__ import annotations

import json
import typing as t

from tap_stripe_readonly.errors import StateError

START_OVER = (
    "To start over, run `meltano run --full-refresh …` (or the tap without --state); to "
    "resume, give the tap a state it wrote."
)


def parse_state(text: str) -> dict[str, t.Any]:
    """The state file's content; an empty file is no state."""
    if not text.strip():
        return {}
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"The state file is not valid JSON ({exc.msg} at line {exc.lineno}). {START_OVER}"
        raise StateError(msg) from None
    if not isinstance(state, dict):
        msg = f"The state is a JSON {type(state).__name__}, not an object. {START_OVER}"
        raise StateError(msg)
    return state


def check_state(state: t.Mapping[str, t.Any], streams: t.Collection[str]) -> None:
    """Raise StateError unless every bookmark of a known stream is one this tap writes."""
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise StateError(
            f"The state's bookmarks are {_show(bookmarks)}, not an object. {START_OVER}"
        )
    for name, bookmark in bookmarks.items():
        if name not in streams:
            continue  # a stream this version does not have: left as it is
        entries = [bookmark]
        if isinstance(bookmark, dict) and "partitions" in bookmark:
            partitions = bookmark["partitions"]
            if not isinstance(partitions, list) or not all(
                isinstance(p, dict) and isinstance(p.get("context"), dict) for p in partitions
            ):
                raise _bad(name, "partitions", partitions)
            entries += partitions
        for entry in entries:
            if not isinstance(entry, dict):
                raise _bad(name, "bookmark", entry)
            _check_entry(name, entry)


def _check_entry(name: str, entry: dict[str, t.Any]) -> None:
    for key in ("replication_key_value", "table_version"):
        if key in entry and not _is_int(entry[key]):
            raise _bad(name, key, entry[key])
    if "unsettled_since" in entry and not (
        entry["unsettled_since"] is None or _is_int(entry["unsettled_since"])
    ):
        raise _bad(name, "unsettled_since", entry["unsettled_since"])
    if "nested_items" in entry and not _is_nested_items(entry["nested_items"]):
        raise _bad(name, "nested_items", entry["nested_items"])
    if "backfill" in entry:
        backfill = entry["backfill"]
        ok = (
            isinstance(backfill, dict)
            and _is_window(backfill.get("range"))
            and isinstance(backfill.get("done"), list)
            and all(_is_window(w) for w in backfill["done"])
            and (backfill.get("version") is None or _is_int(backfill["version"]))
            and ("nested_items" not in backfill or _is_nested_items(backfill["nested_items"]))
        )
        if not ok:
            raise _bad(name, "backfill", backfill)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_window(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(_is_int(v) for v in value)
        and value[0] <= value[1]
    )


def _is_nested_items(value: object) -> bool:
    """``{nested stream: {parent id: [item id, ...]}}``."""
    return isinstance(value, dict) and all(
        isinstance(parents, dict)
        and all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in parents.values()
        )
        for parents in value.values()
    )


def _show(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:80] + "…"


def _bad(stream: str, what: str, value: object) -> StateError:
    return StateError(
        f"The state's {what} for stream '{stream}' is {_show(value)}, which is not a value "
        f"this tap writes (it keeps `created` times in unix seconds). {START_OVER}"
    )
