"""Stripe's events themselves: the account's activity log of the last 30 days."""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.permissions import EVENT_READ


class EventsStream(StripeStream):
    """Events never change: each run lists those created since the last one."""

    name = "events"
    path = "/v1/events"
    stripe_class = "Event"
    object_name = "event"
    permission = EVENT_READ
    events_themselves = True
