"""Mutations through the in-process API change what the HTTP API serves and emit Stripe's events."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.stripe_sandbox import ALL_PRODUCTS, API_VERSION, DEMO_API_KEY, StripeSandbox
from tests.stripe_sandbox.data import EVENT_TYPES
from tests.test_sandbox_shapes import check, event_problems

NOW = 1_795_000_000
DAY = 86_400


@pytest.fixture
def sb() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=11, now=NOW) as sandbox:
        yield sandbox


def api(sb: StripeSandbox, path: str, **params: Any) -> requests.Response:
    return requests.get(sb.url + path, params=params, auth=(DEMO_API_KEY, ""))


def latest_event(sb: StripeSandbox, type_: str) -> dict[str, Any]:
    r = api(sb, "/v1/events", type=type_, limit=1)
    assert r.status_code == 200
    assert r.json()["data"], f"no {type_} event"
    event: dict[str, Any] = r.json()["data"][0]
    return event


def test_update_emits_updated_with_previous_attributes(sb: StripeSandbox) -> None:
    cus = sb.objects("customers")[-1]  # the oldest: its created event is long gone
    updated = sb.update(
        "customers", cus["id"], {"email": "new@example.test", "metadata": {"tier": "gold"}}
    )
    assert updated["email"] == "new@example.test"
    assert api(sb, f"/v1/customers/{cus['id']}").json() == updated
    evt = latest_event(sb, "customer.updated")
    assert evt["created"] == sb.now
    assert evt["data"]["object"] == updated
    assert evt["data"]["previous_attributes"] == {
        "email": cus["email"],
        "metadata": cus["metadata"],
    }
    assert evt["request"]["id"].startswith("req_")
    # Updating does not move the object: lists stay ordered by created.
    ids = [c["id"] for c in sb.objects("customers")]
    assert ids[-1] == cus["id"]


def test_update_rejects_fields_stripe_does_not_have(sb: StripeSandbox) -> None:
    cus = next(iter(sb.ids("customers")))
    with pytest.raises(ValueError, match="subscription"):
        sb.update("customers", cus, {"subscription": "sub_1"})
    with pytest.raises(KeyError):
        sb.update("customers", "cus_missing", {"email": "a@b.test"})


def test_delete_removes_and_emits_deleted(sb: StripeSandbox) -> None:
    cus = sb.objects("customers")[3]
    sb.delete("customers", cus["id"])
    assert cus["id"] not in sb.ids("customers")
    # Stripe still answers for a deleted customer, with only its id and the flag.
    gone = api(sb, f"/v1/customers/{cus['id']}")
    assert gone.status_code == 200
    assert gone.json() == {"id": cus["id"], "object": "customer", "deleted": True}
    listed = api(sb, "/v1/customers", limit=100).json()["data"]
    assert cus["id"] not in {c["id"] for c in listed}
    evt = latest_event(sb, "customer.deleted")
    assert evt["data"]["object"]["id"] == cus["id"]
    assert "previous_attributes" not in evt["data"]
    # A cursor that vanished mid-sync.
    r = api(sb, "/v1/customers", starting_after=cus["id"])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "resource_missing"


def test_deleting_a_subscription_cancels_it(sb: StripeSandbox) -> None:
    sub = next(s for s in sb.objects("subscriptions") if s["status"] == "active")
    sb.delete("subscriptions", sub["id"])
    default = {s["id"] for s in api(sb, "/v1/subscriptions", limit=100).json()["data"]}
    assert sub["id"] not in default
    canceled = api(sb, f"/v1/subscriptions/{sub['id']}").json()
    assert canceled["status"] == "canceled"
    assert canceled["canceled_at"] == canceled["ended_at"] == sb.now
    evt = latest_event(sb, "customer.subscription.deleted")
    assert evt["data"]["object"]["id"] == sub["id"]
    assert evt["data"]["object"]["status"] == "canceled"


def test_changing_an_item_updates_its_subscription(sb: StripeSandbox) -> None:
    sub = next(s for s in sb.objects("subscriptions") if s["items"]["total_count"] >= 2)
    item = sub["items"]["data"][0]
    sb.update("subscription_items", item["id"], {"quantity": 7})
    evt = latest_event(sb, "customer.subscription.updated")
    assert evt["data"]["object"]["id"] == sub["id"]
    assert evt["data"]["object"]["items"]["data"][0]["quantity"] == 7
    assert evt["data"]["previous_attributes"] == {"items": sub["items"]}
    sb.delete("subscription_items", item["id"])
    items = api(sb, "/v1/subscription_items", subscription=sub["id"]).json()["data"]
    assert item["id"] not in {i["id"] for i in items}
    assert len(items) == sub["items"]["total_count"] - 1


@pytest.mark.parametrize(
    ("resource", "event_type"),
    [("customers", "customer.created"), ("products", "product.created"),
     ("prices", "price.created"), ("subscriptions", "customer.subscription.created"),
     ("invoices", "invoice.created"), ("charges", "charge.succeeded"),
     ("payment_intents", "payment_intent.created"), ("refunds", "refund.created")],
)  # fmt: skip
def test_create_emits_created_and_lists_it_first(
    sb: StripeSandbox, resource: str, event_type: str
) -> None:
    sb.advance(60)
    obj = sb.create(resource)
    assert obj["id"] in sb.ids(resource)
    assert obj["created"] == sb.now
    first = api(
        sb, f"/v1/{resource}", limit=1, **({"status": "all"} if resource == "subscriptions" else {})
    )
    assert first.json()["data"][0] == obj
    evt = latest_event(sb, event_type)
    assert evt["data"]["object"]["id"] == obj["id"]
    assert evt["created"] == sb.now


def test_create_a_big_invoice_and_subscription(sb: StripeSandbox) -> None:
    inv = sb.create("invoices", lines=15)
    assert inv["lines"]["total_count"] == 15
    assert inv["lines"]["has_more"] is True
    assert len(api(sb, f"/v1/invoices/{inv['id']}/lines", limit=100).json()["data"]) == 15
    customer = sb.objects("customers")[0]["id"]
    sub = sb.create(
        "subscriptions", {"customer": customer, "metadata": {"source": "test"}}, items=12
    )
    assert sub["customer"] == customer
    assert sub["metadata"] == {"source": "test"}
    assert sub["items"]["total_count"] == 12
    assert {i["subscription"] for i in sb.objects("subscription_items")} >= {sub["id"]}
    # Stripe bills a new subscription at once: its first invoice, payment and charge exist.
    latest = api(sb, f"/v1/invoices/{sub['latest_invoice']}").json()
    assert latest["parent"]["subscription_details"]["subscription"] == sub["id"]
    assert latest["lines"]["total_count"] == 12
    assert latest["status"] == "paid"


def test_events_older_than_30_days_disappear(sb: StripeSandbox) -> None:
    cus = sb.objects("customers")[-1]["id"]
    sb.update("customers", cus, {"name": "Renamed"})
    evt = latest_event(sb, "customer.updated")
    sb.advance(31 * DAY)
    assert api(sb, f"/v1/events/{evt['id']}").status_code == 404
    ids = {e["id"] for e in api(sb, "/v1/events", limit=100).json()["data"]}
    assert evt["id"] not in ids
    assert evt["id"] in sb.ids("events")  # still known in-process


def test_create_rejects_unsupported_resources(sb: StripeSandbox) -> None:
    with pytest.raises(ValueError, match="balance_transactions"):
        sb.create("balance_transactions")
    with pytest.raises(ValueError, match="unknown resource"):
        sb.create("widgets")


# ---------------------------------------------------------------------------------------------
# Event names and shapes as Stripe's.
def stripe_event_types() -> set[str]:
    return set(typing.get_args(inspect.get_annotations(stripe.Event)["type"]))


def test_every_event_type_the_sandbox_can_emit_is_a_stripe_one() -> None:
    names = stripe_event_types()
    assert len(names) == 275  # stripe 16.1.0
    assert names >= EVENT_TYPES, sorted(EVENT_TYPES - names)
    sb = StripeSandbox(scale=0.01, seed=1, now=NOW)
    with pytest.raises(ValueError, match=r"customer\.subscription\.canceled"):
        sb.store._emit("customer.subscription.canceled", {})


def exercise(sb: StripeSandbox, account: str | None = None) -> None:
    """Every mutation the sandbox offers, once."""
    for resource in ("customers", "products", "prices", "charges", "payment_intents", "refunds"):
        sb.create(resource, account=account)
    sb.create("subscriptions", items=11, account=account)
    sb.create_burst("customers", 3, account=account)
    sb.create("invoices", lines=2, account=account)
    drafts = [i for i in sb.objects("invoices", account=account) if i["status"] == "draft"]
    sb.add_invoice_lines(drafts[0]["id"], 2, account=account)
    sb.pay_invoice(drafts[0]["id"], account=account)
    open_ = next(i for i in sb.objects("invoices", account=account) if i["status"] == "open")
    sb.pay_invoice(open_["id"], account=account)
    subscriber = next(
        s["customer"]
        for s in sb.objects("subscriptions", account=account)
        if s["status"] == "active"
    )
    sb.emit_upcoming_invoice(subscriber, account=account)
    sb.advance(3 * DAY)
    sb.settle_balance_transactions(account=account)
    item = sb.objects("subscriptions", account=account)[0]["items"]["data"][0]
    sb.update("subscription_items", item["id"], {"quantity": 2}, account=account)
    line = sb.objects("invoice_line_items", account=account)[0]
    sb.update("invoice_line_items", line["id"], {"description": "Changed"}, account=account)
    product = sb.objects("products", account=account)[0]
    sb.update("products", product["id"], {"active": False}, account=account)
    for resource in ("customers", "prices", "charges", "refunds"):
        obj = sb.objects(resource, account=account)[0]
        sb.update(resource, obj["id"], {"metadata": {"a": "b"}}, account=account)
    for resource in ("subscriptions", "customers", "products", "prices", "invoices"):
        sb.delete(resource, sb.objects(resource, account=account)[-1]["id"], account=account)
    exercise_new_resources(sb, account)


def exercise_new_resources(sb: StripeSandbox, account: str | None = None) -> None:
    """Every mutation of the resources added after the first twelve, once."""

    def new(resource: str, **kw: Any) -> dict[str, Any]:
        return sb.create(resource, account=account, **kw)

    def update(resource: str, object_id: str, changes: dict[str, Any]) -> None:
        sb.update(resource, object_id, changes, account=account)

    for resource in ("coupons", "promotion_codes", "tax_rates", "plans", "invoice_items"):
        new(resource)
    du = new("disputes")
    update("disputes", du["id"], {"metadata": {"case": "1"}})
    update("disputes", du["id"], {"status": "won"})
    po = new("payouts", fields={"amount": 1000})
    update("payouts", po["id"], {"metadata": {"batch": "1"}})
    update("payouts", po["id"], {"status": "paid"})
    cn = new("credit_notes", lines=12)
    update("credit_notes", cn["id"], {"memo": "Goodwill"})
    for cn in sb.objects("credit_notes", account=account):
        if cn["status"] == "issued" and not cn["refunds"]:
            update("credit_notes", cn["id"], {"status": "void"})
            break
    update("coupons", sb.objects("coupons", account=account)[0]["id"], {"name": "Renamed"})
    code = sb.objects("promotion_codes", account=account)[0]
    update("promotion_codes", code["id"], {"active": False})
    rate = sb.objects("tax_rates", account=account)[0]
    update("tax_rates", rate["id"], {"active": False})
    update("plans", sb.objects("plans", account=account)[0]["id"], {"nickname": "Renamed"})
    for status in ("succeeded", "canceled"):
        update("setup_intents", new("setup_intents")["id"], {"status": status})
    pm = new("payment_methods")
    update("payment_methods", pm["id"], {"metadata": {"a": "b"}})
    sb.delete("payment_methods", pm["id"], account=account)
    for status in ("complete", "expired"):
        update("checkout_sessions", new("checkout_sessions")["id"], {"status": status})
    pending = next(i for i in sb.objects("invoice_items", account=account) if i["invoice"] is None)
    update("invoice_items", pending["id"], {"description": "Silent"})  # no invoiceitem.updated
    for resource in ("coupons", "plans", "invoice_items"):
        sb.delete(resource, new(resource)["id"], account=account)
    # Changes to a customer announced by another object's event.
    cus = sb.objects("customers", account=account)[0]["id"]
    coupon = next(c for c in sb.objects("coupons", account=account) if c["valid"])
    sb.apply_customer_discount(cus, coupon["id"], account=account)
    sb.remove_customer_discount(cus, account=account)
    sb.create_customer_tax_id(cus, account=account)
    # 8/9's resources.
    schedules = sb.objects("subscription_schedules", account=account)
    for schedule, status in zip(schedules, ("active", "canceled", "released"), strict=False):
        update("subscription_schedules", schedule["id"], {"status": status})
    quote = new("quotes", lines=2)
    for status in ("open", "accepted"):
        update("quotes", quote["id"], {"status": status})
    update("quotes", new("quotes")["id"], {"status": "canceled"})
    for resource in ("payment_links", "early_fraud_warnings", "billing_meters",
                     "subscription_schedules"):  # fmt: skip
        new(resource)
    link = sb.objects("payment_links", account=account)[0]
    update("payment_links", link["id"], {"active": not link["active"]})
    top_up = new("top_ups")
    update("top_ups", top_up["id"], {"status": "reversed"})
    warning = sb.objects("early_fraud_warnings", account=account)[0]
    update("early_fraud_warnings", warning["id"], {"actionable": False})
    new("files")
    review = new("reviews")
    update("reviews", review["id"], {"open": False, "closed_reason": "approved"})
    update("billing_meters", sb.objects("billing_meters", account=account)[0]["id"],
           {"display_name": "Renamed"})  # fmt: skip
    grant = new("billing_credit_grants")
    update("billing_credit_grants", grant["id"], {"name": "Renamed credits"})
    # Issuing (9/9), where the account has switched it on.
    card = new("issuing_cards")
    update("issuing_cards", card["id"], {"status": "inactive"})
    update("issuing_cardholders", card["cardholder"]["id"], {"phone_number": "+15555550100"})
    auth = new("issuing_authorizations", fields={"card": card["id"]})
    update("issuing_authorizations", auth["id"], {"status": "closed"})
    txn = sb.objects("issuing_transactions", account=account)[0]
    update("issuing_transactions", txn["id"], {"metadata": {"receipt": "1"}})
    token = new("issuing_tokens", fields={"card": card["id"]})
    update("issuing_tokens", token["id"], {"status": "suspended"})
    dispute = new("issuing_disputes", fields={"transaction": txn["id"]})
    update("issuing_disputes", dispute["id"], {"metadata": {"case": "1"}})
    design = sb.objects("issuing_personalization_designs", account=account)[0]
    update("issuing_personalization_designs", design["id"], {"name": "Renamed design"})
    # The account's configuration.
    portal = new("billing_portal_configurations")
    update("billing_portal_configurations", portal["id"], {"active": False})
    run = new("reporting_report_runs")
    update("reporting_report_runs", run["id"], {"status": "failed"})
    # Treasury, Financial Connections, Identity and Climate.
    for resource in ("treasury_financial_accounts", "treasury_received_credits",
                     "treasury_inbound_transfers", "treasury_outbound_payments",
                     "treasury_outbound_transfers", "treasury_received_debits",
                     "treasury_credit_reversals", "treasury_debit_reversals",
                     "identity_verification_reports"):  # fmt: skip
        new(resource)
    linked = new("financial_connections_accounts")
    new("financial_connections_transactions", fields={"account": linked["id"]})
    new("financial_connections_account_owners", fields={"account": linked["id"]})
    for status in ("inactive", "active", "disconnected"):
        update("financial_connections_accounts", linked["id"], {"status": status})
    for status in ("processing", "requires_input", "processing", "verified"):
        session = sb.objects("identity_verification_sessions", account=account)[-1]
        update("identity_verification_sessions", session["id"], {"status": status})
    update("identity_verification_sessions", new("identity_verification_sessions")["id"],
           {"status": "canceled"})  # fmt: skip
    for status in ("delivered", "canceled"):
        update("climate_orders", new("climate_orders")["id"], {"status": status})
    authentication = sb.objects("three_d_secure_authentications", account=account)[-1]["id"]
    for status in ("requires_challenge", "requires_submission", "succeeded", "failed", "error",
                   "canceled"):  # fmt: skip
        update("three_d_secure_authentications", authentication, {"status": status})
    install = new("apps_installs")
    update("apps_installs", install["id"], {"permissions_pending": ["charge_read"]})
    sb.delete("apps_installs", install["id"], account=account)
    entitled = new("entitlements_active_entitlements", fields={"customer": cus})
    sb.delete("entitlements_active_entitlements", entitled["id"], account=account)
    sb.create_customer_cash_balance_transaction(cus, account=account)
    sb.add_customer_source(cus, account=account)
    if account is None:  # Connect: the platform's
        tr = new("transfers")
        update("transfers", tr["id"], {"metadata": {"order": "1"}})
        sb.reverse_transfer(tr["id"], 100)
        fee = new("application_fees")
        refunded = sb.refund_application_fee(fee["id"])
        refund = refunded["refunds"]["data"][0]["id"]
        update("application_fee_refunds", refund, {"metadata": {"reason": "1"}})


def test_every_emitted_event_is_named_and_shaped_as_stripe_does() -> None:
    sb = StripeSandbox(scale=0.02, seed=12, now=NOW, connected_accounts=1, products=ALL_PRODUCTS)
    exercise(sb)
    exercise(sb, sb.accounts[1])
    names = stripe_event_types()
    problems: list[str] = []
    seen: set[str] = set()
    for account in sb.accounts:
        for evt in sb.objects("events", account=account):
            seen.add(evt["type"])
            problems.extend(check(evt, stripe.Event, evt["id"]))
            problems.extend(event_problems(evt))
    assert seen <= EVENT_TYPES <= names
    # The exercise reaches every type the sandbox knows (no generated charge is pending).
    assert seen == EVENT_TYPES - {"charge.pending"}
    assert not problems, "\n".join(problems[:30])


def test_event_api_version_can_differ_from_the_objects(sb: StripeSandbox) -> None:
    old = "2022-11-15"
    cus = sb.objects("customers")[-1]["id"]
    sb.update("customers", cus, {"name": "Before"})
    assert latest_event(sb, "customer.updated")["api_version"] == API_VERSION
    sb.set_event_api_version(old)
    updated = sb.update("customers", cus, {"name": "After"})
    evt = latest_event(sb, "customer.updated")
    assert evt["api_version"] == old
    assert evt["data"]["object"] == updated  # still rendered as the sandbox renders it
    assert {e["api_version"] for e in sb.objects("events")} == {API_VERSION, old}


def new_types(sb: StripeSandbox, since: int) -> list[str]:
    """Types of the events emitted after the first `since` events, oldest first."""
    events = sb.objects("events")
    return [e["type"] for e in reversed(events[: len(events) - since])]


def test_paying_an_open_invoice(sb: StripeSandbox) -> None:
    # A past-due subscription's latest invoice: open, its payment attempts failed.
    sub = next(s for s in sb.objects("subscriptions") if s["status"] == "past_due")
    inv = api(sb, f"/v1/invoices/{sub['latest_invoice']}").json()
    assert inv["status"] == "open"
    assert api(sb, f"/v1/customers/{sub['customer']}").json()["delinquent"] is True
    before_events = len(sb.objects("events"))
    sb.advance(60)
    paid = sb.pay_invoice(inv["id"])
    assert paid["status"] == "paid"
    assert paid["amount_paid"] == inv["total"]
    assert paid["amount_remaining"] == 0
    assert paid["attempted"] is True
    assert paid["attempt_count"] == inv["attempt_count"] + 1
    assert paid["status_transitions"]["paid_at"] == sb.now
    assert paid["next_payment_attempt"] is None
    assert api(sb, f"/v1/invoices/{inv['id']}").json() == paid
    # Stripe's order: the payment, then the invoice, then what the payment set right.
    assert new_types(sb, before_events) == [
        "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
        "invoice.updated", "invoice.paid", "invoice.payment_succeeded", "invoice_payment.paid",
        "customer.subscription.updated", "customer.updated",
    ]  # fmt: skip
    updated = latest_event(sb, "invoice.updated")
    assert updated["data"]["object"] == paid
    previous = updated["data"]["previous_attributes"]
    assert previous["status"] == "open"
    assert previous["amount_paid"] == 0
    assert previous["amount_remaining"] == inv["total"]
    assert previous["status_transitions"]["paid_at"] is None
    assert "lines" not in previous  # only what changed
    charge = latest_event(sb, "charge.succeeded")["data"]["object"]
    assert (charge["amount"], charge["customer"]) == (inv["total"], inv["customer"])
    assert charge["id"] in sb.ids("charges")
    assert latest_event(sb, "invoice.paid")["data"]["object"] == paid
    # The subscription is in good standing again, and the customer no longer delinquent.
    assert api(sb, f"/v1/subscriptions/{sub['id']}").json()["status"] == "active"
    evt = latest_event(sb, "customer.subscription.updated")
    assert evt["data"]["previous_attributes"] == {"status": "past_due"}
    evt = latest_event(sb, "customer.updated")
    assert evt["data"]["previous_attributes"] == {"delinquent": True}
    assert evt["data"]["object"]["delinquent"] is False
    with pytest.raises(ValueError, match="paid"):
        sb.pay_invoice(inv["id"])


def test_paying_a_draft_finalizes_and_numbers_it(sb: StripeSandbox) -> None:
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
    assert draft["total"] > 0
    customer = api(sb, f"/v1/customers/{draft['customer']}").json()
    before_events = len(sb.objects("events"))
    paid = sb.pay_invoice(draft["id"])
    assert paid["number"] == f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    assert paid["status_transitions"]["finalized_at"] == sb.now
    assert paid["hosted_invoice_url"] is not None
    after = api(sb, f"/v1/customers/{draft['customer']}").json()
    assert after["next_invoice_sequence"] == customer["next_invoice_sequence"] + 1
    assert new_types(sb, before_events)[:7] == [
        "invoice.finalized",
        "payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
        "invoice.updated", "invoice.paid", "invoice.payment_succeeded",
    ]  # fmt: skip
    finalized = latest_event(sb, "invoice.finalized")["data"]["object"]
    assert (finalized["status"], finalized["number"]) == ("open", paid["number"])


def test_adding_lines_to_a_draft(sb: StripeSandbox) -> None:
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
    updated = sb.add_invoice_lines(draft["id"], 12)
    count = draft["lines"]["total_count"] + 12
    assert updated["lines"]["total_count"] == count
    assert updated["lines"]["has_more"] is True
    lines = api(sb, f"/v1/invoices/{draft['id']}/lines", limit=100).json()["data"]
    assert len(lines) == count
    assert updated["total"] == updated["amount_due"] == sum(li["amount"] for li in lines)
    assert updated["amount_remaining"] == updated["total"]
    evt = latest_event(sb, "invoice.updated")
    assert evt["data"]["object"] == updated
    previous = evt["data"]["previous_attributes"]
    assert previous["lines"] == draft["lines"]
    assert previous["total"] == draft["total"]
    paid = next(i for i in sb.objects("invoices") if i["status"] == "paid")
    with pytest.raises(ValueError, match="draft"):
        sb.add_invoice_lines(paid["id"], 1)


def test_settling_balance_transactions_is_silent_but_for_the_balance(sb: StripeSandbox) -> None:
    pending = {t["id"] for t in sb.objects("balance_transactions") if t["status"] == "pending"}
    assert pending
    before = sb.balance()
    events_before = len(sb.objects("events"))
    assert sb.settle_balance_transactions() == []  # nothing due yet
    assert len(sb.objects("events")) == events_before
    sb.advance(3 * DAY)
    settled = sb.settle_balance_transactions()
    assert set(settled) == pending
    for txn_id in settled:
        assert api(sb, f"/v1/balance_transactions/{txn_id}").json()["status"] == "available"
    assert new_types(sb, events_before) == ["balance.available"]
    evt = latest_event(sb, "balance.available")
    balance = evt["data"]["object"]
    assert balance == sb.balance()
    assert balance["object"] == "balance"
    assert "id" not in balance
    moved = sum(t["net"] for t in sb.objects("balance_transactions") if t["id"] in pending)
    assert balance["available"][0]["amount"] == before["available"][0]["amount"] + moved
    assert balance["pending"][0]["amount"] == 0
    assert sb.settle_balance_transactions() == []


def test_an_upcoming_invoice_has_no_id(sb: StripeSandbox) -> None:
    sub = next(s for s in sb.objects("subscriptions") if s["status"] == "active")
    evt = sb.emit_upcoming_invoice(sub["customer"])
    assert latest_event(sb, "invoice.upcoming") == evt
    preview = evt["data"]["object"]
    # stripe.Invoice types `id` as str (not Optional): the preview leaves it out.
    assert "id" not in preview
    assert preview["object"] == "invoice"
    assert preview["customer"] == sub["customer"]
    assert preview["status"] == "draft"
    assert preview["billing_reason"] == "upcoming"
    lines = preview["lines"]["data"]
    assert preview["total"] == sum(li["amount"] for li in lines)
    assert all(li["id"].startswith("il_tmp_") and li["invoice"] is None for li in lines)
    assert not {li["id"] for li in lines} & sb.ids("invoice_line_items")
    subscribers = {s["customer"] for s in sb.objects("subscriptions")}
    lonely = next(c for c in sb.objects("customers") if c["id"] not in subscribers)
    with pytest.raises(ValueError, match="no subscription"):
        sb.emit_upcoming_invoice(lonely["id"])


@pytest.mark.parametrize("resource", ["customers", "products", "prices", "invoices"])
def test_deleted_events_carry_the_object_with_its_flag(sb: StripeSandbox, resource: str) -> None:
    # Their stripe classes declare `deleted`; the event shows the object as it was, flagged.
    obj = sb.objects(resource)[2]
    sb.delete(resource, obj["id"])
    evt = latest_event(sb, f"{obj['object']}.deleted")
    assert evt["data"]["object"] == {**obj, "deleted": True}


def test_a_canceled_subscription_is_not_flagged_deleted(sb: StripeSandbox) -> None:
    sub = next(s for s in sb.objects("subscriptions") if s["status"] == "active")
    canceled = sb.delete("subscriptions", sub["id"])
    evt = latest_event(sb, "customer.subscription.deleted")
    assert evt["data"]["object"] == canceled
    assert canceled["status"] == "canceled"
    assert "deleted" not in canceled
