"""The resources added to the first twelve: disputes, payouts, credit notes and their lines,
coupons, promotion codes, tax rates, invoice items, plans, setup intents, payment methods,
Checkout Sessions, transfers and application fees. Their data, links, lists and filters,
nested lists, permissions and events, checked against Stripe's rules and stripe 16.1.0."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_ACCOUNT_ID, DEMO_API_KEY, StripeSandbox
from tests.stripe_sandbox.api import PERMISSIONS, path_of
from tests.stripe_sandbox.data import (
    CREATED_EVENT,
    EVENT_RETENTION,
    connect_destinations,
    created_at,
)
from tests.stripe_sandbox.store import EXPAND_ONLY
from tests.test_sandbox_shapes import CLASSES, check, event_problems

NOW = 1_795_000_000
DAY = 86_400
NEW = (
    "disputes", "payouts", "credit_notes", "credit_note_line_items", "coupons",
    "promotion_codes", "tax_rates", "invoice_items", "plans", "setup_intents",
    "payment_methods", "checkout_sessions", "transfers", "transfer_reversals",
    "application_fees", "application_fee_refunds",
)  # fmt: skip
# Connect: the platform's side.
PLATFORM_ONLY = ("transfers", "transfer_reversals", "application_fees", "application_fee_refunds")
NESTED = ("credit_note_line_items", "transfer_reversals", "application_fee_refunds")
NEW_LISTS = tuple(r for r in NEW if r not in NESTED)
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def shared() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.05, seed=42, now=NOW, connected_accounts=1) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared: StripeSandbox) -> StripeSandbox:
    """The module's sandbox; tests must not change its data (use `own` for that)."""
    return shared


@pytest.fixture
def own() -> Iterator[StripeSandbox]:
    with StripeSandbox(
        scale=0.02, seed=11, now=NOW, connected_accounts=1, products=ALL_PRODUCTS
    ) as sandbox:
        yield sandbox


def get(
    sb: StripeSandbox,
    path: str,
    *,
    account: str | None = None,
    key: str = DEMO_API_KEY,
    **params: Any,
) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if account is not None:
        headers["Stripe-Account"] = account
    return requests.get(sb.url + path, params=params, headers=headers, timeout=10)


def walk(sb: StripeSandbox, path: str, *, account: str | None = None, **params: Any) -> list[Obj]:
    out: list[Obj] = []
    cursor: dict[str, str] = {}
    while True:
        r = get(sb, path, account=account, **{"limit": 100, **params, **cursor})
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["data"])
        if not body["has_more"]:
            return out
        cursor = {"starting_after": body["data"][-1]["id"]}


def latest(sb: StripeSandbox, type_: str, account: str | None = None) -> Obj:
    events = [e for e in sb.objects("events", account=account) if e["type"] == type_]
    assert events, f"no {type_} event"
    return events[0]


# ---------------------------------------------------------------------------------------------
# The data: enough of everything at every scale, linked into the business.
@pytest.mark.parametrize("scale", [0.01, 0.02, 0.05])
def test_every_scale_has_a_handful_of_each(scale: float) -> None:
    sb = StripeSandbox(scale=scale, seed=3, now=NOW, connected_accounts=1)
    for account in sb.accounts:
        counts = sb.counts(account=account)
        platform = account == DEMO_ACCOUNT_ID
        for resource in NEW:
            if resource in PLATFORM_ONLY and not platform:
                assert counts[resource] == 0, resource
            else:
                assert counts[resource] >= 5, (account, resource, counts[resource])
        notes = sb.objects("credit_notes", account=account)
        assert sum(cn["lines"]["has_more"] for cn in notes) >= 2
        items = sb.objects("invoice_items", account=account)
        assert sum(i["invoice"] is None for i in items) >= 3
        assert {"succeeded", "canceled", "requires_payment_method"} <= {
            s["status"] for s in sb.objects("setup_intents", account=account)
        }
        assert {"complete", "expired", "open"} <= {
            s["status"] for s in sb.objects("checkout_sessions", account=account)
        }
        assert {"card", "link"} == {
            p["type"] for p in sb.objects("payment_methods", account=account)
        }
    transfers = sb.objects("transfers")
    assert sum(bool(t["reversals"]["data"]) for t in transfers) >= 2
    assert any(t["reversed"] for t in transfers)
    assert any(t["reversals"]["has_more"] for t in transfers)
    fees = sb.objects("application_fees")
    assert sum(bool(f["refunds"]["data"]) for f in fees) >= 2
    assert any(f["refunded"] for f in fees)
    assert any(f["refunds"]["has_more"] for f in fees)


SESSION_LINKS = (
    ("customer", "customers"),
    ("payment_intent", "payment_intents"),
    ("subscription", "subscriptions"),
    ("invoice", "invoices"),
)


