"""Same-second bursts: the generated CRM import and billing migration, and create_burst().
Many objects sharing one `created` second are what make a client's window and cursor logic
non-trivial; these tests check the bursts exist at every scale and keep the business whole."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox
from tests.stripe_sandbox.data import EVENT_RETENTION

NOW = 1_795_000_000
AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}


def busiest_second(objs: list[dict[str, Any]]) -> tuple[int, int]:
    second, count = Counter(o["created"] for o in objs).most_common(1)[0]
    return second, count


@pytest.fixture(scope="module")
def sb() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=21, now=NOW, connected_accounts=1) as sandbox:
        yield sandbox


@pytest.mark.parametrize("scale", [0.01, 0.02, 0.05, 0.2])
def test_every_scale_has_both_bursts(scale: float) -> None:
    sb = StripeSandbox(scale=scale, seed=2, now=NOW)
    expected = max(120, round(250 * scale))
    t_import, n_import = busiest_second(sb.objects("customers"))
    assert n_import == expected
    t_migration, n_migrated = busiest_second(sb.objects("invoices"))
    assert n_migrated == expected
    assert t_import < t_migration < NOW - EVENT_RETENTION
    for resource in ("payment_intents", "charges", "balance_transactions"):
        assert busiest_second(sb.objects(resource)) == (t_migration, n_migrated), resource
    # Beyond the 30 days of events: no event mentions them.
    assert all(e["created"] > t_migration for e in sb.objects("events"))


@pytest.mark.parametrize("account", [0, 1])
def test_the_migration_keeps_the_business_whole(sb: StripeSandbox, account: int) -> None:
    acct = sb.accounts[account]
    customers = {c["id"]: c for c in sb.objects("customers", account=acct)}
    invoices = sb.objects("invoices", account=acct)
    t_import, _ = busiest_second(list(customers.values()))
    t_migration, _ = busiest_second(invoices)
    migrated = [i for i in invoices if i["created"] == t_migration]
    charges = [c for c in sb.objects("charges", account=acct) if c["created"] == t_migration]
    intents = {p["id"]: p for p in sb.objects("payment_intents", account=acct)}
    txns = {t["id"]: t for t in sb.objects("balance_transactions", account=acct)}
    currency = sb.account_object(acct)["default_currency"]
    # The imported customers' history: each migrated invoice belongs to one of them.
    assert {customers[i["customer"]]["created"] for i in migrated} == {t_import}
    for inv in migrated:
        assert inv["status"] == "paid"
        assert inv["currency"] == currency
        st = inv["status_transitions"]
        assert st["finalized_at"] == st["paid_at"] == inv["effective_at"] == t_migration
        assert inv["amount_paid"] == inv["total"] > 0
    # One succeeded payment per invoice, all in the same second, linked end to end.
    assert Counter((c["customer"], c["amount"]) for c in charges) == Counter(
        (i["customer"], i["total"]) for i in migrated
    )
    for ch in charges:
        assert intents[ch["payment_intent"]]["created"] == t_migration
        assert intents[ch["payment_intent"]]["status"] == "succeeded"
        assert txns[ch["balance_transaction"]]["created"] == t_migration
        assert txns[ch["balance_transaction"]]["source"] == ch["id"]


def test_totals_and_numbering_hold_with_ties(sb: StripeSandbox) -> None:
    lines: dict[str, int] = {}
    for line in sb.objects("invoice_line_items"):
        lines[line["invoice"]] = lines.get(line["invoice"], 0) + line["amount"]
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for inv in sb.objects("invoices"):
        assert inv["total"] == inv["subtotal"] == inv["amount_due"] == lines[inv["id"]]
        if inv["status"] == "paid":
            assert inv["amount_remaining"] == 0
        by_customer.setdefault(inv["customer"], []).append(inv)
    customers = {c["id"]: c for c in sb.objects("customers")}
    for cid, invoices in by_customer.items():
        numbered = sorted(
            (i for i in invoices if i["status"] != "draft"), key=lambda i: (i["created"], i["id"])
        )
        prefix = customers[cid]["invoice_prefix"]
        assert [i["number"] for i in numbered] == [
            f"{prefix}-{n:04d}" for n in range(1, len(numbered) + 1)
        ]
        assert customers[cid]["next_invoice_sequence"] == len(numbered) + 1


@pytest.mark.parametrize("resource", ["customers", "invoices", "charges", "balance_transactions"])
def test_paging_inside_one_second(sb: StripeSandbox, resource: str) -> None:
    objs = sb.objects(resource)
    second, count = busiest_second(objs)
    expected = [o["id"] for o in objs if o["created"] == second]
    assert count > 100
    with requests.Session() as http:
        http.headers.update(AUTH)
        url = f"{sb.url}/v1/{resource}"
        first = http.get(url, params={"created": second, "limit": 100}).json()
        assert first["has_more"] is True
        assert [o["id"] for o in first["data"]] == expected[:100]
        rest = http.get(
            url,
            params={
                "created[gte]": second,
                "created[lte]": second,
                "limit": 100,
                "starting_after": expected[99],
            },
        ).json()
        assert [o["id"] for o in rest["data"]] == expected[100:]
        assert rest["has_more"] is False
        back = http.get(
            url, params={"created": second, "limit": 5, "ending_before": expected[50]}
        ).json()
        assert [o["id"] for o in back["data"]] == expected[45:50]
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    service = getattr(client.v1, resource)
    paged = service.list({"created": {"gte": second, "lte": second}, "limit": 100})
    assert [o.id for o in paged.auto_paging_iter()] == expected


def test_create_burst_makes_many_objects_in_one_second() -> None:
    sb = StripeSandbox(scale=0.01, seed=3)  # the real clock: a burst still shares one second
    made = sb.create_burst("customers", 150)
    assert len({c["id"] for c in made}) == 150
    second = made[0]["created"]
    assert {c["created"] for c in made} == {second}
    events = [e for e in sb.objects("events") if e["type"] == "customer.created"]
    assert [e["data"]["object"]["id"] for e in events if e["created"] == second] == [
        c["id"] for c in reversed(made)
    ]  # newest first: ties in order of creation, the latest first
    listed = [c["id"] for c in sb.objects("customers")[:150]]
    assert listed == [c["id"] for c in reversed(made)]


def test_create_burst_takes_fields_sizes_and_an_account() -> None:
    sb = StripeSandbox(scale=0.01, seed=3, now=NOW, connected_accounts=1)
    first = sb.accounts[1]
    customer = sb.objects("customers", account=first)[0]["id"]
    invoices = sb.create_burst("invoices", 3, account=first, lines=12, customer=customer)
    assert [i["lines"]["total_count"] for i in invoices] == [12, 12, 12]
    assert {i["customer"] for i in invoices} == {customer}
    assert {i["created"] for i in invoices} == {NOW}
    assert {i["id"] for i in invoices} <= sb.ids("invoices", account=first)
    assert not {i["id"] for i in invoices} & sb.ids("invoices")
    subs = sb.create_burst("subscriptions", 2, items=11, metadata={"batch": "b1"})
    assert [(s["items"]["total_count"], s["metadata"]) for s in subs] == [(11, {"batch": "b1"})] * 2
    with pytest.raises(ValueError, match="cannot set"):
        sb.create_burst("customers", 2, colour="blue")
