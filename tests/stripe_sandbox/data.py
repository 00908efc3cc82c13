"""Seeded generator of a small SaaS business, shaped like Stripe API version 2026-10-28.endive.

Everything here is a pure function of (scale, seed, now): the same inputs give the same ids,
amounts and timestamps. Objects are plain dicts with only the fields that the `stripe` 16.1.0
typed classes declare. Embedded lists (`invoice.lines`, `subscription.items`) are left as
placeholders (None) and filled in by the store when an object is rendered, so the embedded
page and the sub-list endpoints can never disagree.

Two same-second bursts, at every scale, because real accounts have them and a client's
boundary logic (created windows, cursors, bookmarks) is only tested by ties:
- a CRM import: max(120, round(250 * scale)) customers created in one second, about 14
  months before now (they have no subscriptions: the import brought contacts, not plans);
- a billing migration: max(120, round(250 * scale)) paid one-off invoices (1-3 lines each)
  for the imported customers, created, finalized and paid in one second about 4 months
  before now, with their payment intents, charges and balance transactions in that same
  second.
Both lie beyond the 30 days of events, so they appear in lists but not in /v1/events.

A Profile says whose business it is (account id, name, country, currency): the platform, or
one of the connected accounts, whose objects are all in that account's currency.

Beyond invoices and payments, billing.py adds invoice items, plans, coupons, promotion codes,
tax rates and credit notes, and payments.py payment methods, setup intents, Checkout Sessions,
disputes, Connect transfers and application fees, and payouts (generated last: they pay out
what every other balance transaction left available).
"""

from __future__ import annotations

import calendar
import contextlib
import gc
import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "2026-10-28.endive"
DEMO_ACCOUNT_ID = "acct_1SandboxDemo0000"
ACCOUNT_NAME = "Sandbox SaaS Inc."
DAY = 86_400
EVENT_RETENTION = 30 * DAY  # Stripe lists events of the last 30 days only
HISTORY = 4 * 365 * DAY  # customers spread over ~4 years before now
MAX_INVOICES_PER_SUBSCRIPTION = 8
CRM_IMPORT_AGE = 420 * DAY  # the customer burst, give or take a day
MIGRATION_AGE = 120 * DAY  # the invoice burst; both well beyond the 30 days of events

BASE62 = string.digits + string.ascii_letters
_BYTE_TO_BASE62 = bytes(ord(BASE62[i % 62]) for i in range(256))
# Lengths after the prefix, close to what real ids look like (cus_ 14, pi_/ch_/in_ 24).
# Checkout Session ids are long (cs_live_ + 58); Connect application ids are ca_ + 32.
ID_LENGTHS = {
    "cus": 14, "prod": 14, "price": 24, "sub": 24, "si": 14, "in": 24, "il": 24, "ii": 24,
    "pi": 24, "ch": 24, "re": 24, "txn": 24, "evt": 24, "pm": 24, "cs_live": 58, "ca": 32,
}  # fmt: skip

Obj = dict[str, Any]

# ---------------------------------------------------------------------------------------------
# Name pools (invented; only used to make the data look like a business)
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Carlos", "Dana",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinto", "Rossi",
    "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
)  # fmt: skip
DOMAINS = (
    "example.com", "example.org", "example.net", "acme.test", "globex.test", "initech.test",
    "umbrella.test", "hooli.test", "piedpiper.test", "vandelay.test",
)  # fmt: skip
CITIES = (
    ("San Francisco", "CA", "US", "94107"), ("New York", "NY", "US", "10013"),
    ("Austin", "TX", "US", "78701"), ("Seattle", "WA", "US", "98101"),
    ("Chicago", "IL", "US", "60607"), ("Denver", "CO", "US", "80202"),
    ("Boston", "MA", "US", "02110"), ("Toronto", "ON", "CA", "M5V 2T6"),
    ("London", None, "GB", "EC1V 9HX"), ("Berlin", None, "DE", "10115"),
    ("Paris", None, "FR", "75002"), ("Dublin", None, "IE", "D02 X285"),
    ("Amsterdam", None, "NL", "1012 AB"), ("Sydney", "NSW", "AU", "2000"),
)  # fmt: skip
STREETS = ("Market St", "Main St", "Elm Ave", "Harbor Rd", "King St", "Park Lane", "Mill Way")
PLAN_TIERS = (
    ("Starter", 900),
    ("Growth", 2900),
    ("Pro", 7900),
    ("Business", 19900),
    ("Enterprise", 49900),
)
ADDONS = (
    "Extra Seats", "Analytics", "Single Sign-On", "Audit Log", "Priority Support", "API Access",
    "Data Export", "Custom Domain", "Sandbox Environments", "Advanced Reporting", "Webhooks Plus",
    "Team Workspaces", "Storage 100 GB", "Storage 1 TB", "Compliance Pack", "AI Assistant",
    "Integrations Pack", "Uptime SLA", "Dedicated IP", "White Label", "Mobile App",
    "Forecasting", "Approvals", "Scheduling",
)  # fmt: skip
SERVICES = (
    "Onboarding",
    "Implementation Package",
    "Training Session",
    "Data Migration",
    "Custom Integration",
    "Consulting Hour",
)
ADDON_AMOUNTS = (500, 1000, 1500, 2000, 2500, 4900, 9900)
SERVICE_AMOUNTS = (9900, 15000, 50000, 100000, 250000)
CARD_BRANDS = (("visa", 60), ("mastercard", 25), ("amex", 15))
FEEDBACK = ("too_expensive", "missing_features", "switched_service", "unused", "other", None)

