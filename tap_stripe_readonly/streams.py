"""Stream declarations: one Stripe resource each.

``stripe_class`` names the ``stripe`` package's typed class that
scripts/generate_schemas.py turns into ``schemas/<name>.json``; ``permission`` is the
restricted-key permission to grant when Stripe answers 403; ``event_types`` are the Stripe
events that announce a new, changed or deleted object (a test checks each name against the
``stripe`` package).
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    BALANCE_READ,
    CHARGE_READ,
    CUSTOMER_READ,
    INVOICE_READ,
    PAYMENT_INTENT_READ,
    PRICE_READ,
    PRODUCT_READ,
    SUBSCRIPTION_READ,
)

# Customers


class CustomersStream(StripeStream):
    name = "customers"
    path = "/v1/customers"
    stripe_class = "Customer"
    object_name = "customer"
    permission = CUSTOMER_READ
    event_types = ("customer.created", "customer.updated", "customer.deleted")


# Payments


class ChargesStream(StripeStream):
    name = "charges"
    path = "/v1/charges"
    stripe_class = "Charge"
    object_name = "charge"
    permission = CHARGE_READ
    # Stripe has no charge.created: a new charge announces its outcome.
    event_types = (
        "charge.succeeded", "charge.failed", "charge.pending", "charge.captured",
        "charge.expired", "charge.refunded", "charge.updated",
    )  # fmt: skip


class PaymentIntentsStream(StripeStream):
    name = "payment_intents"
    path = "/v1/payment_intents"
    stripe_class = "PaymentIntent"
    object_name = "payment_intent"
    permission = PAYMENT_INTENT_READ
    event_types = (
        "payment_intent.created", "payment_intent.succeeded", "payment_intent.payment_failed",
        "payment_intent.canceled", "payment_intent.processing", "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated", "payment_intent.partially_funded",
    )  # fmt: skip


class BalanceTransactionsStream(StripeStream):
    name = "balance_transactions"
    path = "/v1/balance_transactions"
    stripe_class = "BalanceTransaction"
    object_name = "balance_transaction"
    permission = BALANCE_READ
    # No events: a transaction only ever changes from pending to available, silently.
    unsettled = ("status", "pending")


# Billing


class InvoicesStream(StripeStream):
    name = "invoices"
    path = "/v1/invoices"
    stripe_class = "Invoice"
    object_name = "invoice"
    permission = INVOICE_READ
    event_types = (
        "invoice.created", "invoice.updated", "invoice.deleted", "invoice.finalized",
        "invoice.finalization_failed", "invoice.paid", "invoice.payment_failed",
        "invoice.payment_succeeded", "invoice.payment_action_required",
        "invoice.payment_attempt_required", "invoice.marked_uncollectible", "invoice.voided",
        "invoice.sent", "invoice.overdue", "invoice.overpaid", "invoice.will_be_due",
    )  # fmt: skip


class InvoiceLineItemsStream(StripeChildStream):
    name = "invoice_line_items"
    path = "/v1/invoices/{id}/lines"
    parent_stream_type = InvoicesStream
    embedded_field = "lines"
    parent_key = "invoice"
    stripe_class = "InvoiceLineItem"
    object_name = "line_item"
    permission = INVOICE_READ


class SubscriptionsStream(StripeStream):
    name = "subscriptions"
    path = "/v1/subscriptions"
    params = {"status": "all"}  # without it Stripe leaves out canceled subscriptions
    stripe_class = "Subscription"
    object_name = "subscription"
    permission = SUBSCRIPTION_READ
    event_types = (
        "customer.subscription.created", "customer.subscription.updated",
        "customer.subscription.deleted", "customer.subscription.paused",
        "customer.subscription.resumed", "customer.subscription.pending_update_applied",
        "customer.subscription.pending_update_expired", "customer.subscription.trial_will_end",
    )  # fmt: skip


class SubscriptionItemsStream(StripeChildStream):
    name = "subscription_items"
    path = "/v1/subscription_items"
    parent_stream_type = SubscriptionsStream
    embedded_field = "items"
    parent_key = "subscription"
    stripe_class = "SubscriptionItem"
    object_name = "subscription_item"
    permission = SUBSCRIPTION_READ


# Catalog


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


STREAM_TYPES: tuple[type[StripeStream], ...] = (
    CustomersStream,
    ChargesStream,
    PaymentIntentsStream,
    BalanceTransactionsStream,
    InvoicesStream,
    InvoiceLineItemsStream,
    SubscriptionsStream,
    SubscriptionItemsStream,
    ProductsStream,
    PricesStream,
)

# (singer-sdk types `name` as an instance attribute; streams here set it on the class.)
STREAM_NAMES = frozenset(s.name for s in STREAM_TYPES)  # type: ignore[misc]
