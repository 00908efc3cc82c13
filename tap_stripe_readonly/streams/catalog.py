"""The catalog: products, their prices, and the legacy plans."""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.permissions import PRICE_READ, PRODUCT_READ


class ProductsStream(StripeStream):
    name = "products"
    path = "/v1/products"
    stripe_class = "Product"
    object_name = "product"
    permission = PRODUCT_READ
    event_types = ("product.created", "product.updated", "product.deleted")


class PricesStream(StripeStream):
    name = "prices"
    path = "/v1/prices"
    stripe_class = "Price"
    object_name = "price"
    permission = PRICE_READ
    event_types = ("price.created", "price.updated", "price.deleted")


class PlansStream(StripeStream):
    """The Plan view of recurring prices, which older integrations still use."""

    name = "plans"
    path = "/v1/plans"
    stripe_class = "Plan"
    object_name = "plan"
    permission = PRICE_READ
    event_types = ("plan.created", "plan.updated", "plan.deleted")