# Constant nested objects. They are shared between objects; the store never mutates a nested
# value in place (updates replace whole top-level values), so sharing is safe and fast.
_NO_AUTOMATIC_TAX_SUB = {"disabled_reason": None, "enabled": False, "liability": None}
_NO_AUTOMATIC_TAX_INV = {
    "disabled_reason": None,
    "enabled": False,
    "liability": None,
    "provider": None,
    "status": None,
}
_ISSUER_SELF = {"account": None, "type": "self"}
_SUB_INVOICE_SETTINGS = {
    "account_tax_ids": None,
    "custom_fields": None,
    "description": None,
    "footer": None,
    "issuer": _ISSUER_SELF,
}
_SUB_PAYMENT_SETTINGS = {
    "payment_method_options": None,
    "payment_method_types": None,
    "save_default_payment_method": "off",
}
_INV_PAYMENT_SETTINGS = {
    "default_mandate": None,
    "payment_method_options": None,
    "payment_method_types": None,
}
_TRIAL_SETTINGS = {"end_behavior": {"missing_payment_method": "create_invoice"}}
_BILLING_MODE = {"flexible": None, "type": "classic", "updated_at": None}
_NO_CANCELLATION = {"comment": None, "feedback": None, "reason": None}
_PI_PMO = {
    "card": {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
}
_CUSTOMER_INVOICE_SETTINGS = {
    "custom_fields": None,
    "default_payment_method": None,
    "footer": None,
    "rendering_options": None,
}
_LINE_PRORATION = {"credited_items": None}


CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


@dataclass(frozen=True)
class Profile:
    """Whose business it is: the account, its name, and the currency it sells in."""

    account_id: str = DEMO_ACCOUNT_ID
    name: str = ACCOUNT_NAME
    country: str = "US"
    currency: str = "usd"
    descriptor: str = "SANDBOX SAAS"  # statement descriptor, at most 22 characters
    # A connected account's place on its platform: the platform's seed and its own index, from
    # which both sides derive the charges the platform takes application fees on.
    platform_seed: int | None = None
    index: int | None = None

    @property
    def connected(self) -> bool:
        return self.index is not None


PLATFORM = Profile()
# Connected accounts cycle through these; the first sells in euros so that any test with one
# connected account meets a second currency.
CONNECTED_PROFILES = (
    ("Atelier Nord SAS", "FR", "eur", "ATELIER NORD"),
    ("Harbor Tools LLC", "US", "usd", "HARBOR TOOLS"),
    ("Kestrel Labs Ltd", "GB", "gbp", "KESTREL LABS"),
)


def connected_profile(seed: int, index: int) -> Profile:
    """The index-th connected account. Its id looks like Stripe's (acct_1 + 15 base62) and is a
    pure function of (seed, index)."""
    rng = random.Random(f"stripe-sandbox connected account {seed} {index}")
    name, country, currency, descriptor = CONNECTED_PROFILES[index % len(CONNECTED_PROFILES)]
    if index >= len(CONNECTED_PROFILES):
        n = index // len(CONNECTED_PROFILES) + 1
        name, descriptor = f"{name} {n}", f"{descriptor} {n}"
    token = rng.randbytes(15).translate(_BYTE_TO_BASE62).decode("ascii")
    return Profile(f"acct_1{token}", name, country, currency, descriptor, seed, index)


def connect_destinations(seed: int) -> list[Profile]:
    """The platform's connected accounts, whether or not the sandbox serves them: transfers go
    to them and application fees come from them. StripeSandbox(connected_accounts=n) serves the
    first n, so the platform's data never depends on n."""
    return [connected_profile(seed, i) for i in range(len(CONNECTED_PROFILES))]


def connect_application(seed: int) -> str:
    """The platform's Connect application (ca_...), named on its connected accounts' charges."""
    token = random.Random(f"stripe-sandbox application {seed}").randbytes(32)
    return f"ca_{token.translate(_BYTE_TO_BASE62).decode('ascii')}"


def connected_scale(scale: float) -> float:
    """Connected accounts are smaller businesses, but still hold every case a tap must handle
    (the generator's minimums take over below about 0.02)."""
    return max(0.02, scale * 0.3)


@dataclass
class Business:
    """All generated objects, each list in generation order (the store sorts them)."""

    now: int
    account: Obj
    customers: list[Obj] = field(default_factory=list)
    products: list[Obj] = field(default_factory=list)
    prices: list[Obj] = field(default_factory=list)
    subscriptions: list[Obj] = field(default_factory=list)
    items_by_subscription: dict[str, list[Obj]] = field(default_factory=dict)
    invoices: list[Obj] = field(default_factory=list)
    lines_by_invoice: dict[str, list[Obj]] = field(default_factory=dict)
    payment_intents: list[Obj] = field(default_factory=list)
    charges: list[Obj] = field(default_factory=list)
    refunds: list[Obj] = field(default_factory=list)
    balance_transactions: list[Obj] = field(default_factory=list)
    # billing.py
    invoice_items: list[Obj] = field(default_factory=list)
    plans: list[Obj] = field(default_factory=list)
    coupons: list[Obj] = field(default_factory=list)
    promotion_codes: list[Obj] = field(default_factory=list)
    tax_rates: list[Obj] = field(default_factory=list)
    credit_notes: list[Obj] = field(default_factory=list)
    lines_by_credit_note: dict[str, list[Obj]] = field(default_factory=dict)
    # payments.py
    payment_methods: list[Obj] = field(default_factory=list)
    setup_intents: list[Obj] = field(default_factory=list)
    checkout_sessions: list[Obj] = field(default_factory=list)
    disputes: list[Obj] = field(default_factory=list)
    payouts: list[Obj] = field(default_factory=list)
    transfers: list[Obj] = field(default_factory=list)
    reversals_by_transfer: dict[str, list[Obj]] = field(default_factory=dict)
    application_fees: list[Obj] = field(default_factory=list)
    refunds_by_fee: dict[str, list[Obj]] = field(default_factory=dict)
    # more.py
    invoice_payments: list[Obj] = field(default_factory=list)
    subscription_schedules: list[Obj] = field(default_factory=list)
    quotes: list[Obj] = field(default_factory=list)
    payment_links: list[Obj] = field(default_factory=list)
    shipping_rates: list[Obj] = field(default_factory=list)
    top_ups: list[Obj] = field(default_factory=list)
    early_fraud_warnings: list[Obj] = field(default_factory=list)
    files: list[Obj] = field(default_factory=list)
    file_links: list[Obj] = field(default_factory=list)
    billing_meters: list[Obj] = field(default_factory=list)
    billing_credit_grants: list[Obj] = field(default_factory=list)
    billing_credit_balance_transactions: list[Obj] = field(default_factory=list)
    reviews: list[Obj] = field(default_factory=list)
    setup_attempts: list[Obj] = field(default_factory=list)
    line_items_by_quote: dict[str, list[Obj]] = field(default_factory=dict)
    upfront_items_by_quote: dict[str, list[Obj]] = field(default_factory=dict)
    amount_items_by_intent: dict[str, list[Obj]] = field(default_factory=dict)
    line_items_by_payment_link: dict[str, list[Obj]] = field(default_factory=dict)
    line_items_by_session: dict[str, list[Obj]] = field(default_factory=dict)
    features_by_product: dict[str, list[Obj]] = field(default_factory=dict)
    tax_ids_by_customer: dict[str, list[Obj]] = field(default_factory=dict)
    balance_txns_by_customer: dict[str, list[Obj]] = field(default_factory=dict)
    cash_txns_by_customer: dict[str, list[Obj]] = field(default_factory=dict)
    sources_by_customer: dict[str, list[Obj]] = field(default_factory=dict)
    owners_by_linked_account: dict[str, list[Obj]] = field(default_factory=dict)
    # platform.py: the platform's connected accounts and what it reads of each
    accounts: list[Obj] = field(default_factory=list)
    persons_by_account: dict[str, list[Obj]] = field(default_factory=dict)
    external_accounts_by_account: dict[str, list[Obj]] = field(default_factory=dict)
    capabilities_by_account: dict[str, list[Obj]] = field(default_factory=dict)
    # configuration.py
    webhook_endpoints: list[Obj] = field(default_factory=list)
    payment_method_configurations: list[Obj] = field(default_factory=list)
    payment_method_domains: list[Obj] = field(default_factory=list)
    apple_pay_domains: list[Obj] = field(default_factory=list)
    billing_portal_configurations: list[Obj] = field(default_factory=list)
    invoice_rendering_templates: list[Obj] = field(default_factory=list)
    reporting_report_runs: list[Obj] = field(default_factory=list)
    entitlements_features: list[Obj] = field(default_factory=list)
    radar_value_lists: list[Obj] = field(default_factory=list)
    radar_value_list_items: list[Obj] = field(default_factory=list)
    tax_registrations: list[Obj] = field(default_factory=list)
    account_tax_ids: list[Obj] = field(default_factory=list)
    tax_locations: list[Obj] = field(default_factory=list)
    sigma_scheduled_query_runs: list[Obj] = field(default_factory=list)
    billing_alerts: list[Obj] = field(default_factory=list)
    billing_feedback_options: list[Obj] = field(default_factory=list)
    product_catalog_trial_offers: list[Obj] = field(default_factory=list)
    entitlements_active_entitlements: list[Obj] = field(default_factory=list)
    apps_installs: list[Obj] = field(default_factory=list)
    # products.py
    terminal_configurations: list[Obj] = field(default_factory=list)
    terminal_locations: list[Obj] = field(default_factory=list)
    terminal_readers: list[Obj] = field(default_factory=list)
    issuing_physical_bundles: list[Obj] = field(default_factory=list)
    issuing_personalization_designs: list[Obj] = field(default_factory=list)
    issuing_cardholders: list[Obj] = field(default_factory=list)
    issuing_cards: list[Obj] = field(default_factory=list)
    issuing_authorizations: list[Obj] = field(default_factory=list)
    issuing_transactions: list[Obj] = field(default_factory=list)
    issuing_disputes: list[Obj] = field(default_factory=list)
    issuing_tokens: list[Obj] = field(default_factory=list)
    identity_verification_sessions: list[Obj] = field(default_factory=list)
    identity_verification_reports: list[Obj] = field(default_factory=list)
    climate_orders: list[Obj] = field(default_factory=list)
    three_d_secure_authentications: list[Obj] = field(default_factory=list)
    forwarding_requests: list[Obj] = field(default_factory=list)
    payment_records: list[Obj] = field(default_factory=list)
    payment_attempt_records: list[Obj] = field(default_factory=list)
    # finance.py
    treasury_financial_accounts: list[Obj] = field(default_factory=list)
    treasury_transactions: list[Obj] = field(default_factory=list)
    treasury_transaction_entries: list[Obj] = field(default_factory=list)
    treasury_received_credits: list[Obj] = field(default_factory=list)
    treasury_inbound_transfers: list[Obj] = field(default_factory=list)
    treasury_outbound_payments: list[Obj] = field(default_factory=list)
    treasury_outbound_transfers: list[Obj] = field(default_factory=list)
    treasury_received_debits: list[Obj] = field(default_factory=list)
    treasury_credit_reversals: list[Obj] = field(default_factory=list)
    treasury_debit_reversals: list[Obj] = field(default_factory=list)
    financial_connections_accounts: list[Obj] = field(default_factory=list)
    financial_connections_transactions: list[Obj] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
class Ids:
    """Fixed-format ids drawn from the seeded RNG, unique per sandbox."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def new(self, prefix: str) -> str:
        n = ID_LENGTHS.get(prefix, 24)
        while True:
            value = f"{prefix}_{self.token(n)}"
            if value not in self._seen:
                self._seen.add(value)
                return value

    def token(self, n: int) -> str:
        # Random bytes mapped through a table: ~20x faster than rng.choices, and still a pure
        # function of the seed (randbytes draws from the same Mersenne Twister).
        return self._rng.randbytes(n).translate(_BYTE_TO_BASE62).decode("ascii")


def add_months(ts: int, months: int) -> int:
    """Calendar-month arithmetic in UTC, clamping the day like Stripe's billing anchors."""
    t = time.gmtime(ts)
    y, m = divmod(t.tm_mon - 1 + months, 12)
    year, month = t.tm_year + y, m + 1
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec))


def format_amount(cents: int, currency: str = "usd") -> str:
    return f"{CURRENCY_SYMBOLS.get(currency, currency.upper() + ' ')}{cents / 100:,.2f}"


