"""The state a run starts from, checked before any request.

A bookmark is only trusted if it has the shape this tap writes. Anything else (a hand-edited
value, another tap's state, a time in milliseconds or in the future) would silently read too
much or too little, so the run stops with one line naming the stream and the value, and how
to start over.

Per stream (or per account, under ``partitions``):

- ``replication_key_value``: every object created up to this second (unix time) was read;
  changes since then are read from Stripe's events.
- ``backfill``: a read of ``range`` ([first, last] second) under way; ``done`` lists the
  ranges already written, ``version`` the ACTIVATE_VERSION to send when it completes;
  ``done_parts``, for a list read in parts (prices: ``active=false`` after the active ones),
  the ranges written of each part but the first.
- ``listing``: a whole list (no ``created`` filter) under way: ``after``, the last object of
  the last page written; ``began``, when it began (the bookmark once it completes).
- ``table_version``, ``unsettled_since``: the last complete read's version; the oldest
  object still expected to change silently (balance transactions still pending);
  ``unsettled_due``, when the first of them can (a pending transaction's ``available_on``);
  ``unsettled_ids``, their ids where Stripe lists them alone (invoice items not yet
  invoiced). Kept in ``backfill`` too while a read is under way.
- ``nested_items``: per nested stream, per parent whose nested list is longer than the page
  Stripe embeds and can still change (a draft invoice), the ids of its items written; kept in
  ``backfill`` too while a read in full is under way.
- ``streams``: the stream and nested streams whose data the bookmark covers (in
  ``backfill``: those the read under way will cover); one selected later is not covered.
- ``catch_up``: a read in full for streams selected later: their ``streams`` and its
  ``backfill``; once complete, they join ``streams``.
- ``stripe_account``: the account the state was written for (null: the key's own), without
  ``account_ids`` (whose state is per account already).
- ``not_enabled``: the ``product`` the account had not switched on when its list was last
  asked (Issuing), and when (``at``): not asked again for a day.
"""

from __future__ import annotations

import json
import time
import typing as t

from tap_stripe_readonly.errors import StateError

START_OVER = (
    "To start over, run `meltano run --full-refresh …` (or the tap without --state); to "
    "resume, give the tap a state it wrote."
)
# A time the tap writes is Stripe's at the start of a sync: never this far ahead of this
# machine's clock (a millisecond value, or a hand-made one, is).
CLOCK_LEEWAY = 86_400


def read_state_file(file: t.IO[str]) -> str:
    """The state file's text: it is JSON, and so UTF-8."""
    try:
        return file.read()
    except UnicodeDecodeError as exc:
        msg = f"The state file is not UTF-8 text (byte {exc.start}). {START_OVER}"
        raise StateError(msg) from None


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
    latest = int(time.time()) + CLOCK_LEEWAY
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
            _check_entry(name, entry, latest)


def _check_entry(name: str, entry: dict[str, t.Any], latest: int) -> None:
    # table_version is in milliseconds (singer's ACTIVATE_VERSION): not a `created` time.
    if "table_version" in entry and not _is_int(entry["table_version"]):
        raise _bad(name, "table_version", entry["table_version"])
    if "replication_key_value" in entry and not _is_time(entry["replication_key_value"], latest):
        raise _bad(name, "replication_key_value", entry["replication_key_value"])
    if "unsettled_since" in entry and not _is_time(entry["unsettled_since"], latest, none=True):
        raise _bad(name, "unsettled_since", entry["unsettled_since"])
    for key in ("unsettled_due", "unsettled_ids"):
        if key in entry and not _is_unsettled(key, entry[key]):
            raise _bad(name, key, entry[key])
    if "nested_items" in entry and not _is_nested_items(entry["nested_items"]):
        raise _bad(name, "nested_items", entry["nested_items"], NESTED_ITEMS_KEPT)
    if "streams" in entry and not _is_names(entry["streams"]):
        raise _bad(name, "streams", entry["streams"], STREAM_NAMES_KEPT)
    if "stripe_account" in entry and not isinstance(entry["stripe_account"], (str, type(None))):
        raise _bad(name, "stripe_account", entry["stripe_account"], ACCOUNT_KEPT)
    if "backfill" in entry and not _is_backfill(entry["backfill"], latest):
        raise _bad(name, "backfill", entry["backfill"])
    if "listing" in entry and not _is_listing(entry["listing"], latest):
        raise _bad(name, "listing", entry["listing"])
    if "not_enabled" in entry:
        marker = entry["not_enabled"]
        ok = (
            isinstance(marker, dict)
            and isinstance(marker.get("product"), str)
            and _is_time(marker.get("at"), latest)
        )
        if not ok:
            raise _bad(name, "not_enabled", marker)
    if "catch_up" in entry:
        catch_up = entry["catch_up"]
        ok = (
            isinstance(catch_up, dict)
            and _is_names(catch_up.get("streams"))
            and ("backfill" not in catch_up or _is_backfill(catch_up["backfill"], latest))
        )
        if not ok:
            raise _bad(name, "catch_up", catch_up)


