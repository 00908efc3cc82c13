"""Payments beyond charges and refunds: payment methods, setup intents, Checkout Sessions,
disputes, Connect transfers and application fees, and payouts, shaped like the stripe 16.1.0
classes (API 2026-10-28.endive).

Builders make one object each (the store uses them for create()); generate() adds them all to
a generated Business. Payment methods are the cards the generator gave each customer (those
its charges name), disputes and Checkout Sessions point at existing charges, payment intents
and subscriptions, and payouts come last: they pay out what every other balance transaction
left available.

Connect: the platform transfers to its connected accounts and takes application fees on their
direct charges. Both sides derive those charges from fee_specs(platform seed, account index),
so the platform's fees name charges that exist in the connected account's own business
whenever the sandbox serves that account, and neither side depends on how many it serves.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right

from .data import (
    _BYTE_TO_BASE62,
    CONNECTED_PROFILES,
    DAY,
    PLATFORM,
    Business,
    Generator,
    Obj,
    connect_application,
    connect_destinations,
    connected_scale,
)

DISPLAY_BRANDS = {"visa": "visa", "mastercard": "mastercard", "amex": "american_express"}
# (reason, Visa reason code)
DISPUTE_REASONS = (
    ("fraudulent", "10.4"),
    ("product_not_received", "13.1"),
    ("subscription_canceled", "13.2"),
    ("duplicate", "12.6.1"),
    ("credit_not_processed", "13.6"),
    ("general", "13.3"),
)
DISPUTE_FEE = 1500  # Stripe's dispute fee, 15.00 in the account's currency
CLOSED_DISPUTES = frozenset({"won", "lost", "warning_closed", "prevented"})
EVIDENCE_FIELDS = (
    "access_activity_log", "appeal", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
)  # fmt: skip
# Units of each currency per US dollar's worth: application fees taken in a connected
# account's currency reach the platform's balance converted.
USD_VALUE = {"usd": 1.0, "eur": 1.08, "gbp": 1.27}
APPLICATION_FEE_SHARE = 0.1
TRANSFER_SHARE = 0.7  # a marketplace sale: the seller's share goes on to their account
# Parts of the one transfer (fee) reversed (refunded) in many: more than the 10 Stripe embeds.
EMBEDDED_PAST = 11
_SI_PMO = {
    "card": {
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
        "setup_credential_usage": None,
    }
}
_CS_PMO = {"card": {"request_three_d_secure": "automatic"}}
_CS_CUSTOM_TEXT = {
    "after_submit": None,
    "shipping_address": None,
    "submit": None,
    "terms_of_service_acceptance": None,
}
_CS_NO_TAX = {"enabled": False, "liability": None, "provider": None, "status": None}
_CS_INVOICE_CREATION = {
    "enabled": False,
    "invoice_data": {
        "account_tax_ids": None,
        "custom_fields": None,
        "description": None,
        "footer": None,
        "issuer": None,
        "metadata": {},
        "rendering_options": None,
    },
}


class _SignedUpBy:
    """Customers by sign-up time: those who existed at a moment, without a scan each time."""

    def __init__(self, customers: list[Obj]) -> None:
        self.customers = sorted(customers, key=lambda c: c["created"])
        self.times = [c["created"] for c in self.customers]

    def pick(self, rng: random.Random, at: int) -> Obj | None:
        n = bisect_right(self.times, at)
        return self.customers[rng.randrange(n)] if n else None


def _address(customer: Obj | None) -> Obj:
    address = (customer or {}).get("address") or {}
    return {
        k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")
    }


# -- payment methods -----------------------------------------------------------------------------
def card_payment_method(
    gen: Generator, pm_id: str, card: Obj, customer: Obj, created: int, *, attached: bool = True
) -> Obj:
    """A card as its PaymentMethod: the facts the customer's charges show."""
    return {
        "id": pm_id, "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": _billing_details(customer),
        "card": {
            "brand": card["brand"],
            "checks": {"address_line1_check": None,
                       "address_postal_code_check": "pass" if customer["address"] else None,
                       "cvc_check": "pass"},
            "country": "US", "description": None,
            "display_brand": DISPLAY_BRANDS.get(card["brand"], card["brand"]),
            "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"],
            "generated_from": None, "iin": None, "issuer": None, "last4": card["last4"],
            "networks": {"available": [card["brand"]], "preferred": None},
            "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True},
            "wallet": None},
        "created": created, "customer": customer["id"] if attached else None,
        "customer_account": None, "livemode": True, "metadata": {}, "type": "card",
    }  # fmt: skip