# ---------------------------------------------------------------------------------------------
class Generator:
    """Builds a Business. Also used by the store to make single new objects (create())."""

    def __init__(self, seed: int, now: int, profile: Profile = PLATFORM) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.ids = Ids(self.rng)
        self.now = now
        self.profile = profile
        self.currency = profile.currency
        self.cards: dict[str, Obj] = {}  # customer id -> card facts, for charges
        self.plan_by_price: dict[str, Obj] = {}
        self.product_by_id: dict[str, Obj] = {}
        self.customer_by_id: dict[str, Obj] = {}
        # Links the generated objects do not carry but later resources need.
        self.charge_by_invoice: dict[str, Obj] = {}  # paid invoice id -> its charge
        self.first_invoice_by_sub: dict[str, Obj] = {}  # subscription id -> its first invoice
        self.standalone: list[Obj] = []  # payment intents not made by an invoice
        # When an object reached its current state (a dispute closed, a session completed),
        # where its own fields do not say: the time of its initial lifecycle event.
        self.reached_at: dict[str, int] = {}
        # Automatic payouts -> the balance transactions each paid out (their `payout` filter).
        self.txns_by_payout: dict[str, list[str]] = {}
        self.bank_account: str | None = None  # ba_..., where payouts go (payments.py)
        self.more: Any = None  # more.More, once the business is made
        self.product_areas: Any = None  # products.Products, once the business is made
        self.finance: Any = None  # finance.Finance, once the business is made
        self.configuration: Any = None  # configuration.Configuration, likewise

    # -- catalog ------------------------------------------------------------------------------
    def product(self, name: str, created: int, *, active: bool = True, kind: str = "addon") -> Obj:
        pid = self.ids.new("prod")
        obj: Obj = {
            "id": pid, "object": "product", "active": active, "created": created,
            "default_price": None,
            "description": f"{name} for teams" if kind != "service" else f"{name} (one-time)",
            "images": [], "livemode": True, "marketing_features": [],
            "metadata": {"kind": kind}, "name": name, "package_dimensions": None,
            "shippable": None, "statement_descriptor": None, "tax_code": None,
            "type": "service", "unit_label": "seat" if name == "Extra Seats" else None,
            "updated": created, "url": None,
        }  # fmt: skip
        self.product_by_id[pid] = obj
        return obj

    def price(
        self,
        product: Obj,
        amount: int,
        created: int,
        *,
        interval: str | None,
        active: bool = True,
        nickname: str | None = None,
        lookup_key: str | None = None,
    ) -> Obj:
        price_id = self.ids.new("price")
        recurring = None
        if interval is not None:
            recurring = {
                "interval": interval,
                "interval_count": 1,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        obj: Obj = {
            "id": price_id, "object": "price", "active": active, "billing_scheme": "per_unit",
            "created": created, "currency": self.currency, "custom_unit_amount": None,
            "livemode": True, "lookup_key": lookup_key, "metadata": {}, "nickname": nickname,
            "product": product["id"], "recurring": recurring, "tax_behavior": "unspecified",
            "tiers_mode": None, "transform_quantity": None,
            "type": "recurring" if interval else "one_time",
            "unit_amount": amount, "unit_amount_decimal": str(amount),
        }  # fmt: skip
        if interval is not None:
            # Subscription items carry the legacy Plan view of the same price.
            self.plan_by_price[price_id] = {
                "id": price_id, "object": "plan", "active": active, "amount": amount,
                "amount_decimal": str(amount), "billing_scheme": "per_unit",
                "created": created, "currency": self.currency, "interval": interval,
                "interval_count": 1, "livemode": True, "metadata": {}, "meter": None,
                "nickname": nickname, "product": product["id"], "tiers_mode": None,
                "transform_usage": None, "trial_period_days": None, "usage_type": "licensed",
            }  # fmt: skip
        return obj

    def catalog(self, biz: Business, n_products: int) -> None:
        rng, now = self.rng, self.now
        launch = now - HISTORY - 30 * DAY
        n_services = max(2, n_products // 6)
        names: list[tuple[str, str, int]] = [(f"{t} Plan", "plan", a) for t, a in PLAN_TIERS]
        i = 0
        while len(names) < n_products - n_services:
            base = ADDONS[i % len(ADDONS)]
            suffix = "" if i < len(ADDONS) else f" {i // len(ADDONS) + 1}"
            names.append((base + suffix, "addon", rng.choice(ADDON_AMOUNTS)))
            i += 1
        for j in range(n_services):
            base = SERVICES[j % len(SERVICES)]
            suffix = "" if j < len(SERVICES) else f" {j // len(SERVICES) + 1}"
            names.append((base + suffix, "service", rng.choice(SERVICE_AMOUNTS)))
        for idx, (name, kind, amount) in enumerate(names):
            if kind == "plan":
                created = launch + idx * 60
            else:
                created = launch + int((HISTORY - 90 * DAY) * rng.random() ** 2)
            # The plan tiers always stay on sale; a few add-ons/services were archived.
            active = kind == "plan" or rng.random() > 0.08
            prod = self.product(name, created, active=active, kind=kind)
            biz.products.append(prod)
            prices: list[Obj] = []
            if kind == "service":
                prices.append(self.price(prod, amount, created + 5, interval=None, active=active))
            else:
                stem = name.lower().replace(" ", "_").replace("-", "_")
                if rng.random() < (0.3 if kind == "plan" else 0.1):
                    # A grandfathered monthly price: archived, but old subscriptions keep it.
                    prices.append(
                        self.price(
                            prod,
                            int(amount * 0.8) // 100 * 100 or amount,
                            created + 1,
                            interval="month",
                            active=False,
                            nickname="Legacy monthly",
                        )
                    )
                prices.append(
                    self.price(
                        prod,
                        amount,
                        created + 2,
                        interval="month",
                        active=active,
                        nickname="Monthly",
                        lookup_key=f"{stem}_monthly" if active else None,
                    )
                )
                if kind == "plan" or rng.random() < 0.4:
                    prices.append(
                        self.price(
                            prod,
                            amount * 10,
                            created + 3,
                            interval="year",
                            active=active,
                            nickname="Yearly",
                            lookup_key=f"{stem}_yearly" if active else None,
                        )
                    )
            for p in prices:
                if p["active"] and prod["default_price"] is None:
                    prod["default_price"] = p["id"]
            biz.prices.extend(prices)

    # -- customers ----------------------------------------------------------------------------
    def customer(self, created: int) -> Obj:
        rng = self.rng
        cid = self.ids.new("cus")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}".lower()
        address = None
        if rng.random() < 0.7:
            city, state, country, postal = rng.choice(CITIES)
            address = {
                "city": city,
                "country": country,
                "line1": f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
                "line2": None,
                "postal_code": postal,
                "state": state,
            }
        metadata: dict[str, str] = {}
        if rng.random() < 0.6:
            metadata = {
                "crm_id": f"CRM-{rng.randint(10000, 99999)}",
                "segment": rng.choice(("smb", "mid_market", "enterprise")),
            }
        obj: Obj = {
            "id": cid, "object": "customer", "address": address, "balance": 0,
            "business_name": None, "created": created, "currency": None,
            "customer_account": None, "default_source": None, "delinquent": False,
            "description": None, "discount": None, "email": email, "individual_name": None,
            "invoice_prefix": self.ids.token(8).upper(),
            "invoice_settings": _CUSTOMER_INVOICE_SETTINGS, "livemode": True,
            "metadata": metadata, "name": f"{first} {last}", "next_invoice_sequence": 1,
            "phone": f"+1555{rng.randint(1000000, 9999999)}" if rng.random() < 0.5 else None,
            "preferred_locales": ["en"] if rng.random() < 0.3 else [], "shipping": None,
            "tax_exempt": "none", "test_clock": None,
        }  # fmt: skip
        brand = rng.choices([b for b, _ in CARD_BRANDS], [w for _, w in CARD_BRANDS])[0]
        self.cards[cid] = {
            "pm": self.ids.new("pm"), "brand": brand, "last4": f"{rng.randint(0, 9999):04d}",
            "exp_month": rng.randint(1, 12),
            "exp_year": time.gmtime(self.now).tm_year + rng.randint(0, 4),
            "fingerprint": self.ids.token(16), "funding": rng.choice(("credit", "debit")),
        }  # fmt: skip
        self.customer_by_id[cid] = obj
        return obj

    # -- subscriptions ------------------------------------------------------------------------
    def subscription_item(
        self, sub_id: str, price: Obj, created: int, quantity: int, period: tuple[int, int]
    ) -> Obj:
        return {
            "id": self.ids.new("si"), "object": "subscription_item", "billing_thresholds": None,
            "created": created, "current_period_end": period[1],
            "current_period_start": period[0], "discounts": [], "metadata": {},
            "plan": self.plan_by_price[price["id"]], "price": price, "quantity": quantity,
            "subscription": sub_id, "tax_rates": [],
        }  # fmt: skip

    def subscription(
        self,
        customer: Obj,
        created: int,
        status: str,
        *,
        interval: str,
        prices: list[Obj],
        ended_at: int | None = None,
        item_created: list[int] | None = None,
    ) -> tuple[Obj, list[Obj], list[int]]:
        """A subscription with its items; returns (subscription, items, period starts)."""
        rng, now = self.rng, self.now
        sid = self.ids.new("sub")
        months = 1 if interval == "month" else 12
        trial_start = trial_end = None
        anchor = created
        if status == "trialing":
            trial_start, trial_end = created, created + 14 * DAY
            anchor = trial_end
        end = ended_at if ended_at is not None else now
        # Period starts from the anchor up to the end; the current period is the last one.
        starts = [created] if status == "trialing" else []
        k = 0
        while True:
            s = add_months(anchor, k * months)
            if s > end or (status == "trialing" and s >= anchor):
                break
            starts.append(s)
            k += 1
        if not starts:
            starts = [created]
        cur_start = starts[-1]
        cur_end = trial_end if status == "trialing" else add_months(anchor, len(starts) * months)
        assert cur_end is not None
        items = []
        for n, price in enumerate(prices):
            qty = rng.randint(1, 50) if self._is_seats(price) else 1
            ic = item_created[n] if item_created else created
            items.append(self.subscription_item(sid, price, ic, qty, (cur_start, cur_end)))
        cancel_at_period_end = status == "active" and rng.random() < 0.03
        canceled = status == "canceled"
        collection = "send_invoice" if rng.random() < 0.1 else "charge_automatically"
        sub: Obj = {
            "id": sid, "object": "subscription", "application": None,
            "application_fee_percent": None, "automatic_tax": _NO_AUTOMATIC_TAX_SUB,
            "billing_cycle_anchor": anchor, "billing_cycle_anchor_config": None,
            "billing_mode": _BILLING_MODE, "billing_schedules": [], "billing_thresholds": None,
            "cancel_at": cur_end if cancel_at_period_end else None,
            "cancel_at_period_end": cancel_at_period_end,
            "canceled_at": ended_at if canceled else (now - rng.randint(1, 20) * DAY
                                                      if cancel_at_period_end else None),
            "cancellation_details": (
                {"comment": None, "feedback": rng.choice(FEEDBACK),
                 "reason": rng.choice(("cancellation_requested", "payment_failed"))}
                if canceled else _NO_CANCELLATION),
            "collection_method": collection, "created": created, "currency": self.currency,
            "customer": customer["id"], "customer_account": None,
            "days_until_due": 30 if collection == "send_invoice" else None,
            "default_payment_method": None, "default_source": None, "default_tax_rates": [],
            "description": None, "discounts": [], "ended_at": ended_at if canceled else None,
            "invoice_settings": _SUB_INVOICE_SETTINGS, "items": None, "latest_invoice": None,
            "livemode": True, "metadata": {}, "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None, "pause_collection": None,
            "payment_settings": _SUB_PAYMENT_SETTINGS, "pending_invoice_item_interval": None,
            "pending_setup_intent": None, "pending_update": None, "schedule": None,
            "start_date": created, "status": status, "test_clock": None,
            "transfer_data": None, "trial_end": trial_end, "trial_settings": _TRIAL_SETTINGS,
            "trial_start": trial_start,
        }  # fmt: skip
        if cancel_at_period_end:
            sub["canceled_at"] = max(sub["canceled_at"], created)
        return sub, items, starts

    def _is_seats(self, price: Obj) -> bool:
        return self.product_by_id[price["product"]]["unit_label"] == "seat"

    # -- invoices and payments ----------------------------------------------------------------
    def invoice(
        self,
        customer: Obj,
        created: int,
        *,
        billing_reason: str,
        collection_method: str,
        subscription_id: str | None,
        period: tuple[int, int],
    ) -> Obj:
        return {
            "id": self.ids.new("in"), "object": "invoice",
            "account_country": self.profile.country, "account_name": self.profile.name,
            "account_tax_ids": None, "amount_due": 0,
            "amount_overpaid": 0, "amount_paid": 0, "amount_remaining": 0,
            "amount_shipping": 0, "application": None, "attempt_count": 0, "attempted": False,
            "auto_advance": True, "automatic_tax": _NO_AUTOMATIC_TAX_INV,
            "automatically_finalizes_at": None, "billing_reason": billing_reason,
            "collection_method": collection_method, "created": created,
            "currency": self.currency,
            "custom_fields": None, "customer": customer["id"], "customer_account": None,
            "customer_address": customer["address"], "customer_email": customer["email"],
            "customer_name": customer["name"], "customer_phone": customer["phone"],
            "customer_shipping": None, "customer_tax_exempt": "none", "customer_tax_ids": [],
            "default_payment_method": None, "default_source": None, "default_tax_rates": [],
            "description": None, "discounts": [],
            "due_date": created + 30 * DAY if collection_method == "send_invoice" else None,
            "effective_at": None, "ending_balance": None, "footer": None, "from_invoice": None,
            "hosted_invoice_url": None, "invoice_pdf": None, "issuer": _ISSUER_SELF,
            "last_finalization_error": None, "latest_revision": None, "lines": None,
            "livemode": True, "metadata": {}, "next_payment_attempt": None, "number": None,
            "on_behalf_of": None,
            "parent": (
                {"quote_details": None,
                 "subscription_details": {"metadata": {}, "subscription": subscription_id,
                                          "subscription_proration_date": None},
                 "type": "subscription_details"}
                if subscription_id else None),
            "payment_settings": _INV_PAYMENT_SETTINGS, "period_end": period[1],
            "period_start": period[0], "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None,
            "shipping_cost": None, "shipping_details": None, "starting_balance": 0,
            "statement_descriptor": None, "status": "draft",
            "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None,
                                   "paid_at": None, "voided_at": None},
            "subtotal": 0, "subtotal_excluding_tax": 0, "test_clock": None,
            "threshold_reason": None, "total": 0, "total_discount_amounts": [],
            "total_excluding_tax": 0, "total_pretax_credit_amounts": [], "total_taxes": [],
            "webhooks_delivered_at": None,
        }  # fmt: skip

    def subscription_line(self, invoice_id: str | None, item: Obj, period: tuple[int, int]) -> Obj:
        """A line billing a subscription item; invoice_id is None on a preview."""
        price = item["price"]
        qty = item["quantity"] or 1
        amount = price["unit_amount"] * qty
        product = self.product_by_id[price["product"]]
        unit = format_amount(price["unit_amount"], self.currency)
        unit = f"{unit} / {price['recurring']['interval']}"
        return {
            "id": self.ids.new("il"), "object": "line_item", "amount": amount,
            "currency": self.currency,
            "description": f"{qty} × {product['name']} (at {unit})",  # noqa: RUF001 - Stripe's own wording
            "discount_amounts": [], "discountable": True, "discounts": [],
            "invoice": invoice_id, "livemode": True, "metadata": {},
            "parent": {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None, "proration": False,
                    "proration_details": _LINE_PRORATION,
                    "subscription": item["subscription"], "subscription_item": item["id"]},
                "type": "subscription_item_details"},
            "period": {"end": period[1], "start": period[0]},
            "pretax_credit_amounts": [],
            "pricing": {"price_details": {"price": price["id"], "product": product["id"]},
                        "type": "price_details",
                        "unit_amount_decimal": price["unit_amount_decimal"]},
            "quantity": qty, "subscription": item["subscription"], "subtotal": amount,
            "taxes": [],
        }  # fmt: skip

    def invoice_item_line(self, invoice_id: str, price: Obj, created: int) -> Obj:
        qty = self.rng.randint(1, 5)
        amount = price["unit_amount"] * qty
        product = self.product_by_id[price["product"]]
        return {
            "id": self.ids.new("il"), "object": "line_item", "amount": amount,
            "currency": self.currency, "description": product["name"], "discount_amounts": [],
            "discountable": True, "discounts": [], "invoice": invoice_id, "livemode": True,
            "metadata": {},
            "parent": {
                "invoice_item_details": {"invoice_item": self.ids.new("ii"), "proration": False,
                                         "proration_details": _LINE_PRORATION,
                                         "subscription": None},
                "subscription_item_details": None, "type": "invoice_item_details"},
            "period": {"end": created, "start": created}, "pretax_credit_amounts": [],
            "pricing": {"price_details": {"price": price["id"], "product": product["id"]},
                        "type": "price_details",
                        "unit_amount_decimal": price["unit_amount_decimal"]},
            "quantity": qty, "subscription": None, "subtotal": amount, "taxes": [],
        }  # fmt: skip

    def settle_invoice(
        self, biz: Business, inv: Obj, lines: list[Obj], status: str, *, imported: bool = False
    ) -> None:
        """Sets totals and status; creates the payment intent, charge and balance txn.
        An imported invoice is finalized and paid in the second it was created."""
        rng, now = self.rng, self.now
        total = sum(line["amount"] for line in lines)
        inv.update(
            subtotal=total,
            subtotal_excluding_tax=total,
            total=total,
            total_excluding_tax=total,
            amount_due=total,
        )
        if status == "draft":
            inv["amount_remaining"] = total
            if inv["billing_reason"] == "manual":
                inv["auto_advance"] = False  # waits for someone to finalize it
            else:
                inv["automatically_finalizes_at"] = inv["created"] + 3600
            return
        # A subscription's first invoice is finalized at once; later ones after about an hour.
        delay = 0 if inv["billing_reason"] == "subscription_create" or imported else 3600
        finalized = min(inv["created"] + delay, now)
        inv["status_transitions"] = st = dict(inv["status_transitions"])
        st["finalized_at"] = finalized
        acct_token = f"{self.profile.account_id}/live_{self.ids.token(40)}"
        inv.update(
            status=status, effective_at=finalized, ending_balance=0, auto_advance=status == "open",
            webhooks_delivered_at=inv["created"],
            hosted_invoice_url=f"https://invoice.stripe.com/i/{acct_token}",
            invoice_pdf=f"https://pay.stripe.com/invoice/{acct_token}/pdf?s=ap",
        )  # fmt: skip
        charge_auto = inv["collection_method"] == "charge_automatically"
        if status == "paid":
            paid_at = finalized + (
                rng.randint(2, 30) if charge_auto else rng.randint(DAY, 25 * DAY)
            )
            paid_at = finalized if imported else min(paid_at, now)
            st["paid_at"] = paid_at
            inv.update(
                amount_paid=total,
                amount_remaining=0,
                attempted=True,
                attempt_count=1 if total else 0,
            )
            if total:
                self.payment(
                    biz,
                    inv["customer"],
                    total,
                    paid_at,
                    "succeeded",
                    description="Subscription update" if inv["parent"] else None,
                    charge_delay=0 if imported else None,
                )
                self.charge_by_invoice[inv["id"]] = biz.charges[-1]
        elif status == "open":
            inv["amount_remaining"] = total
            if charge_auto and total:
                attempts = rng.randint(1, 4)
                inv.update(
                    attempted=True,
                    attempt_count=attempts,
                    next_payment_attempt=min(finalized + attempts * 3 * DAY, now) + 3 * DAY,
                )
                self.payment(
                    biz,
                    inv["customer"],
                    total,
                    finalized + 5,
                    "requires_payment_method",
                    description="Subscription update",
                    failed_charge=True,
                )
        elif status == "void":
            st["voided_at"] = min(finalized + rng.randint(DAY, 10 * DAY), now)
            inv["amount_remaining"] = 0
        elif status == "uncollectible":
            st["marked_uncollectible_at"] = min(finalized + rng.randint(10 * DAY, 30 * DAY), now)
            inv["amount_remaining"] = total

    def payment(
        self,
        biz: Business,
        customer_id: str | None,
        amount: int,
        created: int,
        status: str,
        *,
        description: str | None = None,
        failed_charge: bool = False,
        charge_delay: int | None = None,
        connect: Obj | None = None,
    ) -> Obj:
        """A payment intent; succeeded ones get a charge and a balance transaction, a few
        seconds later unless charge_delay says otherwise. `connect` (payments.fee_spec) makes
        it a direct charge its platform takes an application fee on, with the ids the
        platform's fee names."""
        pi_id = connect["payment_intent"] if connect else self.ids.new("pi")
        card = self.cards.get(customer_id or "") or self.cards[next(iter(self.cards))]
        pi: Obj = {
            "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_received": amount if status == "succeeded" else 0, "application": None,
            "application_fee_amount": None, "automatic_payment_methods": None,
            "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{self.ids.token(25)}",
            "confirmation_method": "automatic", "created": created, "currency": self.currency,
            "customer": customer_id, "description": description,
            "excluded_payment_method_types": None, "last_payment_error": None,
            "latest_charge": None, "livemode": True, "metadata": {}, "next_action": None,
            "on_behalf_of": None, "payment_method": card["pm"] if status != "canceled" else None,
            "payment_method_configuration_details": None, "payment_method_options": _PI_PMO,
            "payment_method_types": ["card"], "processing": None, "receipt_email": None,
            "review": None, "setup_future_usage": None, "shipping": None, "source": None,
            "statement_descriptor": None, "statement_descriptor_suffix": None,
            "status": status, "transfer_data": None, "transfer_group": None,
        }  # fmt: skip
        if connect:
            pi["application"] = connect["application"]
            pi["application_fee_amount"] = connect["fee_amount"]
        if status == "canceled":
            pi["canceled_at"] = min(created + self.rng.randint(3600, 7 * DAY), self.now)
            pi["cancellation_reason"] = "abandoned"
        biz.payment_intents.append(pi)
        if status == "succeeded":
            delay = self.rng.randint(1, 5) if charge_delay is None else charge_delay
            ch = self.charge(biz, pi, card, min(created + delay, self.now), True, connect)
            pi["latest_charge"] = ch["id"]
        elif failed_charge:
            ch = self.charge(biz, pi, card, created, False)
            pi["latest_charge"] = ch["id"]
            pi["last_payment_error"] = {
                "charge": ch["id"], "code": "card_declined", "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": "Your card was declined.", "payment_method_type": "card",
                "type": "card_error",
            }  # fmt: skip
        return pi

    def charge(
        self,
        biz: Business,
        pi: Obj,
        card: Obj,
        created: int,
        ok: bool,
        connect: Obj | None = None,
    ) -> Obj:
        rng = self.rng
        amount = pi["amount"]
        ch_id = connect["charge"] if connect else self.ids.new("ch")
        customer = self.customer_by_id.get(pi["customer"] or "")
        address = (customer or {}).get("address") or {}
        outcome = (
            {
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "risk_score": rng.randint(0, 60),
                "seller_message": "Payment complete.",
                "type": "authorized",
            }
            if ok
            else {
                "advice_code": "try_again_later",
                "network_advice_code": None,
                "network_decline_code": "05",
                "network_status": "declined_by_network",
                "reason": "generic_decline",
                "risk_level": "normal",
                "risk_score": rng.randint(0, 60),
                "seller_message": "The bank did not return any further details with this decline.",
                "type": "issuer_declined",
            }
        )
        ch: Obj = {
            "id": ch_id, "object": "charge", "amount": amount,
            "amount_captured": amount if ok else 0, "amount_refunded": 0, "application": None,
            "application_fee": None, "application_fee_amount": None,
            "balance_transaction": None,
            "billing_details": {
                "address": {"city": address.get("city"), "country": address.get("country"),
                            "line1": None, "line2": None,
                            "postal_code": address.get("postal_code"), "state": None},
                "email": customer["email"] if customer else None,
                "name": customer["name"] if customer else None, "phone": None, "tax_id": None},
            "calculated_statement_descriptor": self.profile.descriptor, "captured": ok,
            "created": created, "currency": self.currency, "customer": pi["customer"],
            "description": pi["description"], "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None if ok else "card_declined",
            "failure_message": None if ok else "Your card was declined.",
            "fraud_details": {}, "livemode": True, "metadata": {}, "on_behalf_of": None,
            "outcome": outcome, "paid": ok, "payment_intent": pi["id"],
            "payment_method": card["pm"],
            "payment_method_details": {
                "card": {
                    "amount_authorized": amount if ok else None,
                    "authorization_code": f"{rng.randint(0, 999999):06d}" if ok else None,
                    "brand": card["brand"],
                    "checks": {"address_line1_check": None,
                               "address_postal_code_check": "pass" if address else None,
                               "cvc_check": "pass"},
                    "country": "US", "exp_month": card["exp_month"],
                    "exp_year": card["exp_year"],
                    "extended_authorization": {"status": "disabled"},
                    "fingerprint": card["fingerprint"], "funding": card["funding"],
                    "incremental_authorization": {"status": "unavailable"},
                    "installments": None, "last4": card["last4"], "mandate": None,
                    "multicapture": {"status": "unavailable"}, "network": card["brand"],
                    "network_token": {"used": False},
                    "network_transaction_id": str(rng.randint(10**14, 10**15 - 1)),
                    "overcapture": {"maximum_amount_capturable": amount,
                                    "status": "unavailable"},
                    "regulated_status": "unregulated", "three_d_secure": None,
                    "wallet": None},
                "type": "card"},
            "radar_options": {}, "receipt_email": None, "receipt_number": None,
            "receipt_url": (f"https://pay.stripe.com/receipts/payment/"
                            f"{self.ids.token(60)}" if ok else None),
            "refunded": False, "review": None, "shipping": None, "source": None,
            "source_transfer": None, "statement_descriptor": None,
            "statement_descriptor_suffix": None, "status": "succeeded" if ok else "failed",
            "transfer_data": None, "transfer_group": None,
        }  # fmt: skip
        biz.charges.append(ch)
        if ok:
            fee = round(amount * 0.029) + 30
            fee_details = [self.fee_detail(fee, "Stripe processing fees", "stripe_fee")]
            if connect:
                ch["application"] = connect["application"]
                ch["application_fee"] = connect["fee"]
                ch["application_fee_amount"] = connect["fee_amount"]
                # A direct charge pays its platform's fee out of the connected account's share.
                fee_details.append(
                    self.fee_detail(
                        connect["fee_amount"],
                        f"{connect['platform_name']} application fee",
                        "application_fee",
                        application=connect["application"],
                    )
                )
                fee += connect["fee_amount"]
            txn = self.balance_transaction(
                amount,
                created,
                fee=fee,
                source=ch_id,
                kind="charge",
                description=ch["description"],
                fee_details=fee_details,
            )
            ch["balance_transaction"] = txn["id"]
            biz.balance_transactions.append(txn)
        return ch

    def fee_detail(
        self, amount: int, description: str, type_: str, *, application: str | None = None
    ) -> Obj:
        return {
            "amount": amount,
            "application": application,
            "currency": self.currency,
            "description": description,
            "type": type_,
        }

    def balance_transaction(
        self,
        amount: int,
        created: int,
        *,
        fee: int,
        source: str,
        kind: str,
        description: str | None,
        category: str | None = None,
        available_on: int | None = None,
        fee_details: list[Obj] | None = None,
        exchange_rate: float | None = None,
    ) -> Obj:
        """A movement of the account's balance. `kind` is its type and, unless `category`
        says otherwise, its reporting category. Funds become available two days later, at
        midnight UTC (a typical payout schedule), unless available_on says otherwise."""
        if available_on is None:
            available_on = (created // DAY + 2) * DAY
        if fee_details is None:
            fee_details = (
                [self.fee_detail(fee, "Stripe processing fees", "stripe_fee")] if fee else []
            )
        return {
            "id": self.ids.new("txn"), "object": "balance_transaction", "amount": amount,
            "available_on": available_on, "balance_type": "payments", "created": created,
            "currency": self.currency, "description": description,
            "exchange_rate": exchange_rate, "fee": fee,
            "fee_details": fee_details, "net": amount - fee,
            "reporting_category": category or kind,
            "source": source, "status": "available" if available_on <= self.now else "pending",
            "type": kind,
        }  # fmt: skip

    def refund(self, biz: Business, ch: Obj, created: int, amount: int) -> Obj:
        re_id = self.ids.new("re")
        txn = self.balance_transaction(
            -amount,
            created,
            fee=0,
            source=re_id,
            kind="refund",
            description=f"REFUND FOR CHARGE ({ch['description'] or 'Payment'})",
        )
        biz.balance_transactions.append(txn)
        obj: Obj = {
            "id": re_id, "object": "refund", "amount": amount,
            "balance_transaction": txn["id"], "charge": ch["id"], "created": created,
            "currency": self.currency, "description": None,
            "destination_details": {
                "card": {"reference": str(self.rng.randint(10**22, 10**23 - 1)),
                         "reference_status": "available",
                         "reference_type": "acquirer_reference_number", "type": "refund"},
                "type": "card"},
            "metadata": {}, "payment_intent": ch["payment_intent"],
            "reason": self.rng.choice(("requested_by_customer", "duplicate", None)),
            "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": None,
        }  # fmt: skip
        biz.refunds.append(obj)
        return obj


# ---------------------------------------------------------------------------------------------
def account(now: int, profile: Profile = PLATFORM) -> Obj:
    slug = profile.name.split()[0].lower()
    domain = "example.com" if profile == PLATFORM else f"{slug}.example"
    return {
        "id": profile.account_id, "object": "account",
        "business_profile": {
            "mcc": "5734", "name": profile.name, "product_description": "Project software",
            "support_address": None, "support_email": f"support@{domain}",
            "support_phone": None, "support_url": None, "url": f"https://{domain}"},
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True, "country": profile.country,
        "created": now - HISTORY - 60 * DAY, "default_currency": profile.currency,
        "details_submitted": True, "email": f"billing@{domain}",
        "metadata": {}, "payouts_enabled": True,
        "settings": {
            "branding": {"icon": None, "logo": None, "primary_color": None,
                         "secondary_color": None},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                              "statement_descriptor_prefix": profile.descriptor.split()[0],
                              "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": profile.name.removesuffix(" Inc."),
                          "timezone": "Etc/UTC"},
            "payments": {"statement_descriptor": profile.descriptor,
                         "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None,
                         "statement_descriptor_prefix_kana": None,
                         "statement_descriptor_prefix_kanji": None}},
        "type": "standard",
    }  # fmt: skip


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Building ~100k dicts makes the cyclic GC rescan them over and over; pausing it more than
    halves start-up time. Nothing built here forms reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate(
    scale: float,
    seed: int,
    now: int,
    profile: Profile = PLATFORM,
    products: frozenset[str] = frozenset(),
) -> tuple[Business, Generator]:
    """Builds the whole business, with the objects of the products switched on (products.py).
    Returns it with the generator (for later create() calls)."""
    with paused_gc():
        return _generate(scale, seed, now, profile, products)


