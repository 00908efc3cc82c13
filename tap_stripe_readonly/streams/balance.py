"""Money moving: balance transactions, payouts, and Connect's transfers and fees (with their
reversals and refunds)."""

from __future__ import annotations

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    APPLICATION_FEE_READ,
    BALANCE_READ,
    PAYOUT_READ,
    TOP_UP_READ,
    TRANSFER_READ,
)


class BalanceTransactionsStream(StripeStream):
    name = "balance_transactions"
    path = "/v1/balance_transactions"
    stripe_class = "BalanceTransaction"
    object_name = "balance_transaction"
    permission = BALANCE_READ
    # No events: a transaction only ever changes from pending to available, silently, once
    # its funds are due.
    unsettled = ("status", "pending")
    unsettled_due = "available_on"


class PayoutsStream(StripeStream):
    name = "payouts"
    path = "/v1/payouts"
    stripe_class = "Payout"
    object_name = "payout"
    permission = PAYOUT_READ
    event_types = (
        "payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
        "payout.reconciliation_completed",
    )  # fmt: skip


class TransfersStream(StripeStream):
    name = "transfers"
    path = "/v1/transfers"
    stripe_class = "Transfer"
    object_name = "transfer"
    permission = TRANSFER_READ
    event_types = ("transfer.created", "transfer.updated", "transfer.reversed")


class TransferReversalsStream(StripeChildStream):
    name = "transfer_reversals"
    path = "/v1/transfers/{id}/reversals"
    parent_stream_type = TransfersStream
    embedded_field = "reversals"
    parent_key = "transfer"
    stripe_class = "TransferReversal"
    object_name = "transfer_reversal"
    permission = TRANSFER_READ


class ApplicationFeesStream(StripeStream):
    name = "application_fees"
    path = "/v1/application_fees"
    stripe_class = "ApplicationFee"
    object_name = "application_fee"
    permission = APPLICATION_FEE_READ
    event_types = ("application_fee.created", "application_fee.refunded")


class ApplicationFeeRefundsStream(StripeChildStream):
    name = "application_fee_refunds"
    path = "/v1/application_fees/{id}/refunds"
    parent_stream_type = ApplicationFeesStream
    embedded_field = "refunds"
    parent_key = "fee"
    stripe_class = "ApplicationFeeRefund"
    object_name = "fee_refund"
    permission = APPLICATION_FEE_READ
    # A refund's own changes (its metadata); new refunds come with application_fee.refunded.
    event_types = ("application_fee.refund.updated",)


class PayoutBalanceTransactionsStream(StripeChildStream):
    """The balance transactions each payout paid out: what a bank deposit is reconciled
    with. Stripe lists them for automatic payouts only; read once a payout changes (paid)."""

    name = "payout_balance_transactions"
    path = "/v1/balance_transactions"
    parent_stream_type = PayoutsStream
    embedded_field = None
    parent_key = "payout"
    stripe_class = "BalanceTransaction"
    object_name = "balance_transaction"
    permission = BALANCE_READ


class TopUpsStream(StripeStream):
    name = "top_ups"
    path = "/v1/topups"
    stripe_class = "Topup"
    object_name = "topup"
    permission = TOP_UP_READ
    event_types = (
        "topup.created", "topup.succeeded", "topup.failed", "topup.canceled", "topup.reversed",
    )  # fmt: skip
