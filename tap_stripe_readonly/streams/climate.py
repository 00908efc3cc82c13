"""Stripe Climate: the carbon removal the business bought (Stripe's catalog of products and
suppliers is the same for everyone, and not read).

An account that has not switched Climate on gets 400 "Your account is not set up to use
Climate": the run skips the stream and says so once at its end.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.permissions import CLIMATE_ORDER_READ


class ClimateOrdersStream(StripeStream):
    name = "climate_orders"
    path = "/v1/climate/orders"
    stripe_class = "climate.Order"
    object_name = "climate.order"
    permission = CLIMATE_ORDER_READ
    created_filter = False  # the list takes no `created` filter: read whole, then events
    event_types = (
        "climate.order.created", "climate.order.delayed", "climate.order.delivered",
        "climate.order.product_substituted", "climate.order.canceled",
    )  # fmt: skip
