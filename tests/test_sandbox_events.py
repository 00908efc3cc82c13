"""Mutations through the in-process API change what the HTTP API serves and emit Stripe's events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

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
    assert api(sb, f"/v1/customers/{cus['id']}").status_code == 404
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
        sb.create("coupons")
