"""Products beyond payments and billing: Issuing (cards the business issues to its staff),
Terminal (in-person payments: locations, readers and their configurations), Identity
(verifications of people's documents) and Climate (carbon removal bought).

Issuing, Identity and Climate (and finance.py's Treasury and Financial Connections) are
products an account applies for and switches on: until it has, Stripe answers each of their
endpoints 400 "Your account is not set up to use Issuing". The sandbox makes an account's
objects of a product only when it is built with the product on (`products=`), and answers the
others as Stripe does. Terminal needs no switching on: an account that sells in person has a
few locations and readers.

Objects start from their `stripe` class's skeleton (more.skeleton) and are made with a random
source of their own, so the rest of the business is the same with or without them.
"""

from __future__ import annotations

import random

import stripe

from .data import DAY, HISTORY, Business, Generator, Ids, Obj
from .finance import FINANCIAL_CONNECTIONS, TREASURY, TREASURY_LISTS
from .more import skeleton

ISSUING = "Issuing"
IDENTITY = "Identity"
CLIMATE = "Climate"
# resource -> the product an account must have switched on to read it.
PRODUCT_OF = {
    **dict.fromkeys(
        ("issuing_authorizations", "issuing_cardholders", "issuing_cards", "issuing_disputes",
         "issuing_transactions", "issuing_personalization_designs", "issuing_physical_bundles",
         "issuing_tokens"),
        ISSUING,
    ),
    **dict.fromkeys(("identity_verification_sessions", "identity_verification_reports"),
                    IDENTITY),
    "climate_orders": CLIMATE,
    **dict.fromkeys(TREASURY_LISTS, TREASURY),
    **dict.fromkeys(("financial_connections_accounts", "financial_connections_transactions"),
                    FINANCIAL_CONNECTIONS),
}  # fmt: skip
# Where the Dashboard starts each product's onboarding, as Stripe's message names it (Issuing's
# as seen; the others' the sandbox's guess).
ONBOARDING = {
    ISSUING: "https://dashboard.stripe.com/issuing/overview",
    IDENTITY: "https://dashboard.stripe.com/identity",
    CLIMATE: "https://dashboard.stripe.com/climate",
    TREASURY: "https://dashboard.stripe.com/treasury",
    FINANCIAL_CONNECTIONS: "https://dashboard.stripe.com/settings/financial-connections",
}
PRODUCTS = frozenset(ONBOARDING)


def not_set_up(product: str) -> str:
    """Stripe's 400 message for an endpoint of a product the account has not switched on."""
    return (
        f"Your account is not set up to use {product}. Please visit {ONBOARDING[product]} to "
        "get started."
    )


MERCHANTS = (
    ("Acme Cloud Hosting", "computer_network_information_services", "San Francisco"),
    ("Blue Bottle Coffee", "eating_places_restaurants", "Oakland"),
    ("United Airlines", "airlines_air_carriers", "Chicago"),
    ("Office Depot", "stationery_stores_office_and_school_supply_stores", "Austin"),
    ("Hilton Hotels", "lodging_hotels_motels_resorts", "New York"),
)
NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
         "Donald Knuth", "Margaret Hamilton", "Ken Thompson")  # fmt: skip


