"""The rest of the business data: the invoices' payments, subscription schedules, quotes,
payment links, shipping rates, top-ups, early fraud warnings, files and their links, billing
meters and credits, and the lists Stripe keeps per parent (a quote's, a payment link's and a
Checkout Session's line items, a product's features, a customer's tax ids, balance and cash
balance ledgers, a SetupIntent's attempts).

Each object starts from the complete shape its `stripe` class declares (`skeleton`: every
field Stripe sends, none it sends only when expanded) and is filled with the facts of this
business. Made after everything else, with a random source of its own, so the rest of the
business is the same as it was before these existed.
"""

from __future__ import annotations

import decimal
import inspect
import random
import sys
import types
import typing
from typing import Any

import stripe
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

from .data import DAY, HISTORY, Business, Generator, Ids, Obj

# Lists Stripe keeps apart from their parent (none embedded), each read per parent:
# resource -> (parent resource, the list's path, the Business dict holding them by parent).
APART = {
    "quote_line_items": ("quotes", "/v1/quotes/{id}/line_items", "line_items_by_quote"),
    "quote_computed_upfront_line_items": ("quotes", "/v1/quotes/{id}/computed_upfront_line_items",
                                          "upfront_items_by_quote"),
    "payment_intent_amount_details_line_items": (
        "payment_intents", "/v1/payment_intents/{id}/amount_details_line_items",
        "amount_items_by_intent"),
    "payment_link_line_items": ("payment_links", "/v1/payment_links/{id}/line_items",
                                "line_items_by_payment_link"),
    "checkout_session_line_items": ("checkout_sessions", "/v1/checkout/sessions/{id}/line_items",
                                    "line_items_by_session"),
    "product_features": ("products", "/v1/products/{id}/features", "features_by_product"),
    "customer_tax_ids": ("customers", "/v1/customers/{id}/tax_ids", "tax_ids_by_customer"),
    "customer_balance_transactions": ("customers", "/v1/customers/{id}/balance_transactions",
                                      "balance_txns_by_customer"),
    "customer_cash_balance_transactions": ("customers",
                                           "/v1/customers/{id}/cash_balance_transactions",
                                           "cash_txns_by_customer"),
    # Cards saved through the legacy Sources API (card_…).
    "customer_sources": ("customers", "/v1/customers/{id}/sources", "sources_by_customer"),
    # finance.py: who owns a linked bank account (for its latest ownership refresh).
    "financial_connections_account_owners": ("financial_connections_accounts",
                                             "/v1/financial_connections/accounts/{id}/owners",
                                             "owners_by_linked_account"),
    # platform.py: what the platform reads of each connected account.
    "persons": ("accounts", "/v1/accounts/{id}/persons", "persons_by_account"),
    "external_accounts": ("accounts", "/v1/accounts/{id}/external_accounts",
                          "external_accounts_by_account"),
    "capabilities": ("accounts", "/v1/accounts/{id}/capabilities", "capabilities_by_account"),
}  # fmt: skip
# Lists whose parent is a required filter of a top-level path (one request per parent):
# resource -> (parent resource, the filter).
BY_PARENT = {
    "setup_attempts": ("setup_intents", "setup_intent"),
    "issuing_tokens": ("issuing_cards", "card"),
    **{r: ("treasury_financial_accounts", "financial_account") for r in (
        "treasury_transactions", "treasury_transaction_entries", "treasury_received_credits",
        "treasury_inbound_transfers", "treasury_outbound_payments",
        "treasury_outbound_transfers", "treasury_received_debits", "treasury_credit_reversals",
        "treasury_debit_reversals",
    )},
    "financial_connections_transactions": ("financial_connections_accounts", "account"),
    "radar_value_list_items": ("radar_value_lists", "value_list"),
    "entitlements_active_entitlements": ("customers", "customer"),
    "payment_attempt_records": ("payment_records", "payment_record"),
}  # fmt: skip

_OMIT = object()


def skeleton(cls: type) -> Obj:
    """An object as the `stripe` class declares it: every field, null where it may be,
    none that Stripe sends only when expanded (an optional list object)."""
    out: Obj = {}
    for name, annotation in fields_of(cls).items():
        if name == "deleted":
            continue  # only on a deleted object
        value = _default(annotation)
        if value is not _OMIT:
            out[name] = value
    if "object" in out and getattr(cls, "OBJECT_NAME", None):
        out["object"] = cls.OBJECT_NAME  # type: ignore[attr-defined]
    return out


