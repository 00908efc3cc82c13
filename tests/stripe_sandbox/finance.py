"""Money products an account applies for and switches on: Treasury (financial accounts a
platform holds money in, the money moved in and out of each, and their ledger) and Financial
Connections (bank accounts its customers linked, the transactions read from each, and who owns
them).

Until an account has switched a product on, Stripe answers each of its endpoints 400 "Your
account is not set up to use <product>" (products.py). Objects start from their `stripe`
class's skeleton (more.skeleton) and are made with a random source of their own, so the rest
of the business is the same with or without them.

Treasury's lists are per financial account (`financial_account=` is required); each money
movement makes a ledger transaction and its entry (Stripe announces the movements by events, the
ledger by none). A linked account's transactions are listed per account (`account=` is
required) and announced by the account's `refreshed_transactions`; its owners, per ownership
refresh (`ownership=`), by `refreshed_ownership`.
"""

from __future__ import annotations

import random

import stripe

from .data import DAY, HISTORY, Business, Generator, Ids, Obj
from .more import skeleton

TREASURY = "Treasury"
FINANCIAL_CONNECTIONS = "Financial Connections"

# A money movement: (resource, id prefix, Stripe's flow_type, the sign of its cash impact).
FLOWS = (
    ("treasury_received_credits", "rc", "received_credit", 1),
    ("treasury_inbound_transfers", "ibt", "inbound_transfer", 1),
    ("treasury_outbound_payments", "obp", "outbound_payment", -1),
    ("treasury_outbound_transfers", "obt", "outbound_transfer", -1),
    ("treasury_received_debits", "rd", "received_debit", -1),
)
CLASSES = {
    "treasury_received_credits": stripe.treasury.ReceivedCredit,
    "treasury_inbound_transfers": stripe.treasury.InboundTransfer,
    "treasury_outbound_payments": stripe.treasury.OutboundPayment,
    "treasury_outbound_transfers": stripe.treasury.OutboundTransfer,
    "treasury_received_debits": stripe.treasury.ReceivedDebit,
    "treasury_credit_reversals": stripe.treasury.CreditReversal,
    "treasury_debit_reversals": stripe.treasury.DebitReversal,
}
# How each movement ends (its transaction is posted).
ENDED = {
    "treasury_received_credits": "succeeded", "treasury_inbound_transfers": "succeeded",
    "treasury_outbound_payments": "posted", "treasury_outbound_transfers": "posted",
    "treasury_received_debits": "succeeded", "treasury_credit_reversals": "posted",
    "treasury_debit_reversals": "completed",
}  # fmt: skip
BANKS = ("StripeBank", "First Platypus Bank", "Chase", "Wells Fargo")
MERCHANTS = ("Payroll", "AWS", "Rent", "Office supplies", "Customer payment", "Card settlement")


