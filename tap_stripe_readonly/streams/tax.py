"""Stripe Tax's settings: where the account is registered to collect tax, its own tax ids (a
customer's are ``customer_tax_ids``) and the places of its live performances (taxed where they
happen). Lists without `created` filters or events, of a few objects each: read in full again
once a day."""

from __future__ import annotations

import typing as t

from tap_stripe_readonly.client import DAY, StripeStream
from tap_stripe_readonly.permissions import TAX_ID_READ, TAX_LOCATION_READ, TAX_SETTINGS_READ


class TaxSettingsStream(StripeStream):
    created_filter = False
    relisted_in_full = True
    relist_every = DAY


class TaxRegistrationsStream(TaxSettingsStream):
    name = "tax_registrations"
    path = "/v1/tax/registrations"
    stripe_class = "tax.Registration"
    object_name = "tax.registration"
    permission = TAX_SETTINGS_READ
    # Expired and scheduled registrations too (they say when tax was, or will be, collected).
    params: t.ClassVar[t.Mapping[str, str]] = {"status": "all"}


class AccountTaxIdsStream(TaxSettingsStream):
    """The account's own tax ids (the list's default owner is the account itself)."""

    name = "account_tax_ids"
    path = "/v1/tax_ids"
    stripe_class = "TaxId"
    object_name = "tax_id"
    permission = TAX_ID_READ


class TaxLocationsStream(TaxSettingsStream):
    name = "tax_locations"
    path = "/v1/tax/locations"
    stripe_class = "tax.Location"
    object_name = "tax.location"
    permission = TAX_LOCATION_READ
    # Stripe's list requires a type; performance venues are the only one.
    params: t.ClassVar[t.Mapping[str, str]] = {"type": "performance"}
    replication_key = None  # no `created`