def link_payment_method(gen: Generator, customer: Obj, created: int) -> Obj:
    """A Link wallet saved by a customer (Stripe sends only the hash of the method's type)."""
    return {
        "id": gen.ids.new("pm"), "object": "payment_method", "allow_redisplay": "always",
        "billing_details": _billing_details(customer), "created": created,
        "customer": customer["id"], "customer_account": None,
        "link": {"email": customer["email"], "persistent_token": None}, "livemode": True,
        "metadata": {}, "type": "link",
    }  # fmt: skip


def _billing_details(customer: Obj) -> Obj:
    return {
        "address": _address(customer),
        "email": customer["email"],
        "name": customer["name"],
        "phone": customer["phone"],
        "tax_id": None,
    }


def new_card(gen: Generator, *, expired: bool = False) -> Obj:
    rng = gen.rng
    year = time.gmtime(gen.now).tm_year
    return {
        "pm": gen.ids.new("pm"),
        "brand": rng.choice(tuple(DISPLAY_BRANDS)),
        "last4": f"{rng.randint(0, 9999):04d}",
        "exp_month": rng.randint(1, 12),
        "exp_year": year - rng.randint(1, 3) if expired else year + rng.randint(1, 4),
        "fingerprint": gen.ids.token(16),
        "funding": rng.choice(("credit", "debit")),
    }


# How the legacy Card object names brands.
CARD_SOURCE_BRANDS = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}


def card_source(gen: Generator, customer: Obj) -> Obj:
    """A card saved on a customer through the legacy Sources API, as stripe.Card declares it
    (without the fields only an external account's card has)."""
    card = new_card(gen)
    address = customer["address"] or {}
    check = "pass" if address else None
    return {
        "id": gen.ids.new("card"), "object": "card",
        "address_city": address.get("city"), "address_country": address.get("country"),
        "address_line1": address.get("line1"), "address_line1_check": check,
        "address_line2": address.get("line2"), "address_state": address.get("state"),
        "address_zip": address.get("postal_code"), "address_zip_check": check,
        "allow_redisplay": "unspecified", "brand": CARD_SOURCE_BRANDS[card["brand"]],
        "country": "US", "customer": customer["id"], "cvc_check": "pass", "description": None,
        "dynamic_last4": None, "exp_month": card["exp_month"], "exp_year": card["exp_year"],
        "fingerprint": card["fingerprint"], "funding": card["funding"], "iin": None,
        "issuer": None, "last4": card["last4"], "metadata": {}, "name": customer["name"],
        "networks": {"preferred": None}, "regulated_status": "unregulated", "status": None,
        "tokenization_method": None,
    }  # fmt: skip


def _payment_methods(gen: Generator, biz: Business, scale: float) -> list[Obj]:
    """Every customer's card (attached since sign-up, before any charge names it), a few
    Link wallets, and a few old cards their customers removed (detached: customer null)."""
    rng, now = gen.rng, gen.now
    out = [
        card_payment_method(gen, gen.cards[c["id"]]["pm"], gen.cards[c["id"]], c, c["created"])
        for c in biz.customers
    ]
    for cust in rng.sample(biz.customers, min(len(biz.customers), max(3, round(60 * scale)))):
        created = min(cust["created"] + rng.randint(DAY, 90 * DAY), now - 60)
        out.append(link_payment_method(gen, cust, max(created, cust["created"])))
    veterans = [c for c in biz.customers if c["created"] < now - 400 * DAY]
    for cust in rng.sample(veterans, min(len(veterans), max(2, round(60 * scale)))):
        card = new_card(gen, expired=True)
        out.append(
            card_payment_method(gen, card["pm"], card, cust, cust["created"], attached=False)
        )
    return out


