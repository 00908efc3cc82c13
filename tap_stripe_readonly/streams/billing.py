"""Customers and billing: invoices, subscriptions, credit notes, and what they refer to."""

from __future__ import annotations

from tap_stripe_readonly.client import (
    ChangedBy,
    ChangesWhile,
    ExpandedLineItemsStream,
    StripeChildStream,
    StripeStream,
)
from tap_stripe_readonly.permissions import (
    COUPON_READ,
    CREDIT_NOTE_READ,
    CUSTOMER_READ,
    ENTITLEMENT_READ,
    INVOICE_READ,
    PROMOTION_CODE_READ,
    QUOTE_READ,
    SUBSCRIPTION_READ,
    TAX_RATE_READ,
)


class CustomersStream(StripeStream):
    name = "customers"
    path = "/v1/customers"
    stripe_class = "Customer"
    object_name = "customer"
    permission = CUSTOMER_READ
    event_types = ("customer.created", "customer.updated", "customer.deleted")
    # A discount, tax id or source of the customer changes it (its `discount`,
    # `default_source`…) with no customer.updated of its own for certain.
    changed_by = (
        ChangedBy(
            (
                "customer.discount.created", "customer.discount.updated",
                "customer.discount.deleted", "customer.tax_id.created",
                "customer.tax_id.updated", "customer.tax_id.deleted",
                "customer.source.created", "customer.source.updated",
                "customer.source.deleted",
            ),
            "customer",
        ),
        # What a customer is entitled to changed (its subscription did): its active
        # entitlements are listed again.
        ChangedBy(
            ("entitlements.active_entitlement_summary.updated",), "customer",
            for_child="entitlements_active_entitlements",
        ),
    )  # fmt: skip


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
    # An item added to or deleted from a draft changes its lines.
    changed_by = (ChangedBy(("invoiceitem.created", "invoiceitem.deleted"), "invoice"),)


class InvoiceLineItemsStream(StripeChildStream):
    name = "invoice_line_items"
    path = "/v1/invoices/{id}/lines"
    parent_stream_type = InvoicesStream
    embedded_field = "lines"
    parent_key = "invoice"
    stripe_class = "InvoiceLineItem"
    object_name = "line_item"
    permission = INVOICE_READ
    # A finalized invoice's lines are fixed.
    changes_while = ChangesWhile("status", is_in=("draft",))


class InvoiceItemsStream(StripeStream):
    name = "invoice_items"
    path = "/v1/invoiceitems"
    stripe_class = "InvoiceItem"
    object_name = "invoiceitem"
    permission = INVOICE_READ
    # Invoice items carry `date`, filtered by the list's `created`.
    created_field = "date"
    replication_key = "date"
    event_types = ("invoiceitem.created", "invoiceitem.deleted")
    # Stripe announces no update of an item: one not yet on an invoice can change (and
    # gets its invoice) silently, so those are listed again until they are invoiced.
    unsettled = ("invoice", None)
    unsettled_list = {"pending": "true"}


class CreditNotesStream(StripeStream):
    name = "credit_notes"
    path = "/v1/credit_notes"
    stripe_class = "CreditNote"
    object_name = "credit_note"
    permission = CREDIT_NOTE_READ
    event_types = ("credit_note.created", "credit_note.updated", "credit_note.voided")


class CreditNoteLineItemsStream(StripeChildStream):
    name = "credit_note_line_items"
    path = "/v1/credit_notes/{id}/lines"
    parent_stream_type = CreditNotesStream
    embedded_field = "lines"
    parent_key = "credit_note"
    stripe_class = "CreditNoteLineItem"
    object_name = "credit_note_line_item"
    permission = CREDIT_NOTE_READ
    # A credit note's lines never change (changes_while None).


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
    # Until the subscription ends (Stripe caps it at 20 items).
    changes_while = ChangesWhile("status", not_in=("canceled", "incomplete_expired"))


class CouponsStream(StripeStream):
    name = "coupons"
    path = "/v1/coupons"
    stripe_class = "Coupon"
    object_name = "coupon"
    permission = COUPON_READ
    event_types = ("coupon.created", "coupon.updated", "coupon.deleted")
    expand = ("applies_to", "currency_options")  # sent only when expanded


class PromotionCodesStream(StripeStream):
    name = "promotion_codes"
    path = "/v1/promotion_codes"
    stripe_class = "PromotionCode"
    object_name = "promotion_code"
    permission = PROMOTION_CODE_READ
    event_types = ("promotion_code.created", "promotion_code.updated")


class TaxRatesStream(StripeStream):
    name = "tax_rates"
    path = "/v1/tax_rates"
    stripe_class = "TaxRate"
    object_name = "tax_rate"
    permission = TAX_RATE_READ
    event_types = ("tax_rate.created", "tax_rate.updated")


