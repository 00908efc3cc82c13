"""Billing beyond invoices and subscriptions: invoice items, plans, coupons, promotion codes,
tax rates and credit notes, shaped like the stripe 16.1.0 classes (API 2026-10-28.endive).

Builders make one object each from the generator's seeded state (the store uses them for
create()); generate() adds them all to a generated Business, after its invoices are numbered.
Links stay inside the business: invoice items are the items behind invoice-item lines, plans
are the legacy view of recurring prices, credit notes credit lines of paid invoices (refunding
their charges, or out of band). A customer's discount and tax ids are made on demand only
(customer_discount, tax_id).
"""

from __future__ import annotations

from .data import DAY, HISTORY, Business, Generator, Obj, add_months, format_amount

# (id, name, percent_off, duration, duration_in_months): coupons with the custom ids people
# give them. Stripe lets a coupon's id be any string; the rest get Stripe's 8-character ids.
NAMED_COUPONS = (
    ("SUMMER25", "Summer sale 25%", 25.0, "once", None),
    ("WELCOME10", "Welcome: 10% for 3 months", 10.0, "repeating", 3),
    ("FOUNDERS50", "Founders: 50% forever", 50.0, "forever", None),
    ("ANNUAL20", "Annual plan 20% off", 20.0, "once", None),
    ("PARTNER15", "Partner discount", 15.0, "forever", None),
    ("BLACKFRIDAY", "Black Friday 30%", 30.0, "once", None),
)
AMOUNTS_OFF = (500, 1000, 2000, 5000)
# (display_name, percentage, country, state, jurisdiction, level, tax_type, inclusive, active)
TAX_RATES = (
    ("Sales Tax", 7.25, "US", "CA", "US - California", "state", "sales_tax", False, True),
    ("Sales Tax", 8.875, "US", "NY", "US - New York", "multiple", "sales_tax", False, True),
    ("Sales Tax", 6.25, "US", "TX", "US - Texas", "state", "sales_tax", False, True),
    ("Sales Tax", 6.5, "US", "WA", "US - Washington", "state", "sales_tax", False, True),
    ("VAT", 19.0, "DE", None, "DE", "country", "vat", True, True),
    ("VAT", 20.0, "FR", None, "FR", "country", "vat", True, True),
    ("VAT", 20.0, "GB", None, "GB", "country", "vat", False, True),
    ("VAT", 17.5, "GB", None, "GB", "country", "vat", False, False),  # an old, archived rate
    ("VAT", 23.0, "IE", None, "IE", "country", "vat", True, True),
    ("VAT", 21.0, "NL", None, "NL", "country", "vat", True, True),
    ("GST", 10.0, "AU", None, "AU", "country", "gst", True, True),
    ("HST", 13.0, "CA", "ON", "CA - Ontario", "state", "hst", False, True),
)
_NAMED = frozenset(c[0] for c in NAMED_COUPONS)
CREDIT_REASONS = ("duplicate", "order_change", "product_unsatisfactory", None)
_NO_PRORATION: Obj = {"credited_items": None, "discount_amounts": []}


# -- invoice items -------------------------------------------------------------------------------
def _invoice_item(
    gen: Generator,
    item_id: str,
    *,
    customer: str,
    invoice: str | None,
    date: int,
    price: Obj,
    quantity: int,
    description: str | None,
    parent: Obj | None = None,
) -> Obj:
    amount = price["unit_amount"] * quantity
    return {
        "id": item_id, "object": "invoiceitem", "amount": amount, "currency": gen.currency,
        "customer": customer, "customer_account": None, "date": date,
        "description": description, "discountable": True, "discounts": [],
        "frozen_fields": None, "invoice": invoice, "invoicing_rules": None, "livemode": True,
        "metadata": {}, "net_amount": amount, "parent": parent,
        "period": {"end": date, "start": date},
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                    "type": "price_details", "unit_amount_decimal": price["unit_amount_decimal"]},
        "proration": False, "proration_details": _NO_PRORATION, "quantity": quantity,
        "quantity_decimal": str(quantity), "tax_rates": [], "test_clock": None,
    }  # fmt: skip


