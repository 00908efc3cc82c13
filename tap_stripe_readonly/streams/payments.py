"""Payments: charges and intents, the methods they use, refunds, disputes, Checkout."""

from __future__ import annotations

from tap_stripe_readonly.client import ChangedBy, StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    CHARGE_READ,
    CHECKOUT_SESSION_READ,
    DISPUTE_READ,
    PAYMENT_INTENT_READ,
    PAYMENT_METHOD_READ,
    SETUP_INTENT_READ,
)
from tap_stripe_readonly.streams.billing import CustomersStream


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
    # A dispute changes its charge (`disputed`, and the amount a withdrawal takes).
    changed_by = (
        ChangedBy(
            (
                "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                "charge.dispute.funds_reinstated", "charge.dispute.funds_withdrawn",
            ),
            "charge",
        ),
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


class SetupIntentsStream(StripeStream):
    name = "setup_intents"
    path = "/v1/setup_intents"
    stripe_class = "SetupIntent"
    object_name = "setup_intent"
    permission = SETUP_INTENT_READ
    event_types = (
        "setup_intent.created", "setup_intent.succeeded", "setup_intent.setup_failed",
        "setup_intent.canceled", "setup_intent.requires_action",
    )  # fmt: skip


class PaymentMethodsStream(StripeChildStream):
    """Each customer's payment methods: Stripe lists them per customer only.

    A request per customer: not selected unless asked for.
    """

    name = "payment_methods"
    path = "/v1/customers/{id}/payment_methods"
    object_path = "/v1/payment_methods"
    parent_stream_type = CustomersStream
    embedded_field = None  # not embedded in the customer: always listed
    parent_key = "customer"
    stripe_class = "PaymentMethod"
    object_name = "payment_method"
    permission = PAYMENT_METHOD_READ
    selected_by_default = False
    # Their own events, read with the customers': a detached method is written with its
    # customer unset.
    event_types = (
        "payment_method.attached", "payment_method.updated", "payment_method.detached",
        "payment_method.automatically_updated",
    )  # fmt: skip


class RefundsStream(StripeStream):
    name = "refunds"
    path = "/v1/refunds"
    stripe_class = "Refund"
    object_name = "refund"
    permission = CHARGE_READ
    event_types = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


class DisputesStream(StripeStream):
    name = "disputes"
    path = "/v1/disputes"
    stripe_class = "Dispute"
    object_name = "dispute"
    permission = DISPUTE_READ
    event_types = (
        "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
        "charge.dispute.funds_reinstated", "charge.dispute.funds_withdrawn",
    )  # fmt: skip


class CheckoutSessionsStream(StripeStream):
    name = "checkout_sessions"
    path = "/v1/checkout/sessions"
    stripe_class = "checkout.Session"
    object_name = "checkout.session"
    permission = CHECKOUT_SESSION_READ
    event_types = (
        "checkout.session.completed", "checkout.session.expired",
        "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    )  # fmt: skip
    # Stripe has no checkout.session.created: new sessions are listed.
    created_unannounced = True
