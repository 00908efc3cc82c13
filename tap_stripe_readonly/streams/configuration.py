"""The account's configuration, kept next to the business it shapes: where its webhooks go,
which payment methods it offers and on which domains, its customer portal, its invoice
templates, its entitlement features, the financial reports and Sigma queries it ran, its usage
alerts, the reasons customers may give for cancelling, its trial offers, and the Stripe Apps
it installed.

Small lists that Stripe mostly announces no change of: read in full again once a day (a
request each), unless the list has events of its own.
"""

from __future__ import annotations

from tap_stripe_readonly.client import DAY, StripeStream
from tap_stripe_readonly.permissions import (
    APPLE_PAY_DOMAIN_READ,
    APPS_INSTALL_READ,
    BILLING_ALERT_READ,
    CUSTOMER_PORTAL_READ,
    ENTITLEMENT_READ,
    FEEDBACK_OPTION_READ,
    INVOICE_TEMPLATE_READ,
    PAYMENT_METHOD_CONFIGURATION_READ,
    PAYMENT_METHOD_DOMAIN_READ,
    REPORT_RUN_READ,
    SCHEDULED_QUERY_RUN_READ,
    TRIAL_OFFER_READ,
    WEBHOOK_READ,
)


class ConfigurationStream(StripeStream):
    """A list of settings without a ``created`` filter or events: read in full again once a
    day (settings change seldom; a request each run would count against Stripe's read
    allocation)."""

    created_filter = False
    relisted_in_full = True
    relist_every = DAY


class WebhookEndpointsStream(ConfigurationStream):
    """Where the account's events are sent (the signing secret is never in the list)."""

    name = "webhook_endpoints"
    path = "/v1/webhook_endpoints"
    stripe_class = "WebhookEndpoint"
    object_name = "webhook_endpoint"
    permission = WEBHOOK_READ


class PaymentMethodConfigurationsStream(ConfigurationStream):
    """Which payment methods Checkout and Elements offer, per configuration."""

    name = "payment_method_configurations"
    path = "/v1/payment_method_configurations"
    stripe_class = "PaymentMethodConfiguration"
    object_name = "payment_method_configuration"
    permission = PAYMENT_METHOD_CONFIGURATION_READ
    replication_key = None  # no `created`


class PaymentMethodDomainsStream(ConfigurationStream):
    name = "payment_method_domains"
    path = "/v1/payment_method_domains"
    stripe_class = "PaymentMethodDomain"
    object_name = "payment_method_domain"
    permission = PAYMENT_METHOD_DOMAIN_READ


class ApplePayDomainsStream(ConfigurationStream):
    """Apple Pay's domains (the older list; payment method domains replace it)."""

    name = "apple_pay_domains"
    path = "/v1/apple_pay/domains"
    stripe_class = "ApplePayDomain"
    object_name = "apple_pay_domain"
    permission = APPLE_PAY_DOMAIN_READ


class BillingPortalConfigurationsStream(StripeStream):
    """What customers may do in the customer portal."""

    name = "billing_portal_configurations"
    path = "/v1/billing_portal/configurations"
    stripe_class = "billing_portal.Configuration"
    object_name = "billing_portal.configuration"
    permission = CUSTOMER_PORTAL_READ
    created_filter = False  # the list takes no `created` filter: read whole, then events
    event_types = ("billing_portal.configuration.created", "billing_portal.configuration.updated")


class InvoiceRenderingTemplatesStream(ConfigurationStream):
    name = "invoice_rendering_templates"
    path = "/v1/invoice_rendering_templates"
    stripe_class = "InvoiceRenderingTemplate"
    object_name = "invoice_rendering_template"
    # Stripe names no permission of their own for templates; the invoices' is asked.
    permission = INVOICE_TEMPLATE_READ
    # Its `version` column is one target-postgres cannot load (SQLAlchemy reserves the name
    # for its own parameters): selected when asked for, with the stream map the README gives.
    selected_by_default = False


class EntitlementsFeaturesStream(ConfigurationStream):
    """The features the account's products grant (product_features links them)."""

    name = "entitlements_features"
    path = "/v1/entitlements/features"
    stripe_class = "entitlements.Feature"
    object_name = "entitlements.feature"
    permission = ENTITLEMENT_READ
    replication_key = None  # no `created`


class ReportingReportRunsStream(StripeStream):
    """The runs of Stripe's financial reports (their results are files: ``files``)."""

    name = "reporting_report_runs"
    path = "/v1/reporting/report_runs"
    stripe_class = "reporting.ReportRun"
    object_name = "reporting.report_run"
    permission = REPORT_RUN_READ
    # A run is announced when it ends, not when it is made.
    event_types = ("reporting.report_run.succeeded", "reporting.report_run.failed")


class SigmaScheduledQueryRunsStream(StripeStream):
    """The runs of the account's scheduled Sigma queries (their results are files)."""

    name = "sigma_scheduled_query_runs"
    path = "/v1/sigma/scheduled_query_runs"
    stripe_class = "sigma.ScheduledQueryRun"
    object_name = "scheduled_query_run"
    permission = SCHEDULED_QUERY_RUN_READ
    created_filter = False  # the list takes no `created` filter: read whole, then events
    # Stripe's one event of a run, sent when it finishes.
    event_types = ("sigma.scheduled_query_run.created",)


class BillingAlertsStream(ConfigurationStream):
    """Usage alerts on meters (``billing.alert.triggered`` says one fired, not that it
    changed)."""

    name = "billing_alerts"
    path = "/v1/billing/alerts"
    stripe_class = "billing.Alert"
    object_name = "billing.alert"
    permission = BILLING_ALERT_READ
    replication_key = None  # no `created`


class BillingFeedbackOptionsStream(ConfigurationStream):
    """The reasons a customer may give for cancelling in the customer portal."""

    name = "billing_feedback_options"
    path = "/v1/billing/feedback_options"
    stripe_class = "billing.FeedbackOption"
    object_name = "billing.feedback_option"
    permission = FEEDBACK_OPTION_READ
    replication_key = None  # no `created`


class ProductCatalogTrialOffersStream(ConfigurationStream):
    """Free trials a price can start with."""

    name = "product_catalog_trial_offers"
    path = "/v1/product_catalog/trial_offers"
    stripe_class = "product_catalog.TrialOffer"
    object_name = "product_catalog.trial_offer"
    permission = TRIAL_OFFER_READ
    replication_key = None  # no `created` field (though the list takes the filter)


class AppsInstallsStream(StripeStream):
    """The Stripe Apps installed on the account, with the permissions each was granted. An
    OAuth app's install carries its authorization code: never written (the Apps secret store
    is not read at all)."""

    name = "apps_installs"
    path = "/v1/apps/installs"
    stripe_class = "apps.Install"
    object_name = "apps.install"
    permission = APPS_INSTALL_READ
    event_types = ("apps.install.created", "apps.install.updated", "apps.install.deleted")
    omitted_fields = ("auth_code",)
