"""Terminal: in-person payments' locations, the card readers at them, and the settings the
readers take. Objects without `created`, of which Stripe announces no change but a reader's
actions: each list (a handful of objects) is read in full every run, and what was deleted
leaves the target through ACTIVATE_VERSION."""

from __future__ import annotations

from tap_stripe_readonly.client import DAY, StripeStream
from tap_stripe_readonly.permissions import (
    TERMINAL_CONFIGURATION_READ,
    TERMINAL_LOCATION_READ,
    TERMINAL_READER_READ,
)


class TerminalStream(StripeStream):
    """A Terminal list: no `created` filter, no `created` field, read in full each run."""

    created_filter = False
    replication_key = None
    relisted_in_full = True


class TerminalConfigurationsStream(TerminalStream):
    relist_every = DAY  # settings: read again once a day
    name = "terminal_configurations"
    path = "/v1/terminal/configurations"
    stripe_class = "terminal.Configuration"
    object_name = "terminal.configuration"
    permission = TERMINAL_CONFIGURATION_READ


class TerminalLocationsStream(TerminalStream):
    relist_every = DAY  # addresses: read again once a day
    name = "terminal_locations"
    path = "/v1/terminal/locations"
    stripe_class = "terminal.Location"
    object_name = "terminal.location"
    permission = TERMINAL_LOCATION_READ


class TerminalReadersStream(TerminalStream):
    name = "terminal_readers"
    path = "/v1/terminal/readers"
    stripe_class = "terminal.Reader"
    object_name = "terminal.reader"
    permission = TERMINAL_READER_READ