@pytest.mark.parametrize("account", [0, 1])
def test_links_resolve_inside_the_business(sb: StripeSandbox, account: int) -> None:
    acct = sb.accounts[account]
    linked = ("customers", "charges", "invoices", "payment_intents", "subscriptions", "refunds",
              "prices", "invoice_line_items")  # fmt: skip
    objs = {r: sb.objects(r, account=acct) for r in (*NEW, *linked)}
    ids = {r: {o["id"] for o in v} for r, v in objs.items()}
    pms = {p["id"]: p for p in objs["payment_methods"]}
    # Payment methods are the cards the charges name, attached before they were charged.
    for ch in objs["charges"]:
        assert pms[ch["payment_method"]]["created"] <= ch["created"]
        assert (
            pms[ch["payment_method"]]["card"]["last4"]
            == (ch["payment_method_details"]["card"]["last4"])
        )
    assert all(p["customer"] is None or p["customer"] in ids["customers"] for p in pms.values())
    for si in objs["setup_intents"]:
        assert si["customer"] in ids["customers"]
        assert (si["payment_method"] in pms) is (si["status"] == "succeeded")
    for cs in objs["checkout_sessions"]:
        for field, resource in SESSION_LINKS:
            assert cs[field] is None or cs[field] in ids[resource], (cs["id"], field)
        assert (cs["subscription"] is not None) is (cs["mode"] == "subscription")
    # Invoice items are the items behind the invoice-item lines (and a few pending ones).
    lines = {li["id"]: li for li in objs["invoice_line_items"]}
    behind = {
        li["parent"]["invoice_item_details"]["invoice_item"]: li
        for li in lines.values()
        if li["parent"]["invoice_item_details"]
    }
    for item in objs["invoice_items"]:
        if item["invoice"] is None:
            assert item["id"] not in behind
            continue
        line = behind[item["id"]]
        assert (item["invoice"], item["amount"]) == (line["invoice"], line["amount"])
    assert set(behind) <= ids["invoice_items"]
    # Plans are the recurring prices' legacy view.
    assert ids["plans"] == {p["id"] for p in objs["prices"] if p["recurring"]}
    # Credit notes credit paid invoices' own lines; their refunds exist.
    invoices = {i["id"]: i for i in objs["invoices"]}
    for cn in objs["credit_notes"]:
        inv = invoices[cn["invoice"]]
        assert (inv["status"], inv["customer"]) == ("paid", cn["customer"])
        for cl in walk(sb, cn["lines"]["url"], account=acct):
            assert lines[cl["invoice_line_item"]]["invoice"] == inv["id"]
        assert {r["refund"] for r in cn["refunds"]} <= ids["refunds"]
        assert cn["amount"] == sum(
            cl["amount"] for cl in walk(sb, cn["lines"]["url"], account=acct)
        )
    credited: dict[str, int] = {}
    for cn in objs["credit_notes"]:
        if cn["status"] == "issued":
            credited[cn["invoice"]] = credited.get(cn["invoice"], 0) + cn["amount"]
    for inv_id, amount in credited.items():
        assert invoices[inv_id]["post_payment_credit_notes_amount"] == amount
    charges = {c["id"]: c for c in objs["charges"]}
    for du in objs["disputes"]:
        assert charges[du["charge"]]["disputed"] is True
        assert du["payment_intent"] == charges[du["charge"]]["payment_intent"]
    assert all(p["promotion"]["coupon"] in ids["coupons"] for p in objs["promotion_codes"])
    for tr in objs["transfers"]:
        source = charges[tr["source_transaction"]]
        assert source["transfer_group"] == tr["transfer_group"]
        reversals = walk(sb, tr["reversals"]["url"], account=acct)
        assert {r["transfer"] for r in reversals} <= {tr["id"]}
        assert tr["amount_reversed"] == sum(r["amount"] for r in reversals)
    for fee in objs["application_fees"]:
        refunds = walk(sb, fee["refunds"]["url"], account=acct)
        assert {r["fee"] for r in refunds} <= {fee["id"]}
        assert fee["amount_refunded"] == sum(r["amount"] for r in refunds)


def test_application_fees_name_the_connected_accounts_charges() -> None:
    sb = StripeSandbox(scale=0.02, seed=5, now=NOW, connected_accounts=3)
    fees = sb.objects("application_fees")
    destinations = [p.account_id for p in connect_destinations(5)]
    assert sb.accounts[1:] == destinations
    assert {f["account"] for f in fees} == set(destinations)
    for account in destinations:
        charges = {c["id"]: c for c in sb.objects("charges", account=account)}
        currency = sb.account_object(account)["default_currency"]
        for fee in (f for f in fees if f["account"] == account):
            ch = charges[fee["charge"]]
            assert (ch["application_fee"], ch["application_fee_amount"]) == (
                fee["id"],
                fee["amount"],
            )
            assert ch["application"] == fee["application"]
            assert fee["currency"] == ch["currency"] == currency
    assert {t["destination"] for t in sb.objects("transfers")} <= set(destinations)
    # The platform's data does not depend on how many connected accounts the sandbox serves.
    alone = StripeSandbox(scale=0.02, seed=5, now=NOW)
    for resource in ("application_fees", "transfers", "balance_transactions", "payouts"):
        assert alone.objects(resource) == sb.objects(resource), resource


def test_payouts_pay_out_what_was_available(sb: StripeSandbox) -> None:
    payouts = sb.objects("payouts")
    assert {"paid"} <= {p["status"] for p in payouts} <= {"paid", "in_transit"}
    txns = {t["id"]: t for t in sb.objects("balance_transactions")}
    paid = [p for p in payouts if p["status"] == "paid"][:5]
    for po in paid:
        assert txns[po["balance_transaction"]]["amount"] == -po["amount"]
        assert po["arrival_date"] <= NOW
        # Stripe's payout filter: the transactions that automatic payout paid out.
        paid_out = walk(sb, "/v1/balance_transactions", payout=po["id"])
        assert paid_out
        assert sum(t["net"] for t in paid_out) == po["amount"]
        assert all(t["available_on"] <= po["created"] for t in paid_out)
    everything = [t for t in txns.values() if t["status"] == "available"]
    assert sb.balance()["available"][0]["amount"] == sum(t["net"] for t in everything)


# ---------------------------------------------------------------------------------------------
# Lists and filters over HTTP.
def _first(sb: StripeSandbox, resource: str, pred: Callable[[Obj], bool] = bool) -> Obj:
    return next(o for o in sb.objects(resource) if pred(o))