class Products:
    """Makes the objects of this module for one business."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = random.Random(f"products-{gen.seed}")
        self.ids = Ids(self.rng)
        self.currency = gen.currency
        self.bundles: list[Obj] = []
        self.designs: list[Obj] = []

    # -- Issuing -------------------------------------------------------------------------------
    def physical_bundle(self, name: str, type_: str, at: int) -> Obj:
        """Stripe's bundles of card stock, carrier and envelope (its own: no `created`)."""
        obj = skeleton(stripe.issuing.PhysicalBundle)
        obj.update(
            id=self.ids.new("ics"), livemode=True, name=name, status="active", type=type_,
            _created=at,
            features={"card_logo": "optional", "carrier_text": "optional",
                      "second_line": "optional"},
        )  # fmt: skip
        return obj

    def personalization_design(self, created: int, bundle: Obj, name: str) -> Obj:
        obj = skeleton(stripe.issuing.PersonalizationDesign)
        obj.update(
            id=self.ids.new("pd"), created=created, livemode=True, name=name,
            lookup_key=name.lower().replace(" ", "_"), physical_bundle=bundle["id"],
            status="active", preferences={"is_default": not self.designs, "is_platform_default":
                                          None},
            rejection_reasons={"card_logo": None, "carrier_text": None},
        )  # fmt: skip
        return obj

    def cardholder(self, created: int, name: str) -> Obj:
        obj = skeleton(stripe.issuing.Cardholder)
        first = name.split(" ", 1)[0]
        obj.update(
            id=self.ids.new("ich"), created=created, livemode=True, name=name,
            email=f"{first.lower()}@example.com", phone_number=None, status="active",
            type="individual", preferred_locales=["en"],
            billing={"address": {"city": "San Francisco", "country": "US",
                                 "line1": "510 Townsend St", "line2": None,
                                 "postal_code": "94103", "state": "CA"}},
            requirements={"disabled_reason": None, "past_due": []},
            spending_controls={"allowed_categories": None, "allowed_merchant_countries": None,
                               "blocked_categories": None, "blocked_merchant_countries": None,
                               "spending_limits": [{"amount": 500_000, "categories": None,
                                                    "interval": "monthly"}],
                               "spending_limits_currency": self.currency},
        )  # fmt: skip
        return obj

    def card(self, cardholder: Obj, created: int, type_: str) -> Obj:
        obj = skeleton(stripe.issuing.Card)
        design = self.designs[0]["id"] if type_ == "physical" and self.designs else None
        obj.update(
            id=self.ids.new("ic"), created=created, livemode=True, brand="Visa",
            cardholder=cardholder, currency=self.currency, type=type_, status="active",
            exp_month=self.rng.randint(1, 12), exp_year=2029 + self.rng.randint(0, 2),
            last4=f"{self.rng.randint(0, 9999):04d}", personalization_design=design,
            cancellation_reason=None, replaced_by=None, replacement_for=None,
            replacement_reason=None, shipping=None, financial_account=None,
            latest_fraud_warning=None, lifecycle_controls=None, second_line=None,
            spending_controls=dict(cardholder["spending_controls"]),
            wallets={"apple_pay": {"eligible": True, "ineligible_reason": None},
                     "google_pay": {"eligible": True, "ineligible_reason": None},
                     "primary_account_identifier": None},
        )  # fmt: skip
        return obj

    def merchant_data(self) -> Obj:
        name, category, city = self.rng.choice(MERCHANTS)
        data = skeleton(stripe.issuing.Authorization.MerchantData)
        data.update(
            name=name, category=category, category_code="5734", city=city, country="US",
            network_id=f"{self.rng.randint(10**8, 10**9 - 1)}", postal_code="94103",
            state="CA", terminal_id=None, url=None, tax_id=None,
        )  # fmt: skip
        return data

    def authorization(self, card: Obj, created: int, status: str) -> Obj:
        obj = skeleton(stripe.issuing.Authorization)
        amount = self.rng.randint(5, 900) * 100
        approved = status != "reversed" or self.rng.random() < 0.5
        obj.update(
            id=self.ids.new("iauth"), created=created, livemode=True, amount=amount,
            approved=approved, authorization_method="online", card=card,
            cardholder=card["cardholder"]["id"], currency=self.currency,
            merchant_amount=amount, merchant_currency=self.currency,
            merchant_data=self.merchant_data(), status=status, wallet=None,
            pending_request=None, amount_details={"atm_fee": None, "cashback_amount": None},
            request_history=[], transactions=[], balance_transactions=[], token=None,
            fleet=None, fraud_challenges=None, fuel=None, network_data=None, treasury=None,
            verified_by_fraud_challenge=None,
            verification_data={"address_line1_check": "not_provided",
                               "address_postal_code_check": "match",
                               "authentication_exemption": None, "cvc_check": "match",
                               "expiry_check": "match", "postal_code": "94103",
                               "three_d_secure": None},
        )  # fmt: skip
        return obj

    def transaction(self, auth: Obj, created: int) -> Obj:
        obj = skeleton(stripe.issuing.Transaction)
        obj.update(
            id=self.ids.new("ipi"), created=created, livemode=True, amount=-auth["amount"],
            authorization=auth["id"], card=auth["card"]["id"], cardholder=auth["cardholder"],
            currency=self.currency, merchant_amount=-auth["amount"],
            merchant_currency=self.currency, merchant_data=auth["merchant_data"],
            type="capture", wallet=None, dispute=None, balance_transaction=None,
            amount_details={"atm_fee": None, "cashback_amount": None}, token=None,
            network_data=None, purchase_details=None, treasury=None,
        )  # fmt: skip
        return obj

    def token(self, card: Obj, created: int) -> Obj:
        """A card added to a phone's wallet: the network token that stands for it there."""
        obj = skeleton(stripe.issuing.Token)
        obj.update(
            id=self.ids.new("intok"), card=card["id"], created=created, livemode=True,
            last4=f"{self.rng.randint(0, 9999):04d}", network="visa", network_updated_at=created,
            status="active", wallet_provider=self.rng.choice(("apple_pay", "google_pay")),
            device_fingerprint=None, network_data=None,
        )  # fmt: skip
        return obj

    def dispute(self, txn: Obj, created: int, status: str) -> Obj:
        obj = skeleton(stripe.issuing.Dispute)
        obj.update(
            id=self.ids.new("idp"), created=created, livemode=True, amount=-txn["amount"],
            currency=self.currency, status=status, transaction=txn["id"],
            balance_transactions=None, loss_reason=None, treasury=None,
        )  # fmt: skip
        obj["evidence"] = {**obj["evidence"], "reason": "fraudulent"}
        return obj

    # -- Identity ------------------------------------------------------------------------------
    def verification_session(self, created: int, customer: str | None, status: str) -> Obj:
        obj = skeleton(stripe.identity.VerificationSession)
        obj.update(
            id=self.ids.new("vs"), created=created, livemode=True, status=status,
            type="document", related_customer=customer, client_reference_id=None,
            client_secret=None, url=None, last_error=None, last_verification_report=None,
            verification_flow=None, provided_details=None, redaction=None, related_person=None,
            verified_outputs=None, related_customer_account=None,
        )  # fmt: skip
        obj["options"] = {"document": {"require_matching_selfie": True}}
        return obj

    def verification_report(self, session: Obj, created: int) -> Obj:
        obj = skeleton(stripe.identity.VerificationReport)
        verified = session["status"] == "verified"
        obj.update(
            id=self.ids.new("vr"), created=created, livemode=True, type="document",
            verification_session=session["id"], client_reference_id=None,
            verification_flow=None, email=None, id_number=None, phone=None,
            options={"document": {}}, selfie=None,
            document={"status": "verified" if verified else "unverified",
                      "error": None if verified else {"code": "document_expired",
                                                      "reason": "The document is expired."},
                      "type": "driving_license", "issuing_country": "US",
                      "first_name": None, "last_name": None, "address": None, "dob": None,
                      "expiration_date": None, "issued_date": None, "number": None,
                      "files": None, "sex": None, "unparsed_place_of_birth": None,
                      "unparsed_sex": None},
        )  # fmt: skip
        session["last_verification_report"] = obj["id"]
        return obj

    # -- Climate -------------------------------------------------------------------------------
    def climate_order(self, created: int, status: str) -> Obj:
        obj = skeleton(stripe.climate.Order)
        tons = self.rng.choice(("0.5", "1", "2.5"))
        subtotal = int(float(tons) * 60_000)
        obj.update(
            id=self.ids.new("climorder"), created=created, livemode=True, status=status,
            currency="usd", metric_tons=tons, amount_subtotal=subtotal,
            amount_fees=subtotal // 20, amount_total=subtotal + subtotal // 20,
            product="climsku_frontier_offtake_portfolio_2027", expected_delivery_year=2027,
            beneficiary={"public_name": "The business"}, certificate=None,
            cancellation_reason=None, canceled_at=None, delayed_at=None,
            product_substituted_at=None, confirmed_at=created,
            delivered_at=created + 90 * DAY if status == "delivered" else None,
            delivery_details=[],
        )  # fmt: skip
        return obj

    # -- Standalone 3D Secure, Vault and Forward ------------------------------------------------
    def three_d_secure(self, created: int, status: str) -> Obj:
        obj = skeleton(stripe.three_d_secure.Authentication)
        obj.update(
            id=self.ids.new("threeds"), created=created, livemode=True, status=status,
            amount=self.rng.randint(10, 500) * 100, currency="usd", directory_server="visa",
            message_category="payment_authentication", challenge_url=None,
            fingerprinting_url=None, payment_method=f"pm_{self.ids.token(24)}",
            channel={"type": "browser", "browser": None}, acquirer_details=None,
            flow_preference=None, future_usage=None, outcome=None, outcome_details=None,
            reason=None, shipping_address=None, metadata={},
        )  # fmt: skip
        return obj

    def forwarding_request(self, created: int) -> Obj:
        obj = skeleton(stripe.forwarding.Request)
        obj.update(
            id=self.ids.new("fwdreq"), created=created, livemode=True, metadata={},
            payment_method=f"pm_{self.ids.token(24)}", replacements=["card_number", "card_cvc"],
            url="https://api.processor.example.com/v1/payments", request_context=None,
            request_details=None, response_details=None,
        )  # fmt: skip
        return obj

    # -- Payments recorded from outside Stripe -------------------------------------------------
    def payment_record(self, created: int, customer: Obj | None) -> Obj:
        obj = skeleton(stripe.PaymentRecord)
        amount = {"currency": "usd", "value": self.rng.randint(10, 900) * 100}
        zero = {"currency": "usd", "value": 0}
        reference = f"ext_{self.rng.randint(10**8, 10**9)}"
        obj.update(
            id=self.ids.new("pr"), created=created, livemode=True, reported_by="self",
            amount=dict(amount), amount_authorized=dict(amount), amount_requested=dict(amount),
            amount_guaranteed=dict(amount), amount_canceled=dict(zero), amount_failed=dict(zero),
            amount_refunded=dict(zero), application=None, customer_presence="off_session",
            description="Paid at another processor", latest_payment_attempt_record=None,
            metadata={}, payment_method_details=None, shipping_details=None,
            processor_details={"type": "custom", "custom": {"payment_reference": reference}},
            customer_details=None if customer is None else {
                "customer": customer["id"], "email": customer["email"], "name": customer["name"],
                "phone": None},
        )  # fmt: skip
        return obj

    def payment_attempt_record(self, record: Obj, created: int) -> Obj:
        obj = skeleton(stripe.PaymentAttemptRecord)
        fields = {k: record[k] for k in obj if k in record and k not in ("id", "object")}
        obj.update(fields)
        obj.update(id=self.ids.new("par"), created=created, payment_record=record["id"])
        record["latest_payment_attempt_record"] = obj["id"]
        return obj

    # -- Terminal ------------------------------------------------------------------------------
    def terminal_configuration(self, name: str, default: bool, at: int) -> Obj:
        obj = skeleton(stripe.terminal.Configuration)
        obj.update(
            id=self.ids.new("tmc"), livemode=True, name=name, is_account_default=default,
            _created=at,
        )  # fmt: skip
        obj["tipping"] = {"usd": {"fixed_amounts": [100, 200, 300], "percentages": None,
                                  "smart_tip_threshold": None}}  # fmt: skip
        return obj

    def terminal_location(self, name: str, city: str, configuration: str | None, at: int) -> Obj:
        obj = skeleton(stripe.terminal.Location)
        obj.update(
            id=self.ids.new("tml"), livemode=True, display_name=name, _created=at,
            address={"city": city, "country": "US", "line1": "1 Market St", "line2": None,
                     "postal_code": "94105", "state": "CA"},
            configuration_overrides=configuration, phone=None,
        )  # fmt: skip
        return obj

    def terminal_reader(self, location: Obj, label: str, seen: int, at: int) -> Obj:
        obj = skeleton(stripe.terminal.Reader)
        obj.update(
            id=self.ids.new("tmr"), livemode=True, label=label, location=location["id"],
            _created=at,
            device_type="bbpos_wisepos_e", device_sw_version="2.27.2.0",
            ip_address=f"192.168.1.{self.rng.randint(2, 250)}", last_seen_at=seen * 1000,
            serial_number=f"WSC5130{self.rng.randint(10**8, 10**9 - 1)}", status="online",
            action=None,
        )  # fmt: skip
        return obj


