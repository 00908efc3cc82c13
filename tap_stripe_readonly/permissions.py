"""Restricted-key permissions: the API name Stripe uses and the label the Dashboard shows.

Streams name the permission they need; key guidance, the connection check, the end-of-run
report and the README's table are all derived from those declarations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    """A restricted-key permission: its API name and the Dashboard's label for it."""

    name: str
    label: str

    def __str__(self) -> str:
        return f'Read on "{self.label}" ({self.name})'


CUSTOMER_READ = Permission("customer_read", "Customers")
# The Dashboard groups refunds with charges; there is no separate refund permission.
CHARGE_READ = Permission("charge_read", "Charges")
PAYMENT_INTENT_READ = Permission("payment_intent_read", "PaymentIntents")
SETUP_INTENT_READ = Permission("setup_intent_read", "SetupIntents")
PAYMENT_METHOD_READ = Permission("payment_method_read", "PaymentMethods")
DISPUTE_READ = Permission("dispute_read", "Disputes")
PAYOUT_READ = Permission("payout_read", "Payouts")
TRANSFER_READ = Permission("transfer_read", "Transfers")
APPLICATION_FEE_READ = Permission("application_fee_read", "Application fees")
CHECKOUT_SESSION_READ = Permission("checkout_session_read", "Checkout Sessions")
INVOICE_READ = Permission("invoice_read", "Invoices")
CREDIT_NOTE_READ = Permission("credit_note_read", "Credit notes")
SUBSCRIPTION_READ = Permission("subscription_read", "Subscriptions")
COUPON_READ = Permission("coupon_read", "Coupons")
PROMOTION_CODE_READ = Permission("promotion_code_read", "Promotion codes")
TAX_RATE_READ = Permission("tax_rate_read", "Tax rates")
PRODUCT_READ = Permission("product_read", "Products")
# Stripe's one permission for Prices and the legacy Plans ("Grants access to Plans and Prices").
PRICE_READ = Permission("plan_read", "Prices")
BALANCE_READ = Permission("balance_read", "Balance")
QUOTE_READ = Permission("quote_read", "Quotes")
PAYMENT_LINK_READ = Permission("payment_links_read", "Payment Links")
SHIPPING_RATE_READ = Permission("shipping_rate_read", "Shipping rates")
TOP_UP_READ = Permission("top_up_read", "Top-ups")
FILE_READ = Permission("file_read", "Files")
BILLING_METER_READ = Permission("billing_meter_read", "Meters")
REVIEW_READ = Permission("review_read", "Reviews")
# Not needed for any stream: it lets an incremental run read only what changed.
EVENT_READ = Permission("event_read", "Events")