# -- setup intents -------------------------------------------------------------------------------
def setup_intent(
    gen: Generator, customer: str, created: int, status: str, payment_method: str | None
) -> Obj:
    si_id = gen.ids.new("seti")
    return {
        "id": si_id, "object": "setup_intent", "allowed_payment_method_types": None,
        "application": None, "attach_to_self": False, "automatic_payment_methods": None,
        "cancellation_reason": "abandoned" if status == "canceled" else None,
        "client_secret": f"{si_id}_secret_{gen.ids.token(25)}", "created": created,
        "customer": customer, "customer_account": None, "description": None,
        "excluded_payment_method_types": None, "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": f"setatt_{gen.ids.token(24)}" if status == "succeeded" else None,
        "livemode": True, "managed_payments": None, "mandate": None, "metadata": {},
        "next_action": None, "on_behalf_of": None,
        "payment_method": payment_method if status == "succeeded" else None,
        "payment_method_configuration_details": None, "payment_method_options": _SI_PMO,
        "payment_method_types": ["card"], "single_use_mandate": None, "status": status,
        "usage": "off_session",
    }  # fmt: skip


def _setup_intents(gen: Generator, biz: Business, scale: float) -> list[Obj]:
    """The card a third of the customers saved at sign-up (succeeded, naming that card), a
    few abandoned (canceled) and a few still waiting for a card."""
    rng, now = gen.rng, gen.now
    out = []
    for cust in biz.customers:
        if rng.random() < 0.35:
            si = setup_intent(gen, cust["id"], cust["created"], "succeeded",
                              gen.cards[cust["id"]]["pm"])  # fmt: skip
            gen.reached_at[si["id"]] = min(cust["created"] + rng.randint(5, 120), now)
            out.append(si)
    for cust in rng.sample(biz.customers, min(len(biz.customers), max(2, round(40 * scale)))):
        created = min(cust["created"] + rng.randint(0, 60 * DAY), now - 3 * DAY)
        si = setup_intent(gen, cust["id"], max(created, cust["created"]), "canceled", None)
        gen.reached_at[si["id"]] = min(si["created"] + rng.randint(3600, 3 * DAY), now - 60)
        out.append(si)
    recent = [c for c in biz.customers if c["created"] < now - 7 * DAY]
    for cust in rng.sample(recent, min(len(recent), max(2, round(20 * scale)))):
        out.append(setup_intent(gen, cust["id"], now - rng.randint(600, 7 * DAY),
                                "requires_payment_method", None))  # fmt: skip
    return out


# -- Checkout Sessions ---------------------------------------------------------------------------
def checkout_session(
    gen: Generator,
    created: int,
    *,
    mode: str,
    status: str,
    customer: Obj | None,
    amount: int,
    payment_intent: str | None = None,
    subscription: str | None = None,
    invoice: str | None = None,
) -> Obj:
    """A hosted Checkout Session. Open ones have a url; the customer's details are known once
    it is complete."""
    cs_id = gen.ids.new("cs_live")
    domain = "example.com" if gen.profile == PLATFORM else f"{gen.profile.name.split()[0]}.example"
    complete = status == "complete"
    details = session_customer_details(customer) if complete and customer is not None else None
    paid = "paid" if complete else "unpaid"
    return {
        "id": cs_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": True,
        "amount_subtotal": amount, "amount_total": amount, "automatic_tax": _CS_NO_TAX,
        "billing_address_collection": None, "cancel_url": f"https://{domain.lower()}/pricing",
        "client_reference_id": None, "client_secret": None,
        "collected_information": (
            {"business_name": None, "individual_name": None, "shipping_details": None}
            if complete else None),
        "consent": None, "consent_collection": None, "created": created,
        "currency": gen.currency, "currency_conversion": None, "custom_fields": [],
        "custom_text": _CS_CUSTOM_TEXT, "customer": customer["id"] if customer else None,
        "customer_account": None,
        "customer_creation": "if_required" if mode == "payment" else None,
        "customer_details": details,
        "customer_email": customer["email"] if customer else None, "discounts": [],
        "expires_at": created + DAY, "integration_identifier": None, "invoice": invoice,
        "invoice_creation": _CS_INVOICE_CREATION if mode == "payment" else None,
        "livemode": True, "locale": "auto", "metadata": {}, "mode": mode,
        "origin_context": None, "payment_intent": payment_intent, "payment_link": None,
        "payment_method_collection": "always", "payment_method_configuration_details": None,
        "payment_method_options": _CS_PMO, "payment_method_types": ["card"],
        "payment_status": paid, "phone_number_collection": {"enabled": False},
        "recovered_from": None, "saved_payment_method_options": None, "setup_intent": None,
        "shipping_address_collection": None, "shipping_cost": None, "shipping_options": [],
        "status": status, "submit_type": "pay" if mode == "payment" else None,
        "subscription": subscription,
        "success_url": f"https://{domain.lower()}/welcome?session_id={{CHECKOUT_SESSION_ID}}",
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0,
                          "breakdown": None},
        "ui_mode": "hosted_page",
        "url": f"https://checkout.stripe.com/c/pay/{cs_id}" if status == "open" else None,
        "wallet_options": None,
    }  # fmt: skip