def fields_of(cls: type) -> dict[str, Any]:
    """The fields a `stripe` class declares, with their annotations. A class of a namespace
    (stripe.issuing.Authorization) names its neighbours by their short names ("Card" is
    stripe.issuing.Card, not stripe.Card): those are resolved in its namespace first."""
    package = sys.modules.get(cls.__module__.rpartition(".")[0])
    local = package if package is not None and package is not stripe else None
    return {
        k: v if local is None else _localized(v, local)
        for k, v in inspect.get_annotations(cls).items()
        if typing.get_origin(v) is not typing.ClassVar
    }


def _localized(annotation: Any, namespace: Any) -> Any:
    """``annotation`` with the forward references to classes of ``namespace`` resolved."""
    if isinstance(annotation, (str, typing.ForwardRef)):
        name = annotation if isinstance(annotation, str) else annotation.__forward_arg__
        found = getattr(namespace, name, None)
        return found if isinstance(found, type) else annotation
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if not args or origin is typing.Literal:
        return annotation
    localized = tuple(_localized(a, namespace) for a in args)
    if origin is typing.Union:
        return typing.Union[localized]  # noqa: UP007 (rebuilt from its parts)
    if isinstance(annotation, types.GenericAlias):
        return types.GenericAlias(origin, localized)
    return annotation.copy_with(localized)