def invoice_item_of_line(gen: Generator, line: Obj, customer: str, price: Obj) -> Obj:
    """The invoice item an invoice-item line bills: the id the line names, its amounts."""
    return _invoice_item(
        gen,
        line["parent"]["invoice_item_details"]["invoice_item"],
        customer=customer,
        invoice=line["invoice"],
        date=line["period"]["start"],
        price=price,
        quantity=line["quantity"],
        description=line["description"],
    )


def pending_invoice_item(
    gen: Generator, customer: str, price: Obj, date: int, subscription: str | None
) -> Obj:
    """An item waiting for its customer's next invoice (for a subscription's, if given)."""
    parent = None
    if subscription is not None:
        parent = {
            "subscription_details": {"subscription": subscription, "subscription_item": None},
            "type": "subscription_details",
        }
    return _invoice_item(
        gen,
        gen.ids.new("ii"),
        customer=customer,
        invoice=None,
        date=date,
        price=price,
        quantity=gen.rng.randint(1, 3),
        description=gen.product_by_id[price["product"]]["name"],
        parent=parent,
    )


def items_of_lines(
    gen: Generator,
    invoices: list[Obj],
    lines_by_invoice: dict[str, list[Obj]],
    prices: dict[str, Obj],
) -> list[Obj]:
    """The invoice items behind the invoice-item lines of these invoices."""
    out = []
    for inv in invoices:
        for line in lines_by_invoice.get(inv["id"], []):
            if line["parent"]["type"] == "invoice_item_details":
                price = prices[line["pricing"]["price_details"]["price"]]
                out.append(invoice_item_of_line(gen, line, inv["customer"], price))
    return out


def _pending_items(gen: Generator, biz: Business, scale: float) -> list[Obj]:
    """A few one-off charges (a training session, a data migration) added to subscriptions
    and waiting for their next invoice."""
    rng, now = gen.rng, gen.now
    subs = [s for s in biz.subscriptions if s["status"] == "active"]
    services = [p for p in biz.prices if p["type"] == "one_time" and p["active"]]
    if not subs or not services:
        return []
    out = []
    for sub in rng.sample(subs, min(len(subs), max(3, round(80 * scale)))):
        date = max(now - rng.randint(3600, 10 * DAY), sub["created"])
        out.append(
            pending_invoice_item(gen, sub["customer"], rng.choice(services), date, sub["id"])
        )
    return out


# -- plans ---------------------------------------------------------------------------------------
def plans_of(gen: Generator, prices: list[Obj]) -> list[Obj]:
    """The legacy Plan view of the recurring prices (the same ids and the same objects that
    subscription items embed)."""
    return [gen.plan_by_price[p["id"]] for p in prices if p["id"] in gen.plan_by_price]


# -- tax rates -----------------------------------------------------------------------------------
def tax_rate(gen: Generator, template: tuple, created: int) -> Obj:
    name, pct, country, state, jurisdiction, level, tax_type, inclusive, active = template
    return {
        "id": gen.ids.new("txr"), "object": "tax_rate", "active": active, "country": country,
        "created": created, "description": f"{name} {jurisdiction}", "display_name": name,
        "effective_percentage": pct, "flat_amount": None, "inclusive": inclusive,
        "jurisdiction": jurisdiction, "jurisdiction_level": level, "livemode": True,
        "metadata": {}, "percentage": pct, "rate_type": "percentage", "state": state,
        "tax_type": tax_type,
    }  # fmt: skip


def _tax_rates(gen: Generator) -> list[Obj]:
    # Set up once, as the business expanded into each market: the same set at every scale.
    rng, now = gen.rng, gen.now
    start = now - HISTORY
    return [tax_rate(gen, t, start + int((HISTORY - 60 * DAY) * rng.random())) for t in TAX_RATES]