def _generate(
    scale: float, seed: int, now: int, profile: Profile, products: frozenset[str]
) -> tuple[Business, Generator]:
    gen = Generator(seed, now, profile)
    rng = gen.rng
    biz = Business(now=now, account=account(now, profile))
    # A realistic catalog does not shrink with the customer base; 30 products also give enough
    # distinct monthly prices for the 11-25 item subscriptions (Stripe forbids repeating a price).
    gen.catalog(biz, max(30, round(40 * scale)))
    n_customers = max(10, round(2000 * scale))
    for _ in range(n_customers):
        # Skewed towards recent sign-ups (a growing business); at least a minute before now.
        age = int(HISTORY * rng.random() ** 1.5)
        biz.customers.append(gen.customer(now - max(age, 60)))
    _subscriptions(gen, biz, scale)
    # After the subscriptions: the imported contacts had not bought a plan yet.
    imported = _crm_import(gen, biz, scale)
    _one_off_invoices(gen, biz, scale)
    _migration(gen, biz, imported, scale)
    _standalone_payments(gen, biz, scale)
    _refunds(gen, biz)
    _number_invoices(biz)
    # They build on this module's Generator, hence the import here (not a cycle at load).
    from . import billing, payments

    billing.generate(gen, biz, scale)
    payments.generate(gen, biz, scale)
    _tiered_prices(gen, biz)
    from . import more

    more.generate(gen, biz, scale)
    from . import configuration
    from . import products as product_areas

    product_areas.generate(gen, biz, scale, products)
    configuration.generate(gen, biz, scale)
    from . import finance

    finance.generate(gen, biz, scale, products)
    return biz, gen


