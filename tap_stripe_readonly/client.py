"""The base Stripe stream: URL, headers, auth, errors, retries and list paging, once.

A stream in ``streams.py`` only declares what differs: its path, the permission
it needs, fixed list filters, and for nested lists its parent.
"""

from __future__ import annotations

import importlib.resources
import random
import typing as t
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

import backoff
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_stripe_readonly import __version__, schemas
from tap_stripe_readonly.config import DEFAULT_API_URL, parse_start_date
from tap_stripe_readonly.errors import (
    CursorVanishedError,
    InvalidApiKeyError,
    NoConnectAccessError,
    ParentVanishedError,
    Permission,
    PermissionDeniedError,
    error_body,
    error_message,
    permission_in_message,
)
from tap_stripe_readonly.pagination import StripeListPaginator, list_page
from tap_stripe_readonly.transport import ReadOnlySession

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context, Record

    from tap_stripe_readonly.tap import TapStripeReadonly

#: The Stripe API version the committed schemas were generated for; sent on every
#: request so records match their schemas whatever the account's default version.
API_VERSION = importlib.resources.files(schemas).joinpath("API_VERSION").read_text().strip()

PAGE_SIZE = 100  # Stripe's maximum; fewer requests count against the read allocation.

# Stripe's answer when a restricted key is used with Stripe-Account but may not act
# for connected accounts (sent as a 400 or a 403).
_NO_CONNECT_ACCESS = "does not have any Connect permissions"


class StripeStream(RESTStream[str | None]):
    """A Stripe list endpoint, synced incrementally by ``created``."""

    #: The restricted-key permission the endpoint needs (named when it is missing).
    permission: t.ClassVar[Permission]
    #: The ``stripe`` package's typed class the schema is generated from.
    stripe_class: t.ClassVar[str]
    #: Fixed list filters, e.g. ``{"status": "all"}``.
    params: t.ClassVar[t.Mapping[str, str]] = {}

    primary_keys: t.ClassVar[tuple[str, ...]] = ("id",)
    replication_key: str | None = "created"
    # Stripe lists newest first. Unsorted, the SDK keeps the newest `created` seen as a
    # progress marker and makes it the bookmark only once the stream completes, so an
    # interrupted run resumes from the previous bookmark, never past unsent records.
    is_sorted = False
    schema = StreamSchema(SchemaDirectory(schemas))

    # Stripe never redirects an API call; following one could carry the key elsewhere.
    allow_redirects = False
    # 409 is a lock conflict, 429 a rate or lock limit: both pass if retried later.
    extra_retry_statuses: t.Sequence[int] = (409, 429)

    _tap: TapStripeReadonly

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._requests_session = ReadOnlySession()
        # Set while resuming a list whose cursor object vanished (see _list_records).
        self._created_lte: int | None = None

    # -- request -------------------------------------------------------------------

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")

    @property
    def http_headers(self) -> dict[str, str]:
        headers = {"Stripe-Version": API_VERSION}
        if account_id := self.config.get("account_id"):
            headers["Stripe-Account"] = account_id
        return headers

    @cached_property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["api_key"])

    @cached_property
    def user_agent(self) -> str:
        return f"tap-stripe-readonly/{__version__}"

    def get_url_params(
        self, context: Context | None, next_page_token: str | None
    ) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"limit": PAGE_SIZE, **self.params}
        if next_page_token:
            params["starting_after"] = next_page_token
        if self.replication_key:
            if (start := self.start_created(context)) is not None:
                params["created[gte]"] = start
            if self._created_lte is not None:
                params["created[lte]"] = self._created_lte
        return params

    def start_created(self, context: Context | None) -> int | None:
        """The oldest ``created`` to list: the bookmark, but never before start_date."""
        # Without a bookmark the SDK hands back start_date itself, as an ISO string.
        values = (self.get_starting_replication_key_value(context), self.config.get("start_date"))
        starts = [_epoch(value) for value in values if value not in (None, "")]
        return max(starts) if starts else None

    # -- response ------------------------------------------------------------------

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 300:
            return
        message = error_message(response, f"GET {urlsplit(response.url).path}")
        if status == 401:
            msg = (
                "Stripe rejected the API key (401): it is unknown, revoked or mistyped. "
                "Check the key in the Stripe Dashboard (Developers > API keys) and "
                "update the tap's api_key."
            )
            raise InvalidApiKeyError(msg)
        if _NO_CONNECT_ACCESS in message:
            msg = (
                f"{message} Grant the key Connect permissions (Read) in the Dashboard, or "
                "unset account_id to read the key's own account."
            )
            raise NoConnectAccessError(msg)
        if status == 403:
            raise PermissionDeniedError(message, permission_in_message(message, self.permission))
        error = error_body(response)
        if error.get("code") == "resource_missing":
            if status == 400 and error.get("param") == "starting_after":
                raise CursorVanishedError(message)
            if status == 404:
                raise ParentVanishedError(message)
        # Stripe says outright whether a retry can help; that wins over the status.
        should_retry = response.headers.get("Stripe-Should-Retry")
        if should_retry == "false":
            raise FatalAPIError(message)
        if should_retry == "true" or status in self.extra_retry_statuses or status >= 500:
            raise RetriableAPIError(message, response)
        raise FatalAPIError(message)

    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        yield from list_page(response)["data"]

    def get_new_paginator(self) -> StripeListPaginator:
        return StripeListPaginator(start_value=None)

    # Stripe's advice: exponential backoff with jitter, starting small.
    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        return backoff.expo(base=2, factor=0.5, max_value=20)

    def backoff_max_tries(self) -> int:
        return 8

    def backoff_jitter(self, value: float) -> float:
        # Stripe's own clients wait a random time in [d/2, d]; the SDK's default adds
        # up to a whole second to every wait.
        return value * (0.5 + random.random() / 2)

    # -- records -------------------------------------------------------------------

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Records of this stream; a 403 skips the stream instead of failing the sync."""
        sent_any = False
        try:
            for record in self._list_records(context):
                sent_any = True
                yield record
        except PermissionDeniedError as exc:
            if sent_any:
                # Records newer than the unsent ones are out: the SDK would make their
                # `created` the bookmark, and the next run would never list the rest.
                self.get_context_state(context).pop("progress_markers", None)
            self._tap.sync_report.skip(self, exc.permission)

    def _list_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Page the list; when the cursor object vanishes, resume where we were.

        Newest first, so everything not yet sent is at or before the last sent
        ``created``: the list restarts there, skipping ids already sent in that second.
        """
        self._created_lte = None
        oldest: int | None = None
        sent_at_oldest: set[str] = set()
        while True:
            try:
                for record in self.request_records(context):
                    created, record_id = record.get("created"), record["id"]
                    if created == oldest and record_id in sent_at_oldest:
                        continue
                    if created != oldest:
                        oldest, sent_at_oldest = created, set()
                    sent_at_oldest.add(record_id)
                    yield record
                return
            except CursorVanishedError:
                if oldest is None:
                    raise
                self.logger.warning(
                    "The object Stripe was paging from vanished; resuming '%s' from created <= %s.",
                    self.name,
                    oldest,
                )
                self._created_lte = oldest

    # -- nested lists --------------------------------------------------------------

    def get_child_context(self, record: Record, context: Context | None) -> Context:
        # The SDK syncs the children right after this call, for this record. Each
        # child takes its embedded first page from here: in the context, it would be
        # copied into every metric log line.
        for child in t.cast("list[StripeChildStream]", self.child_streams):
            child.embedded_page = record.get(child.embedded_field)
        return {"parent_id": record["id"]}

    def _write_schema_message(self) -> None:
        # The SDK writes a SCHEMA message at every sync() call, and a child stream is
        # synced once per parent record: one SCHEMA per stream and run is enough.
        if not getattr(self, "_schema_sent", False):
            super()._write_schema_message()
            self._schema_sent = True


