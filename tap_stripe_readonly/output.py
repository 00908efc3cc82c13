"""Singer output: SCHEMA, RECORD, ACTIVATE_VERSION and STATE messages, from one thread.

Records take a short path when nothing asks for more: each is written as the JSON Stripe
sent (see shapes.py), which already has the types the schemas (generated from Stripe's own
types for the pinned API version) declare, so singer-sdk's per-record conformance pass,
deselection walk and JSON encoding would change nothing. With stream maps, flattening or
deselected properties, records go through singer-sdk's own path instead. Either way, a
field Stripe added since the schemas were generated is declared first (new_fields.py).
"""

from __future__ import annotations

import datetime
import sys
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.mapper import SameRecordTransform

from tap_stripe_readonly.client import ACCOUNT_COLUMN
from tap_stripe_readonly.new_fields import NewFields
from tap_stripe_readonly.shapes import Raw, encode, to_dict, with_fields

if t.TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.singerlib.encoding.simple import Message

    from tap_stripe_readonly.client import StripeStream


class _StreamWriter:
    """How one stream's records are written, worked out once per run."""

    def __init__(self, stream: StripeStream) -> None:
        self.stream = stream
        maps = stream.stream_maps
        self.fast = (
            len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not maps[0].flattening_enabled
            and maps[0].stream_alias == stream.name
            and all(stream.mask.values())
        )
        self.prefix = b'{"type":"RECORD","stream":' + encode(stream.name) + b',"record":'
        self.new_fields = NewFields(stream)


class SingerOutput:
    """Writes the tap's messages to stdout; every method runs on the engine's thread."""

    def __init__(self, tap: Tap) -> None:
        self._tap = tap
        self._writers: dict[str, _StreamWriter] = {}
        self.records_written: dict[str, int] = {}

    def schema(self, stream: StripeStream) -> None:
        if stream.name not in self._writers:
            self._writers[stream.name] = _StreamWriter(stream)
            self.records_written[stream.name] = 0
            stream._write_schema_message()  # singer-sdk's, with stream maps applied

    def records(
        self,
        stream: StripeStream,
        rows: t.Sequence[Raw | bytes],
        *,
        account: str | None,
        version: int | None,
    ) -> None:
        """Write records, each the JSON of one object."""
        if not rows:
            return
        writer = self._writers[stream.name]
        if stream.omitted_fields:  # (an app install's: a few rows)
            omitted = stream.omitted_fields
            rows = [
                encode({k: v for k, v in to_dict(row).items() if k not in omitted}) for row in rows
            ]
        # One object per page: its new fields are declared before the records carry them.
        writer.new_fields.check(rows[0])
        if stream.tags_accounts and stream.account_field is not None:
            # The platform's view of its connected accounts: each row is about the one its
            # field names (an account's own id, a person's `account`).
            field = stream.account_field
            rows = [with_fields(row, {ACCOUNT_COLUMN: to_dict(row)[field]}) for row in rows]
        elif stream.tags_accounts:
            tag = {ACCOUNT_COLUMN: account}
            rows = [with_fields(row, tag) for row in rows]
        self.records_written[stream.name] += len(rows)
        if not writer.fast:
            stream._stream_version = version
            for row in rows:
                # singer-sdk's path: stream maps, flattening, deselection, type conformance.
                stream._write_record_message(to_dict(row))
            return
        extracted = datetime.datetime.now(datetime.timezone.utc).isoformat()
        suffix = (b',"version":%d' % version if version is not None else b"") + (
            b',"time_extracted":"' + extracted.encode() + b'"}\n'
        )
        prefix = writer.prefix
        self._write(prefix + (suffix + prefix).join(rows) + suffix)

    def activate_version(self, stream: StripeStream, version: int) -> None:
        stream._write_activate_version_message(version)  # singer-sdk's, per stream map

    def state(self, state: t.Mapping[str, t.Any]) -> None:
        # singer-sdk's state writer deep-copies the whole state for every message; the
        # state is plain JSON written from this thread only, so it is encoded as it is.
        self._write(b'{"type":"STATE","value":' + encode(state) + b"}\n")

    @staticmethod
    def _write(data: bytes) -> None:
        write_all(data)


class MessageWriter(MsgSpecWriter):
    """singer-sdk's msgspec writer (several times faster than its simplejson one), made to
    write whole messages whatever signals arrive (see write_all)."""

    def write_message(self, message: Message) -> None:
        write_all(bytes(self.format_message(message)))


def write_all(data: bytes) -> None:
    """Write ``data`` to stdout, all of it.

    A signal (SIGTERM from Meltano) arriving during a large write to a pipe can make the
    buffered writer return after writing part of it; the rest must follow, or a message is
    cut in half and every later one is mangled.
    """
    # Looked up at each write: tests (and singer-sdk's test runner) swap sys.stdout.
    stdout = sys.stdout
    stdout.flush()
    view = memoryview(data)
    while view:
        view = view[stdout.buffer.write(view) :]
    stdout.buffer.flush()