def _tiered_prices(gen: Generator, biz: Business) -> None:
    """Two per-seat prices of an add-on, priced in tiers (which Stripe sends only when a
    request expands them): one on sale, one archived. Made last, so that the rest of the
    business is the same as without them."""
    product = next(p for p in biz.products if p["metadata"]["kind"] == "addon")
    tiers = [
        {"flat_amount": None, "flat_amount_decimal": None, "unit_amount": 1000,
         "unit_amount_decimal": "1000", "up_to": 10},
        {"flat_amount": 5000, "flat_amount_decimal": "5000", "unit_amount": 800,
         "unit_amount_decimal": "800", "up_to": None},
    ]  # fmt: skip
    for mode, active in (("graduated", True), ("volume", False)):
        price = gen.price(
            product, 0, product["created"] + 7, interval="month", active=active,
            nickname=f"Per seat ({mode})",
        )  # fmt: skip
        tiered = {"billing_scheme": "tiered", "tiers_mode": mode, "tiers": _copy_tiers(tiers)}
        price.update(tiered, unit_amount=None, unit_amount_decimal=None)
        plan = gen.plan_by_price[price["id"]]
        plan.update(tiered, amount=None, amount_decimal=None)
        plan["tiers"] = _copy_tiers(tiers)
        biz.prices.append(price)
        biz.plans.append(plan)