class StripeChildStream(StripeStream):
    """A list nested in each parent record, e.g. ``invoice.lines``.

    Stripe embeds the first items (up to 10) with ``has_more`` and a ``url``; the
    rest is requested from that url only when ``has_more`` is true. ``path`` only
    names the endpoint in metrics.
    """

    #: The parent's property holding the embedded list object, e.g. ``"lines"``.
    embedded_field: t.ClassVar[str]
    #: This stream's property naming its parent, e.g. ``"invoice"``.
    parent_key: t.ClassVar[str]

    replication_key = None
    # Each parent's items are synced as a separate full-table pass: an ACTIVATE_VERSION
    # after one of them would tell the target to drop every other parent's items.
    emit_activate_version_messages = False
    # One state entry for the whole stream, not one per parent record.
    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()

    embedded_page: dict[str, t.Any] | None = None

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        page, self.embedded_page = self.embedded_page or {}, None
        if self._tap.sync_report.is_skipped(self.name):
            return
        embedded = page.get("data") or []
        yield from embedded
        if not (page.get("has_more") and page.get("url")):
            return
        sent = {item["id"] for item in embedded}
        remainder = {**(context or {}), "url": page["url"]}
        if embedded:
            remainder["starting_after"] = embedded[-1]["id"]
        try:
            yield from self._list_remainder(remainder, sent)
        except PermissionDeniedError as exc:
            self._tap.sync_report.skip(self, exc.permission)
        except ParentVanishedError:
            # Deleted since its page was listed (draft invoices can be): nothing to sync.
            self.logger.warning(
                "'%s' of %s: the parent was deleted during the sync; skipped.",
                self.name,
                context and context.get("parent_id"),
            )

    def _list_remainder(self, context: Context, sent: set[str]) -> t.Iterable[dict[str, t.Any]]:
        """The items after the embedded ones; if the cursor item vanishes, start over."""
        while True:
            try:
                for record in self.request_records(context):
                    if record["id"] not in sent:
                        sent.add(record["id"])
                        yield record
                return
            except CursorVanishedError:
                self.logger.warning("A %s item vanished while paging; listing it again.", self.name)
                context = {k: v for k, v in context.items() if k != "starting_after"}

    def get_url(self, context: Context | None) -> str:
        return self.url_base + urlsplit(t.cast("dict", context)["url"]).path

    def get_url_params(
        self, context: Context | None, next_page_token: str | None
    ) -> dict[str, t.Any]:
        context = t.cast("dict", context)
        params: dict[str, t.Any] = dict(parse_qsl(urlsplit(context["url"]).query))
        params["limit"] = PAGE_SIZE
        if after := next_page_token or context.get("starting_after"):
            params["starting_after"] = after
        return params

    def post_process(self, row: Record, context: Context | None = None) -> Record:
        if not row.get(self.parent_key) and context:
            row[self.parent_key] = context["parent_id"]
        return row


def _epoch(value: int | str) -> int:
    """A ``created`` bookmark (unix seconds) or an ISO 8601 date, as unix seconds."""
    if isinstance(value, str) and not value.isdigit():
        return int(parse_start_date(value).timestamp())
    return int(value)
