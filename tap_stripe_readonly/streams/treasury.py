"""Treasury: the financial accounts a platform opens for its users (money held, sent and
received outside cards), and, under each, its money movements and its ledger.

Stripe lists each movement only per financial account (``financial_account=`` is required),
and announces the ledger's transactions and entries by no event at all. A platform has a
handful of financial accounts (usually one per connected account): the list of them is read
in full each run, and with each its lists, whole. An account that has not switched Treasury
on gets 400 "Your account is not set up to use Treasury": the run skips these streams and says
so once at its end.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    FINANCIAL_ACCOUNT_READ,
    INBOUND_TRANSFER_READ,
    OUTBOUND_PAYMENT_READ,
    OUTBOUND_TRANSFER_READ,
    RECEIVED_CREDIT_READ,
    RECEIVED_DEBIT_READ,
    TREASURY_TRANSACTION_READ,
)


class TreasuryFinancialAccountsStream(StripeStream):
    name = "treasury_financial_accounts"
    path = "/v1/treasury/financial_accounts"
    stripe_class = "treasury.FinancialAccount"
    object_name = "treasury.financial_account"
    permission = FINANCIAL_ACCOUNT_READ
    # Its lists below change without an event of it (transactions, entries: none at all),
    # so it is read in full each run and each of its lists with it.
    relisted_in_full = True


class FinancialAccountListStream(StripeChildStream):
    """A list of one financial account's (``financial_account=``), read whole with it."""

    parent_stream_type = TreasuryFinancialAccountsStream
    embedded_field = None
    parent_key = "financial_account"


class TreasuryTransactionsStream(FinancialAccountListStream):
    """The ledger: each money movement's effect on the balance (open, then posted or void)."""

    name = "treasury_transactions"
    path = "/v1/treasury/transactions"
    stripe_class = "treasury.Transaction"
    object_name = "treasury.transaction"
    permission = TREASURY_TRANSACTION_READ


class TreasuryTransactionEntriesStream(FinancialAccountListStream):
    """The ledger's entries: each change to a balance a transaction makes."""

    name = "treasury_transaction_entries"
    path = "/v1/treasury/transaction_entries"
    stripe_class = "treasury.TransactionEntry"
    object_name = "treasury.transaction_entry"
    permission = TREASURY_TRANSACTION_READ


class TreasuryInboundTransfersStream(FinancialAccountListStream):
    name = "treasury_inbound_transfers"
    path = "/v1/treasury/inbound_transfers"
    stripe_class = "treasury.InboundTransfer"
    object_name = "treasury.inbound_transfer"
    permission = INBOUND_TRANSFER_READ


class TreasuryOutboundPaymentsStream(FinancialAccountListStream):
    name = "treasury_outbound_payments"
    path = "/v1/treasury/outbound_payments"
    stripe_class = "treasury.OutboundPayment"
    object_name = "treasury.outbound_payment"
    permission = OUTBOUND_PAYMENT_READ


class TreasuryOutboundTransfersStream(FinancialAccountListStream):
    name = "treasury_outbound_transfers"
    path = "/v1/treasury/outbound_transfers"
    stripe_class = "treasury.OutboundTransfer"
    object_name = "treasury.outbound_transfer"
    permission = OUTBOUND_TRANSFER_READ


class TreasuryReceivedCreditsStream(FinancialAccountListStream):
    name = "treasury_received_credits"
    path = "/v1/treasury/received_credits"
    stripe_class = "treasury.ReceivedCredit"
    object_name = "treasury.received_credit"
    permission = RECEIVED_CREDIT_READ


class TreasuryReceivedDebitsStream(FinancialAccountListStream):
    name = "treasury_received_debits"
    path = "/v1/treasury/received_debits"
    stripe_class = "treasury.ReceivedDebit"
    object_name = "treasury.received_debit"
    permission = RECEIVED_DEBIT_READ


class TreasuryCreditReversalsStream(FinancialAccountListStream):
    """Received credits sent back."""

    name = "treasury_credit_reversals"
    path = "/v1/treasury/credit_reversals"
    stripe_class = "treasury.CreditReversal"
    object_name = "treasury.credit_reversal"
    permission = RECEIVED_CREDIT_READ


class TreasuryDebitReversalsStream(FinancialAccountListStream):
    """Received debits disputed back."""

    name = "treasury_debit_reversals"
    path = "/v1/treasury/debit_reversals"
    stripe_class = "treasury.DebitReversal"
    object_name = "treasury.debit_reversal"
    permission = RECEIVED_DEBIT_READ