def _copy_tiers(tiers: list[Obj]) -> list[Obj]:
    return [dict(tier) for tier in tiers]


def _eligible(prices: list[Obj], interval: str, at: int) -> list[Obj]:
    return [
        p
        for p in prices
        if p["recurring"] and p["recurring"]["interval"] == interval and p["created"] <= at
    ]


def _subscriptions(gen: Generator, biz: Business, scale: float) -> None:
    rng, now = gen.rng, gen.now
    products = {p["id"]: p for p in biz.products}
    plan_prices = [p for p in biz.prices if products[p["product"]]["metadata"]["kind"] == "plan"]
    addon_prices = [p for p in biz.prices if products[p["product"]]["metadata"]["kind"] == "addon"]
    plans: list[tuple[Obj, int]] = []  # (customer, created)
    for cust in biz.customers:
        n = rng.choices((0, 1, 2, 3), (12, 60, 22, 6))[0]
        for k in range(n):
            if k == 0:
                created = cust["created"] + rng.randint(0, 7 * DAY)
            else:
                created = cust["created"] + int((now - cust["created"]) * rng.random())
            plans.append((cust, min(created, now - 60)))
    # A few subscriptions with 11-25 items, so `items` (and their invoices' `lines`) truncate.
    n_big = max(1, round(20 * scale))
    seasoned = [i for i, (c, _) in enumerate(plans) if c["created"] < now - 200 * DAY]
    seasoned = seasoned or list(range(len(plans)))
    big = set(rng.sample(seasoned, min(n_big, len(seasoned))))
    for idx, (cust, created) in enumerate(plans):
        is_big = idx in big
        r = rng.random()
        if is_big:
            status = "active"
        elif r < 0.20:
            status = "canceled"
        elif r < 0.25:
            status = "past_due"
        elif r < 0.27:
            status = "unpaid"
        elif r < 0.31 and now - cust["created"] > 14 * DAY:
            status = "trialing"
            created = now - rng.randint(DAY, 13 * DAY)
        else:
            status = "active"
        if status == "trialing":
            created = max(created, cust["created"])
        interval = "year" if (not is_big and rng.random() < 0.2) else "month"
        ended_at = None
        if status == "canceled":
            ended_at = min(created + DAY + int((now - created) * rng.random()), now - 60)
            ended_at = max(ended_at, created + 1)
        # Pick distinct prices: one plan tier, then add-ons (a few grandfathered prices).
        tiers = _eligible(plan_prices, interval, created)
        if created < now - 2 * 365 * DAY and rng.random() < 0.4:
            chosen = [rng.choice(tiers)]
        else:
            chosen = [rng.choice([p for p in tiers if p["active"]] or tiers)]
        pool = [
            p
            for p in _eligible(addon_prices, interval, created)
            if p["product"] != chosen[0]["product"]
        ]
        if is_big:
            # The oldest prices first, so the subscription can start long ago.
            pool = sorted(
                (
                    p
                    for p in _eligible(addon_prices + plan_prices, interval, now)
                    if p["id"] != chosen[0]["id"]
                ),
                key=lambda p: p["created"],
            )
            want = rng.randint(11, 25)
        else:
            want = rng.choices((1, 2, 3), (60, 27, 13))[0]
            pool = rng.sample(pool, len(pool))
        seen_products = {chosen[0]["product"]}
        for p in pool:
            if len(chosen) >= want:
                break
            # One price per product, except big subscriptions that need many distinct prices.
            if is_big or p["product"] not in seen_products:
                chosen.append(p)
                seen_products.add(p["product"])
        if is_big:
            # Long enough ago to have several invoices, after its customer and prices existed.
            created = min(created, now - 200 * DAY)
            created = max(created, cust["created"], max(p["created"] for p in chosen) + 60)
        # Extra items were sometimes added after sign-up; their lines start later.
        end = ended_at if ended_at is not None else now
        item_created = [created] + [
            created
            if (is_big or rng.random() < 0.7)
            else created + int((end - created) * rng.random())
            for _ in chosen[1:]
        ]
        sub, items, starts = gen.subscription(
            cust,
            created,
            status,
            interval=interval,
            prices=chosen,
            ended_at=ended_at,
            item_created=item_created,
        )
        cust["currency"] = gen.currency
        if status in ("past_due", "unpaid"):
            cust["delinquent"] = True
        biz.subscriptions.append(sub)
        biz.items_by_subscription[sub["id"]] = items
        _subscription_invoices(gen, biz, cust, sub, items, starts)


