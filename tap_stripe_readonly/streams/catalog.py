"""The catalog: products, their prices and features, the legacy plans, the meters
usage-based prices bill by, and the billing credits those prices can be paid with."""

from __future__ import annotations

from tap_stripe_readonly.client import ChangesWhile, StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import BILLING_METER_READ, PRICE_READ, PRODUCT_READ


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
    # Stripe's bare list shows active prices only; subscriptions and invoices keep pointing
    # at the archived ones.
    list_filters = ({"active": "true"}, {"active": "false"})
    # Sent only when expanded: a tiered price's tiers, a multi-currency price's currencies.
    expand = ("tiers", "currency_options")


class PlansStream(StripeStream):
    """The Plan view of recurring prices, which older integrations still use."""

    name = "plans"
    path = "/v1/plans"
    stripe_class = "Plan"
    object_name = "plan"
    permission = PRICE_READ
    event_types = ("plan.created", "plan.updated", "plan.deleted")
    expand = ("tiers",)


class ProductFeaturesStream(StripeChildStream):
    """The entitlement features attached to each product, listed per product (no events
    of their own: read again for each product that changed)."""

    name = "product_features"
    path = "/v1/products/{id}/features"
    parent_stream_type = ProductsStream
    embedded_field = None
    parent_key = "product"
    stripe_class = "ProductFeature"
    object_name = "product_feature"
    permission = PRODUCT_READ
    # Any product's can change; state keeps their ids, so that those of a product deleted
    # (or detached from it) are written deleted.
    changes_while = ChangesWhile("id")


class BillingMetersStream(StripeStream):
    """Usage-based billing's meters."""

    name = "billing_meters"
    path = "/v1/billing/meters"
    stripe_class = "billing.Meter"
    object_name = "billing.meter"
    permission = BILLING_METER_READ
    created_filter = False  # Stripe's list of meters takes no `created` filter
    event_types = (
        "billing.meter.created", "billing.meter.updated", "billing.meter.deactivated",
        "billing.meter.reactivated",
    )  # fmt: skip


class BillingCreditGrantsStream(StripeStream):
    """Billing credits granted to customers (prepaid or promotional): deferred revenue."""

    name = "billing_credit_grants"
    path = "/v1/billing/credit_grants"
    stripe_class = "billing.CreditGrant"
    object_name = "billing.credit_grant"
    # Stripe names no permission for billing credits: none of the 158 its API keys accept
    # is one. Credits apply only to prices billed by a meter, so the meters' permission is
    # named; if Stripe's 403 names another, the end-of-run report names Stripe's.
    permission = BILLING_METER_READ
    created_filter = False  # Stripe's list of credit grants takes no `created` filter
    event_types = ("billing.credit_grant.created", "billing.credit_grant.updated")


class BillingCreditBalanceTransactionsStream(StripeStream):
    """The ledger of billing credits: each credit granted and each debit applied to an
    invoice. Made once, never changed."""

    name = "billing_credit_balance_transactions"
    path = "/v1/billing/credit_balance_transactions"
    stripe_class = "billing.CreditBalanceTransaction"
    object_name = "billing.credit_balance_transaction"
    permission = BILLING_METER_READ
    # Its filters (customer, customer_account, credit_grant) are all optional in the pinned
    # package's types, and none is `created`: read whole.
    created_filter = False
    event_types = ("billing.credit_balance_transaction.created",)