class InvoicePaymentsStream(StripeStream):
    """The payments of each invoice: since API version 2025-03-31.basil the only link
    between an invoice and the charge or PaymentIntent that paid it."""

    name = "invoice_payments"
    path = "/v1/invoice_payments"
    stripe_class = "InvoicePayment"
    object_name = "invoice_payment"
    permission = INVOICE_READ
    # Stripe announces a payment once paid. One still open at the first sync (an attempt
    # under way) is written again when paid; if it is canceled instead, Stripe says nothing.
    event_types = ("invoice_payment.paid",)


class SubscriptionSchedulesStream(StripeStream):
    name = "subscription_schedules"
    path = "/v1/subscription_schedules"
    stripe_class = "SubscriptionSchedule"
    object_name = "subscription_schedule"
    permission = SUBSCRIPTION_READ
    event_types = (
        "subscription_schedule.created", "subscription_schedule.updated",
        "subscription_schedule.aborted", "subscription_schedule.canceled",
        "subscription_schedule.completed", "subscription_schedule.expiring",
        "subscription_schedule.released",
    )  # fmt: skip


class QuotesStream(StripeStream):
    name = "quotes"
    path = "/v1/quotes"
    stripe_class = "Quote"
    object_name = "quote"
    permission = QUOTE_READ
    created_filter = False  # Stripe's list of quotes takes no `created` filter
    event_types = ("quote.created", "quote.finalized", "quote.accepted", "quote.canceled")
    expand = ("line_items",)  # sent only when expanded (quote_line_items)


class QuoteLineItemsStream(ExpandedLineItemsStream):
    name = "quote_line_items"
    path = "/v1/quotes/{id}/line_items"
    parent_stream_type = QuotesStream
    parent_key = "quote"
    permission = QUOTE_READ


class QuoteComputedUpfrontLineItemsStream(StripeChildStream):
    """What the first invoice of a quote, once accepted, will bill: listed per quote (no
    events of their own: read again for each quote that changed)."""

    name = "quote_computed_upfront_line_items"
    path = "/v1/quotes/{id}/computed_upfront_line_items"
    parent_stream_type = QuotesStream
    embedded_field = None
    parent_key = "quote"
    stripe_class = "LineItem"
    object_name = "item"
    permission = QUOTE_READ


class CustomerListStream(StripeChildStream):
    """A list Stripe keeps apart for each customer: a request per customer on the first sync,
    so not selected unless asked for."""

    parent_stream_type = CustomersStream
    embedded_field = None
    parent_key = "customer"
    permission = CUSTOMER_READ
    selected_by_default = False


class CustomerTaxIdsStream(CustomerListStream):
    """Each customer's tax ids (VAT, GST…); after the first sync, their own events."""

    name = "customer_tax_ids"
    path = "/v1/customers/{id}/tax_ids"
    object_path = "/v1/tax_ids"
    stripe_class = "TaxId"
    object_name = "tax_id"
    event_types = ("customer.tax_id.created", "customer.tax_id.updated", "customer.tax_id.deleted")


class CustomerSourcesStream(CustomerListStream):
    """Cards (and bank accounts, sources) saved on each customer through the legacy Sources
    API, before PaymentMethods. Their events (``customer.source.*``) are the customer's
    changes: the customer's list is read again whole, and a source removed is written deleted.
    The schema is a card's; a bank account's or a source's other fields are declared as they
    come."""

    name = "customer_sources"
    path = "/v1/customers/{id}/sources"
    stripe_class = "Card"
    object_name = "card"
    # Any customer's can change; state keeps their ids, so that those removed are written
    # deleted.
    changes_while = ChangesWhile("id")


class CustomerBalanceTransactionsStream(CustomerListStream):
    """Each customer's credit balance ledger; after the first sync, listed again for each
    customer that changed (a balance that moves changes its customer's `balance`)."""

    name = "customer_balance_transactions"
    path = "/v1/customers/{id}/balance_transactions"
    stripe_class = "CustomerBalanceTransaction"
    object_name = "customer_balance_transaction"


class CustomerCashBalanceTransactionsStream(CustomerListStream):
    """Each customer's cash balance ledger (bank transfers received, applied to payments,
    refunded); after the first sync, their own events."""

    name = "customer_cash_balance_transactions"
    path = "/v1/customers/{id}/cash_balance_transactions"
    stripe_class = "CustomerCashBalanceTransaction"
    object_name = "customer_cash_balance_transaction"
    event_types = ("customer_cash_balance_transaction.created",)
    retrieved_alone = False  # Stripe retrieves one only under its customer


class EntitlementsActiveEntitlementsStream(CustomerListStream):
    """The features each customer is entitled to now (``customer=`` is required): listed
    again when Stripe says a customer's entitlements changed."""

    name = "entitlements_active_entitlements"
    path = "/v1/entitlements/active_entitlements"
    stripe_class = "entitlements.ActiveEntitlement"
    object_name = "entitlements.active_entitlement"
    permission = ENTITLEMENT_READ
    # Any customer's can change; state keeps their ids, so that an entitlement that ended is
    # written deleted.
    changes_while = ChangesWhile("id")
