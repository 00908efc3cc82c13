"""Financial Connections: the bank accounts a business's customers linked (with their
permission), the transactions Stripe fetched from each, and their owners.

Stripe lists an account's transactions only per account (``account=`` is required) and
announces them by the account's ``refreshed_transactions`` event: a linked account is read
again on its events, and with it its transactions. An account that has not switched the
product on gets 400 "Your account is not set up to use Financial Connections": the run skips
these streams and says so once at its end.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.permissions import (
    FINANCIAL_CONNECTIONS_ACCOUNT_READ,
    FINANCIAL_CONNECTIONS_TRANSACTION_READ,
)


class FinancialConnectionsAccountsStream(StripeStream):
    name = "financial_connections_accounts"
    path = "/v1/financial_connections/accounts"
    stripe_class = "financial_connections.Account"
    object_name = "financial_connections.account"
    permission = FINANCIAL_CONNECTIONS_ACCOUNT_READ
    created_filter = False  # the list takes no `created` filter: read whole, then events
    event_types = tuple(
        f"financial_connections.account.{change}"
        for change in (
            "created", "deactivated", "disconnected", "reactivated", "refreshed_balance",
            "refreshed_ownership", "refreshed_transactions", "account_numbers_updated",
            "supported_payment_method_types_updated", "expected_deactivation_date_updated",
            "upcoming_account_number_expiry", "upcoming_deactivation",
        )
    )  # fmt: skip


class FinancialConnectionsTransactionsStream(StripeChildStream):
    """A linked account's transactions: listed whole when the account is first read and each
    time its events say it changed (``refreshed_transactions``)."""

    name = "financial_connections_transactions"
    path = "/v1/financial_connections/transactions"
    parent_stream_type = FinancialConnectionsAccountsStream
    embedded_field = None
    parent_key = "account"
    stripe_class = "financial_connections.Transaction"
    object_name = "financial_connections.transaction"
    permission = FINANCIAL_CONNECTIONS_TRANSACTION_READ


class FinancialConnectionsAccountOwnersStream(StripeChildStream):
    """Who owns each linked bank account, as its bank says (names, e-mails, phones,
    addresses: not selected unless asked for). Listed for the account's latest ownership
    refresh (``ownership=``), with the account, and again when its events say the owners were
    refreshed; an account whose owners were never asked for has none."""

    name = "financial_connections_account_owners"
    path = "/v1/financial_connections/accounts/{id}/owners"
    parent_stream_type = FinancialConnectionsAccountsStream
    embedded_field = None
    parent_key = "account"
    listed_by = "ownership"
    stripe_class = "financial_connections.AccountOwner"
    object_name = "financial_connections.account_owner"
    permission = FINANCIAL_CONNECTIONS_ACCOUNT_READ
    selected_by_default = False