def _checkout_sessions(gen: Generator, biz: Business, scale: float) -> list[Obj]:
    """Sessions that started half the subscriptions (those whose first invoice the sandbox
    keeps) and most one-off orders, some customers left without paying (expired), and a few
    sessions still open."""
    rng, now = gen.rng, gen.now
    customers = gen.customer_by_id
    out = []
    # Completed a few minutes after they started, when the subscription or payment was made.
    for sub in biz.subscriptions:
        first = gen.first_invoice_by_sub.get(sub["id"])
        if first is None or sub["status"] == "trialing" or rng.random() >= 0.5:
            continue
        cs = checkout_session(
            gen, sub["created"] - rng.randint(30, 900), mode="subscription", status="complete",
            customer=customers[sub["customer"]], amount=first["total"],
            subscription=sub["id"], invoice=first["id"],
        )  # fmt: skip
        gen.reached_at[cs["id"]] = sub["created"]
        out.append(cs)
    for pi in gen.standalone:
        if pi["status"] != "succeeded" or rng.random() >= 0.6:
            continue
        cs = checkout_session(
            gen, pi["created"] - rng.randint(30, 900), mode="payment", status="complete",
            customer=customers[pi["customer"]], amount=pi["amount"], payment_intent=pi["id"],
        )  # fmt: skip
        gen.reached_at[cs["id"]] = pi["created"]
        out.append(cs)
    signed_up = _SignedUpBy(biz.customers)
    for _ in range(max(3, round(60 * scale))):
        created = now - rng.randint(2 * DAY, 180 * DAY)
        cust = signed_up.pick(rng, created) if rng.random() < 0.5 else None
        cs = checkout_session(gen, created, mode="payment", status="expired", customer=cust,
                              amount=rng.randint(10, 500) * 100)  # fmt: skip
        gen.reached_at[cs["id"]] = cs["expires_at"]
        out.append(cs)
    for _ in range(max(2, round(10 * scale))):
        out.append(checkout_session(gen, now - rng.randint(600, 20 * 3600), mode="payment",
                                    status="open", customer=rng.choice(biz.customers),
                                    amount=rng.randint(10, 500) * 100))  # fmt: skip
    return out


def session_customer_details(customer: Obj) -> Obj:
    """What a customer entered at Checkout: their details as the customer object has them."""
    return {
        "address": _address(customer), "business_name": None, "email": customer["email"],
        "individual_name": None, "name": customer["name"], "phone": customer["phone"],
        "tax_exempt": "none", "tax_ids": [],
    }  # fmt: skip