def _is_backfill(backfill: object, latest: int) -> bool:
    return (
        isinstance(backfill, dict)
        and _is_window(backfill.get("range"))
        and _is_time(backfill["range"][1], latest)
        and isinstance(backfill.get("done"), list)
        and all(_is_window(w) for w in backfill["done"])
        and ("done_parts" not in backfill or _is_done_parts(backfill["done_parts"]))
        and (backfill.get("version") is None or _is_int(backfill["version"]))
        and _is_time(backfill.get("unsettled_since"), latest, none=True)
        and all(
            _is_unsettled(k, backfill[k])
            for k in ("unsettled_due", "unsettled_ids")
            if k in backfill
        )
        and ("nested_items" not in backfill or _is_nested_items(backfill["nested_items"]))
        and ("streams" not in backfill or _is_names(backfill["streams"]))
    )


def _is_done_parts(parts: object) -> bool:
    return isinstance(parts, dict) and all(
        isinstance(ranges, list) and all(_is_window(w) for w in ranges) for ranges in parts.values()
    )


def _is_listing(listing: object, latest: int) -> bool:
    return (
        isinstance(listing, dict)
        and isinstance(listing.get("after"), (str, type(None)))
        and _is_time(listing.get("began"), latest)
        and (listing.get("version") is None or _is_int(listing["version"]))
        and ("streams" not in listing or _is_names(listing["streams"]))
        and ("nested_items" not in listing or _is_nested_items(listing["nested_items"]))
    )


def _is_unsettled(key: str, value: object) -> bool:
    # A due time is ahead of the clock by design (funds due in two days): only its type.
    return _is_names(value) if key == "unsettled_ids" else value is None or _is_int(value)


def _is_names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_state_account(
    state: t.Mapping[str, t.Any], streams: t.Collection[str], account: str | None
) -> None:
    """Raise StateError if a bookmark of a stream about to be read was written for another
    account than ``account`` (None: the key's own), which would read that account's
    changes since another's bookmark."""
    for name, bookmark in state.get("bookmarks", {}).items():
        if name not in streams or "stripe_account" not in bookmark:
            continue
        written_for = bookmark["stripe_account"]
        if written_for != account:
            raise StateError(
                f"The state was written for {_account(written_for)}, and this run reads "
                f"{_account(account)} (stream '{name}'): its bookmarks would skip what that "
                "account has. Run with a fresh state (the tap without --state, or `meltano "
                "run --full-refresh …`), or set account_id back to what it was."
            )


def _account(account: str | None) -> str:
    return f"account {account}" if account else "the API key's own account"


NESTED_ITEMS_KEPT = "nested item ids by stream and parent id"
STREAM_NAMES_KEPT = "a list of stream names"
ACCOUNT_KEPT = "an account id, or null for the key's own account"


def _is_int(value: object) -> t.TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_time(value: object, latest: int, *, none: bool = False) -> bool:
    """A `created` time (unix seconds) the tap could have written: not ahead of ``latest``."""
    if value is None:
        return none
    return _is_int(value) and value <= latest


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


def _bad(
    stream: str, what: str, value: object, keeps: str = "`created` times in unix seconds"
) -> StateError:
    return StateError(
        f"The state's {what} for stream '{stream}' is {_show(value)}, which is not a value "
        f"this tap writes (it keeps {keeps}). {START_OVER}"
    )
