"""A Connect platform's connected accounts, and what the platform knows of each: the people
behind it, where its payouts go, and what it may do.

Read by the platform itself, by path (``read_by_platform``): Stripe's permission for them is
"(Direct)", refused on a request made with a ``Stripe-Account`` header. Stripe announces
their changes only in each connected account's own events, so the list of accounts is read in
full each run, and with it each account's nested lists (selected when asked for: a request
per account each).
"""

from __future__ import annotations

import typing as t

from tap_stripe_readonly.client import ChangesWhile, StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import CONNECTED_ACCOUNT_READ


class AccountsStream(StripeStream):
    name = "accounts"
    path = "/v1/accounts"
    stripe_class = "Account"
    object_name = "account"
    permission = CONNECTED_ACCOUNT_READ
    read_by_platform = True
    account_field = "id"
    relisted_in_full = True


class AccountListStream(StripeChildStream):
    """A list Stripe keeps apart for each connected account: a request per account each run,
    so not selected unless asked for."""

    parent_stream_type = AccountsStream
    embedded_field = None
    parent_key = "account"
    permission = CONNECTED_ACCOUNT_READ
    read_by_platform = True
    account_field = "account"
    selected_by_default = False
    # Any account's can change; state keeps their ids, so that those removed are written
    # deleted.
    changes_while = ChangesWhile("id")


class PersonsStream(AccountListStream):
    """The representatives, owners, directors and executives of each connected account
    (identity details Stripe holds for verification: names, dates of birth, addresses)."""

    name = "persons"
    path = "/v1/accounts/{id}/persons"
    stripe_class = "Person"
    object_name = "person"


class ExternalAccountsStream(AccountListStream):
    """Where each connected account's payouts go: its bank accounts (numbers masked) and
    debit cards. The schema is a bank account's; a card's other fields are declared as they
    come."""

    name = "external_accounts"
    path = "/v1/accounts/{id}/external_accounts"
    stripe_class = "BankAccount"
    object_name = "bank_account"


class CapabilitiesStream(AccountListStream):
    """What each connected account may do (card payments, transfers…) and what Stripe still
    needs for it. A capability's id is its name: unique only with its account."""

    name = "capabilities"
    path = "/v1/accounts/{id}/capabilities"
    stripe_class = "Capability"
    object_name = "capability"
    primary_keys: t.ClassVar[tuple[str, ...]] = ("account", "id")
    paged = False  # Stripe answers the whole list and takes no `limit`
