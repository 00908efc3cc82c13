"""Issuing: the cards a business issues (to its staff, or its platform's users), who holds
them, what they bought with them, and the disputes of those purchases.

An account that has not switched Issuing on gets 400 "Your account is not set up to use
Issuing" on each of these lists: the run skips them and says so once at its end.
"""

from __future__ import annotations

from tap_stripe_readonly.client import DAY, StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    ISSUING_AUTHORIZATION_READ,
    ISSUING_CARD_READ,
    ISSUING_CARDHOLDER_READ,
    ISSUING_DISPUTE_READ,
    ISSUING_TOKEN_READ,
    ISSUING_TRANSACTION_READ,
)


class IssuingCardholdersStream(StripeStream):
    name = "issuing_cardholders"
    path = "/v1/issuing/cardholders"
    stripe_class = "issuing.Cardholder"
    object_name = "issuing.cardholder"
    permission = ISSUING_CARDHOLDER_READ
    event_types = ("issuing_cardholder.created", "issuing_cardholder.updated")


class IssuingCardsStream(StripeStream):
    name = "issuing_cards"
    path = "/v1/issuing/cards"
    stripe_class = "issuing.Card"
    object_name = "issuing.card"
    permission = ISSUING_CARD_READ
    event_types = ("issuing_card.created", "issuing_card.updated")


class IssuingAuthorizationsStream(StripeStream):
    name = "issuing_authorizations"
    path = "/v1/issuing/authorizations"
    stripe_class = "issuing.Authorization"
    object_name = "issuing.authorization"
    permission = ISSUING_AUTHORIZATION_READ
    # (issuing_authorization.request asks the business to approve one in real time: the
    # authorization that results is announced by .created.)
    event_types = ("issuing_authorization.created", "issuing_authorization.updated")


class IssuingTransactionsStream(StripeStream):
    name = "issuing_transactions"
    path = "/v1/issuing/transactions"
    stripe_class = "issuing.Transaction"
    object_name = "issuing.transaction"
    permission = ISSUING_TRANSACTION_READ
    event_types = (
        "issuing_transaction.created", "issuing_transaction.updated",
        "issuing_transaction.purchase_details_receipt_updated",
    )  # fmt: skip


class IssuingDisputesStream(StripeStream):
    name = "issuing_disputes"
    path = "/v1/issuing/disputes"
    stripe_class = "issuing.Dispute"
    object_name = "issuing.dispute"
    permission = ISSUING_DISPUTE_READ
    event_types = (
        "issuing_dispute.created", "issuing_dispute.updated", "issuing_dispute.submitted",
        "issuing_dispute.closed", "issuing_dispute.funds_reinstated",
        "issuing_dispute.funds_rescinded",
    )  # fmt: skip


class IssuingPersonalizationDesignsStream(StripeStream):
    """The designs physical cards are printed with."""

    name = "issuing_personalization_designs"
    path = "/v1/issuing/personalization_designs"
    stripe_class = "issuing.PersonalizationDesign"
    object_name = "issuing.personalization_design"
    permission = ISSUING_CARD_READ
    created_filter = False  # the list takes no `created` filter
    # Stripe announces a design's review and updates, never its creation: an account has a
    # handful, read in full again once a day.
    relisted_in_full = True
    relist_every = DAY


class IssuingPhysicalBundlesStream(StripeStream):
    """The card stock, carrier and envelope a design is printed on: Stripe's own offerings
    (and any made for the account), with no `created` and no events."""

    name = "issuing_physical_bundles"
    path = "/v1/issuing/physical_bundles"
    stripe_class = "issuing.PhysicalBundle"
    object_name = "issuing.physical_bundle"
    permission = ISSUING_CARD_READ
    created_filter = False
    replication_key = None
    relisted_in_full = True
    relist_every = DAY


class IssuingTokensStream(StripeChildStream):
    """The network tokens standing for each card in a phone's wallet (Apple Pay, Google Pay).
    Listed per card (Stripe's list needs ``card=``): a request per card on the first sync, so
    not selected unless asked for; then their own events."""

    name = "issuing_tokens"
    path = "/v1/issuing/tokens"
    parent_stream_type = IssuingCardsStream
    embedded_field = None
    parent_key = "card"
    stripe_class = "issuing.Token"
    object_name = "issuing.token"
    permission = ISSUING_TOKEN_READ
    event_types = ("issuing_token.created", "issuing_token.updated")
    selected_by_default = False
