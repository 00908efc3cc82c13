"""The Connect platform's view of its connected accounts: the accounts themselves
(GET /v1/accounts), and for each its persons, external accounts (where payouts go) and
capabilities, which the platform reads by path (connected_account_read is a "(Direct)"
permission: never with a Stripe-Account header).

The platform lists the accounts the sandbox serves (`connected_accounts=`, and those
connected or disconnected later); each account's objects come from a random source of its
own, so an account reads the same whichever others are served.
"""

from __future__ import annotations

import random

import stripe

from .data import DAY, Business, Ids, Obj
from .more import skeleton

FIRST_NAMES = ("Camille", "Jordan", "Alex", "Sam", "Robin", "Morgan")
LAST_NAMES = ("Martin", "Okafor", "Nguyen", "Silva", "Kowalski", "Haddad")
CAPABILITIES = ("card_payments", "transfers", "sepa_debit_payments", "us_bank_account_ach_payments")


def connected(now: int, account: Obj) -> Business:
    """A (partial) Business of the platform's: one connected account as the platform lists
    it, with its persons, external account and capabilities."""
    rng = random.Random(f"stripe-sandbox platform view {account['id']}")
    ids = Ids(rng)
    biz = Business(now=now, account=account)
    biz.accounts.append(account)
    at = account["created"]
    persons = []
    for n in range(rng.randint(1, 3)):
        person = skeleton(stripe.Person)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person.update(
            id=ids.new("person"), account=account["id"], created=at + n * DAY,
            first_name=first, last_name=last, email=f"{first.lower()}@{account['id'][-6:]}.example",
            phone=None, id_number_provided=n == 0, ssn_last_4_provided=n == 0,
            relationship={"authorizer": None, "director": False, "executive": n == 0,
                          "legal_guardian": None, "owner": n == 0,
                          "percent_ownership": 100.0 if n == 0 else None,
                          "representative": n == 0, "title": "CEO" if n == 0 else "CFO"},
        )  # fmt: skip
        person["dob"] = {"day": 1 + n, "month": 6, "year": 1980 + n}
        persons.append(person)
    biz.persons_by_account[account["id"]] = persons[::-1]  # newest first
    bank = skeleton(stripe.BankAccount)
    bank.update(
        id=ids.new("ba"), account=account["id"], account_holder_name=account["business_profile"]
        ["name"], account_holder_type="company", bank_name="STRIPE TEST BANK",
        country=account["country"], currency=account["default_currency"],
        default_for_currency=True, fingerprint=ids.token(16), last4=f"{rng.randint(0, 9999):04d}",
        routing_number="110000000", status="verified", customer=None, account_type=None,
        available_payout_methods=["standard", "instant"],
    )  # fmt: skip
    biz.external_accounts_by_account[account["id"]] = [bank]
    capabilities = []
    for name in CAPABILITIES[: rng.randint(2, 4)]:
        capability = skeleton(stripe.Capability)
        capability.update(
            id=name, account=account["id"], requested=True, requested_at=at, status="active",
        )  # fmt: skip
        capabilities.append(capability)
    biz.capabilities_by_account[account["id"]] = capabilities
    return biz