FILTER_CASES: list[tuple[str, Callable[[StripeSandbox], dict[str, Any]], Callable[..., bool]]] = [
    ("refunds", lambda sb: {"payment_intent": _first(sb, "refunds")["payment_intent"]},
     lambda o, p: o["payment_intent"] == p["payment_intent"]),
    ("disputes", lambda sb: {"charge": _first(sb, "disputes")["charge"]},
     lambda o, p: o["charge"] == p["charge"]),
    ("disputes", lambda sb: {"payment_intent": _first(sb, "disputes")["payment_intent"]},
     lambda o, p: o["payment_intent"] == p["payment_intent"]),
    ("payouts", lambda sb: {"status": "paid"}, lambda o, p: o["status"] == "paid"),
    ("payouts", lambda sb: {"destination": _first(sb, "payouts")["destination"]},
     lambda o, p: o["destination"] == p["destination"]),
    ("payouts", lambda sb: {"arrival_date[gte]": NOW - 90 * DAY},
     lambda o, p: o["arrival_date"] >= NOW - 90 * DAY),
    ("credit_notes", lambda sb: {"customer": _first(sb, "credit_notes")["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("credit_notes", lambda sb: {"invoice": _first(sb, "credit_notes")["invoice"]},
     lambda o, p: o["invoice"] == p["invoice"]),
    ("promotion_codes", lambda sb: {"active": "false"}, lambda o, p: not o["active"]),
    ("promotion_codes", lambda sb: {"code": "SUMMER25"}, lambda o, p: o["code"] == "SUMMER25"),
    ("promotion_codes", lambda sb: {"coupon": "WELCOME10"},
     lambda o, p: o["promotion"]["coupon"] == "WELCOME10"),
    ("promotion_codes",
     lambda sb: {"customer": _first(sb, "promotion_codes", lambda o: o["customer"])["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("tax_rates", lambda sb: {"active": "false"}, lambda o, p: not o["active"]),
    ("tax_rates", lambda sb: {"inclusive": "true"}, lambda o, p: o["inclusive"]),
    ("invoice_items", lambda sb: {"pending": "true"}, lambda o, p: o["invoice"] is None),
    ("invoice_items", lambda sb: {"pending": "false"}, lambda o, p: o["invoice"] is not None),
    ("invoice_items", lambda sb: {"customer": _first(sb, "invoice_items")["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("invoice_items",
     lambda sb: {"invoice": _first(sb, "invoice_items", lambda o: o["invoice"])["invoice"]},
     lambda o, p: o["invoice"] == p["invoice"]),
    ("plans", lambda sb: {"active": "false"}, lambda o, p: not o["active"]),
    ("plans", lambda sb: {"product": _first(sb, "plans")["product"]},
     lambda o, p: o["product"] == p["product"]),
    ("setup_intents", lambda sb: {"customer": _first(sb, "setup_intents")["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("setup_intents",
     lambda sb: {"payment_method": _first(sb, "setup_intents",
                                          lambda o: o["payment_method"])["payment_method"]},
     lambda o, p: o["payment_method"] == p["payment_method"]),
    ("payment_methods", lambda sb: {"type": "link"}, lambda o, p: o["type"] == "link"),
    ("payment_methods",
     lambda sb: {"customer": _first(sb, "payment_methods", lambda o: o["customer"])["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("checkout_sessions", lambda sb: {"status": "expired"}, lambda o, p: o["status"] == "expired"),
    ("checkout_sessions",
     lambda sb: {"subscription": _first(sb, "checkout_sessions",
                                        lambda o: o["subscription"])["subscription"]},
     lambda o, p: o["subscription"] == p["subscription"]),
    ("checkout_sessions",
     lambda sb: {"payment_intent": _first(sb, "checkout_sessions",
                                          lambda o: o["payment_intent"])["payment_intent"]},
     lambda o, p: o["payment_intent"] == p["payment_intent"]),
    ("checkout_sessions",
     lambda sb: {"customer": _first(sb, "checkout_sessions", lambda o: o["customer"])["customer"]},
     lambda o, p: o["customer"] == p["customer"]),
    ("checkout_sessions",
     lambda sb: {"customer_details[email]": _first(
         sb, "checkout_sessions", lambda o: o["customer_details"])["customer_details"]["email"]},
     lambda o, p: (o["customer_details"] or {}).get("email") == p["customer_details[email]"]),
    ("transfers", lambda sb: {"destination": _first(sb, "transfers")["destination"]},
     lambda o, p: o["destination"] == p["destination"]),
    ("transfers", lambda sb: {"transfer_group": _first(sb, "transfers")["transfer_group"]},
     lambda o, p: o["transfer_group"] == p["transfer_group"]),
    ("application_fees", lambda sb: {"charge": _first(sb, "application_fees")["charge"]},
     lambda o, p: o["charge"] == p["charge"]),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "params", "pred"), FILTER_CASES)
def test_filters(
    sb: StripeSandbox,
    resource: str,
    params: Callable[[StripeSandbox], dict[str, Any]],
    pred: Callable[..., bool],
) -> None:
    query = params(sb)
    everything = sb.objects(resource)
    expected = [o["id"] for o in everything if pred(o, query)]
    assert expected, query  # the filter finds something ...
    got = walk(sb, path_of(resource), **query)
    assert [o["id"] for o in got] == expected
    if len(query) == 1 and "[" not in next(iter(query)):
        # ... and a filter that changes nothing proves nothing (booleans: both ways).
        assert len(expected) < len(everything) or resource == "payouts", query


@pytest.mark.parametrize("resource", [r for r in NEW_LISTS if r != "payment_methods"])
def test_created_filter(sb: StripeSandbox, resource: str) -> None:
    everything = sb.objects(resource)
    times = sorted(created_at(resource, o) for o in everything)
    pivot = times[len(times) // 2]
    expected = [o["id"] for o in everything if created_at(resource, o) >= pivot]
    got = walk(sb, path_of(resource), **{"created[gte]": str(pivot)})
    assert [o["id"] for o in got] == expected
    assert 0 < len(expected) < len(everything)


def test_invoice_items_filter_created_on_their_date(sb: StripeSandbox) -> None:
    item = _first(sb, "invoice_items", lambda o: o["invoice"] is None)
    assert "created" not in item  # stripe.InvoiceItem has `date`
    got = walk(sb, "/v1/invoiceitems", created=item["date"])
    assert item["id"] in {o["id"] for o in got}
    assert {o["date"] for o in got} == {item["date"]}


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        ("/v1/payment_methods", {"created[gte]": "1"}, "created"),
        ("/v1/checkout/sessions", {"status": "done"}, "status"),
        ("/v1/invoiceitems", {"pending": "maybe"}, "pending"),
        ("/v1/tax_rates", {"inclusive": "yes"}, "inclusive"),
        ("/v1/coupons", {"active": "true"}, "active"),
        ("/v1/payouts", {"arrival_date[after]": "1"}, "arrival_date[after]"),
    ],
)
def test_bad_filters_are_400s(
    sb: StripeSandbox, path: str, params: dict[str, str], param: str
) -> None:
    r = get(sb, path, **params)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == param


def test_a_customers_payment_methods(sb: StripeSandbox) -> None:
    pms = sb.objects("payment_methods")
    owner = next(p["customer"] for p in pms if p["type"] == "link")
    mine = [p for p in pms if p["customer"] == owner]
    assert {p["type"] for p in mine} == {"card", "link"}
    path = f"/v1/customers/{owner}/payment_methods"
    r = get(sb, path)
    assert r.status_code == 200
    body = r.json()
    assert body["url"] == path
    assert [p["id"] for p in body["data"]] == [p["id"] for p in mine]  # newest first
    assert walk(sb, path, limit=1) == mine
    assert [p["id"] for p in walk(sb, path, type="card")] == [
        p["id"] for p in mine if p["type"] == "card"
    ]
    assert walk(sb, "/v1/payment_methods", customer=owner) == mine
    assert get(sb, path, **{"created[gte]": "1"}).status_code == 400
    missing = get(sb, "/v1/customers/cus_nope/payment_methods")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No such customer: 'cus_nope'"
    # A detached card: in no customer's list, still retrievable, and listed without customer.
    detached = next(p for p in pms if p["customer"] is None)
    assert get(sb, f"/v1/payment_methods/{detached['id']}").json() == detached
    assert detached["id"] in {p["id"] for p in walk(sb, "/v1/payment_methods")}
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    listed = client.v1.customers.payment_methods.list(owner, {"limit": 1}).auto_paging_iter()
    assert [p.id for p in listed] == [p["id"] for p in mine]


# ---------------------------------------------------------------------------------------------
# Nested lists: credit note lines (past 10), transfer reversals, application fee refunds.
def test_credit_note_lines_truncate_at_ten_and_the_rest_pages(sb: StripeSandbox) -> None:
    for cn in [c for c in sb.objects("credit_notes") if c["lines"]["has_more"]][:2]:
        lines = cn["lines"]
        assert lines["total_count"] > 10
        assert len(lines["data"]) == 10
        assert lines["url"] == f"/v1/credit_notes/{cn['id']}/lines"
        assert get(sb, f"/v1/credit_notes/{cn['id']}").json()["lines"] == lines
        everything = walk(sb, lines["url"], limit=3)
        assert everything[:10] == lines["data"]
        assert len(everything) == lines["total_count"]
        rest = get(sb, lines["url"], starting_after=lines["data"][-1]["id"], limit=100).json()
        assert rest["data"] == everything[10:]
        assert rest["url"] == lines["url"]
        last = len(everything) - 1
        before = get(sb, lines["url"], ending_before=everything[last]["id"], limit=2).json()
        assert before["data"] == everything[last - 2 : last]
        ids = {li["id"] for li in everything}
        assert ids <= sb.ids("credit_note_line_items")
    cn = sb.objects("credit_notes")[0]
    r = get(sb, f"/v1/credit_notes/{cn['id']}/lines", **{"created[gte]": "1"})
    assert (r.status_code, r.json()["error"]["param"]) == (400, "created")
    r = get(sb, "/v1/credit_notes/cn_nope/lines")
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "No such credit_note: 'cn_nope'"
    r = get(sb, f"/v1/credit_notes/{cn['id']}/lines", starting_after="cnli_nope")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "resource_missing")


def test_the_stripe_sdk_reads_credit_note_lines(sb: StripeSandbox) -> None:
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    cn = next(c for c in sb.objects("credit_notes") if c["lines"]["has_more"])
    lines = client.v1.credit_notes.line_items.list(cn["id"], {"limit": 4}).auto_paging_iter()
    assert len([li.id for li in lines]) == cn["lines"]["total_count"]
    got = client.v1.credit_notes.retrieve(cn["id"])
    assert isinstance(got, stripe.CreditNote)
    assert got.lines.has_more is True


@pytest.mark.parametrize(
    ("resource", "field", "child", "cursor"),
    [("transfers", "reversals", "transfer_reversals", "trr_nope"),
     ("application_fees", "refunds", "application_fee_refunds", "fr_nope")],
)  # fmt: skip
def test_reversals_and_fee_refunds_embed_the_ten_newest_and_the_rest_pages(
    sb: StripeSandbox, resource: str, field: str, child: str, cursor: str
) -> None:
    parents = sb.objects(resource)
    listed: set[str] = set()
    for parent in parents:
        embedded = parent[field]
        assert embedded["url"] == f"{path_of(resource)}/{parent['id']}/{field}"
        everything = walk(sb, embedded["url"], limit=3)
        assert len(everything) == embedded["total_count"]
        assert embedded["data"] == everything[:10]  # "the 10 most recent"
        assert embedded["has_more"] is (len(everything) > 10)
        created = [o["created"] for o in everything]
        assert created == sorted(created, reverse=True)
        listed |= {o["id"] for o in everything}
    assert listed == sb.ids(child)
    parent = next(p for p in parents if p[field]["has_more"])
    embedded = parent[field]
    url = embedded["url"]
    everything = walk(sb, url)
    rest = get(sb, url, starting_after=embedded["data"][-1]["id"], limit=100).json()
    assert (rest["data"], rest["has_more"], rest["url"]) == (everything[10:], False, url)
    last = len(everything) - 1
    before = get(sb, url, ending_before=everything[last]["id"], limit=2).json()
    assert (before["data"], before["has_more"]) == (everything[last - 2 : last], True)
    r = get(sb, url, **{"created[gte]": "1"})
    assert (r.status_code, r.json()["error"]["param"]) == (400, "created")
    r = get(sb, url, starting_after=cursor)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "resource_missing")


def test_the_stripe_sdk_lists_and_retrieves_the_new_resources(sb: StripeSandbox) -> None:
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    services: dict[str, Any] = {
        "checkout_sessions": client.v1.checkout.sessions, "invoice_items": client.v1.invoice_items,
        "payment_methods": client.v1.payment_methods, "disputes": client.v1.disputes,
        "payouts": client.v1.payouts, "coupons": client.v1.coupons, "plans": client.v1.plans,
        "transfers": client.v1.transfers, "application_fees": client.v1.application_fees,
    }  # fmt: skip
    for resource, service in services.items():
        ids = [o.id for o in service.list({"limit": 100}).auto_paging_iter()]
        assert ids == [o["id"] for o in sb.objects(resource)], resource
        one = service.retrieve(ids[-1])
        assert isinstance(one, CLASSES[resource]), resource
    fee = next(f for f in sb.objects("application_fees") if f["refunds"]["has_more"])
    refunds = client.v1.application_fees.refunds.list(fee["id"]).auto_paging_iter()
    assert [r.id for r in refunds] == [r["id"] for r in walk(sb, fee["refunds"]["url"])]
    got = client.v1.application_fees.retrieve(fee["id"])
    assert isinstance(got.refunds.data[0], stripe.ApplicationFeeRefund)
    tr = next(t for t in sb.objects("transfers") if t["reversals"]["has_more"])
    reversals = client.v1.transfers.reversals.list(tr["id"]).auto_paging_iter()
    assert [r.id for r in reversals] == [r["id"] for r in walk(sb, tr["reversals"]["url"])]
    got = client.v1.transfers.retrieve(tr["id"])
    assert isinstance(got.reversals.data[0], stripe.TransferReversal)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/disputes/du_nope", "No such dispute: 'du_nope'"),
        ("/v1/payouts/po_nope", "No such payout: 'po_nope'"),
        ("/v1/credit_notes/cn_nope", "No such credit_note: 'cn_nope'"),
        ("/v1/coupons/NOPE", "No such coupon: 'NOPE'"),
        ("/v1/promotion_codes/promo_nope", "No such promotion_code: 'promo_nope'"),
        ("/v1/tax_rates/txr_nope", "No such tax_rate: 'txr_nope'"),
        ("/v1/invoiceitems/ii_nope", "No such invoiceitem: 'ii_nope'"),
        ("/v1/plans/price_nope", "No such plan: 'price_nope'"),
        ("/v1/setup_intents/seti_nope", "No such setupintent: 'seti_nope'"),
        ("/v1/payment_methods/pm_nope", "No such PaymentMethod: 'pm_nope'"),
        ("/v1/checkout/sessions/cs_live_nope", "No such checkout.session: 'cs_live_nope'"),
        ("/v1/transfers/tr_nope", "No such transfer: 'tr_nope'"),
        ("/v1/application_fees/fee_nope", "No such application_fee: 'fee_nope'"),
        ("/v1/transfers/tr_nope/reversals", "No such transfer: 'tr_nope'"),
        ("/v1/application_fees/fee_nope/refunds", "No such application_fee: 'fee_nope'"),
    ],
)
def test_retrieving_what_is_not_there_is_a_404(sb: StripeSandbox, path: str, message: str) -> None:
    r = get(sb, path)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "resource_missing"
    assert r.json()["error"]["message"] == message


def test_a_coupon_is_retrieved_by_its_own_id(sb: StripeSandbox) -> None:
    coupon = sb.objects("coupons")
    named = next(c for c in coupon if c["id"] == "SUMMER25")
    named = {k: v for k, v in named.items() if k not in EXPAND_ONLY["coupons"]}  # unasked
    assert get(sb, "/v1/coupons/SUMMER25").json() == named
    # A promotion code's coupon expands, though its id has no prefix to go by.
    code = _first(sb, "promotion_codes", lambda p: p["code"] == "SUMMER25")
    r = get(sb, f"/v1/promotion_codes/{code['id']}", **{"expand[]": "promotion.coupon"})
    assert r.json()["promotion"]["coupon"] == named


# ---------------------------------------------------------------------------------------------
# Permissions.
ENDPOINTS = [
    ("disputes", "/v1/disputes"), ("payouts", "/v1/payouts"),
    ("credit_notes", "/v1/credit_notes"), ("coupons", "/v1/coupons"),
    ("promotion_codes", "/v1/promotion_codes"), ("tax_rates", "/v1/tax_rates"),
    ("invoice_items", "/v1/invoiceitems"), ("plans", "/v1/plans"),
    ("setup_intents", "/v1/setup_intents"), ("payment_methods", "/v1/payment_methods"),
    ("checkout_sessions", "/v1/checkout/sessions"), ("transfers", "/v1/transfers"),
    ("application_fees", "/v1/application_fees"),
]  # fmt: skip
EXPECTED_PERMISSIONS = {
    "disputes": ("dispute_read", "Disputes"), "payouts": ("payout_read", "Payouts"),
    "credit_notes": ("credit_note_read", "Credit notes"),
    "credit_note_line_items": ("credit_note_read", "Credit notes"),
    "coupons": ("coupon_read", "Coupons"),
    "promotion_codes": ("promotion_code_read", "Promotion codes"),
    "tax_rates": ("tax_rate_read", "Tax rates"), "invoice_items": ("invoice_read", "Invoices"),
    "plans": ("plan_read", "Prices"), "setup_intents": ("setup_intent_read", "SetupIntents"),
    "payment_methods": ("payment_method_read", "PaymentMethods"),
    "checkout_sessions": ("checkout_session_read", "Checkout Sessions"),
    "transfers": ("transfer_read", "Transfers"),
    "application_fees": ("application_fee_read", "Application fees"),
    "refunds": ("charge_read", "Charges"),
}  # fmt: skip


def test_the_permission_table_is_the_one_asked_for() -> None:
    for resource, (permission, display) in EXPECTED_PERMISSIONS.items():
        assert PERMISSIONS[resource] == (permission, f"{display} Read"), resource


@pytest.mark.parametrize(("resource", "path"), ENDPOINTS)
def test_each_endpoint_needs_its_permission(sb: StripeSandbox, resource: str, path: str) -> None:
    permission, display = EXPECTED_PERMISSIONS[resource]
    key = f"rk_live_sandboxNo{resource.replace('_', '')[:12]:0<12}00000{len(path):02d}"
    legacy = key[:-2] + "LG"
    sb.add_key(key, denied=(permission,))
    sb.add_key(legacy, denied=(permission,), message_form="legacy")
    one = sb.objects(resource)[0]["id"]
    for target in (path, f"{path}/{one}"):
        r = get(sb, target, key=key)
        assert r.status_code == 403, target
        assert r.json()["error"]["code"] == "more_permissions_required"
        assert (
            f"Enabling \"{display} Read\" ('{permission}') permissions"
            in (r.json()["error"]["message"])
        )
        r = get(sb, target, key=legacy)
        assert r.status_code == 403
        assert f"Having the 'rak_{permission}' permission" in r.json()["error"]["message"]
    # Other endpoints stay open to the key (unless they share the permission).
    other = "/v1/customers" if resource != "customers" else "/v1/products"
    assert get(sb, other, key=key).status_code == 200


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("/v1/credit_notes/{credit_note}/lines", "credit_note_read"),
        ("/v1/customers/{customer}/payment_methods", "payment_method_read"),
        ("/v1/transfers/{transfer}/reversals", "transfer_read"),
        ("/v1/application_fees/{fee}/refunds", "application_fee_read"),
    ],
)
def test_nested_lists_need_their_permission(sb: StripeSandbox, path: str, permission: str) -> None:
    key = f"rk_live_sandboxNested{permission[:10]:0<10}0000"
    sb.add_key(key, denied=(permission,))
    ids = {
        "credit_note": sb.objects("credit_notes")[0]["id"],
        "customer": _first(sb, "payment_methods", lambda p: p["customer"])["customer"],
        "transfer": sb.objects("transfers")[0]["id"],
        "fee": sb.objects("application_fees")[0]["id"],
    }
    target = path.format(**ids)
    assert get(sb, target).status_code == 200
    r = get(sb, target, key=key)
    assert r.status_code == 403
    assert f"('{permission}')" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "expand", "permission"),
    [
        ("/v1/disputes", "data.charge", "charge_read"),
        ("/v1/credit_notes", "data.invoice", "invoice_read"),
        ("/v1/invoiceitems", "data.customer", "customer_read"),
        ("/v1/promotion_codes", "data.promotion.coupon", "coupon_read"),
        ("/v1/setup_intents", "data.payment_method", "payment_method_read"),
        ("/v1/checkout/sessions", "data.customer", "customer_read"),
        ("/v1/transfers", "data.source_transaction", "charge_read"),
        ("/v1/payouts", "data.balance_transaction", "balance_read"),
    ],
)
def test_expanding_needs_the_expanded_objects_permission(
    sb: StripeSandbox, path: str, expand: str, permission: str
) -> None:
    r = get(sb, path, limit=100, **{"expand[]": expand})
    assert r.status_code == 200
    head = expand.split(".")[1:]
    expanded = [o for o in r.json()["data"] if isinstance(_dig(o, head), dict)]
    assert expanded, "nothing was expanded"
    key = f"rk_live_sandboxExpand{permission[:10]:0<10}{len(path):04d}"
    sb.add_key(key, denied=(permission,))
    assert get(sb, path, key=key).status_code == 200
    r = get(sb, path, key=key, **{"expand[]": expand})
    assert r.status_code == 403
    assert f"('{permission}')" in r.json()["error"]["message"]


def _dig(obj: Any, path: list[str]) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


# ---------------------------------------------------------------------------------------------
# Events.
def test_initial_events_cover_the_last_30_days() -> None:
    sb = StripeSandbox(scale=0.1, seed=4, now=NOW)
    events = sb.objects("events")
    since = NOW - EVENT_RETENTION
    for resource in NEW:
        type_ = CREATED_EVENT.get(resource)
        if type_ is None:
            continue
        recent = {o["id"] for o in sb.objects(resource) if created_at(resource, o) >= since}
        announced = {e["data"]["object"]["id"] for e in events if e["type"] == type_}
        assert announced == recent, resource
    attached = {
        p["id"]
        for p in sb.objects("payment_methods")
        if p["customer"] is not None and p["created"] >= since
    }
    assert attached == {
        e["data"]["object"]["id"] for e in events if e["type"] == "payment_method.attached"
    }
    # Lifecycle: a paid payout, a completed or expired session at the time it happened.
    paid = {e["data"]["object"]["id"]: e["created"] for e in events if e["type"] == "payout.paid"}
    assert paid
    payouts = {p["id"]: p for p in sb.objects("payouts")}
    assert all(payouts[i]["arrival_date"] == t for i, t in paid.items())
    done = {e["type"] for e in events if e["type"].startswith("checkout.session.")}
    assert done <= {"checkout.session.completed", "checkout.session.expired"}
    assert "checkout.session.completed" in done


Action = Callable[[StripeSandbox], Obj]


def _update(resource: str, changes: Obj, pick: Callable[[Obj], bool] = bool) -> Action:
    def act(sb: StripeSandbox) -> Obj:
        target = next(o for o in sb.objects(resource) if pick(o))
        return sb.update(resource, target["id"], changes)

    return act


EVENT_CASES: list[tuple[str, Action, str | None]] = [
    ("create refund", lambda sb: sb.create("refunds"), "refund.created"),
    ("update refund", _update("refunds", {"metadata": {"a": "b"}}), "refund.updated"),
    ("create dispute", lambda sb: sb.create("disputes"), "charge.dispute.created"),
    ("update dispute", _update("disputes", {"metadata": {"a": "b"}}), "charge.dispute.updated"),
    ("close dispute", lambda sb: sb.update(
        "disputes", sb.create("disputes")["id"], {"status": "lost"}), "charge.dispute.closed"),
    ("create payout", lambda sb: sb.create("payouts"), "payout.created"),
    ("update payout", _update("payouts", {"metadata": {"a": "b"}}), "payout.updated"),
    ("pay payout", lambda sb: sb.update("payouts", sb.create("payouts")["id"], {"status": "paid"}),
     "payout.paid"),
    ("create credit note", lambda sb: sb.create("credit_notes"), "credit_note.created"),
    ("update credit note", _update("credit_notes", {"memo": "Oops"}), "credit_note.updated"),
    ("void credit note", lambda sb: sb.update(
        "credit_notes", sb.create("credit_notes", {"out_of_band_amount": 1})["id"],
        {"status": "void"}), "credit_note.voided"),
    ("create coupon", lambda sb: sb.create("coupons", {"id": "SPRING30"}), "coupon.created"),
    ("update coupon", _update("coupons", {"name": "Renamed"}), "coupon.updated"),
    ("delete coupon", lambda sb: sb.delete("coupons", "SUMMER25"), "coupon.deleted"),
    ("create promotion code", lambda sb: sb.create("promotion_codes", {"coupon": "ANNUAL20"}),
     "promotion_code.created"),
    ("update promotion code", _update("promotion_codes", {"active": False}, lambda p: p["active"]),
     "promotion_code.updated"),
    ("create tax rate", lambda sb: sb.create("tax_rates"), "tax_rate.created"),
    ("archive tax rate", _update("tax_rates", {"active": False}, lambda t: t["active"]),
     "tax_rate.updated"),
    ("create invoice item", lambda sb: sb.create("invoice_items"), "invoiceitem.created"),
    ("delete invoice item", lambda sb: sb.delete(
        "invoice_items", _first(sb, "invoice_items", lambda i: i["invoice"] is None)["id"]),
     "invoiceitem.deleted"),
    ("create plan", lambda sb: sb.create("plans"), "plan.created"),
    ("update plan", _update("plans", {"nickname": "Renamed"}), "plan.updated"),
    ("delete plan", lambda sb: sb.delete("plans", sb.objects("plans")[-1]["id"]), "plan.deleted"),
    ("create setup intent", lambda sb: sb.create("setup_intents"), "setup_intent.created"),
    ("setup intent succeeds", lambda sb: sb.update(
        "setup_intents", sb.create("setup_intents")["id"], {"status": "succeeded"}),
     "setup_intent.succeeded"),
    ("cancel setup intent", lambda sb: sb.update(
        "setup_intents", sb.create("setup_intents")["id"], {"status": "canceled"}),
     "setup_intent.canceled"),
    ("attach payment method", lambda sb: sb.create("payment_methods"), "payment_method.attached"),
    ("update payment method", _update("payment_methods", {"metadata": {"a": "b"}}),
     "payment_method.updated"),
    ("detach payment method", lambda sb: sb.delete(
        "payment_methods", _first(sb, "payment_methods", lambda p: p["customer"])["id"]),
     "payment_method.detached"),
    ("complete session", lambda sb: sb.update(
        "checkout_sessions", sb.create("checkout_sessions")["id"], {"status": "complete"}),
     "checkout.session.completed"),
    ("expire session", _update("checkout_sessions", {"status": "expired"},
                               lambda c: c["status"] == "open"), "checkout.session.expired"),
    ("create transfer", lambda sb: sb.create("transfers"), "transfer.created"),
    ("update transfer", _update("transfers", {"description": "Payout share"}),
     "transfer.updated"),
    ("reverse transfer", lambda sb: sb.reverse_transfer(
        _first(sb, "transfers", lambda t: not t["reversed"])["id"], 100), "transfer.reversed"),
    ("create application fee", lambda sb: sb.create("application_fees"),
     "application_fee.created"),
    ("refund application fee", lambda sb: sb.refund_application_fee(
        _first(sb, "application_fees", lambda f: not f["refunded"])["id"]),
     "application_fee.refunded"),
    ("update fee refund", _update("application_fee_refunds", {"metadata": {"a": "b"}}),
     "application_fee.refund.updated"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "action", "type_"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_mutations_emit_stripes_events(
    own: StripeSandbox, case: str, action: Action, type_: str
) -> None:
    own.advance(60)
    before = len(own.objects("events"))
    obj = action(own)
    evt = latest(own, type_)
    assert evt["created"] == own.now
    assert evt["data"]["object"]["id"] == obj["id"]
    assert len(own.objects("events")) > before
    if type_.endswith(".deleted"):
        gone = evt["data"]["object"]
        assert gone["deleted"] is True  # Coupon, Plan and InvoiceItem declare the flag
        assert {k: v for k, v in gone.items() if k != "deleted"} == obj
        resource = {"coupon": "coupons", "plan": "plans", "invoiceitem": "invoice_items"}
        assert obj["id"] not in own.ids(resource[gone["object"]])
    elif type_.endswith(".updated") and "previous_attributes" in evt["data"]:
        assert evt["data"]["object"] == obj
    problems = list(check(evt, stripe.Event, evt["id"])) + list(event_problems(evt))
    assert not problems, problems


@pytest.mark.parametrize(
    "action",
    [
        lambda sb: sb.create("checkout_sessions"),  # Stripe has no checkout.session.created
        lambda sb: sb.update(  # nor invoiceitem.updated
            "invoice_items", _first(sb, "invoice_items")["id"], {"description": "x"}
        ),
        lambda sb: sb.update(  # nor setup_intent.updated
            "setup_intents", _first(sb, "setup_intents")["id"], {"metadata": {"a": "b"}}
        ),
        lambda sb: sb.update(  # nor an event of a reversal's (transfer.updated: the transfer's)
            "transfer_reversals", _first(sb, "transfer_reversals")["id"], {"metadata": {"a": "b"}}
        ),
    ],
    ids=["create session", "update invoice item", "update setup intent", "update reversal"],
)
def test_what_stripe_does_not_announce(own: StripeSandbox, action: Action) -> None:
    before = len(own.objects("events"))
    action(own)
    assert len(own.objects("events")) == before


def test_detaching_is_not_deleting(own: StripeSandbox) -> None:
    pm = _first(own, "payment_methods", lambda p: p["customer"])
    detached = own.delete("payment_methods", pm["id"])
    assert detached["customer"] is None
    assert "deleted" not in detached
    assert pm["id"] in own.ids("payment_methods")
    assert get(own, f"/v1/payment_methods/{pm['id']}").json() == detached
    assert pm["id"] not in {
        p["id"] for p in walk(own, f"/v1/customers/{pm['customer']}/payment_methods")
    }
    assert latest(own, "payment_method.detached")["data"]["object"] == detached
    with pytest.raises(ValueError, match="not attached"):
        own.delete("payment_methods", pm["id"])


@pytest.mark.parametrize(
    "resource",
    ["disputes", "payouts", "credit_notes", "promotion_codes", "tax_rates", "setup_intents",
     "checkout_sessions", "transfers", "application_fees", "credit_note_line_items",
     "transfer_reversals", "application_fee_refunds"],
)  # fmt: skip
def test_stripe_never_deletes_these(own: StripeSandbox, resource: str) -> None:
    target = own.objects(resource)[0]["id"]
    with pytest.raises(ValueError, match="Stripe does not delete"):
        own.delete(resource, target)
    assert target in own.ids(resource)


# ---------------------------------------------------------------------------------------------
# The in-process API.
def test_a_credit_note_with_many_lines(own: StripeSandbox) -> None:
    before = len(own.objects("events"))
    cn = own.create("credit_notes", lines=15)
    lines = cn["lines"]
    assert (lines["total_count"], lines["has_more"], len(lines["data"])) == (15, True, 10)
    everything = walk(own, lines["url"])
    assert len(everything) == 15
    inv = get(own, f"/v1/invoices/{cn['invoice']}").json()
    invoice_lines = {li["id"] for li in walk(own, f"/v1/invoices/{inv['id']}/lines")}
    assert {li["invoice_line_item"] for li in everything} <= invoice_lines
    assert inv["post_payment_credit_notes_amount"] == cn["amount"]
    # Refunded to the invoice's card: the refund, and the charge says so.
    (refund,) = cn["refunds"]
    re_ = get(own, f"/v1/refunds/{refund['refund']}").json()
    assert re_["amount"] == refund["amount_refunded"] == cn["amount"]
    types = [e["type"] for e in own.objects("events")[: len(own.objects("events")) - before]]
    assert {"credit_note.created", "refund.created", "charge.refunded", "invoice.updated"} <= set(
        types
    )
    with pytest.raises(ValueError, match="can't be voided"):
        own.update("credit_notes", cn["id"], {"status": "void"})
    assert cn["id"] in own.ids("credit_notes")


def test_voiding_a_credit_note_gives_the_invoice_its_credit_back(own: StripeSandbox) -> None:
    cn = own.create("credit_notes", {"out_of_band_amount": 1})
    assert (cn["out_of_band_amount"], cn["refunds"]) == (cn["amount"], [])
    inv = get(own, f"/v1/invoices/{cn['invoice']}").json()
    voided = own.update("credit_notes", cn["id"], {"status": "void"})
    assert voided["voided_at"] == own.now
    after = get(own, f"/v1/invoices/{cn['invoice']}").json()
    assert after["post_payment_credit_notes_amount"] == (
        inv["post_payment_credit_notes_amount"] - cn["amount"]
    )
    evt = latest(own, "invoice.updated")
    assert evt["data"]["previous_attributes"] == {
        "post_payment_credit_notes_amount": inv["post_payment_credit_notes_amount"]
    }


def test_a_plan_and_its_price_are_one(own: StripeSandbox) -> None:
    plan = own.create("plans", {"nickname": "Quarterly-ish"})
    price = get(own, f"/v1/prices/{plan['id']}").json()
    assert (price["nickname"], price["unit_amount"]) == ("Quarterly-ish", plan["amount"])
    assert {latest(own, "plan.created")["data"]["object"]["id"],
            latest(own, "price.created")["data"]["object"]["id"]} == {plan["id"]}  # fmt: skip
    own.update("plans", plan["id"], {"active": False})
    assert get(own, f"/v1/prices/{plan['id']}").json()["active"] is False
    assert latest(own, "price.updated")["data"]["previous_attributes"] == {"active": True}
    own.update("prices", plan["id"], {"metadata": {"tier": "x"}})
    assert get(own, f"/v1/plans/{plan['id']}").json()["metadata"] == {"tier": "x"}
    own.delete("plans", plan["id"])
    assert get(own, f"/v1/plans/{plan['id']}").status_code == 404
    assert get(own, f"/v1/prices/{plan['id']}").status_code == 404
    assert latest(own, "price.deleted")["data"]["object"]["id"] == plan["id"]


def test_a_payout_takes_the_available_balance(own: StripeSandbox) -> None:
    available = own.balance()["available"][0]["amount"]
    assert available > 0
    po = own.create("payouts")
    assert (po["amount"], po["status"], po["automatic"]) == (available, "pending", False)
    assert own.balance()["available"][0]["amount"] == 0
    txn = get(own, f"/v1/balance_transactions/{po['balance_transaction']}").json()
    assert (txn["type"], txn["amount"], txn["source"]) == ("payout", -available, po["id"])
    with pytest.raises(ValueError, match="nothing available"):
        own.create("payouts")
    paid = own.update("payouts", po["id"], {"status": "paid"})
    assert paid["trace_id"]["status"] == "supported"
    assert latest(own, "payout.paid")["data"]["object"] == paid


def test_a_dispute_withdraws_and_a_won_one_returns(own: StripeSandbox) -> None:
    before = own.balance()["available"][0]["amount"]
    du = own.create("disputes")
    assert get(own, f"/v1/charges/{du['charge']}").json()["disputed"] is True
    (withdrawal,) = du["balance_transactions"]
    assert withdrawal["net"] == -(du["amount"] + 1500)
    assert own.balance()["available"][0]["amount"] == before + withdrawal["net"]
    won = own.update("disputes", du["id"], {"status": "won"})
    assert [t["amount"] for t in won["balance_transactions"]] == [-du["amount"], du["amount"]]
    assert own.balance()["available"][0]["amount"] == before - 1500
    with pytest.raises(ValueError, match="can't be disputed"):
        own.create("disputes", {"charge": du["charge"]})


def test_invoice_items_on_a_draft_are_its_lines(own: StripeSandbox) -> None:
    draft = _first(own, "invoices", lambda i: i["status"] == "draft")
    item = own.create("invoice_items", {"invoice": draft["id"]})
    assert item["invoice"] == draft["id"]
    lines = walk(own, f"/v1/invoices/{draft['id']}/lines")
    line = next(li for li in lines if li["parent"]["invoice_item_details"]
                and li["parent"]["invoice_item_details"]["invoice_item"] == item["id"])  # fmt: skip
    assert line["amount"] == item["amount"]
    assert latest(own, "invoiceitem.created")["data"]["object"] == item
    own.delete("invoice_items", item["id"])
    assert line["id"] not in {li["id"] for li in walk(own, f"/v1/invoices/{draft['id']}/lines")}
    assert latest(own, "invoice.updated")["data"]["object"]["id"] == draft["id"]
    paid_invoices = {i["id"] for i in own.objects("invoices") if i["status"] == "paid"}
    paid = _first(own, "invoice_items", lambda i: i["invoice"] in paid_invoices)
    with pytest.raises(ValueError, match="paid invoice"):
        own.delete("invoice_items", paid["id"])


def test_connect_in_process(own: StripeSandbox) -> None:
    connected = own.accounts[1]
    fee = own.create("application_fees", {"amount": 700})
    assert (fee["account"], fee["amount"], fee["currency"]) == (connected, 700, "eur")
    charge = get(own, f"/v1/charges/{fee['charge']}", account=connected).json()
    assert (charge["application_fee"], charge["amount"]) == (fee["id"], 7000)
    assert latest(own, "charge.succeeded", connected)["data"]["object"]["id"] == fee["charge"]
    refunded = own.refund_application_fee(fee["id"], 200)
    assert (refunded["amount_refunded"], refunded["refunded"]) == (200, False)
    assert refunded["refunds"]["data"][0]["amount"] == 200
    with pytest.raises(ValueError, match="left to refund"):
        own.refund_application_fee(fee["id"], 501)
    tr = own.create("transfers", {"destination": connected, "amount": 5000})
    reversed_ = own.reverse_transfer(tr["id"])
    assert (reversed_["amount_reversed"], reversed_["reversed"]) == (5000, True)
    assert get(own, reversed_["reversals"]["url"]).json()["data"] == reversed_["reversals"]["data"]
    with pytest.raises(ValueError, match="left to reverse"):
        own.reverse_transfer(tr["id"])
    for resource in ("transfers", "application_fees"):
        with pytest.raises(ValueError, match="platform"):
            own.create(resource, account=connected)
    # An account the sandbox does not serve: the fee names a charge out of reach.
    elsewhere = connect_destinations(own.seed)[2].account_id
    far = own.create("application_fees", {"account": elsewhere})
    assert (far["account"], far["currency"]) == (elsewhere, "gbp")


def test_every_new_resource_takes_an_account(own: StripeSandbox) -> None:
    connected = own.accounts[1]
    for resource in NEW:
        if resource in (*PLATFORM_ONLY, *NESTED):
            continue
        # A payout needs funds; right after the weekly payout there may be none available.
        fields = {"amount": 1000} if resource == "payouts" else None
        made = own.create(resource, fields, account=connected)
        assert made["id"] in own.ids(resource, account=connected), resource
        assert made["id"] not in own.ids(resource), resource
        assert made["id"] in {o["id"] for o in own.objects(resource, account=connected)}
    counts = own.counts(account=connected)
    assert all(counts[r] == len(own.ids(r, account=connected)) for r in NEW)
    burst = own.create_burst("coupons", 3, account=connected, name="Batch")
    assert {c["created"] for c in burst} == {own.now}
    assert {c["name"] for c in burst} == {"Batch"}


def test_created_and_changed_objects_keep_the_shape(own: StripeSandbox) -> None:
    from tests.test_sandbox_events import exercise_new_resources

    exercise_new_resources(own)
    exercise_new_resources(own, own.accounts[1])
    problems: list[str] = []
    for account in own.accounts:
        for resource in NEW:
            for obj in own.objects(resource, account=account):
                problems.extend(check(obj, CLASSES[resource], f"{resource}[{obj['id']}]"))
        for evt in own.objects("events", account=account)[:200]:
            problems.extend(event_problems(evt))
    assert not problems, "\n".join(problems[:30])


def test_same_seed_same_new_data() -> None:
    a = StripeSandbox(scale=0.02, seed=1, now=NOW, connected_accounts=1)
    b = StripeSandbox(scale=0.02, seed=1, now=NOW, connected_accounts=1)
    for resource in NEW:
        for account in a.accounts:
            assert a.objects(resource, account=account) == b.objects(resource, account=account)