def resolve(annotation: Any) -> Any:
    """An annotation with its forward reference resolved: a class of stripe or of one of its
    namespaces (ProductFeature's "Feature" is stripe.entitlements.Feature); None if none."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        namespaces = (stripe, stripe.entitlements, stripe.billing, stripe.radar, stripe.issuing,
                      stripe.terminal)  # fmt: skip
        for namespace in namespaces:
            if hasattr(namespace, annotation):
                return getattr(namespace, annotation)
        return None
    return annotation


def _is_list_object(annotation: Any) -> bool:
    annotation = resolve(annotation)
    return annotation is ListObject or typing.get_origin(annotation) is ListObject


def _default(annotation: Any) -> Any:
    annotation = resolve(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        others = [a for a in args if a is not type(None)]
        if type(None) in args:
            return _OMIT if any(_is_list_object(a) for a in others) else None
        return _default(others[0])
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        return []
    if _is_list_object(annotation):
        return {"object": "list", "data": [], "has_more": False, "url": ""}
    if origin is dict or origin is UntypedStripeObject or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, StripeObject):
        return skeleton(annotation)
    defaults = {bool: False, int: 0, float: 0, str: "", decimal.Decimal: "0"}
    return defaults.get(annotation)


class More:
    """Makes the objects of this module for one business."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = random.Random(f"more-{gen.seed}")
        self.ids = Ids(self.rng)
        self.currency = gen.currency
        self.prices: list[Obj] = []  # the catalog line items take prices from

    def token(self, n: int) -> str:
        return self.ids.token(n)

    # -- billing -----------------------------------------------------------------------------
    def invoice_payment(self, invoice: Obj, charge: Obj, paid_at: int) -> Obj:
        """The payment of a paid invoice: since API version 2025-03-31.basil the only link
        between the invoice and its PaymentIntent."""
        obj = skeleton(stripe.InvoicePayment)
        obj.update(
            id=self.ids.new("inpay"), amount_paid=invoice["amount_paid"],
            amount_requested=invoice["amount_paid"], created=paid_at,
            currency=invoice["currency"], invoice=invoice["id"], is_default=True,
            livemode=True, status="paid",
            payment={"type": "payment_intent", "payment_intent": charge["payment_intent"]},
            status_transitions={"canceled_at": None, "paid_at": paid_at},
        )  # fmt: skip
        return obj

    def invoice_payments(self, biz: Business, invoices: list[Obj]) -> None:
        for inv in invoices:
            charge = self.gen.charge_by_invoice.get(inv["id"])
            paid_at = inv["status_transitions"]["paid_at"]
            if inv["status"] == "paid" and charge is not None and paid_at is not None:
                biz.invoice_payments.append(self.invoice_payment(inv, charge, paid_at))

    def subscription_schedule(self, sub: Obj, price: str, quantity: int) -> Obj:
        phase = skeleton(stripe.SubscriptionSchedule.Phase)
        item = skeleton(stripe.SubscriptionSchedule.Phase.Item)
        item.update(price=price, quantity=quantity)
        start, end = sub["start_date"], sub["start_date"] + 365 * DAY
        phase.update(
            start_date=start, end_date=end, items=[item], currency=self.currency,
            proration_behavior="create_prorations",
        )  # fmt: skip
        obj = skeleton(stripe.SubscriptionSchedule)
        obj.update(
            id=self.ids.new("sub_sched"), created=sub["created"], customer=sub["customer"],
            subscription=sub["id"], status="active", end_behavior="release", livemode=True,
            current_phase={"start_date": start, "end_date": end}, phases=[phase],
        )  # fmt: skip
        obj["default_settings"].update(collection_method="charge_automatically")
        return obj

    def quote(self, customer: Obj, created: int, status: str, n_lines: int) -> tuple[Obj, list]:
        prices = [p for p in self._priced() if p["type"] == "one_time"]
        lines = [self.line_item(self.rng.choice(prices), self.rng.randint(1, 5))
                 for _ in range(n_lines)]  # fmt: skip
        total = sum(line["amount_total"] for line in lines)
        obj = skeleton(stripe.Quote)
        obj.update(
            id=self.ids.new("qt"), created=created, customer=customer["id"], livemode=True,
            status=status, amount_subtotal=total, amount_total=total, currency=self.currency,
            collection_method="charge_automatically", expires_at=created + 30 * DAY,
            number=None if status == "draft" else f"QT-{self.token(8).upper()}-0001",
        )  # fmt: skip
        obj["status_transitions"].update(
            finalized_at=None if status == "draft" else created + 600,
            accepted_at=created + DAY if status == "accepted" else None,
            canceled_at=created + 2 * DAY if status == "canceled" else None,
        )
        return obj, lines

    @staticmethod
    def upfront_items(lines: list[Obj]) -> list[Obj]:
        """What the quote's first invoice will bill, once accepted: its one-time lines, all of
        them here. Their ids are derived from the lines' (no draw from the random source, so the
        rest of the business is the same as without them)."""
        return [{**line, "id": f"li_{line['id'][3:][::-1]}"} for line in lines]

    def line_item(self, price: Obj, quantity: int) -> Obj:
        amount = (price["unit_amount"] or 0) * quantity
        obj = skeleton(stripe.LineItem)
        obj.update(
            id=f"li_{self.token(24)}", amount_subtotal=amount, amount_total=amount,
            currency=price["currency"], description=price["nickname"] or "Item",
            price=dict(price), quantity=quantity,
        )  # fmt: skip
        obj["amount_discount"] = obj["amount_tax"] = 0
        return obj

    def _priced(self) -> list[Obj]:
        """Prices a line item can take: per unit, without the expand-only tiers."""
        return [
            {k: v for k, v in p.items() if k != "tiers"}
            for p in self.prices
            if p["billing_scheme"] == "per_unit"
        ]

    def customer_tax_id(self, customer: Obj, created: int) -> Obj:
        country, type_, value = self.rng.choice(
            [("DE", "eu_vat", "DE123456789"), ("FR", "eu_vat", "FRAB123456789"),
             ("GB", "gb_vat", "GB123456789"), ("AU", "au_abn", "12345678912")]
        )  # fmt: skip
        obj = skeleton(stripe.TaxId)
        owner = {"account": None, "application": None, "customer": customer["id"],
                 "customer_account": None, "type": "customer"}  # fmt: skip
        obj.update(
            id=self.ids.new("txi"), country=country, created=created, customer=customer["id"],
            livemode=True, owner=owner, type=type_, value=value,
            verification={"status": "verified", "verified_address": None,
                          "verified_name": None},
        )  # fmt: skip
        return obj

    def balance_transactions(self, customer: Obj, n: int) -> list[Obj]:
        out, balance = [], 0
        at = customer["created"]
        for _ in range(n):
            at += self.rng.randint(DAY, 20 * DAY)
            amount = -self.rng.choice((500, 1000, 2500))  # a credit to the customer
            balance += amount
            obj = skeleton(stripe.CustomerBalanceTransaction)
            obj.update(
                id=self.ids.new("cbtxn"), amount=amount, created=min(at, self.gen.now - 60),
                currency=self.currency, customer=customer["id"], ending_balance=balance,
                livemode=True, type="adjustment", description="Goodwill credit",
            )  # fmt: skip
            out.append(obj)
        return out[::-1]  # listed newest first

    def cash_balance_transaction(self, customer: Obj, at: int, type_: str, ending: int) -> Obj:
        """A move of the customer's cash balance (what it sent by bank transfer): funded
        adds to it, applied_to_payment takes from it."""
        amount = self.rng.choice((5_000, 12_000, 40_000))
        net = amount if type_ == "funded" else -min(amount, ending)
        obj = skeleton(stripe.CustomerCashBalanceTransaction)
        obj.update(
            id=self.ids.new("ccsbtxn"), created=at, currency=self.currency,
            customer=customer["id"], ending_balance=ending + net, livemode=True,
            net_amount=net, type=type_,
        )  # fmt: skip
        if type_ == "funded":
            transfer = {
                "type": "us_bank_transfer",
                "reference": f"REF-{self.token(8)}",
                "us_bank_transfer": {"network": "ach", "sender_name": customer["name"]},
            }
            obj["funded"] = {"bank_transfer": transfer}
        else:
            obj["applied_to_payment"] = {"payment_intent": f"pi_{self.token(24)}"}
        return obj

    def cash_balance_transactions(self, customer: Obj, n: int) -> list[Obj]:
        out: list[Obj] = []
        at, ending = customer["created"], 0
        for k in range(n):
            at = min(at + self.rng.randint(DAY, 10 * DAY), self.gen.now - 60)
            type_ = "funded" if k % 2 == 0 else "applied_to_payment"
            out.append(self.cash_balance_transaction(customer, at, type_, ending))
            ending = out[-1]["ending_balance"]
        return out[::-1]  # listed newest first

    def credit_grant(self, customer: Obj, at: int) -> tuple[Obj, Obj]:
        """Billing credits granted to a customer, and the transaction that credits them."""
        value = self.rng.choice((1_000, 5_000, 20_000))
        amount = {"monetary": {"currency": self.currency, "value": value}, "type": "monetary"}
        grant = skeleton(stripe.billing.CreditGrant)
        grant.update(
            id=f"credgr_{self.token(24)}", amount=amount, created=at, updated=at,
            customer=customer["id"], effective_at=at, livemode=True,
            category=self.rng.choice(("paid", "promotional")),
            name="Prepaid credits", priority=50,
            applicability_config={"scope": {"price_type": "metered", "prices": None}},
        )  # fmt: skip
        credit = skeleton(stripe.billing.CreditBalanceTransaction)
        credit.update(
            id=f"cbtxn_61{self.token(28)}", created=at, credit_grant=grant["id"],
            effective_at=at, livemode=True, type="credit",
            credit={"amount": amount, "credits_application_invoice_voided": None,
                    "type": "credits_granted"},
        )  # fmt: skip
        return grant, credit

    def credit_debit(self, grant: Obj, at: int, invoice: str, line: str) -> Obj:
        """Billing credits applied to a line of an invoice of the grant's customer."""
        monetary = grant["amount"]["monetary"]
        value = min(monetary["value"], self.rng.choice((300, 800, 2_000)))
        obj = skeleton(stripe.billing.CreditBalanceTransaction)
        obj.update(
            id=f"cbtxn_61{self.token(28)}", created=at, credit_grant=grant["id"],
            effective_at=at, livemode=True, type="debit",
            debit={"amount": {"monetary": {"currency": monetary["currency"], "value": value},
                              "type": "monetary"},
                   "credits_applied": {"invoice": invoice, "invoice_line_item": line},
                   "type": "credits_applied"},
        )  # fmt: skip
        return obj

    # -- payments ------------------------------------------------------------------------------
    def payment_link(self, created: int, n_lines: int) -> tuple[Obj, list[Obj]]:
        prices = [p for p in self._priced() if p["type"] == "one_time"]
        lines = [self.line_item(self.rng.choice(prices), 1) for _ in range(n_lines)]
        obj = skeleton(stripe.PaymentLink)
        token = self.token(14)
        obj.update(
            id=self.ids.new("plink"), active=self.rng.random() > 0.2, currency=self.currency,
            livemode=True, url=f"https://buy.stripe.com/{token}",
            billing_address_collection="auto", customer_creation="if_required",
            payment_method_collection="always", submit_type="auto",
        )  # fmt: skip
        obj["_created"] = created  # not a field of Stripe's: orders the sandbox's list
        return obj, lines

    def shipping_rate(self, created: int, name: str, amount: int) -> Obj:
        obj = skeleton(stripe.ShippingRate)
        obj.update(
            id=self.ids.new("shr"), active=True, created=created, display_name=name,
            livemode=True, tax_behavior="exclusive", type="fixed_amount",
            fixed_amount={"amount": amount, "currency": self.currency, "currency_options": None},
        )  # fmt: skip
        return obj

    def setup_attempt(self, si: Obj) -> Obj:
        obj = skeleton(stripe.SetupAttempt)
        ok = si["status"] == "succeeded"
        obj.update(
            id=self.ids.new("setatt"), created=si["created"], customer=si["customer"],
            livemode=True, payment_method=si["payment_method"] or f"pm_{self.token(24)}",
            setup_intent=si["id"], status="succeeded" if ok else "failed", usage=si["usage"],
            flow_directions=None,
        )  # fmt: skip
        obj["payment_method_details"] = {"type": "card", "card": None}
        return obj

    def early_fraud_warning(self, charge: Obj, created: int) -> Obj:
        obj = skeleton(stripe.radar.EarlyFraudWarning)
        obj.update(
            id=self.ids.new("issfr"), actionable=True, charge=charge["id"], created=created,
            fraud_type="unauthorized_use_of_card", livemode=True,
            payment_intent=charge["payment_intent"],
        )  # fmt: skip
        return obj

    def review(self, charge: Obj, created: int, *, closed: bool) -> Obj:
        """A Radar review of a charge, which the charge names (`review`)."""
        obj = skeleton(stripe.Review)
        obj.update(
            id=self.ids.new("prv"), charge=charge["id"], created=created, livemode=True,
            open=not closed, opened_reason="rule", payment_intent=charge["payment_intent"],
            reason="approved" if closed else "rule",
            closed_reason="approved" if closed else None,
        )  # fmt: skip
        return obj

    # -- money, files, meters, features --------------------------------------------------------
    def top_up(self, created: int) -> Obj:
        obj = skeleton(stripe.Topup)
        obj.update(
            id=self.ids.new("tu"), amount=self.rng.choice((50_000, 100_000, 250_000)),
            created=created, currency=self.currency, livemode=True, status="succeeded",
            expected_availability_date=created + 5 * DAY, description="Balance top-up",
            statement_descriptor="TOPUP",
        )  # fmt: skip
        return obj

    def file(self, created: int, purpose: str) -> Obj:
        obj = skeleton(stripe.File)
        file_id = self.ids.new("file")
        obj.update(
            id=file_id, created=created, purpose=purpose, filename=f"{purpose}_{created}.pdf",
            size=self.rng.randint(10_000, 900_000), title=None, type="pdf",
            url=f"https://files.stripe.com/v1/files/{file_id}/contents",
        )  # fmt: skip
        return obj

    def file_link(self, file: Obj, created: int) -> Obj:
        obj = skeleton(stripe.FileLink)
        obj.update(
            id=self.ids.new("link"), created=created, expired=False, expires_at=None,
            file=file["id"], livemode=True,
            url=f"https://files.stripe.com/links/{self.token(40)}",
        )  # fmt: skip
        return obj

    def meter(self, created: int, name: str, event_name: str) -> Obj:
        obj = skeleton(stripe.billing.Meter)
        obj.update(
            id=f"mtr_{self.token(24)}", created=created, updated=created, display_name=name,
            event_name=event_name, event_time_window=None, livemode=True, status="active",
            customer_mapping={"event_payload_key": "stripe_customer_id", "type": "by_id"},
            default_aggregation={"formula": "sum"},
            value_settings={"event_payload_key": "value"},
            status_transitions={"deactivated_at": None},
        )  # fmt: skip
        return obj

    def product_feature(self, name: str) -> Obj:
        feature = skeleton(stripe.entitlements.Feature)
        feature.update(
            id=f"feat_{self.token(24)}", active=True, livemode=True,
            lookup_key=name.lower().replace(" ", "_"), name=name,
        )  # fmt: skip
        obj = skeleton(stripe.ProductFeature)
        obj.update(id=f"prodft_{self.token(24)}", entitlement_feature=feature, livemode=True)
        return obj


