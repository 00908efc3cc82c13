"""Payments: charges and intents, the methods they use, refunds, disputes, Checkout."""

from __future__ import annotations

from tap_stripe_readonly.client import (
    ChangedBy,
    ExpandedLineItemsStream,
    StripeChildStream,
    StripeStream,
)
from tap_stripe_readonly.permissions import (
    CHARGE_READ,
    CHECKOUT_SESSION_READ,
    DISPUTE_READ,
    FORWARDING_REQUEST_READ,
    PAYMENT_INTENT_READ,
    PAYMENT_LINK_READ,
    PAYMENT_METHOD_READ,
    PAYMENT_RECORDS_READ,
    REVIEW_READ,
    SETUP_INTENT_READ,
    SHIPPING_RATE_READ,
    THREE_D_SECURE_READ,
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
    # Sent only when expanded: the first 10 with the session, free, rather than a request
    # per session (checkout_session_line_items).
    expand = ("line_items",)


class CheckoutSessionLineItemsStream(ExpandedLineItemsStream):
    """What each Checkout Session sold: fixed once the session completes or expires."""

    name = "checkout_session_line_items"
    path = "/v1/checkout/sessions/{id}/line_items"
    parent_stream_type = CheckoutSessionsStream
    parent_key = "checkout_session"
    permission = CHECKOUT_SESSION_READ


class PaymentLinksStream(StripeStream):
    name = "payment_links"
    path = "/v1/payment_links"
    stripe_class = "PaymentLink"
    object_name = "payment_link"
    permission = PAYMENT_LINK_READ
    created_filter = False  # Stripe's list of payment links takes no `created` filter
    # A payment link has no `created`: the bookmark is when its whole list was read.
    replication_key = None
    event_types = ("payment_link.created", "payment_link.updated")
    expand = ("line_items",)  # sent only when expanded (payment_link_line_items)


class PaymentLinkLineItemsStream(ExpandedLineItemsStream):
    name = "payment_link_line_items"
    path = "/v1/payment_links/{id}/line_items"
    parent_stream_type = PaymentLinksStream
    parent_key = "payment_link"
    permission = PAYMENT_LINK_READ


class ShippingRatesStream(StripeStream):
    name = "shipping_rates"
    path = "/v1/shipping_rates"
    stripe_class = "ShippingRate"
    object_name = "shipping_rate"
    permission = SHIPPING_RATE_READ
    relisted_in_full = True  # no events at all; an account has a handful


class SetupAttemptsStream(StripeChildStream):
    """Each SetupIntent's attempts (card-saving outcomes). A request per SetupIntent on the
    first sync: not selected unless asked for; afterwards per SetupIntent that changed."""

    name = "setup_attempts"
    path = "/v1/setup_attempts"
    parent_stream_type = SetupIntentsStream
    embedded_field = None
    parent_key = "setup_intent"
    stripe_class = "SetupAttempt"
    object_name = "setup_attempt"
    permission = SETUP_INTENT_READ
    selected_by_default = False


class ReviewsStream(StripeChildStream):
    """Radar's manual reviews of charges. Stripe's list shows open reviews only ("Review
    objects that have open set to true"): each is fetched by the id its charge carries, open
    or closed, then kept current by its own events.

    Not selected unless asked for: it needs Reviews (Read), which the minimal key of a
    revenue warehouse leaves out, and a key without it would have the charges read again
    every run.
    """

    name = "reviews"
    path = "/v1/reviews"
    parent_stream_type = ChargesStream
    embedded_field = None
    referenced_by = "review"
    parent_key = "charge"
    stripe_class = "Review"
    object_name = "review"
    permission = REVIEW_READ
    selected_by_default = False
    event_types = ("review.opened", "review.closed")


class EarlyFraudWarningsStream(StripeStream):
    name = "early_fraud_warnings"
    path = "/v1/radar/early_fraud_warnings"
    stripe_class = "radar.EarlyFraudWarning"
    object_name = "radar.early_fraud_warning"
    permission = CHARGE_READ  # Stripe's events of these need Charges Read
    event_types = ("radar.early_fraud_warning.created", "radar.early_fraud_warning.updated")


class ThreeDSecureAuthenticationsStream(StripeStream):
    """Standalone 3D Secure authentications of cards, for payments made elsewhere."""

    name = "three_d_secure_authentications"
    path = "/v1/three_d_secure/authentications"
    stripe_class = "three_d_secure.Authentication"
    object_name = "three_d_secure.authentication"
    permission = THREE_D_SECURE_READ
    event_types = tuple(
        f"three_d_secure.authentication.{change}"
        for change in (
            "requires_challenge", "challenge_started", "requires_submission", "succeeded",
            "failed", "canceled", "errored",
        )
    )  # fmt: skip


class ForwardingRequestsStream(StripeStream):
    """Card details forwarded to another processor (Vault and Forward). Stripe keeps no
    sensitive value in them and announces none: a request never changes once made, and each
    run lists those made since the last."""

    name = "forwarding_requests"
    path = "/v1/forwarding/requests"
    stripe_class = "forwarding.Request"
    object_name = "forwarding.request"
    permission = FORWARDING_REQUEST_READ


class PaymentIntentAmountDetailsLineItemsStream(StripeChildStream):
    """A payment's items, as level 2/3 card data gives them (most payments have none):
    listed per PaymentIntent, so not selected unless asked for; read again for each one that
    changed."""

    name = "payment_intent_amount_details_line_items"
    path = "/v1/payment_intents/{id}/amount_details_line_items"
    parent_stream_type = PaymentIntentsStream
    embedded_field = None
    parent_key = "payment_intent"
    stripe_class = "PaymentIntentAmountDetailsLineItem"
    object_name = "payment_intent_amount_details_line_item"
    permission = PAYMENT_INTENT_READ
    selected_by_default = False


class PaymentRecordsStream(StripeStream):
    """Payments taken outside Stripe and recorded in it (new in 2026; most accounts have none,
    so not selected unless asked for). Stripe announces no change of a record and filters the
    list by its own ``created_after``/``created_before``: the list is read in full each run,
    and with each record its attempts."""

    name = "payment_records"
    path = "/v1/payment_records"
    stripe_class = "PaymentRecord"
    object_name = "payment_record"
    permission = PAYMENT_RECORDS_READ
    created_filter = False
    relisted_in_full = True
    selected_by_default = False


class PaymentAttemptRecordsStream(StripeChildStream):
    """Each recorded payment's attempts (``payment_record=`` is required)."""

    name = "payment_attempt_records"
    path = "/v1/payment_attempt_records"
    parent_stream_type = PaymentRecordsStream
    embedded_field = None
    parent_key = "payment_record"
    stripe_class = "PaymentAttemptRecord"
    object_name = "payment_attempt_record"
    permission = PAYMENT_RECORDS_READ
    selected_by_default = False