# -- disputes ------------------------------------------------------------------------------------
def dispute(gen: Generator, biz: Business, ch: Obj, created: int, status: str,
            closed_at: int | None) -> Obj:  # fmt: skip
    """A dispute of a charge. A chargeback withdraws the amount and Stripe's fee at once (an
    adjustment); a won one gives the amount back when it closes. Inquiries (warning_*) move
    no money and leave the charge refundable."""
    rng = gen.rng
    du_id = gen.ids.new("du")
    inquiry = status.startswith("warning_")
    reason, code = rng.choice(DISPUTE_REASONS)
    txns = []
    if not inquiry:
        fee = gen.fee_detail(DISPUTE_FEE, "Dispute fee", "stripe_fee")
        txns.append(gen.balance_transaction(
            -ch["amount"], created, fee=DISPUTE_FEE, source=du_id, kind="adjustment",
            category="dispute", description=f"Chargeback withdrawal for {ch['id']}",
            available_on=created, fee_details=[fee]))  # fmt: skip
    if status == "won" and closed_at is not None:
        txns.append(gen.balance_transaction(
            ch["amount"], closed_at, fee=0, source=du_id, kind="adjustment",
            category="dispute_reversal", description=f"Chargeback reversal for {ch['id']}",
            available_on=closed_at))  # fmt: skip
    biz.balance_transactions.extend(txns)
    has_evidence = status not in ("needs_response", "warning_needs_response")
    evidence: Obj = dict.fromkeys(EVIDENCE_FIELDS)
    evidence["enhanced_evidence"] = {}
    if has_evidence:
        billing = ch["billing_details"]
        evidence.update(
            customer_email_address=billing["email"],
            customer_name=billing["name"],
            product_description=ch["description"] or "Software subscription",
        )
    brand = ch["payment_method_details"]["card"]["brand"]
    return {
        "id": du_id, "object": "dispute", "amount": ch["amount"], "balance_transactions": txns,
        "charge": ch["id"], "created": created, "currency": ch["currency"],
        "enhanced_eligibility_types": [], "evidence": evidence,
        "evidence_details": {"due_by": created + 18 * DAY, "enhanced_eligibility": {},
                             "has_evidence": has_evidence, "past_due": False,
                             "submission_count": 1 if has_evidence else 0,
                             "submission_method": "manual" if has_evidence else "not_submitted"},
        "intended_submission_method": None, "is_charge_refundable": inquiry, "livemode": True,
        "metadata": {}, "network_reason_code": code, "payment_intent": ch["payment_intent"],
        "payment_method_details": {
            "card": {"brand": brand, "case_type": "inquiry" if inquiry else "chargeback",
                     "network_reason_code": code},
            "type": "card"},
        "reason": reason, "status": status,
    }  # fmt: skip


def disputable(charges: list[Obj], before: int) -> list[Obj]:
    return [
        c
        for c in charges
        if c["status"] == "succeeded"
        and not c["disputed"]
        and not c["amount_refunded"]
        and c["created"] < before
    ]


def _disputes(gen: Generator, biz: Business, scale: float) -> None:
    """About one charge in a hundred disputed: old ones closed (won, lost, or an inquiry that
    went no further), recent ones waiting for evidence or under review; one always recent."""
    rng, now = gen.rng, gen.now
    pool = disputable(biz.charges, now - 3 * DAY)
    recent = [c for c in pool if c["created"] > now - 20 * DAY]
    chosen = rng.sample(recent, 1) if recent else []
    rest = [c for c in pool if not chosen or c is not chosen[0]]
    chosen += rng.sample(rest, min(len(rest), max(5, round(100 * scale)) - len(chosen)))
    for ch in chosen:
        low = ch["created"] + (60 if ch["created"] > now - 20 * DAY else 2 * DAY)
        created = min(low + rng.randint(0, 58 * DAY), now - 60)
        inquiry = rng.random() < 0.15
        closed_at = None
        if created < now - 75 * DAY:
            status = (
                "warning_closed" if inquiry else rng.choice(("won", "won", "lost", "lost", "lost"))
            )
            closed_at = min(created + rng.randint(20, 60) * DAY, now - 60)
        else:
            status = "warning_needs_response" if inquiry else rng.choice(
                ("needs_response", "under_review"))  # fmt: skip
        du = dispute(gen, biz, ch, created, status, closed_at)
        if closed_at is not None:
            gen.reached_at[du["id"]] = closed_at
        ch["disputed"] = True
        biz.disputes.append(du)


# -- Connect: transfers --------------------------------------------------------------------------
def transfer(gen: Generator, biz: Business, amount: int, created: int, destination: str, *,
             source: Obj | None = None) -> Obj:  # fmt: skip
    """A transfer to a connected account, funded by the platform's balance (and tied to the
    charge it passes on, when there is one)."""
    tr_id = gen.ids.new("tr")
    txn = gen.balance_transaction(-amount, created, fee=0, source=tr_id, kind="transfer",
                                  description=None, available_on=created)  # fmt: skip
    biz.balance_transactions.append(txn)
    return {
        "id": tr_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
        "balance_transaction": txn["id"], "created": created, "currency": gen.currency,
        "description": None, "destination": destination,
        "destination_payment": gen.ids.new("py"), "livemode": True, "metadata": {},
        "reversals": None, "reversed": False,
        "source_transaction": source["id"] if source else None, "source_type": "card",
        "transfer_group": source["transfer_group"] if source else None,
    }  # fmt: skip