# -- coupons and promotion codes -----------------------------------------------------------------
def coupon(
    gen: Generator,
    created: int,
    *,
    coupon_id: str | None = None,
    name: str | None = None,
    percent_off: float | None = None,
    amount_off: int | None = None,
    duration: str = "once",
    months: int | None = None,
) -> Obj:
    rng, now = gen.rng, gen.now
    if percent_off is None and amount_off is None:
        amount_off = rng.choice(AMOUNTS_OFF)
    if name is None:
        off = f"{percent_off:g}%" if percent_off is not None else format_amount(amount_off or 0)
        name = f"{off} off"
    # Some campaigns ended: past their redeem-by date, or used up.
    redeem_by = created + rng.randint(30, 120) * DAY if rng.random() < 0.3 else None
    max_redemptions = rng.choice((50, 100, 500)) if rng.random() < 0.3 else None
    times = rng.randint(0, max_redemptions or 300)
    valid = (redeem_by is None or redeem_by > now) and (
        max_redemptions is None or times < max_redemptions
    )
    return {
        "id": coupon_id or gen.ids.token(8).upper(), "object": "coupon",
        "amount_off": amount_off, "created": created,
        "currency": gen.currency if amount_off is not None else None, "duration": duration,
        "duration_in_months": months, "livemode": True, "max_redemptions": max_redemptions,
        "metadata": {}, "name": name, "percent_off": percent_off, "redeem_by": redeem_by,
        "times_redeemed": times, "valid": valid,
    }  # fmt: skip


def customer_discount(gen: Generator, coupon: Obj, customer: Obj, start: int) -> Obj:
    """A coupon applied to a customer, as stripe.Discount declares it; a repeating coupon's
    discount ends after its months."""
    months = coupon["duration_in_months"] if coupon["duration"] == "repeating" else None
    return {
        "id": gen.ids.new("di"), "object": "discount", "checkout_session": None,
        "customer": customer["id"], "customer_account": customer["customer_account"],
        "end": add_months(start, months) if months else None, "invoice": None,
        "invoice_item": None, "promotion_code": None,
        "source": {"coupon": coupon["id"], "type": "coupon"}, "start": start,
        "subscription": None, "subscription_item": None,
    }  # fmt: skip


# Tax id types Stripe verifies with a government service (the rest are "unavailable").
VERIFIED_TAX_IDS = frozenset({"eu_vat", "gb_vat", "au_abn"})


def tax_id(gen: Generator, customer: Obj, type_: str, value: str, created: int) -> Obj:
    """A customer's tax id, as stripe.TaxId declares it. Its country: an EU VAT number's
    prefix (Greece writes EL), else the type's."""
    if type_ == "eu_vat":
        country = {"EL": "GR"}.get(value[:2].upper(), value[:2].upper())
    else:
        country = type_.split("_", 1)[0].upper()
    owner = {"account": None, "application": None, "customer": customer["id"],
             "customer_account": customer["customer_account"], "type": "customer"}  # fmt: skip
    status = "pending" if type_ in VERIFIED_TAX_IDS else "unavailable"
    return {
        "id": gen.ids.new("txi"), "object": "tax_id", "country": country, "created": created,
        "customer": customer["id"], "customer_account": customer["customer_account"],
        "livemode": True, "owner": owner, "type": type_, "value": value,
        "verification": {"status": status, "verified_address": None, "verified_name": None},
    }  # fmt: skip


def _coupons(gen: Generator, scale: float) -> list[Obj]:
    rng, now = gen.rng, gen.now

    def when() -> int:
        return now - DAY - int((HISTORY - DAY) * rng.random())

    out = [
        coupon(gen, when(), coupon_id=cid, name=name, percent_off=pct, duration=dur, months=m)
        for cid, name, pct, dur, m in NAMED_COUPONS
    ]
    for _ in range(max(3, round(30 * scale))):
        dur = rng.choice(("once", "repeating", "forever"))
        out.append(coupon(gen, when(), duration=dur, months=3 if dur == "repeating" else None))
    # One campaign launched this month, so coupon events exist at every scale.
    out.append(coupon(gen, now - rng.randint(DAY, 20 * DAY), percent_off=15.0))
    return out


