"""The base Stripe streams: what a stream declares, and how its records are shaped.

A stream in ``streams/`` only declares what differs: its path, the permission it needs, the
events that announce its changes, fixed list filters, and for nested lists its parent. How
streams are read (windows, whole lists, events, nested lists) lives in ``reading/``, how
requests are scheduled in ``engine.py``, and how they are sent in ``transport.py``.
"""

from __future__ import annotations

import importlib.resources
import typing as t
from functools import cached_property
from urllib.parse import quote, urlencode

import jsonschema
from singer_sdk import SchemaDirectory, Stream, StreamSchema

from tap_stripe_readonly import schemas

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

    from tap_stripe_readonly.permissions import Permission

#: The Stripe API version the committed schemas were generated for; sent on every
#: request so records match their schemas whatever the account's default version.
API_VERSION = importlib.resources.files(schemas).joinpath("API_VERSION").read_text().strip()

PAGE_SIZE = 100  # Stripe's maximum; fewer requests count against the read allocation.
DAY = 86_400

#: With several accounts, each record names the one it came from in this column.
ACCOUNT_COLUMN = "stripe_account"
#: Set on the record of an object that no longer exists (targets soft-delete the row).
DELETED_AT = "_sdc_deleted_at"


def path_segment(object_id: str) -> str:
    """An id as one segment of a path.

    Accounts choose the ids of coupons, products and plans ("WELCOME#1", "735*$", "Pro plan
    $699/month"): sent as they are, `#` would cut the URL and `/` or `+` change it, and the
    404 that follows would read as a deletion. Every character but letters, digits and
    `_.-~` is percent-encoded, as Stripe's own libraries do.
    """
    return quote(object_id, safe="")


class ChangesWhile(t.NamedTuple):
    """The parents whose nested list can still change: those whose ``field`` is one of
    ``is_in`` (or, given ``not_in`` instead, is none of those)."""

    field: str
    is_in: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()

    def holds(self, value: object) -> bool:
        return value in self.is_in if self.is_in else value not in self.not_in


class ChangedBy(t.NamedTuple):
    """Events of another object that change this stream's (``charge.dispute.created`` changes
    the charge's ``disputed``), which Stripe may announce by no event of the object's own: the
    object its ``field`` names is read again, once per run."""

    event_types: tuple[str, ...]
    field: str
    #: A rule only a nested stream needs (its list is read again with the object): read only
    #: while that stream is selected.
    for_child: str | None = None


