"""Stream declarations: one Stripe resource each, grouped by Stripe's domains.

``stripe_class`` names the ``stripe`` package's typed class that
scripts/generate_schemas.py turns into ``schemas/<name>.json``; ``permission`` is the
restricted-key permission to grant when Stripe answers 403; ``event_types`` are the Stripe
events that announce a new, changed or deleted object (a test checks each name against the
``stripe`` package). Adding a stream is a declaration here and a line in STREAM_TYPES.
"""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.streams.balance import (
    ApplicationFeeRefundsStream,
    ApplicationFeesStream,
    BalanceTransactionsStream,
    PayoutBalanceTransactionsStream,
    PayoutsStream,
    TopUpsStream,
    TransferReversalsStream,
    TransfersStream,
)
from tap_stripe_readonly.streams.billing import (
    CouponsStream,
    CreditNoteLineItemsStream,
    CreditNotesStream,
    CustomerBalanceTransactionsStream,
    CustomerCashBalanceTransactionsStream,
    CustomersStream,
    CustomerTaxIdsStream,
    InvoiceItemsStream,
    InvoiceLineItemsStream,
    InvoicePaymentsStream,
    InvoicesStream,
    PromotionCodesStream,
    QuoteLineItemsStream,
    QuotesStream,
    SubscriptionItemsStream,
    SubscriptionSchedulesStream,
    SubscriptionsStream,
    TaxRatesStream,
)
from tap_stripe_readonly.streams.catalog import (
    BillingCreditBalanceTransactionsStream,
    BillingCreditGrantsStream,
    BillingMetersStream,
    PlansStream,
    PricesStream,
    ProductFeaturesStream,
    ProductsStream,
)
from tap_stripe_readonly.streams.configuration import (
    ApplePayDomainsStream,
    BillingPortalConfigurationsStream,
    EntitlementsFeaturesStream,
    InvoiceRenderingTemplatesStream,
    PaymentMethodConfigurationsStream,
    PaymentMethodDomainsStream,
    ReportingReportRunsStream,
    WebhookEndpointsStream,
)
from tap_stripe_readonly.streams.connect import (
    AccountsStream,
    CapabilitiesStream,
    ExternalAccountsStream,
    PersonsStream,
)
from tap_stripe_readonly.streams.events import EventsStream
from tap_stripe_readonly.streams.files import FileLinksStream, FilesStream
from tap_stripe_readonly.streams.issuing import (
    IssuingAuthorizationsStream,
    IssuingCardholdersStream,
    IssuingCardsStream,
    IssuingDisputesStream,
    IssuingPersonalizationDesignsStream,
    IssuingPhysicalBundlesStream,
    IssuingTokensStream,
    IssuingTransactionsStream,
)
from tap_stripe_readonly.streams.payments import (
    ChargesStream,
    CheckoutSessionLineItemsStream,
    CheckoutSessionsStream,
    DisputesStream,
    EarlyFraudWarningsStream,
    PaymentIntentsStream,
    PaymentLinkLineItemsStream,
    PaymentLinksStream,
    PaymentMethodsStream,
    RefundsStream,
    ReviewsStream,
    SetupAttemptsStream,
    SetupIntentsStream,
    ShippingRatesStream,
)
from tap_stripe_readonly.streams.terminal import (
    TerminalConfigurationsStream,
    TerminalLocationsStream,
    TerminalReadersStream,
)

STREAM_TYPES: tuple[type[StripeStream], ...] = (
    # The core of the guide's minimal key first, as the catalog lists them.
    CustomersStream,
    ChargesStream,
    PaymentIntentsStream,
    BalanceTransactionsStream,
    InvoicesStream,
    InvoiceLineItemsStream,
    SubscriptionsStream,
    SubscriptionItemsStream,
    ProductsStream,
    PricesStream,
    # Then everything else a read key can read.
    RefundsStream,
    DisputesStream,
    PayoutsStream,
    CreditNotesStream,
    CreditNoteLineItemsStream,
    CouponsStream,
    PromotionCodesStream,
    TaxRatesStream,
    InvoiceItemsStream,
    PlansStream,
    SetupIntentsStream,
    PaymentMethodsStream,
    CheckoutSessionsStream,
    EventsStream,
    TransfersStream,
    TransferReversalsStream,
    ApplicationFeesStream,
    ApplicationFeeRefundsStream,
    # What a revenue warehouse joins and reconciles with.
    InvoicePaymentsStream,
    SubscriptionSchedulesStream,
    QuotesStream,
    QuoteLineItemsStream,
    CheckoutSessionLineItemsStream,
    PaymentLinksStream,
    PaymentLinkLineItemsStream,
    ShippingRatesStream,
    PayoutBalanceTransactionsStream,
    TopUpsStream,
    EarlyFraudWarningsStream,
    ReviewsStream,
    ProductFeaturesStream,
    BillingMetersStream,
    BillingCreditGrantsStream,
    BillingCreditBalanceTransactionsStream,
    FilesStream,
    FileLinksStream,
    # Products an account may not use: a list of one it has not switched on is skipped.
    IssuingCardholdersStream,
    IssuingCardsStream,
    IssuingAuthorizationsStream,
    IssuingTransactionsStream,
    IssuingDisputesStream,
    IssuingPersonalizationDesignsStream,
    IssuingPhysicalBundlesStream,
    TerminalLocationsStream,
    TerminalReadersStream,
    TerminalConfigurationsStream,
    # A Connect platform's connected accounts (an empty list for any other account).
    AccountsStream,
    # The account's configuration.
    WebhookEndpointsStream,
    PaymentMethodConfigurationsStream,
    PaymentMethodDomainsStream,
    ApplePayDomainsStream,
    BillingPortalConfigurationsStream,
    InvoiceRenderingTemplatesStream,
    EntitlementsFeaturesStream,
    ReportingReportRunsStream,
    # A request per customer (per SetupIntent) on the first sync: selected when asked for.
    CustomerTaxIdsStream,
    CustomerBalanceTransactionsStream,
    CustomerCashBalanceTransactionsStream,
    SetupAttemptsStream,
    # A request per card.
    IssuingTokensStream,
    # A request per connected account.
    PersonsStream,
    ExternalAccountsStream,
    CapabilitiesStream,
)

# (singer-sdk types `name` as an instance attribute; streams here set it on the class.)
STREAM_NAMES = frozenset(s.name for s in STREAM_TYPES)  # type: ignore[misc]