def promotion_code(
    gen: Generator, coupon_obj: Obj, created: int, *, code: str, customer: str | None = None
) -> Obj:
    rng = gen.rng
    minimum = rng.choice((None, None, 5000, 10000))
    return {
        "id": gen.ids.new("promo"), "object": "promotion_code",
        "active": coupon_obj["valid"] and rng.random() > 0.15, "code": code,
        "created": created, "customer": customer, "customer_account": None,
        "expires_at": coupon_obj["redeem_by"], "livemode": True,
        "max_redemptions": 1 if customer else coupon_obj["max_redemptions"], "metadata": {},
        "promotion": {"coupon": coupon_obj["id"], "type": "coupon"},
        "restrictions": {"first_time_transaction": rng.random() < 0.3,
                         "minimum_amount": minimum,
                         "minimum_amount_currency": gen.currency if minimum else None},
        "times_redeemed": 0 if customer else rng.randint(0, coupon_obj["times_redeemed"]),
    }  # fmt: skip


def _promotion_codes(gen: Generator, biz: Business) -> list[Obj]:
    """A public code per coupon (its name for named coupons), and a few codes for one
    customer each ("ADA42"). Codes are unique in the account, as Stripe requires."""
    rng, now = gen.rng, gen.now
    seen: set[str] = set()
    out = []
    for c in biz.coupons:
        created = min(c["created"] + rng.randint(0, 3 * DAY), now - 60)
        public = c["id"] if c["id"] in _NAMED else f"SAVE{rng.randint(10, 99)}"
        out.append(promotion_code(gen, c, created, code=unique_code(public, seen, gen)))
        for _ in range(rng.choice((0, 0, 1, 2))):
            cust = rng.choice(biz.customers)
            at = min(max(created, cust["created"]) + rng.randint(0, 30 * DAY), now - 60)
            first = cust["name"].split()[0].upper()
            code = unique_code(f"{first}{rng.randint(10, 99)}", seen, gen)
            out.append(promotion_code(gen, c, at, code=code, customer=cust["id"]))
    return out


def unique_code(code: str, seen: set[str], gen: Generator) -> str:
    while code in seen:
        code = f"{code}{gen.ids.token(2).upper()}"
    seen.add(code)
    return code


# -- credit notes --------------------------------------------------------------------------------
def credit_note_line(gen: Generator, line: Obj | None, amount: int, description: str) -> Obj:
    """A line crediting an invoice line (in full: its quantity; in part: an amount), or a
    custom line (line=None) not tied to any."""
    full = line is not None and amount == line["amount"]
    quantity = line["quantity"] if full and line is not None else (None if line else 1)
    unit = amount // quantity if quantity else None
    return {
        "id": gen.ids.new("cnli"), "object": "credit_note_line_item", "amount": amount,
        "description": description, "discount_amount": 0, "discount_amounts": [],
        "invoice_line_item": line["id"] if line is not None else None, "livemode": True,
        "metadata": {}, "pretax_credit_amounts": [], "quantity": quantity, "tax_rates": [],
        "taxes": [], "type": "invoice_line_item" if line is not None else "custom_line_item",
        "unit_amount": unit, "unit_amount_decimal": str(unit) if unit is not None else None,
    }  # fmt: skip


def credit_note(
    gen: Generator,
    inv: Obj,
    lines: list[Obj],
    created: int,
    seq: int,
    *,
    refund: Obj | None,
    reason: str | None,
) -> Obj:
    """A credit note on a paid invoice: the credit goes back to the card (refund) or was
    settled outside Stripe (out_of_band_amount). `lines` is filled in by the store."""
    total = sum(li["amount"] for li in lines)
    token = f"{gen.profile.account_id}/live_{gen.ids.token(40)}"
    refunds = []
    if refund is not None:
        refunds = [{"amount_refunded": total, "payment_record_refund": None,
                    "refund": refund["id"], "type": "refund"}]  # fmt: skip
    return {
        "id": gen.ids.new("cn"), "object": "credit_note", "amount": total,
        "amount_shipping": 0, "created": created, "currency": inv["currency"],
        "customer": inv["customer"], "customer_account": None,
        "customer_balance_transaction": None, "discount_amount": 0, "discount_amounts": [],
        "effective_at": created, "invoice": inv["id"], "lines": None, "livemode": True,
        "memo": "Service credit" if reason is None else None, "metadata": {},
        "number": f"{inv['number']}-CN-{seq:02d}",
        "out_of_band_amount": None if refund is not None else total,
        "pdf": f"https://pay.stripe.com/credit_notes/{token}/pdf?s=ap",
        "post_payment_amount": total, "pre_payment_amount": 0, "pretax_credit_amounts": [],
        "reason": reason, "refunds": refunds, "shipping_cost": None, "status": "issued",
        "subtotal": total, "subtotal_excluding_tax": total, "total": total,
        "total_excluding_tax": total, "total_taxes": [], "type": "post_payment",
        "voided_at": None,
    }  # fmt: skip


