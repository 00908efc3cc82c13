"""Fields Stripe adds to an object under the pinned API version, declared rather than dropped.

Stripe adds top-level fields without a new API version. Records are written as Stripe sent
them, so they carry the new field, but a SCHEMA message that does not declare it makes most
targets drop it (and on singer-sdk's path its conformance drops it first). So the first
object of every page is checked for fields the stream's schema lacks: Stripe sends every
field of an object type on every object, so one object per page is enough, and the rest of
the page is not parsed. A new field is added to the stream's schema (its type read from the
value), and a new SCHEMA message is written before the page's records.
"""

from __future__ import annotations

import typing as t

import msgspec

from tap_stripe_readonly.client import ACCOUNT_COLUMN
from tap_stripe_readonly.shapes import Raw, top_level

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream

#: Every JSON type, as the generated schemas say `Any` (scripts/generate_schemas.py).
ANY_TYPES = ("string", "number", "integer", "boolean", "object", "array")


def property_schema(value: t.Any) -> dict[str, t.Any]:
    """The schema of a new field, from its value in the first object that carries it.

    A number written without a fraction is an integer (as Stripe's amounts, counts and
    timestamps are), one with a fraction a number. Always nullable: another object may have
    it null. A null value tells nothing of the type, and the field is declared once: any
    JSON type is allowed, so that the values that come later pass the targets' validation
    whatever they are (PostgreSQL then makes the column jsonb) rather than failing a load on
    a guessed ``string``.
    """
    if value is None:
        return {"type": [*ANY_TYPES, "null"]}
    if isinstance(value, bool):  # (before int: a bool is an int)
        json_type = "boolean"
    elif isinstance(value, int):
        json_type = "integer"
    elif isinstance(value, float):
        json_type = "number"
    elif isinstance(value, str):
        json_type = "string"
    elif isinstance(value, dict):
        json_type = "object"  # without properties: singer-sdk keeps the object as it is
    else:
        json_type = "array"
    return {"type": [json_type, "null"]}


class NewFields:
    """One stream's watch for fields its schema lacks, for the length of a run."""

    def __init__(self, stream: StripeStream) -> None:
        self.stream = stream
        # What its SCHEMA messages declare: the stream's schema, or the catalog's if one was
        # given (singer-sdk conforms records to that); the account column is the tap's own.
        self.known = {
            *stream.schema["properties"],
            *stream.effective_schema["properties"],
            ACCOUNT_COLUMN,
        }

    def check(self, row: Raw | bytes) -> None:
        """Declares the fields of ``row`` (the first object of a page) the schema lacks."""
        fields = top_level(row)
        new = {
            name: property_schema(msgspec.json.decode(value))
            for name, value in fields.items()
            if name not in self.known
        }
        if new:
            self._declare(new)

    def _declare(self, new: dict[str, dict[str, t.Any]]) -> None:
        stream = self.stream
        stream.add_properties(new)
        catalog_schema = stream._input_schema
        if catalog_schema is not None:
            properties = {**catalog_schema["properties"], **new}
            stream._input_schema = {**catalog_schema, "properties": properties}
        # Stream maps (aliases, transforms, flattening) are made from the schema they were
        # registered with: registered again, they write the new field in their SCHEMA too.
        mapper = stream._tap.mapper
        primary = mapper.stream_maps[stream.name][0]
        registered = primary.raw_schema
        schema = {**registered, "properties": {**registered["properties"], **new}}
        mapper.register_raw_stream_schema(stream.name, schema, primary.raw_key_properties)
        stream._stream_maps = None
        stream._write_schema_message()
        self.known.update(new)
        stream.logger.info(
            "%s: Stripe sent %d field%s the schema lacks, now declared: %s",
            stream.name,
            len(new),
            "" if len(new) == 1 else "s",
            ", ".join(sorted(new)),
        )