class Finance:
    """Makes the objects of this module for one business."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = random.Random(f"finance-{gen.seed}")
        self.ids = Ids(self.rng)
        self.currency = "usd"  # Treasury and Financial Connections are US products

    # -- Treasury ------------------------------------------------------------------------------
    def financial_account(self, created: int, nickname: str) -> Obj:
        obj = skeleton(stripe.treasury.FinancialAccount)
        obj.update(
            id=self.ids.new("fa"), created=created, livemode=True, country="US",
            nickname=nickname, status="open", supported_currencies=["usd"], is_default=None,
            active_features=["financial_addresses.aba", "inbound_transfers.ach",
                             "outbound_payments.ach", "outbound_transfers.ach"],
            pending_features=[], restricted_features=[], platform_restrictions=None,
            balance={"cash": {"usd": 0}, "inbound_pending": {"usd": 0},
                     "outbound_pending": {"usd": 0}},
            status_details={"closed": None},
            financial_addresses=[{"type": "aba", "supported_networks": ["ach", "us_domestic_wire"],
                                  "aba": None}],
        )  # fmt: skip
        return obj

    def flow(self, resource: str, prefix: str, fa: Obj, created: int, amount: int) -> Obj:
        obj = skeleton(CLASSES[resource])
        status = ENDED[resource]
        obj.update(
            id=self.ids.new(prefix), created=created, livemode=True, amount=amount,
            currency=self.currency, financial_account=fa["id"], status=status,
            hosted_regulatory_receipt_url=None,
        )  # fmt: skip
        if "description" in obj:
            obj["description"] = self.rng.choice(MERCHANTS)
        for name in ("cancelable", "returned"):
            if name in obj:
                obj[name] = False
        if "network" in obj:
            obj["network"] = "ach"
        if "status_transitions" in obj and isinstance(obj["status_transitions"], dict):
            obj["status_transitions"] = {k: (created + DAY if k in ("posted_at", "succeeded_at",
                                                                  "completed_at") else None)
                                         for k in obj["status_transitions"]}  # fmt: skip
        if "expected_arrival_date" in obj:
            obj["expected_arrival_date"] = created + 2 * DAY
        if "statement_descriptor" in obj:
            obj["statement_descriptor"] = "PLATFORM"
        return obj

    def transaction(self, flow: Obj, flow_type: str, cash: int, created: int) -> Obj:
        obj = skeleton(stripe.treasury.Transaction)
        obj.update(
            id=self.ids.new("trxn"), created=created, livemode=True, amount=cash,
            currency=self.currency,
            description=flow.get("description") or flow_type.replace("_", " "),
            financial_account=flow["financial_account"], flow=flow["id"], flow_type=flow_type,
            flow_details=None, status="posted",
            balance_impact={"cash": cash, "inbound_pending": 0, "outbound_pending": 0},
            status_transitions={"posted_at": created, "void_at": None},
        )  # fmt: skip
        return obj

    def entry(self, txn: Obj, created: int) -> Obj:
        obj = skeleton(stripe.treasury.TransactionEntry)
        obj.update(
            id=self.ids.new("trxne"), created=created, livemode=True,
            currency=self.currency, effective_at=created,
            financial_account=txn["financial_account"], flow=txn["flow"],
            flow_type=txn["flow_type"], flow_details=None, transaction=txn["id"],
            type=txn["flow_type"], balance_impact=dict(txn["balance_impact"]),
        )  # fmt: skip
        return obj

    def movement(
        self, biz: Business, resource: str, fa: Obj, created: int, amount: int, *, book: bool = True
    ) -> Obj:
        """A money movement, its ledger transaction and the transaction's entry."""
        _, prefix, flow_type, sign = next(f for f in FLOWS if f[0] == resource)
        flow = self.flow(resource, prefix, fa, created, amount)
        posted = min(created + DAY, self.gen.now - 60)
        txn = self.transaction(flow, flow_type, sign * amount, posted)
        flow["transaction"] = txn["id"]
        getattr(biz, resource).append(flow)
        biz.treasury_transactions.append(txn)
        biz.treasury_transaction_entries.append(self.entry(txn, posted))
        if book:  # (a movement made later changes the account's balance silently: not kept)
            fa["balance"]["cash"]["usd"] += sign * amount
        return flow

    def reversal(self, biz: Business, resource: str, of: Obj, created: int) -> Obj:
        """A received credit sent back (credit reversal), or a received debit disputed back
        (debit reversal)."""
        credit = resource == "treasury_credit_reversals"
        fa = {"id": of["financial_account"]}
        flow = self.flow(resource, "credrev" if credit else "debrev", fa, created, of["amount"])
        flow["received_credit" if credit else "received_debit"] = of["id"]
        flow_type = "credit_reversal" if credit else "debit_reversal"
        txn = self.transaction(flow, flow_type, -of["amount"] if credit else of["amount"],
                               min(created + DAY, self.gen.now - 60))  # fmt: skip
        flow["transaction"] = txn["id"]
        getattr(biz, resource).append(flow)
        biz.treasury_transactions.append(txn)
        biz.treasury_transaction_entries.append(self.entry(txn, txn["created"]))
        return flow

    # -- Financial Connections -----------------------------------------------------------------
    def linked_account(self, customer: Obj, created: int) -> Obj:
        obj = skeleton(stripe.financial_connections.Account)
        obj.update(
            id=self.ids.new("fca"), created=created, livemode=True, category="cash",
            subcategory=self.rng.choice(("checking", "savings")), status="active",
            institution_name=self.rng.choice(BANKS), display_name="Checking account",
            last4=f"{self.rng.randint(0, 9999):04d}", balance=None, balance_refresh=None,
            ownership=None, ownership_refresh=None, permissions=["transactions"],
            subscriptions=["transactions"], supported_payment_method_types=["us_bank_account"],
            status_details=None, account_numbers=None,
            account_holder={"type": "customer", "customer": customer["id"], "account": None,
                            "customer_account": None},
        )  # fmt: skip
        return obj

    def refresh(self, account: Obj, at: int) -> None:
        """The account's transactions were read from its bank again."""
        account["transaction_refresh"] = {
            "id": self.ids.new("fctxnref"), "last_attempted_at": at, "next_refresh_available_at":
            at + DAY, "status": "succeeded",
        }  # fmt: skip

    def owners(self, account: Obj, customer: Obj, at: int) -> list[Obj]:
        """The account's owners, as its bank gave them at an ownership refresh the account
        holder allowed (its `ownership` names the refresh)."""
        ownership = self.ids.new("fcaowns")
        account["ownership"] = ownership
        account["ownership_refresh"] = {"last_attempted_at": at, "next_refresh_available_at":
                                        at + DAY, "status": "succeeded"}  # fmt: skip
        out = []
        for name in (customer["name"] or "Account holder", "Joint holder"):
            obj = skeleton(stripe.financial_connections.AccountOwner)
            obj.update(
                id=self.ids.new("fcaown"), name=name, ownership=ownership, refreshed_at=at,
                email=customer["email"], phone=None, raw_address="510 Townsend St, San Francisco",
            )  # fmt: skip
            out.append(obj)
        return out

    def bank_transaction(self, account: Obj, at: int) -> Obj:
        obj = skeleton(stripe.financial_connections.Transaction)
        amount = self.rng.choice((-1, -1, 1)) * self.rng.randint(5, 3000) * 100
        obj.update(
            id=self.ids.new("fctxn"), account=account["id"], livemode=True, amount=amount,
            currency=self.currency, description=self.rng.choice(MERCHANTS), status="posted",
            transacted_at=at, updated=at,
            status_transitions={"posted_at": at, "void_at": None},
            transaction_refresh=account["transaction_refresh"]["id"],
        )  # fmt: skip
        return obj


