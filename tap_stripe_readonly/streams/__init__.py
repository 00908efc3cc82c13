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
    CustomerSourcesStream,
    CustomersStream,
    CustomerTaxIdsStream,
    EntitlementsActiveEntitlementsStream,
    InvoiceItemsStream,
    InvoiceLineItemsStream,
    InvoicePaymentsStream,
    InvoicesStream,
    PromotionCodesStream,
    QuoteComputedUpfrontLineItemsStream,
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
from tap_stripe_readonly.streams.climate import ClimateOrdersStream
from tap_stripe_readonly.streams.configuration import (
    ApplePayDomainsStream,
    AppsInstallsStream,
    BillingAlertsStream,
    BillingFeedbackOptionsStream,
    BillingPortalConfigurationsStream,
    EntitlementsFeaturesStream,
    InvoiceRenderingTemplatesStream,
    PaymentMethodConfigurationsStream,
    PaymentMethodDomainsStream,
    ProductCatalogTrialOffersStream,
    ReportingReportRunsStream,
    SigmaScheduledQueryRunsStream,
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
from tap_stripe_readonly.streams.financial_connections import (
    FinancialConnectionsAccountOwnersStream,
    FinancialConnectionsAccountsStream,
    FinancialConnectionsTransactionsStream,
)
from tap_stripe_readonly.streams.identity import (
    IdentityVerificationReportsStream,
    IdentityVerificationSessionsStream,
)
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
    ForwardingRequestsStream,
    PaymentAttemptRecordsStream,
    PaymentIntentAmountDetailsLineItemsStream,
    PaymentIntentsStream,
    PaymentLinkLineItemsStream,
    PaymentLinksStream,
    PaymentMethodsStream,
    PaymentRecordsStream,
    RefundsStream,
    ReviewsStream,
    SetupAttemptsStream,
    SetupIntentsStream,
    ShippingRatesStream,
    ThreeDSecureAuthenticationsStream,
)
from tap_stripe_readonly.streams.radar import RadarValueListItemsStream, RadarValueListsStream
from tap_stripe_readonly.streams.tax import (
    AccountTaxIdsStream,
    TaxLocationsStream,
    TaxRegistrationsStream,
)
from tap_stripe_readonly.streams.terminal import (
    TerminalConfigurationsStream,
    TerminalLocationsStream,
    TerminalReadersStream,
)
from tap_stripe_readonly.streams.treasury import (
    TreasuryCreditReversalsStream,
    TreasuryDebitReversalsStream,
    TreasuryFinancialAccountsStream,
    TreasuryInboundTransfersStream,
    TreasuryOutboundPaymentsStream,
    TreasuryOutboundTransfersStream,
    TreasuryReceivedCreditsStream,
    TreasuryReceivedDebitsStream,
    TreasuryTransactionEntriesStream,
    TreasuryTransactionsStream,
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
    QuoteComputedUpfrontLineItemsStream,
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
    # Treasury: each financial account with its lists (a request each per account and run).
    TreasuryFinancialAccountsStream,
    TreasuryTransactionsStream,
    TreasuryTransactionEntriesStream,
    TreasuryInboundTransfersStream,
    TreasuryOutboundPaymentsStream,
    TreasuryOutboundTransfersStream,
    TreasuryReceivedCreditsStream,
    TreasuryReceivedDebitsStream,
    TreasuryCreditReversalsStream,
    TreasuryDebitReversalsStream,
    FinancialConnectionsAccountsStream,
    FinancialConnectionsTransactionsStream,
    IdentityVerificationSessionsStream,
    IdentityVerificationReportsStream,
    ClimateOrdersStream,
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
    RadarValueListsStream,
    TaxRegistrationsStream,
    AccountTaxIdsStream,
    TaxLocationsStream,
    SigmaScheduledQueryRunsStream,
    BillingAlertsStream,
    BillingFeedbackOptionsStream,
    ProductCatalogTrialOffersStream,
    AppsInstallsStream,
    ThreeDSecureAuthenticationsStream,
    ForwardingRequestsStream,
    # A request per customer (per SetupIntent) on the first sync: selected when asked for.
    CustomerTaxIdsStream,
    CustomerBalanceTransactionsStream,
    CustomerCashBalanceTransactionsStream,
    CustomerSourcesStream,
    EntitlementsActiveEntitlementsStream,
    SetupAttemptsStream,
    # A request per PaymentIntent.
    PaymentIntentAmountDetailsLineItemsStream,
    # Payments recorded from outside Stripe, read in full each run.
    PaymentRecordsStream,
    PaymentAttemptRecordsStream,
    # A request per card.
    IssuingTokensStream,
    # Who owns each linked bank account: personal data.
    FinancialConnectionsAccountOwnersStream,
    # Radar's list items: customers' e-mails, IP addresses, card fingerprints.
    RadarValueListItemsStream,
    # A request per connected account.
    PersonsStream,
    ExternalAccountsStream,
    CapabilitiesStream,
)

# (singer-sdk types `name` as an instance attribute; streams here set it on the class.)
STREAM_NAMES = frozenset(s.name for s in STREAM_TYPES)  # type: ignore[misc]
