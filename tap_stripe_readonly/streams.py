"""Stream declarations: one Stripe resource each.

``stripe_class`` names the ``stripe`` package's typed class that
scripts/generate_schemas.py turns into ``schemas/<name>.json``; ``permission`` is
the restricted-key permission to grant when Stripe answers 403.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.errors import Permission

CUSTOMER_READ = Permission("customer_read", "Customers")
CHARGE_READ = Permission("charge_read", "Charges")
PAYMENT_INTENT_READ = Permission("payment_intent_read", "PaymentIntents")
INVOICE_READ = Permission("invoice_read", "Invoices")
SUBSCRIPTION_READ = Permission("subscription_read", "Subscriptions")
PRODUCT_READ = Permission("product_read", "Products")
PRICE_READ = Permission("plan_read", "Prices")
BALANCE_READ = Permission("balance_read", "Balance")


# Customers


class CustomersStream(StripeStream):
    name = "customers"
    path = "/v1/customers"
    stripe_class = "Customer"
    permission = CUSTOMER_READ


# Payments


class ChargesStream(StripeStream):
    name = "charges"
    path = "/v1/charges"
    stripe_class = "Charge"
    permission = CHARGE_READ


class PaymentIntentsStream(StripeStream):
    name = "payment_intents"
    path = "/v1/payment_intents"
    stripe_class = "PaymentIntent"
    permission = PAYMENT_INTENT_READ


class BalanceTransactionsStream(StripeStream):
    name = "balance_transactions"
    path = "/v1/balance_transactions"
    stripe_class = "BalanceTransaction"
    permission = BALANCE_READ


# Billing


class InvoicesStream(StripeStream):
    name = "invoices"
    path = "/v1/invoices"
    stripe_class = "Invoice"
    permission = INVOICE_READ


class InvoiceLineItemsStream(StripeChildStream):
    name = "invoice_line_items"
    path = "/v1/invoices/{id}/lines"
    parent_stream_type = InvoicesStream
    embedded_field = "lines"
    parent_key = "invoice"
    stripe_class = "InvoiceLineItem"
    permission = INVOICE_READ


class SubscriptionsStream(StripeStream):
    name = "subscriptions"
    path = "/v1/subscriptions"
    params = {"status": "all"}  # without it Stripe leaves out canceled subscriptions
    stripe_class = "Subscription"
    permission = SUBSCRIPTION_READ


class SubscriptionItemsStream(StripeChildStream):
    name = "subscription_items"
    path = "/v1/subscription_items"
    parent_stream_type = SubscriptionsStream
    embedded_field = "items"
    parent_key = "subscription"
    stripe_class = "SubscriptionItem"
    permission = SUBSCRIPTION_READ


# Catalog


class ProductsStream(StripeStream):
    name = "products"
    path = "/v1/products"
    stripe_class = "Product"
    permission = PRODUCT_READ


class PricesStream(StripeStream):
    name = "prices"
    path = "/v1/prices"
    stripe_class = "Price"
    permission = PRICE_READ


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
