"""Restricted-key permissions: the API name Stripe uses, the label the Dashboard shows, and
the product area the connection check (``--test``) groups its streams by.

Streams name the permission they need; key guidance, the connection check, the end-of-run
report and the README's table are all derived from those declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The product areas, in the order the connection check shows them.
AREAS = (
    "Payments", "Balance", "Billing", "Connect", "Events", "Configuration", "Tax", "Issuing",
    "Terminal", "Treasury", "Financial Connections", "Identity", "Climate",
)  # fmt: skip


@dataclass(frozen=True)
class Permission:
    """A restricted-key permission: its API name and the Dashboard's label for it."""

    name: str
    label: str
    area: str = "Payments"

    def __str__(self) -> str:
        return f'Read on "{self.label}" ({self.name})'


CUSTOMER_READ = Permission("customer_read", "Customers")
# The Dashboard groups refunds with charges; there is no separate refund permission.
CHARGE_READ = Permission("charge_read", "Charges")
PAYMENT_INTENT_READ = Permission("payment_intent_read", "PaymentIntents")
SETUP_INTENT_READ = Permission("setup_intent_read", "SetupIntents")
PAYMENT_METHOD_READ = Permission("payment_method_read", "PaymentMethods")
DISPUTE_READ = Permission("dispute_read", "Disputes")
PAYOUT_READ = Permission("payout_read", "Payouts", "Balance")
TRANSFER_READ = Permission("transfer_read", "Transfers", "Connect")
APPLICATION_FEE_READ = Permission("application_fee_read", "Application fees", "Connect")
CHECKOUT_SESSION_READ = Permission("checkout_session_read", "Checkout Sessions")
INVOICE_READ = Permission("invoice_read", "Invoices", "Billing")
CREDIT_NOTE_READ = Permission("credit_note_read", "Credit notes", "Billing")
SUBSCRIPTION_READ = Permission("subscription_read", "Subscriptions", "Billing")
COUPON_READ = Permission("coupon_read", "Coupons", "Billing")
PROMOTION_CODE_READ = Permission("promotion_code_read", "Promotion codes", "Billing")
TAX_RATE_READ = Permission("tax_rate_read", "Tax rates", "Billing")
PRODUCT_READ = Permission("product_read", "Products", "Billing")
# Stripe's one permission for Prices and the legacy Plans ("Grants access to Plans and Prices").
PRICE_READ = Permission("plan_read", "Prices", "Billing")
BALANCE_READ = Permission("balance_read", "Balance", "Balance")
QUOTE_READ = Permission("quote_read", "Quotes", "Billing")
PAYMENT_LINK_READ = Permission("payment_links_read", "Payment Links")
SHIPPING_RATE_READ = Permission("shipping_rate_read", "Shipping rates")
TOP_UP_READ = Permission("top_up_read", "Top-ups", "Balance")
FILE_READ = Permission("file_read", "Files")
BILLING_METER_READ = Permission("billing_meter_read", "Meters", "Billing")
REVIEW_READ = Permission("review_read", "Reviews")
# Not needed for any stream: it lets an incremental run read only what changed.
EVENT_READ = Permission("event_read", "Events", "Events")
# Issuing and Terminal: products an account uses only if it issues cards or sells in person.
ISSUING_AUTHORIZATION_READ = Permission(
    "issuing_authorization_read", "Issuing Authorizations", "Issuing"
)
ISSUING_CARDHOLDER_READ = Permission("issuing_cardholder_read", "Issuing Cardholders", "Issuing")
# Stripe names it for personalization designs' events too; the bundles go with the designs.
ISSUING_CARD_READ = Permission("issuing_card_read", "Issuing Cards", "Issuing")
ISSUING_DISPUTE_READ = Permission("issuing_dispute_read", "Issuing Disputes", "Issuing")
ISSUING_TOKEN_READ = Permission("issuing_token_read", "Issuing Tokens", "Issuing")
ISSUING_TRANSACTION_READ = Permission("issuing_transaction_read", "Issuing Transactions", "Issuing")
TERMINAL_CONFIGURATION_READ = Permission(
    "terminal_configuration_read", "Terminal Configurations", "Terminal"
)
TERMINAL_LOCATION_READ = Permission("terminal_location_read", "Terminal Locations", "Terminal")
TERMINAL_READER_READ = Permission("terminal_reader_read", "Terminal Readers", "Terminal")
# A "(Direct)" permission: it opens the platform's own requests, never those made with a
# Stripe-Account header.
CONNECTED_ACCOUNT_READ = Permission("connected_account_read", "Connected accounts", "Connect")
# The account's configuration. Stripe's permission reference names these; invoice rendering
# templates have none of their own (the invoices' is asked).
WEBHOOK_READ = Permission("webhook_read", "Webhook Endpoints", "Configuration")
PAYMENT_METHOD_CONFIGURATION_READ = Permission(
    "payment_method_configurations_read", "Payment Method Configurations", "Configuration"
)
PAYMENT_METHOD_DOMAIN_READ = Permission(
    "payment_method_domain_read", "Payment Method Domains", "Configuration"
)
APPLE_PAY_DOMAIN_READ = Permission("apple_pay_domain_read", "Apple Pay Domains", "Configuration")
CUSTOMER_PORTAL_READ = Permission("customer_portal_read", "Customer portal", "Configuration")
ENTITLEMENT_READ = Permission("entitlement_read", "Entitlements", "Configuration")
INVOICE_TEMPLATE_READ = Permission("invoice_read", "Invoices", "Configuration")
REPORT_RUN_READ = Permission(
    "report_runs_and_report_types_read", "Report Runs and Report Types", "Configuration"
)
# Treasury: names Stripe's keys accept; which list each opens is inferred from the names
# (reversals go with what they reverse).
FINANCIAL_ACCOUNT_READ = Permission("financial_account_read", "Financial Accounts", "Treasury")
TREASURY_TRANSACTION_READ = Permission(
    "treasury_transaction_read", "Treasury Transactions", "Treasury"
)
INBOUND_TRANSFER_READ = Permission("inbound_transfer_read", "Inbound Transfers", "Treasury")
OUTBOUND_PAYMENT_READ = Permission("outbound_payment_read", "Outbound Payments", "Treasury")
OUTBOUND_TRANSFER_READ = Permission("outbound_transfer_read", "Outbound Transfers", "Treasury")
RECEIVED_CREDIT_READ = Permission("received_credit_read", "Received Credits", "Treasury")
RECEIVED_DEBIT_READ = Permission("received_debit_read", "Received Debits", "Treasury")
# Names Stripe's keys accept too.
TAX_LOCATION_READ = Permission("tax_locations_read", "Tax Locations", "Tax")
PAYMENT_RECORDS_READ = Permission("payment_records_read", "Payment Records")
# Names found in no Stripe source: the tap's guesses, by Stripe's pattern. On a 403 the tap
# names the permission Stripe's own message names.
IDENTITY_VERIFICATION_SESSION_READ = Permission(
    "identity_verification_session_read", "Identity Verification Sessions", "Identity"
)
IDENTITY_VERIFICATION_REPORT_READ = Permission(
    "identity_verification_report_read", "Identity Verification Reports", "Identity"
)
FINANCIAL_CONNECTIONS_ACCOUNT_READ = Permission(
    "financial_connections_account_read", "Financial Connections Accounts",
    "Financial Connections",
)  # fmt: skip
FINANCIAL_CONNECTIONS_TRANSACTION_READ = Permission(
    "financial_connections_transaction_read", "Financial Connections Transactions",
    "Financial Connections",
)  # fmt: skip
CLIMATE_ORDER_READ = Permission("climate_order_read", "Climate Orders", "Climate")
RADAR_VALUE_LIST_READ = Permission("radar_value_list_read", "Radar Value Lists")
TAX_SETTINGS_READ = Permission("tax_settings_read", "Tax Settings", "Tax")
TAX_ID_READ = Permission("tax_id_read", "Tax IDs", "Tax")
APPS_INSTALL_READ = Permission("apps_install_read", "Installed Apps", "Configuration")
BILLING_ALERT_READ = Permission("billing_alert_read", "Billing Alerts", "Billing")
THREE_D_SECURE_READ = Permission("three_d_secure_authentication_read", "3D Secure Authentications")
FORWARDING_REQUEST_READ = Permission("forwarding_request_read", "Forwarding Requests")
SCHEDULED_QUERY_RUN_READ = Permission(
    "scheduled_query_run_read", "Sigma Scheduled Query Runs", "Configuration"
)
# The portal's cancellation reasons go with its configurations; trial offers with the prices
# they start.
FEEDBACK_OPTION_READ = CUSTOMER_PORTAL_READ
TRIAL_OFFER_READ = PRICE_READ