FEATURES = ("SSO", "Audit log", "Priority support", "API access", "Custom domains")


def amount_line_items(rng: random.Random, intent: Obj) -> list[Obj]:
    """A payment's items as a card network's level 3 data gives them (a few businesses send
    them for lower card fees), summing to the payment."""
    n = rng.randint(1, 4)
    out = []
    for k in range(n):
        obj = skeleton(stripe.PaymentIntentAmountDetailsLineItem)
        cost = intent["amount"] // n if k else intent["amount"] - intent["amount"] // n * (n - 1)
        obj.update(
            id=f"pili_{Ids(rng).token(24)}", product_name=f"Item {k + 1}", quantity=1,
            unit_cost=cost, discount_amount=0, product_code=f"SKU-{rng.randint(100, 999)}",
            unit_of_measure="each", tax={"total_tax_amount": 0}, payment_method_options=None,
        )  # fmt: skip
        out.append(obj)
    return out


def generate(gen: Generator, biz: Business, scale: float) -> None:
    """The objects of this module for a whole business."""
    more = More(gen)
    gen.more = more
    rng, now = more.rng, gen.now
    more.prices = biz.prices
    more.invoice_payments(biz, biz.invoices)
    active = [s for s in biz.subscriptions if s["status"] == "active"]
    for sub in rng.sample(active, max(2, len(active) // 10)):
        items = biz.items_by_subscription[sub["id"]]
        biz.subscription_schedules.append(
            more.subscription_schedule(sub, items[0]["price"]["id"], items[0]["quantity"] or 1)
        )
    customers = biz.customers
    for n in range(max(12, round(120 * scale))):
        # At least three days ago: accepted a day after, canceled two (never after now).
        created = now - 3 * DAY - int((HISTORY - 3 * DAY) * rng.random() ** 2)
        status = rng.choice(("draft", "open", "accepted", "accepted", "canceled"))
        quote, lines = more.quote(rng.choice(customers), created, status,
                                  12 if n == 0 else rng.randint(1, 3))  # fmt: skip
        biz.quotes.append(quote)
        biz.line_items_by_quote[quote["id"]] = lines
        biz.upfront_items_by_quote[quote["id"]] = more.upfront_items(lines)
        if status != "draft":
            gen.reached_at[quote["id"]] = quote["status_transitions"][
                {"open": "finalized_at", "accepted": "accepted_at", "canceled": "canceled_at"}[
                    status
                ]
            ]
    for _ in range(max(6, round(30 * scale))):
        created = now - 60 - int(HISTORY * rng.random())
        link, lines = more.payment_link(created, rng.randint(1, 2))
        biz.payment_links.append(link)
        biz.line_items_by_payment_link[link["id"]] = lines
    for cs in biz.checkout_sessions:
        prices = [p for p in more._priced() if p["type"] == "one_time"]
        biz.line_items_by_session[cs["id"]] = [
            more.line_item(rng.choice(prices), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))
        ]
    start = now - HISTORY
    rates = (("Free", 0), ("Standard", 500), ("Express", 1500), ("Overnight", 3500),
             ("International", 4500))  # fmt: skip
    for name, amount in rates:
        biz.shipping_rates.append(more.shipping_rate(start + amount, name, amount))
    for _ in range(max(5, round(20 * scale))):
        top_up = more.top_up(now - 120 - int(HISTORY * rng.random()))
        biz.top_ups.append(top_up)
        gen.reached_at[top_up["id"]] = top_up["created"] + 60
    paid = [c for c in biz.charges if c["status"] == "succeeded"]
    for charge in rng.sample(paid, max(3, len(paid) // 50)):
        created = min(charge["created"] + rng.randint(DAY, 20 * DAY), now - 60)
        biz.early_fraud_warnings.append(more.early_fraud_warning(charge, created))
    # Radar held some charges for review: most closed since (Stripe lists only open ones).
    for n, charge in enumerate(rng.sample(paid, max(8, len(paid) // 40))):
        review = more.review(charge, charge["created"], closed=n % 4 != 0)
        biz.reviews.append(review)
        charge["review"] = review["id"]
    for n in range(max(10, round(60 * scale))):
        purpose = rng.choice(("dispute_evidence", "business_logo", "customer_signature"))
        file = more.file(now - 60 - int(HISTORY * rng.random()), purpose)
        biz.files.append(file)
        if n % 2 == 0:  # every other one shared by a link
            biz.file_links.append(more.file_link(file, min(file["created"] + 3600, now - 60)))
    meters = (("API calls", "api_call"), ("Storage GB", "storage_gb"), ("Seats", "seat"),
              ("Messages sent", "message_sent"))  # fmt: skip
    for n, (name, event_name) in enumerate(meters, 1):
        biz.billing_meters.append(more.meter(start + n * 3600, name, event_name))
    for product in biz.products:
        if product["metadata"].get("kind") == "plan":
            names = rng.sample(FEATURES, rng.randint(1, 3))
            biz.features_by_product[product["id"]] = [more.product_feature(n) for n in names]
    for customer in rng.sample(customers, max(3, len(customers) // 8)):
        at = min(customer["created"] + DAY, now - 60)
        biz.tax_ids_by_customer[customer["id"]] = [more.customer_tax_id(customer, at)]
    for customer in rng.sample(customers, max(3, len(customers) // 10)):
        txns = more.balance_transactions(customer, rng.randint(1, 3))
        biz.balance_txns_by_customer[customer["id"]] = txns
        customer["balance"] = txns[0]["ending_balance"]
    # Customers who pay by bank transfer keep a cash balance.
    for customer in rng.sample(customers, max(3, len(customers) // 15)):
        txns = more.cash_balance_transactions(customer, rng.randint(1, 4))
        biz.cash_txns_by_customer[customer["id"]] = txns
    # Billing credits granted to customers of metered prices, some applied to their invoices.
    invoiced: dict[str, list[Obj]] = {}
    for inv in biz.invoices:
        if biz.lines_by_invoice.get(inv["id"]):
            invoiced.setdefault(inv["customer"], []).append(inv)
    for customer in rng.sample(customers, max(4, len(customers) // 12)):
        at = min(customer["created"] + DAY, now - 120)
        grant, credit = more.credit_grant(customer, at)
        biz.billing_credit_grants.append(grant)
        biz.billing_credit_balance_transactions.append(credit)
        for inv in invoiced.get(customer["id"], [])[:2]:
            line = biz.lines_by_invoice[inv["id"]][0]["id"]
            debit = more.credit_debit(grant, min(at + DAY, now - 60), inv["id"], line)
            biz.billing_credit_balance_transactions.append(debit)
    biz.setup_attempts.extend(more.setup_attempt(si) for si in biz.setup_intents)
    # A coupon for some products only (`applies_to`, sent only when expanded).
    plans = [p["id"] for p in biz.products if p["metadata"].get("kind") == "plan"]
    biz.coupons[0]["applies_to"] = {"products": plans[:2]}
    # Level 3 data: a few succeeded payments itemized (a random source of their own, so the
    # rest of the business is the same without them).
    items_rng = random.Random(f"amount-items-{gen.seed}")
    paid = [pi for pi in biz.payment_intents if pi["status"] == "succeeded"]
    for intent in items_rng.sample(paid, min(len(paid), max(3, len(paid) // 20))):
        biz.amount_items_by_intent[intent["id"]] = amount_line_items(items_rng, intent)
    # A few of the oldest customers still pay with a card saved through the legacy Sources
    # API: their default_source.
    from . import payments  # (it builds on this module's neighbours: imported when used)

    oldest = sorted(customers, key=lambda c: c["created"])[: max(3, len(customers) // 40)]
    for customer in oldest:
        card = payments.card_source(gen, customer)
        biz.sources_by_customer[customer["id"]] = [card]
        customer["default_source"] = card["id"]