def _subscription_invoices(
    gen: Generator, biz: Business, cust: Obj, sub: Obj, items: list[Obj], starts: list[int]
) -> None:
    rng, now = gen.rng, gen.now
    months = 12 if items[0]["price"]["recurring"]["interval"] == "year" else 1
    first = max(0, len(starts) - MAX_INVOICES_PER_SUBSCRIPTION)
    last_invoice = None
    for j in range(first, len(starts)):
        start = starts[j]
        if sub["status"] == "trialing":
            p_end = sub["trial_end"]
        elif j + 1 < len(starts):
            p_end = starts[j + 1]
        else:
            p_end = add_months(sub["billing_cycle_anchor"], (j + 1) * months)
        inv = gen.invoice(
            cust,
            start,
            billing_reason="subscription_create" if j == 0 else "subscription_cycle",
            collection_method=sub["collection_method"],
            subscription_id=sub["id"],
            period=(starts[j - 1] if j else start, start),
        )
        lines = [
            gen.subscription_line(inv["id"], it, (start, p_end))
            for it in items
            if it["created"] <= start
        ]
        if sub["status"] == "trialing":
            lines = [dict(line, amount=0, subtotal=0) for line in lines]
        latest = j == len(starts) - 1
        if start > now - 3600 and j > 0:
            status = "draft"  # renewal invoices stay drafts for about an hour
        elif latest and sub["status"] == "past_due":
            status = "open"
        elif latest and sub["status"] == "unpaid":
            status = rng.choice(("open", "uncollectible"))
        elif (
            latest
            and sub["status"] == "canceled"
            and sub["cancellation_details"]["reason"] == "payment_failed"
        ):
            status = rng.choice(("void", "uncollectible"))
        elif rng.random() < 0.005:
            status = "void"
        else:
            status = "paid"
        if (
            status == "paid"
            and sub["collection_method"] == "send_invoice"
            and start > now - 25 * DAY
        ):
            status = "open"  # customers pay by bank transfer within the due period
        gen.settle_invoice(biz, inv, lines, status)
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = lines
        if j == 0:
            gen.first_invoice_by_sub[sub["id"]] = inv  # what its Checkout Session made
        last_invoice = inv
    if last_invoice is not None:
        sub["latest_invoice"] = last_invoice["id"]


def _one_off_invoices(gen: Generator, biz: Business, scale: float) -> None:
    """Manual invoices: a few big ones (12-30 lines) and some small ones (1-3 lines)."""
    rng, now = gen.rng, gen.now
    one_time = [p for p in biz.prices if p["type"] == "one_time"]
    n_big, n_small = max(2, round(60 * scale)), max(2, round(100 * scale))
    for n in range(n_big + n_small):
        cust = rng.choice(biz.customers)
        created = cust["created"] + int((now - 7200 - cust["created"]) * rng.random())
        created = max(min(created, now - 7200), cust["created"])
        inv = gen.invoice(
            cust,
            created,
            billing_reason="manual",
            collection_method=rng.choice(("send_invoice", "charge_automatically")),
            subscription_id=None,
            period=(created, created),
        )
        if n == n_big + n_small - 1:
            created = max(now - rng.randint(3600, 2 * DAY), cust["created"])  # a fresh draft
        count = rng.randint(12, 30) if n < n_big else rng.randint(1, 3)
        # Invoice items take one-time prices only; the same price may repeat.
        pool = [p for p in one_time if p["created"] <= created] or one_time
        lines = [gen.invoice_item_line(inv["id"], rng.choice(pool), created) for _ in range(count)]
        if (created > now - 3 * DAY and rng.random() < 0.5) or n == n_big + n_small - 1:
            status = "draft"
        elif rng.random() < 0.9 or created < now - 60 * DAY:
            status = "paid"
        else:
            status = "open"
        cust["currency"] = gen.currency
        gen.settle_invoice(biz, inv, lines, status)
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = lines


def burst_size(scale: float) -> int:
    """Objects in each same-second burst: always more than one page of 100."""
    return max(120, round(250 * scale))


def _crm_import(gen: Generator, biz: Business, scale: float) -> list[Obj]:
    """Customers created in one second by an import from a CRM."""
    at = gen.now - CRM_IMPORT_AGE - gen.rng.randint(0, DAY)
    imported = [gen.customer(at) for _ in range(burst_size(scale))]
    biz.customers.extend(imported)
    return imported


def _migration(gen: Generator, biz: Business, customers: list[Obj], scale: float) -> None:
    """Past invoices of the imported customers, moved over from an old billing system in one
    second: created, finalized and paid at once, with payments, charges and balance
    transactions in that same second."""
    rng = gen.rng
    at = gen.now - MIGRATION_AGE - rng.randint(0, DAY)
    one_time = [p for p in biz.prices if p["type"] == "one_time" and p["created"] <= at]
    for _ in range(burst_size(scale)):
        cust = rng.choice(customers)
        inv = gen.invoice(
            cust,
            at,
            billing_reason="manual",
            collection_method="charge_automatically",
            subscription_id=None,
            period=(at, at),
        )
        inv["metadata"] = {"migrated_from": "legacy_billing"}
        count = rng.randint(1, 3)
        lines = [gen.invoice_item_line(inv["id"], rng.choice(one_time), at) for _ in range(count)]
        gen.settle_invoice(biz, inv, lines, "paid", imported=True)
        cust["currency"] = gen.currency
        biz.invoices.append(inv)
        biz.lines_by_invoice[inv["id"]] = lines


def _standalone_payments(gen: Generator, biz: Business, scale: float) -> None:
    rng, now = gen.rng, gen.now
    for _ in range(max(2, round(200 * scale))):
        cust = rng.choice(biz.customers)
        created = cust["created"] + int((now - 60 - cust["created"]) * rng.random())
        r = rng.random()
        status = (
            "succeeded" if r < 0.75 else ("canceled" if r < 0.85 else "requires_payment_method")
        )
        cust["currency"] = gen.currency
        pi = gen.payment(
            biz,
            cust["id"],
            rng.randint(10, 500) * 100,
            min(created, now - 60),
            status,
            description=f"Order {rng.randint(100000, 999999)}",
            failed_charge=status == "requires_payment_method" and rng.random() < 0.5,
        )
        gen.standalone.append(pi)


