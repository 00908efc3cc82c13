"""Stripe's JSON as the tap reads it: the few fields it decides on, the rest as raw bytes.

A record is written exactly as Stripe sent it: each object of a page stays the slice of JSON
it arrived as (``msgspec.Raw``), and only its head (id, created, nested lists, the fields a
stream declares) is decoded. The schemas are generated from the types of the API version the
tap pins in every request, so the values already have their schema's types; decoding every
record into Python objects to encode them again would change nothing and cost most of a
sync's time.
"""

from __future__ import annotations

import functools
import typing as t

import msgspec

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

Raw = msgspec.Raw
UNSET = msgspec.UNSET

_encode = msgspec.json.Encoder().encode
_decode_dict = msgspec.json.Decoder(dict[str, t.Any]).decode
_decode_top = msgspec.json.Decoder(dict[str, Raw]).decode


class ListPage(msgspec.Struct):
    """A page of a Stripe list: ``{"object": "list", "data": [...], "has_more": ...}``."""

    object: str
    data: list[Raw]
    has_more: bool


class EmbeddedList(msgspec.Struct):
    """A list nested in its parent (``invoice.lines``): its first page, and where the rest is."""

    data: list[Raw] = []
    has_more: bool = False
    url: str | None = None


NULL = Raw(b"null")


class EventData(msgspec.Struct):
    object: Raw
    previous_attributes: Raw = NULL  # (msgspec takes no Raw in a union)


class Event(msgspec.Struct):
    id: str
    type: str
    created: int
    data: EventData
    api_version: str | None = None


class EventsPage(msgspec.Struct):
    object: str
    data: list[Event]
    has_more: bool


class Item(t.NamedTuple):
    """An object of a page: its JSON as Stripe sent it, and the fields the tap reads."""

    raw: Raw
    head: t.Any  # the stream's head struct (see head_type)


@functools.cache
def head_type(
    stream_class: type[StripeStream], nested: tuple[str, ...] = (), read: tuple[str, ...] = ()
) -> type[t.Any]:
    """The fields of a stream's objects the tap reads; everything else is skipped unread.

    ``object`` routes events; ``deleted`` marks what Stripe answers for a deleted customer;
    ``nested`` names the lists nested in the object that are read (``lines``); a child
    stream's parent key is UNSET when Stripe leaves it out, so that it can be added;
    ``unsettled`` whether the object may still change silently (``unsettled_due``: from when),
    and the fields ``read``
    whether its nested lists may (``status``).
    """
    created = msgspec.field(default=None, name=stream_class.created_field)
    fields: list[tuple[str, t.Any, t.Any]] = [
        ("id", t.Optional[str], None),  # noqa: UP045 (defstruct takes runtime types)
        ("created", t.Optional[int], created),  # noqa: UP045
        ("object", t.Optional[str], None),  # noqa: UP045
        ("deleted", bool, False),
    ]
    if parent_key := getattr(stream_class, "parent_key", None):
        fields.append((parent_key, t.Union[str, None, msgspec.UnsetType], UNSET))  # noqa: UP007
    if stream_class.unsettled:
        read = (stream_class.unsettled[0], *read)
    if stream_class.unsettled_due:
        read = (stream_class.unsettled_due, *read)
    fields += [(name, t.Any, None) for name in dict.fromkeys(read) if name != parent_key]
    fields += [(name, t.Optional[EmbeddedList], None) for name in nested]  # noqa: UP045
    return msgspec.defstruct(f"{stream_class.__name__}Head", fields, kw_only=True)


def items(head: t.Any, raws: t.Iterable[Raw]) -> list[Item]:
    decode = decoder(head)
    return [Item(raw, decode(raw)) for raw in raws]


def decoder(head: t.Any) -> t.Callable[[Raw], t.Any]:
    return _DECODERS.get(head) or _DECODERS.setdefault(head, msgspec.json.Decoder(head).decode)


_DECODERS: dict[t.Any, t.Callable[[Raw], t.Any]] = {}


@functools.cache
def _field_decoder(name: str) -> t.Callable[[Raw], t.Any]:
    head = msgspec.defstruct(f"Field_{name}", [(name, t.Any, None)])
    return msgspec.json.Decoder(head).decode


def field_of(raw: Raw, name: str) -> t.Any:
    """One top-level field of an object (None if it has none)."""
    try:
        return getattr(_field_decoder(name)(raw), name)
    except msgspec.ValidationError:
        return None  # not an object


def with_fields(raw: Raw | bytes, fields: dict[str, t.Any]) -> bytes:
    """The object's JSON with ``fields`` added (which it must not have already)."""
    return bytes(raw)[:-1] + b"," + _encode(fields)[1:]


def top_level(raw: Raw | bytes) -> dict[str, Raw]:
    """An object's top-level fields, each value left as its JSON (not decoded)."""
    return _decode_top(raw)


def to_dict(raw: Raw | bytes) -> dict[str, t.Any]:
    return _decode_dict(raw)


def encode(value: t.Any) -> bytes:
    return _encode(value)
