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
    PayoutsStream,
    TransferReversalsStream,
    TransfersStream,
)
from tap_stripe_readonly.streams.billing import (
    CouponsStream,
    CreditNoteLineItemsStream,
    CreditNotesStream,
    CustomersStream,
    InvoiceItemsStream,
    InvoiceLineItemsStream,
    InvoicesStream,
    PromotionCodesStream,
    SubscriptionItemsStream,
    SubscriptionsStream,
    TaxRatesStream,
)
from tap_stripe_readonly.streams.catalog import PlansStream, PricesStream, ProductsStream
from tap_stripe_readonly.streams.events import EventsStream
from tap_stripe_readonly.streams.payments import (
    ChargesStream,
    CheckoutSessionsStream,
    DisputesStream,
    PaymentIntentsStream,
    PaymentMethodsStream,
    RefundsStream,
    SetupIntentsStream,
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
)

# (singer-sdk types `name` as an instance attribute; streams here set it on the class.)
STREAM_NAMES = frozenset(s.name for s in STREAM_TYPES)  # type: ignore[misc]