def credit_lines(gen: Generator, inv_lines: list[Obj], n: int | None) -> list[Obj]:
    """Lines crediting an invoice: n of its lines in full (all if n is None), or a random
    one or two, some in part."""
    rng = gen.rng
    if n is not None:
        return [credit_note_line(gen, li, li["amount"], li["description"]) for li in inv_lines[:n]]
    out = []
    for li in rng.sample(inv_lines, min(len(inv_lines), rng.choice((1, 1, 2)))):
        amount = li["amount"] if rng.random() < 0.7 else max(1, li["amount"] // 2)
        out.append(credit_note_line(gen, li, amount, li["description"]))
    return out


def _credit_notes(gen: Generator, biz: Business, scale: float) -> None:
    """Credit notes on paid invoices, at least two crediting more than 10 lines (so their
    embedded `lines` truncate at every scale). Most refund the invoice's charge."""
    rng, now = gen.rng, gen.now
    paid = [
        i
        for i in biz.invoices
        if i["status"] == "paid"
        and i["total"] > 0
        and i["id"] in gen.charge_by_invoice
        and i["status_transitions"]["paid_at"] < now - 2 * DAY
    ]
    big = [i for i in paid if len(biz.lines_by_invoice[i["id"]]) > 10]
    chosen = rng.sample(big, min(len(big), max(2, round(10 * scale))))
    taken = {i["id"] for i in chosen}
    rest = [i for i in paid if i["id"] not in taken]
    chosen += rng.sample(rest, min(len(rest), max(4, round(140 * scale))))
    for inv in chosen:
        inv_lines = biz.lines_by_invoice[inv["id"]]
        paid_at = inv["status_transitions"]["paid_at"]
        created = min(paid_at + rng.randint(DAY, 45 * DAY), now - 60)
        lines = credit_lines(gen, inv_lines, len(inv_lines) if inv["id"] in taken else None)
        total = sum(li["amount"] for li in lines)
        ch = gen.charge_by_invoice[inv["id"]]  # still being generated: changed in place
        refund = None
        if rng.random() < 0.6 and ch["amount"] - ch["amount_refunded"] >= total:
            refund = gen.refund(biz, ch, created, total)
            ch["amount_refunded"] += total
            ch["refunded"] = ch["amount_refunded"] >= ch["amount"]
        cn = credit_note(gen, inv, lines, created, 1, refund=refund,
                         reason=rng.choice(CREDIT_REASONS))  # fmt: skip
        if refund is None and rng.random() < 0.12:
            # Issued by mistake and voided; a credit note that refunded can't be.
            cn["status"] = "void"
            cn["voided_at"] = min(created + rng.randint(3600, 5 * DAY), now - 60)
        else:
            inv["post_payment_credit_notes_amount"] += total
        biz.credit_notes.append(cn)
        biz.lines_by_credit_note[cn["id"]] = lines


# ---------------------------------------------------------------------------------------------
def generate(gen: Generator, biz: Business, scale: float) -> None:
    prices = {p["id"]: p for p in biz.prices}
    biz.invoice_items = items_of_lines(gen, biz.invoices, biz.lines_by_invoice, prices)
    biz.invoice_items += _pending_items(gen, biz, scale)
    biz.plans = plans_of(gen, biz.prices)
    biz.tax_rates = _tax_rates(gen)
    biz.coupons = _coupons(gen, scale)
    biz.promotion_codes = _promotion_codes(gen, biz)
    _credit_notes(gen, biz, scale)