def _refunds(gen: Generator, biz: Business) -> None:
    rng, now = gen.rng, gen.now
    for ch in biz.charges:
        if ch["status"] != "succeeded" or rng.random() >= 0.03:
            continue
        created = ch["created"] + rng.randint(3600, 30 * DAY)
        if created > now - 60:
            continue
        amount = ch["amount"] if rng.random() < 0.7 else max(100, ch["amount"] // 2)
        gen.refund(biz, ch, created, amount)
        ch["amount_refunded"] = amount
        ch["refunded"] = amount == ch["amount"]


def _number_invoices(biz: Business) -> None:
    """Per-customer invoice numbers in creation order, as Stripe assigns on finalization."""
    by_customer: dict[str, list[Obj]] = {}
    for inv in biz.invoices:
        by_customer.setdefault(inv["customer"], []).append(inv)
    customers = {c["id"]: c for c in biz.customers}
    for cid, invoices in by_customer.items():
        cust = customers[cid]
        seq = 0
        for inv in sorted(invoices, key=lambda i: (i["created"], i["id"])):
            if inv["status"] != "draft":
                seq += 1
                inv["number"] = f"{cust['invoice_prefix']}-{seq:04d}"
        cust["next_invoice_sequence"] = seq + 1


# ---------------------------------------------------------------------------------------------
# Events for the objects created in the last 30 days (Stripe keeps events for 30 days).
# Stripe has no checkout.session.created (a session announces only how it ended), no
# invoiceitem.updated, setup_intent.updated or application_fee.updated; a payment method is
# attached (payment_method.attached), not created.
CREATED_EVENT = {
    "customers": "customer.created", "products": "product.created", "prices": "price.created",
    "subscriptions": "customer.subscription.created", "invoices": "invoice.created",
    "payment_intents": "payment_intent.created", "refunds": "refund.created",
    "disputes": "charge.dispute.created", "payouts": "payout.created",
    "credit_notes": "credit_note.created", "coupons": "coupon.created",
    "promotion_codes": "promotion_code.created", "tax_rates": "tax_rate.created",
    "invoice_items": "invoiceitem.created", "plans": "plan.created",
    "setup_intents": "setup_intent.created", "transfers": "transfer.created",
    "application_fees": "application_fee.created",
    # An invoice payment is announced once paid (the sandbox's are made paid).
    "invoice_payments": "invoice_payment.paid",
    "subscription_schedules": "subscription_schedule.created", "quotes": "quote.created",
    "payment_links": "payment_link.created", "top_ups": "topup.created",
    "early_fraud_warnings": "radar.early_fraud_warning.created", "files": "file.created",
    "billing_meters": "billing.meter.created", "reviews": "review.opened",
    "billing_credit_grants": "billing.credit_grant.created",
    "billing_credit_balance_transactions": "billing.credit_balance_transaction.created",
    "issuing_cardholders": "issuing_cardholder.created", "issuing_cards": "issuing_card.created",
    "issuing_authorizations": "issuing_authorization.created",
    "issuing_transactions": "issuing_transaction.created",
    "issuing_disputes": "issuing_dispute.created",
    "billing_portal_configurations": "billing_portal.configuration.created",
    "issuing_tokens": "issuing_token.created",
    "identity_verification_sessions": "identity.verification_session.created",
    "climate_orders": "climate.order.created",
    "treasury_financial_accounts": "treasury.financial_account.created",
    "treasury_received_credits": "treasury.received_credit.created",
    "treasury_inbound_transfers": "treasury.inbound_transfer.created",
    "treasury_outbound_payments": "treasury.outbound_payment.created",
    "treasury_outbound_transfers": "treasury.outbound_transfer.created",
    "treasury_received_debits": "treasury.received_debit.created",
    "treasury_credit_reversals": "treasury.credit_reversal.created",
    "treasury_debit_reversals": "treasury.debit_reversal.created",
    "financial_connections_accounts": "financial_connections.account.created",
    # A run is announced when it finishes, by this name.
    "sigma_scheduled_query_runs": "sigma.scheduled_query_run.created",
    "apps_installs": "apps.install.created",
}  # fmt: skip
UPDATED_EVENT = {
    "customers": "customer.updated", "products": "product.updated", "prices": "price.updated",
    "subscriptions": "customer.subscription.updated", "invoices": "invoice.updated",
    "charges": "charge.updated", "refunds": "refund.updated",
    "disputes": "charge.dispute.updated", "payouts": "payout.updated",
    "credit_notes": "credit_note.updated", "coupons": "coupon.updated",
    "promotion_codes": "promotion_code.updated", "tax_rates": "tax_rate.updated",
    "plans": "plan.updated", "payment_methods": "payment_method.updated",
    "transfers": "transfer.updated",
    "subscription_schedules": "subscription_schedule.updated",
    "payment_links": "payment_link.updated",
    "early_fraud_warnings": "radar.early_fraud_warning.updated",
    "billing_meters": "billing.meter.updated",
    "billing_credit_grants": "billing.credit_grant.updated",
    "issuing_cardholders": "issuing_cardholder.updated", "issuing_cards": "issuing_card.updated",
    "issuing_authorizations": "issuing_authorization.updated",
    "issuing_transactions": "issuing_transaction.updated",
    "issuing_disputes": "issuing_dispute.updated",
    "issuing_personalization_designs": "issuing_personalization_design.updated",
    "billing_portal_configurations": "billing_portal.configuration.updated",
    "issuing_tokens": "issuing_token.updated", "apps_installs": "apps.install.updated",
}  # fmt: skip
DELETED_EVENT = {
    "customers": "customer.deleted", "products": "product.deleted", "prices": "price.deleted",
    "invoices": "invoice.deleted", "subscriptions": "customer.subscription.deleted",
    "coupons": "coupon.deleted", "plans": "plan.deleted", "invoice_items": "invoiceitem.deleted",
    "apps_installs": "apps.install.deleted",
}  # fmt: skip
# A change of status that Stripe announces by its own name instead of *.updated.
STATUS_EVENT = {
    "disputes": dict.fromkeys(("won", "lost", "warning_closed", "prevented"),
                              "charge.dispute.closed"),
    "payouts": {"paid": "payout.paid"},
    "setup_intents": {"succeeded": "setup_intent.succeeded", "canceled": "setup_intent.canceled"},
    "checkout_sessions": {"complete": "checkout.session.completed",
                          "expired": "checkout.session.expired"},
    "credit_notes": {"void": "credit_note.voided"},
    "quotes": {"open": "quote.finalized", "accepted": "quote.accepted",
               "canceled": "quote.canceled"},
    "top_ups": {"succeeded": "topup.succeeded", "reversed": "topup.reversed"},
    "subscription_schedules": {"canceled": "subscription_schedule.canceled",
                               "released": "subscription_schedule.released"},
    "reporting_report_runs": {"succeeded": "reporting.report_run.succeeded",
                              "failed": "reporting.report_run.failed"},
    "identity_verification_sessions": {
        s: f"identity.verification_session.{s}"
        for s in ("processing", "requires_input", "verified", "canceled")
    },
    "climate_orders": {"delivered": "climate.order.delivered",
                       "canceled": "climate.order.canceled"},
    "three_d_secure_authentications": {
        s: f"three_d_secure.authentication.{s}"
        for s in ("requires_challenge", "requires_submission", "succeeded", "failed",
                  "canceled")
    } | {"error": "three_d_secure.authentication.errored"},
    "financial_connections_accounts": {
        "disconnected": "financial_connections.account.disconnected",
        "inactive": "financial_connections.account.deactivated",
        "active": "financial_connections.account.reactivated",
    },
}  # fmt: skip
# Resources whose stripe 16.1.0 class declares `deleted` (Optional[Literal[True]]): their
# *.deleted events say so. A canceled subscription (customer.subscription.deleted) is not
# deleted, and stripe.Subscription has no such field.
DELETED_FLAG = frozenset({"customers", "products", "prices", "invoices", "coupons", "plans",
                          "invoice_items"})  # fmt: skip
# Invoice items have `date` where every other resource has `created` (the list's `created`
# filter applies to it). Objects Stripe gives no `created` (payment links, Terminal's, physical
# bundles) carry the sandbox's own `_created`, never sent, to keep their lists in order.
TIME_FIELD = {
    "invoice_items": "date", "payment_links": "_created", "issuing_physical_bundles": "_created",
    "terminal_configurations": "_created", "terminal_locations": "_created",
    "payment_method_configurations": "_created", "entitlements_features": "_created",
    "terminal_readers": "_created", "financial_connections_transactions": "transacted_at",
    **dict.fromkeys(("tax_locations", "billing_alerts", "billing_feedback_options",
                     "product_catalog_trial_offers", "entitlements_active_entitlements"),
                    "_created"),
}  # fmt: skip
# Every event type the sandbox can emit; event() refuses others, and a test checks them all
# against the `type` Literal of stripe 16.1.0's Event class.
EVENT_TYPES = frozenset(
    {
        *CREATED_EVENT.values(), *UPDATED_EVENT.values(), *DELETED_EVENT.values(),
        *(t for table in STATUS_EVENT.values() for t in table.values()),
        "charge.succeeded", "charge.failed", "charge.pending", "charge.refunded",
        "payment_intent.succeeded", "invoice.finalized", "invoice.paid",
        "invoice.payment_succeeded", "invoice.upcoming", "balance.available",
        "payment_method.attached", "payment_method.detached", "transfer.reversed",
        "application_fee.refunded", "application_fee.refund.updated",
        # Changes to a customer announced by another object (its parent's customer.updated
        # may follow: Store.parent_update_events).
        "customer.discount.created", "customer.discount.deleted", "customer.tax_id.created",
        "customer.source.created", "review.closed",
        "customer_cash_balance_transaction.created",
        "financial_connections.account.refreshed_transactions",
        "entitlements.active_entitlement_summary.updated",
        "financial_connections.account.refreshed_ownership",
    }
)  # fmt: skip


def created_at(resource: str, obj: Obj) -> int:
    return int(obj[TIME_FIELD.get(resource, "created")])


def charge_event_type(ch: Obj) -> str:
    # Stripe has no charge.created; a new charge announces its outcome.
    return {"succeeded": "charge.succeeded", "failed": "charge.failed"}.get(
        ch["status"], "charge.pending"
    )


def event(
    ids: Ids,
    type_: str,
    created: int,
    obj: Obj,
    *,
    previous: Obj | None = None,
    request_id: str | None = None,
    api_version: str = API_VERSION,
    account: str | None = None,
) -> Obj:
    """An event; `account` is set on a connected account's events, as Connect does."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"the sandbox does not emit {type_!r} events")
    data: Obj = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    evt: Obj = {"id": ids.new("evt"), "object": "event"}
    if account is not None:
        evt["account"] = account
    evt.update({
        "api_version": api_version, "created": created, "data": data, "livemode": True,
        "pending_webhooks": 0, "request": {"id": request_id, "idempotency_key": None},
        "type": type_,
    })  # fmt: skip
    return evt


def initial_events(
    gen: Generator,
    biz: Business,
    render: Callable[[str, Obj], Obj],
    *,
    account: str | None = None,
    api_version: str = API_VERSION,
) -> list[Obj]:
    """Lifecycle events of the last 30 days. data.object is the object as generated (its
    current state), not a historical snapshot."""
    since = gen.now - EVENT_RETENTION
    out: list[Obj] = []

    def add(type_: str, created: int, obj: Obj) -> None:
        out.append(event(gen.ids, type_, created, obj, account=account, api_version=api_version))

    for resource, type_ in CREATED_EVENT.items():
        for obj in getattr(biz, resource):
            at = created_at(resource, obj)
            if at >= since:
                add(type_, at, render(resource, obj))
    charged_at: dict[str, int] = {}
    for ch in biz.charges:
        charged_at[ch["id"]] = ch["created"]
        if ch["created"] >= since:
            add(charge_event_type(ch), ch["created"], ch)
    for pi in biz.payment_intents:
        # A payment intent succeeds when its charge does (never after now).
        charge = pi["latest_charge"]
        succeeded_at = charged_at[charge] if charge in charged_at else pi["created"]
        if pi["status"] == "succeeded" and succeeded_at >= since:
            add("payment_intent.succeeded", succeeded_at, pi)
    for inv in biz.invoices:
        paid_at = inv["status_transitions"]["paid_at"]
        if paid_at is not None and paid_at >= since:
            add("invoice.paid", paid_at, render("invoices", inv))
    for sub in biz.subscriptions:
        if sub["ended_at"] is not None and sub["ended_at"] >= since:
            add("customer.subscription.deleted", sub["ended_at"], render("subscriptions", sub))
    for pm in biz.payment_methods:
        if pm["customer"] is not None and pm["created"] >= since:
            add("payment_method.attached", pm["created"], pm)
    for resource, table in STATUS_EVENT.items():
        for obj in getattr(biz, resource):
            # When it got there: a field where the object has one, else what the generator noted.
            when = obj.get("voided_at") or gen.reached_at.get(obj["id"])
            if obj["status"] in table and when is not None and when >= since:
                add(table[obj["status"]], when, render(resource, obj))
    for resource, children, type_ in (
        ("transfers", biz.reversals_by_transfer, "transfer.reversed"),
        ("application_fees", biz.refunds_by_fee, "application_fee.refunded"),
    ):
        for obj in getattr(biz, resource):
            for child in children.get(obj["id"], []):
                if child["created"] >= since:
                    add(type_, child["created"], render(resource, obj))
    return out