class StripeStream(Stream):
    """A Stripe list endpoint, filtered by ``created`` and read newest first."""

    #: The list endpoint, e.g. ``/v1/invoices``.
    path: t.ClassVar[str]
    #: The ``stripe`` package's typed class the schema is generated from.
    stripe_class: t.ClassVar[str]
    #: The objects' ``object`` value (``"invoice"``): routes events to the stream.
    object_name: t.ClassVar[str]
    #: The restricted-key permission the endpoint needs (named when it is missing).
    permission: t.ClassVar[Permission]
    #: Fixed list filters, e.g. ``{"status": "all"}``.
    params: t.ClassVar[t.Mapping[str, str]] = {}
    #: A list whose default hides objects (prices: "a list of your active prices … For the
    #: list of inactive prices, set active to false") is read once per set of filters that
    #: together show them all, each part with its own progress in state.
    list_filters: t.ClassVar[tuple[t.Mapping[str, str], ...]] = ({},)
    #: Fields Stripe sends only when asked (a tiered price's ``tiers``): expanded on every
    #: list and retrieve. An event's copy lacks them, so a changed object is fetched instead.
    expand: t.ClassVar[tuple[str, ...]] = ()
    #: Events announcing a created, changed or deleted object of this stream (at most 20,
    #: Stripe's limit for one list of events). None: objects never change once created.
    event_types: t.ClassVar[tuple[str, ...]] = ()
    #: Other objects' events that change this stream's objects (see ChangedBy).
    changed_by: t.ClassVar[tuple[ChangedBy, ...]] = ()
    #: Objects Stripe changes silently while this field has this value (balance
    #: transactions while ``status`` is ``pending``): re-listed until it changes.
    unsettled: t.ClassVar[tuple[str, str | None] | None] = None
    #: The field saying when an unsettled object can change at the earliest (a pending
    #: balance transaction's ``available_on``): none is listed again before then.
    unsettled_due: t.ClassVar[str | None] = None
    #: Filters under which Stripe lists exactly the unsettled objects (invoice items:
    #: ``pending=true``): those alone are listed again, and state keeps their ids to fetch
    #: the ones that settled.
    unsettled_list: t.ClassVar[t.Mapping[str, str]] = {}
    #: Stripe sends no event when one is created: each run also lists the new ones.
    created_unannounced: t.ClassVar[bool] = False
    #: Stripe announces no change of these at all (shipping rates): every run reads the list
    #: in full again, a small one.
    relisted_in_full: t.ClassVar[bool] = False
    #: For a list read in full again: not before this many seconds since the last time
    #: (settings that change seldom: a day), to keep frequent runs within Stripe's read
    #: allocation.
    relist_every: t.ClassVar[int | None] = None
    #: False for a list Stripe does not filter by ``created`` (quotes, payment links): it is
    #: read whole, page after page, instead of in windows.
    created_filter: t.ClassVar[bool] = True
    #: Its objects are Stripe's events themselves: after the first sync, they come from the
    #: account's one read of events.
    events_themselves: t.ClassVar[bool] = False
    #: The field the list's ``created`` filter applies to.
    created_field: t.ClassVar[str] = "created"
    #: Where one object is retrieved, ``{object_path}/{id}`` (the list's path unless set).
    object_path: t.ClassVar[str | None] = None
    #: False for a list Stripe answers whole and refuses ``limit`` on (an account's
    #: capabilities).
    paged: t.ClassVar[bool] = True
    #: Read by the Connect platform itself, by path, never with a ``Stripe-Account`` header
    #: (its connected accounts and what it knows of them: a "(Direct)" permission). With
    #: account_ids, read once, as the platform, not per account.
    read_by_platform: t.ClassVar[bool] = False
    #: With account_ids, the field naming the connected account each object is about, for
    #: the ``stripe_account`` column (the platform's reads are no connected account's).
    account_field: t.ClassVar[str | None] = None
    #: Fields never written, nor in the schema: a credential Stripe sends with the object (an
    #: app install's OAuth authorization code).
    omitted_fields: t.ClassVar[tuple[str, ...]] = ()

    primary_keys: t.ClassVar[tuple[str, ...]] = ("id",)
    replication_key: str | None = "created"
    _schema_file = StreamSchema(SchemaDirectory(schemas))

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if self.tags_accounts:
            # Ids such as coupon or plan codes are chosen by each account: only the
            # pair is unique across accounts.
            self.primary_keys = (ACCOUNT_COLUMN, *type(self).primary_keys)  # type: ignore[misc]
            self.state_partitioning_keys = (ACCOUNT_COLUMN,)

    @property
    def tags_accounts(self) -> bool:
        """Whether this run reads several accounts (and so tags each record with its own)."""
        return bool(self.config.get("account_ids"))

    @cached_property
    def schema(self) -> dict[str, t.Any]:
        schema = self._schema_file
        if not self.tags_accounts:
            return schema
        column = {"type": ["string"], "description": "The Stripe account the object is in."}
        return {**schema, "properties": {**schema["properties"], ACCOUNT_COLUMN: column}}

    @cached_property
    def _property_validators(self) -> dict[str, t.Any]:
        return {
            name: jsonschema.Draft7Validator(schema)
            for name, schema in self.schema["properties"].items()
        }

    def add_properties(self, properties: t.Mapping[str, dict[str, t.Any]]) -> None:
        """Declare fields the committed schema lacks (fields Stripe added: new_fields.py).

        The validators are made again from the new schema, so that ``conforming_fields``
        keeps the new fields too.
        """
        schema = self.schema
        self.schema = {**schema, "properties": {**schema["properties"], **properties}}
        self.__dict__.pop("_property_validators", None)

    def conforming_fields(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        """The fields of ``row`` that the schema has, with values of the schema's types.

        For an object rendered in another API version (a deletion's event): Stripe keeps
        most field names across versions, and a field it reshaped is left out rather than
        written with a type its column does not have.
        """
        validators = self._property_validators
        return {
            name: value
            for name, value in row.items()
            if name in validators and validators[name].is_valid(value)
        }

    def object_url(self, object_id: str) -> str:
        return f"{self.object_path or self.path}/{path_segment(object_id)}"

    @property
    def retrieve_endpoint(self) -> str:
        """The endpoint that retrieves one object by id (its rate-limit bucket)."""
        return f"{self.object_path or self.path}/{{id}}"

    def is_deletion(self, event_type: str) -> bool:
        """Whether an event of this type means the object no longer exists."""
        # A subscription "deleted" is one that ended: it stays, canceled.
        return event_type.endswith(".deleted") and event_type != "customer.subscription.deleted"

    def events_read(self) -> frozenset[str]:
        """The types of the events its read after the first sync takes: its own, its
        selected nested streams', and other objects' that change it."""
        types = {*self.event_types, *(e for rule in self.changed_rules() for e in rule.event_types)}
        for child in self.child_streams:
            if child.selected:
                types.update(t.cast("StripeStream", child).event_types)
        return frozenset(types)

    def changed_rules(self) -> tuple[ChangedBy, ...]:
        """The ``changed_by`` rules this run reads: those of a nested stream only while it is
        selected."""
        selected = {c.name for c in self.child_streams if c.selected}
        return tuple(r for r in self.changed_by if r.for_child is None or r.for_child in selected)

    def list_params(self) -> list[tuple[str, t.Any]]:
        expand = [("expand[]", f"data.{field}") for field in self.expand]
        return [("limit", PAGE_SIZE), *self.params.items(), *expand]

    def retrieve_params(self) -> list[tuple[str, t.Any]]:
        return [("expand[]", field) for field in self.expand]

    def get_records(self, context: Context | None) -> t.Iterable[Record]:
        # Streams are read side by side by the tap's fetch engine (reading/), not one at a
        # time through singer-sdk's Stream.sync(); the tap never calls this.
        msg = f"'{self.name}' is read by TapStripeReadonly.sync_all, not stream by stream"
        raise NotImplementedError(msg)


class StripeChildStream(StripeStream):
    """A list nested in each parent object, e.g. ``invoice.lines``.

    Stripe embeds the first items (up to 10) with ``has_more`` and a ``url``; the rest is
    listed from that url only when ``has_more`` is true. ``path`` names that endpoint.
    """

    #: The parent's property holding the embedded list object, e.g. ``"lines"``; None for a
    #: list Stripe keeps apart (a customer's payment methods), listed for every parent.
    embedded_field: t.ClassVar[str | None]
    #: This stream's property naming its parent, e.g. ``"invoice"``.
    parent_key: t.ClassVar[str]
    #: The parent's field holding the id of this stream's one object (a charge's ``review``):
    #: that object is fetched by id, where Stripe's own list would leave some out (closed
    #: reviews).
    referenced_by: t.ClassVar[str | None] = None
    #: Which parents' lists can still change (None: a list never changes once made). State
    #: keeps the item ids of those whose list is longer than the embedded page, so that an
    #: item removed past it is found when the parent changes.
    changes_while: t.ClassVar[ChangesWhile | None] = None
    #: False for a list Stripe keeps apart whose objects it retrieves only under their
    #: parent (a customer's cash balance transactions): a changed one is read by listing
    #: its parent's list again.
    retrieved_alone: t.ClassVar[bool] = True
    #: The parent's field whose value the list takes as the filter of the same name (a linked
    #: bank account's owners: ``ownership=``, its latest ownership refresh): a parent without
    #: one has no list to read.
    listed_by: t.ClassVar[str | None] = None

    replication_key = None

    def nested_url(self, parent_id: str, listed_by: str | None = None) -> str:
        """Where a parent's list is (when its embedded list does not say); ``listed_by``:
        the value of the parent's field the list is filtered by."""
        if "{id}" in self.path:
            url = self.path.format(id=path_segment(parent_id))
            return (
                url if self.listed_by is None else f"{url}?{urlencode({self.listed_by: listed_by})}"
            )
        return f"{self.path}?{urlencode({self.parent_key: parent_id})}"

    # The parent decides what is read: no state of its own.
    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()


class ExpandedLineItemsStream(StripeChildStream):
    """What a Checkout Session, quote or payment link sells: Stripe sends its ``line_items``
    only when expanded (the parent's ``expand``), as the first page of their own list."""

    embedded_field = "line_items"
    stripe_class = "LineItem"
    object_name = "item"