def transfer_reversal(gen: Generator, biz: Business, tr: Obj, amount: int, created: int) -> Obj:
    """Part of a transfer taken back from the connected account; the caller updates the
    transfer's amount_reversed and reversed."""
    trr_id = gen.ids.new("trr")
    txn = gen.balance_transaction(amount, created, fee=0, source=trr_id, kind="transfer_refund",
                                  category="transfer_reversal", description=None,
                                  available_on=created)  # fmt: skip
    biz.balance_transactions.append(txn)
    return {
        "id": trr_id, "object": "transfer_reversal", "amount": amount,
        "balance_transaction": txn["id"], "created": created, "currency": tr["currency"],
        "destination_payment_refund": gen.ids.new("pyr"), "metadata": {},
        "source_refund": None, "transfer": tr["id"],
    }  # fmt: skip


def _transfers(gen: Generator, biz: Business, scale: float) -> None:
    """The platform passes the sellers' share of some sales on to their accounts (separate
    charges and transfers, grouped by transfer_group); a few are reversed, in parts, one in
    more parts than a transfer embeds (so its `reversals` truncate at every scale)."""
    rng, now = gen.rng, gen.now
    destinations = [p.account_id for p in connect_destinations(gen.seed)]
    pool = [c for c in biz.charges if c["status"] == "succeeded" and not c["amount_refunded"]
            and now - 2 * 365 * DAY < c["created"] < now - DAY]  # fmt: skip
    intents = {pi["id"]: pi for pi in biz.payment_intents}
    for ch in rng.sample(pool, min(len(pool), max(6, round(300 * scale)))):
        group = f"ORDER_{gen.ids.token(12).upper()}"
        ch["transfer_group"] = intents[ch["payment_intent"]]["transfer_group"] = group
        created = min(ch["created"] + rng.randint(60, 3 * DAY), now - 60)
        tr = transfer(gen, biz, round(ch["amount"] * TRANSFER_SHARE), created,
                      rng.choice(destinations), source=ch)  # fmt: skip
        biz.transfers.append(tr)
        biz.reversals_by_transfer[tr["id"]] = []
    reversible = [t for t in biz.transfers if t["created"] < now - DAY]
    for n, tr in enumerate(
        rng.sample(reversible, min(len(reversible), max(2, len(reversible) // 5)))
    ):
        many = n == 1
        parts = rng.randint(EMBEDDED_PAST, EMBEDDED_PAST + 4) if many else rng.randint(1, 3)
        at = tr["created"]
        for k in range(parts):
            left = tr["amount"] - tr["amount_reversed"]
            if many:  # small parts, that never add up to all of it
                amount = max(1, tr["amount"] // (2 * parts))
            elif n == 0 and k == parts - 1:  # reversed in full, so `reversed` is true somewhere
                amount = left
            else:
                amount = max(1, left // rng.randint(3, 6))
            at = min(at + rng.randint(3600, DAY if many else 10 * DAY), now - 60)
            biz.reversals_by_transfer[tr["id"]].append(transfer_reversal(gen, biz, tr, amount, at))
            tr["amount_reversed"] += amount
        tr["reversed"] = tr["amount_reversed"] == tr["amount"]


# -- Connect: application fees -------------------------------------------------------------------
def fee_specs(platform_seed: int, index: int, scale: float, now: int, currency: str) -> list[Obj]:
    """The direct charges the platform takes application fees on in its index-th connected
    account (of scale `scale`): ids, amounts and times from their own RNG, the same for
    both sides."""
    if index >= len(CONNECTED_PROFILES):
        return []
    rng = random.Random(f"stripe-sandbox application fees {platform_seed} {index}")

    def token() -> str:
        return rng.randbytes(24).translate(_BYTE_TO_BASE62).decode("ascii")

    out = []
    for _ in range(max(5, round(150 * scale))):
        amount = rng.randint(20, 400) * 100
        out.append({
            "application": connect_application(platform_seed), "platform_name": PLATFORM.name,
            "payment_intent": f"pi_{token()}", "charge": f"ch_{token()}",
            "fee": f"fee_{token()}", "amount": amount,
            "fee_amount": round(amount * APPLICATION_FEE_SHARE), "currency": currency,
            "created": now - 3600 - int(2 * 365 * DAY * rng.random() ** 2),
        })  # fmt: skip
    return sorted(out, key=lambda s: s["created"])


def application_fee(gen: Generator, biz: Business, spec: Obj, account: str) -> Obj:
    """The platform's fee on a connected account's charge, in the charge's currency; its
    balance transaction is in the platform's, converted."""
    rate = USD_VALUE.get(spec["currency"], 1.0) / USD_VALUE.get(gen.currency, 1.0)
    txn = gen.balance_transaction(
        round(spec["fee_amount"] * rate), spec["created"], fee=0, source=spec["fee"],
        kind="application_fee", category="platform_earning", description=None,
        exchange_rate=rate if spec["currency"] != gen.currency else None)  # fmt: skip
    biz.balance_transactions.append(txn)
    return {
        "id": spec["fee"], "object": "application_fee", "account": account,
        "amount": spec["fee_amount"], "amount_refunded": 0,
        "application": spec["application"], "balance_transaction": txn["id"],
        "charge": spec["charge"], "created": spec["created"], "currency": spec["currency"],
        "fee_source": {"charge": spec["charge"], "payout": None, "type": "charge"},
        "livemode": True, "originating_transaction": None, "refunded": False, "refunds": None,
    }  # fmt: skip


def fee_refund(gen: Generator, biz: Business, fee: Obj, amount: int, created: int) -> Obj:
    """Part of an application fee given back; the caller updates the fee's totals."""
    fr_id = gen.ids.new("fr")
    rate = USD_VALUE.get(fee["currency"], 1.0) / USD_VALUE.get(gen.currency, 1.0)
    txn = gen.balance_transaction(
        -round(amount * rate), created, fee=0, source=fr_id, kind="application_fee_refund",
        category="platform_earning_refund", description=None, available_on=created,
        exchange_rate=rate if fee["currency"] != gen.currency else None)  # fmt: skip
    biz.balance_transactions.append(txn)
    return {
        "id": fr_id, "object": "fee_refund", "amount": amount,
        "balance_transaction": txn["id"], "created": created, "currency": fee["currency"],
        "fee": fee["id"], "metadata": {},
    }  # fmt: skip


def _application_fees(gen: Generator, biz: Business, scale: float) -> None:
    """Fees on the connected accounts' direct charges; a few refunded, one in full, one in
    more parts than a fee embeds (so its `refunds` truncate at every scale)."""
    rng, now = gen.rng, gen.now
    for i, profile in enumerate(connect_destinations(gen.seed)):
        specs = fee_specs(gen.seed, i, connected_scale(scale), now, profile.currency)
        for spec in specs:
            biz.application_fees.append(application_fee(gen, biz, spec, profile.account_id))
    fees = [f for f in biz.application_fees if f["created"] < now - DAY]
    for n, fee in enumerate(rng.sample(fees, min(len(fees), max(2, len(fees) // 6)))):
        at = fee["created"]
        refunds = biz.refunds_by_fee.setdefault(fee["id"], [])
        many = n == 1
        parts = rng.randint(EMBEDDED_PAST, EMBEDDED_PAST + 4) if many else rng.randint(1, 2)
        for k in range(parts):
            left = fee["amount"] - fee["amount_refunded"]
            if many:  # small parts, that never add up to all of it
                amount = max(1, fee["amount"] // (2 * parts))
            elif n == 0 and k == parts - 1:  # refunded in full, so `refunded` is true somewhere
                amount = left
            else:
                amount = max(1, left // 3)
            at = min(at + rng.randint(3600, DAY if many else 5 * DAY), now - 60)
            refunds.append(fee_refund(gen, biz, fee, amount, at))
            fee["amount_refunded"] += amount
        fee["refunded"] = fee["amount_refunded"] == fee["amount"]
    for fee in biz.application_fees:
        biz.refunds_by_fee.setdefault(fee["id"], [])


def _fee_charges(gen: Generator, biz: Business, scale: float) -> None:
    """A connected account's side of fee_specs: the direct charges its platform's fees name."""
    profile = gen.profile
    if profile.platform_seed is None or profile.index is None:
        return
    rng = gen.rng
    specs = fee_specs(profile.platform_seed, profile.index, scale, gen.now, profile.currency)
    signed_up = _SignedUpBy(biz.customers)
    for spec in specs:
        known = signed_up.pick(rng, spec["created"])
        cust = known["id"] if known else None
        gen.payment(biz, cust, spec["amount"], spec["created"], "succeeded",
                    description=f"Order {rng.randint(100000, 999999)}", charge_delay=0,
                    connect=spec)  # fmt: skip


# -- payouts -------------------------------------------------------------------------------------
def payout(gen: Generator, biz: Business, amount: int, created: int, *, status: str,
           automatic: bool) -> Obj:  # fmt: skip
    """A payout of `amount` to the account's bank account, arriving two days later."""
    po_id = gen.ids.new("po")
    txn = gen.balance_transaction(-amount, created, fee=0, source=po_id, kind="payout",
                                  description="STRIPE PAYOUT", available_on=created)  # fmt: skip
    biz.balance_transactions.append(txn)
    paid = status == "paid"
    return {
        "id": po_id, "object": "payout", "amount": amount, "application_fee": None,
        "application_fee_amount": None, "arrival_date": (created // DAY + 2) * DAY,
        "automatic": automatic, "balance_transaction": txn["id"], "created": created,
        "currency": gen.currency, "description": "STRIPE PAYOUT",
        "destination": bank_account(gen), "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "livemode": True, "metadata": {},
        "method": "standard", "original_payout": None, "payout_method": None,
        "reconciliation_status": (
            ("completed" if paid else "in_progress") if automatic else "not_applicable"),
        "reversed_by": None, "source_type": "card", "statement_descriptor": None,
        "status": status, "trace_id": trace_id(gen, paid), "type": "bank_account",
    }  # fmt: skip


def bank_account(gen: Generator) -> str:
    """The account's bank account (ba_...), where its payouts go."""
    if gen.bank_account is None:
        gen.bank_account = gen.ids.new("ba")
    return gen.bank_account


def trace_id(gen: Generator, paid: bool) -> Obj:
    if not paid:
        return {"status": "pending", "value": None}
    return {"status": "supported", "value": f"{gen.rng.randint(10**14, 10**15 - 1)}"}


def _payouts(gen: Generator, biz: Business) -> None:
    """Weekly automatic payouts, on Mondays, of everything that became available since the
    last one (refunds, disputes and transfers net off). The latest may still be in transit."""
    rng, now = gen.rng, gen.now
    txns = sorted(biz.balance_transactions, key=lambda t: t["available_on"])
    if not txns:
        return
    day = txns[0]["available_on"] // DAY
    day += (4 - day) % 7  # 1970-01-05, day 4 of the epoch, was a Monday
    i, due, paid_out = 0, 0, []
    while day * DAY <= now:
        cutoff = day * DAY
        while i < len(txns) and txns[i]["available_on"] <= cutoff:
            due += txns[i]["net"]
            paid_out.append(txns[i]["id"])
            i += 1
        created = cutoff + rng.randint(2 * 3600, 8 * 3600)
        if created > now - 60:
            break
        if due > 0:
            arrival = (created // DAY + 2) * DAY
            po = payout(gen, biz, due, created, automatic=True,
                        status="paid" if arrival <= now else "in_transit")  # fmt: skip
            gen.txns_by_payout[po["id"]] = paid_out
            if po["status"] == "paid":
                gen.reached_at[po["id"]] = arrival
            biz.payouts.append(po)
            due, paid_out = 0, []
        day += 7


# ---------------------------------------------------------------------------------------------
def generate(gen: Generator, biz: Business, scale: float) -> None:
    biz.payment_methods = _payment_methods(gen, biz, scale)
    biz.setup_intents = _setup_intents(gen, biz, scale)
    biz.checkout_sessions = _checkout_sessions(gen, biz, scale)
    _fee_charges(gen, biz, scale)
    _disputes(gen, biz, scale)
    if not gen.profile.connected:
        _transfers(gen, biz, scale)
        _application_fees(gen, biz, scale)
    _payouts(gen, biz)