def generate(gen: Generator, biz: Business, scale: float, products: frozenset[str]) -> None:
    made = Finance(gen)
    gen.finance = made
    rng, now = made.rng, gen.now
    start = now - HISTORY
    if TREASURY in products:
        names = ("Operating", "Payroll", "Reserve")
        for n, name in enumerate(names):  # a platform's own few, whatever its size
            fa = made.financial_account(start + (n + 1) * 60 * DAY, name)
            biz.treasury_financial_accounts.append(fa)
            # Each kind of movement at least once (received ones twice), then any.
            kinds = [f[0] for f in FLOWS]
            for n in range(max(8, round(80 * scale))):
                resource = (kinds + kinds[::4])[n] if n < 7 else rng.choice(kinds)
                created = fa["created"] + int((now - 120 - fa["created"]) * rng.random())
                made.movement(biz, resource, fa, created, rng.randint(10, 50_000) * 100)
        credits = sorted(biz.treasury_received_credits, key=lambda o: o["created"])
        debits = sorted(biz.treasury_received_debits, key=lambda o: o["created"])
        for resource, received in (("treasury_credit_reversals", credits),
                                   ("treasury_debit_reversals", debits)):  # fmt: skip
            for of in received[:3]:
                made.reversal(biz, resource, of, min(of["created"] + DAY, now - 120))
        for resource in TREASURY_LISTS:
            getattr(biz, resource).sort(key=lambda o: o["created"])
    if FINANCIAL_CONNECTIONS in products:
        linked = rng.sample(biz.customers, min(len(biz.customers), max(3, round(30 * scale))))
        for n, customer in enumerate(linked):
            created = max(customer["created"], now - HISTORY // 2) + rng.randint(60, DAY)
            account = made.linked_account(customer, min(created, now - DAY))
            made.refresh(account, now - rng.randint(DAY, 7 * DAY))
            biz.financial_connections_accounts.append(account)
            if n % 3 != 2:  # the holder let the business see who owns the account
                owners = made.owners(account, customer, account["created"] + 60)
                biz.owners_by_linked_account[account["id"]] = owners
            for _ in range(rng.randint(2, 9)):
                at = account["created"] + int((now - DAY - account["created"]) * rng.random())
                biz.financial_connections_transactions.append(made.bank_transaction(account, at))
        biz.financial_connections_accounts.sort(key=lambda o: o["created"])
        biz.financial_connections_transactions.sort(key=lambda o: o["transacted_at"])


TREASURY_LISTS = (
    "treasury_financial_accounts", "treasury_transactions", "treasury_transaction_entries",
    *(f[0] for f in FLOWS), "treasury_credit_reversals", "treasury_debit_reversals",
)  # fmt: skip