def generate(gen: Generator, biz: Business, scale: float, products: frozenset[str]) -> None:
    """Terminal for every account; Issuing, Identity and Climate for one that has switched
    them on."""
    made = Products(gen)
    gen.product_areas = made
    rng, now = made.rng, gen.now
    start = now - HISTORY
    opened = now - HISTORY // 2  # the first store
    biz.terminal_configurations += [
        made.terminal_configuration("Default", True, opened),
        made.terminal_configuration("Pop-up stores", False, opened + DAY),
    ]
    for n, (name, city) in enumerate((("Flagship store", "San Francisco"),
                                      ("Airport kiosk", "Oakland"))):  # fmt: skip
        at = opened + (n + 1) * 30 * DAY
        override = biz.terminal_configurations[1]["id"] if n else None
        location = made.terminal_location(name, city, override, at)
        biz.terminal_locations.append(location)
        for k in range(2 if n == 0 else 1):
            seen = now - rng.randint(60, DAY)
            biz.terminal_readers.append(
                made.terminal_reader(location, f"{name} till {k + 1}", seen, at + k + 1)
            )
    if ISSUING in products:
        _issuing(made, biz, scale)
    # After Issuing: its objects are the same as before these were made.
    if IDENTITY in products:
        customers = [c["id"] for c in biz.customers]
        for n in range(max(4, round(40 * scale))):
            created = now - DAY - int((HISTORY // 2) * rng.random())
            # The first few verified: a report each.
            status = "verified" if n < 3 else rng.choice(("verified", "requires_input",
                                                          "canceled"))  # fmt: skip
            session = made.verification_session(created, rng.choice(customers), status)
            biz.identity_verification_sessions.append(session)
            if status != "canceled":
                biz.identity_verification_reports.append(
                    made.verification_report(session, created + rng.randint(60, 3600))
                )
        biz.identity_verification_sessions.sort(key=lambda o: o["created"])
        biz.identity_verification_reports.sort(key=lambda o: o["created"])
    for _ in range(max(4, round(20 * scale))):
        created = now - DAY - int((HISTORY // 2) * rng.random())
        status = rng.choice(("succeeded", "succeeded", "failed", "requires_challenge"))
        biz.three_d_secure_authentications.append(made.three_d_secure(created, status))
        biz.forwarding_requests.append(made.forwarding_request(created + 1))
    biz.three_d_secure_authentications.sort(key=lambda o: o["created"])
    biz.forwarding_requests.sort(key=lambda o: o["created"])
    # Payments taken at another processor, recorded here; a few retried.
    for _ in range(max(4, round(20 * scale))):
        created = now - DAY - int((HISTORY // 2) * rng.random())
        record = made.payment_record(created, rng.choice(biz.customers))
        biz.payment_records.append(record)
        for k in range(rng.choice((1, 1, 2))):
            attempt = made.payment_attempt_record(record, created + k * 3600)
            biz.payment_attempt_records.append(attempt)
    biz.payment_records.sort(key=lambda o: o["created"])
    biz.payment_attempt_records.sort(key=lambda o: o["created"])
    if CLIMATE in products:
        for n in range(4):
            created = start + (n + 1) * 80 * DAY
            status = "delivered" if n < 2 else "confirmed"
            biz.climate_orders.append(made.climate_order(created, status))


def _issuing(made: Products, biz: Business, scale: float) -> None:
    rng, now = made.rng, made.gen.now
    start = now - HISTORY
    biz.issuing_physical_bundles += [made.physical_bundle("Standard black", "standard", start),
                                     made.physical_bundle("Standard white", "standard",
                                                          start + 1)]  # fmt: skip
    made.designs.append(made.personalization_design(start + DAY,
                                                    biz.issuing_physical_bundles[0],
                                                    "Company card"))  # fmt: skip
    biz.issuing_personalization_designs += made.designs
    for n in range(max(6, round(40 * scale))):
        created = now - 2 * DAY - int((HISTORY // 2) * rng.random())
        holder = made.cardholder(created, NAMES[n % len(NAMES)])
        biz.issuing_cardholders.append(holder)
        for type_ in ("virtual", "physical")[: rng.randint(1, 2)]:
            card = made.card(holder, min(created + rng.randint(60, DAY), now - DAY), type_)
            biz.issuing_cards.append(card)
            for _ in range(rng.randint(1, 6)):
                at = card["created"] + int((now - 120 - card["created"]) * rng.random())
                status = rng.choice(("closed", "closed", "closed", "reversed", "pending"))
                auth = made.authorization(card, at, status)
                biz.issuing_authorizations.append(auth)
                if status == "closed" and auth["approved"]:
                    txn = made.transaction(auth, min(at + 3600, now - 60))
                    biz.issuing_transactions.append(txn)
                    auth["transactions"] = [txn]  # whole, as Stripe embeds them
    # Some cards are in a phone's wallet, a few twice (a new phone).
    for card in rng.sample(biz.issuing_cards, max(3, len(biz.issuing_cards) // 2)):
        for n in range(rng.choice((1, 1, 2))):
            at = card["created"] + (n + 1) * int((now - 120 - card["created"]) * rng.random() / 2)
            biz.issuing_tokens.append(made.token(card, at))
    for txn in rng.sample(biz.issuing_transactions, max(2, len(biz.issuing_transactions) // 25)):
        at = min(txn["created"] + DAY, now - 60)
        dispute = made.dispute(txn, at, rng.choice(("submitted", "won", "lost", "unsubmitted")))
        biz.issuing_disputes.append(dispute)
        txn["dispute"] = dispute["id"]
    for resource in (r for r, product in PRODUCT_OF.items() if product == ISSUING):
        getattr(biz, resource).sort(key=lambda o: o.get("created", o.get("_created", 0)))
