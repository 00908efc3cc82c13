"""The sandbox on the wire as Stripe: indented JSON, gzip when asked, ids in paths decoded per
segment (ids the account chose, any characters), and changes Stripe announces by another
object's event (a customer's discount, tax ids and sources, an invoice item on a draft)."""

from __future__ import annotations

import gzip
import http.client
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
import requests
import stripe

from tests.conftest import sandbox_process
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox
from tests.test_sandbox_shapes import check, event_problems

NOW = 1_795_000_000
ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}
# Ids accounts choose: stripe-python encodes each with quote_plus (its _util.sanitize_id).
CHOSEN = ("735*$", "WELCOME#1", "a+b", "50/50", "100%", "black friday", "rabais-été")
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def shared() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=3, now=NOW) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared: StripeSandbox) -> Iterator[StripeSandbox]:
    """The module's sandbox (its data unchanged) with fresh counters, indented again after."""
    shared.reset_stats()
    yield shared
    shared.indent = True


@pytest.fixture
def own() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7, now=NOW) as sandbox:
        yield sandbox


def raw_get(
    sb: StripeSandbox, path: str, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    """A GET whose path goes out as given and whose body comes back as sent (no decoding)."""
    conn = http.client.HTTPConnection(*sb.address, timeout=10)
    try:
        conn.request("GET", path, headers={**AUTH, **(headers or {})})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def get_json(sb: StripeSandbox, path: str) -> tuple[int, Obj]:
    response, body = raw_get(sb, path)
    return response.status, json.loads(body)


def new_events(sb: StripeSandbox, before: set[str]) -> list[Obj]:
    """The events emitted since `before` (the event ids then), oldest first."""
    return [e for e in reversed(sb.objects("events")) if e["id"] not in before]


# ---------------------------------------------------------------------------------------------
# Indented JSON
def test_answers_are_indented_by_two_spaces_as_stripe_sends_them(sb: StripeSandbox) -> None:
    response, body = raw_get(sb, "/v1/customers?limit=5")
    assert response.status == 200
    page = json.loads(body)
    assert body == json.dumps(page, indent=2, ensure_ascii=False).encode()
    assert body.startswith(b'{\n  "object": "list",\n  "data": [\n    {\n      "id": "cus_')
    assert body.count(b"\n") > 100
    response, body = raw_get(sb, "/v1/customers/cus_nope")
    assert response.status == 404
    assert body == json.dumps(json.loads(body), indent=2).encode()
    assert body.startswith(b'{\n  "error": {\n    "code": "resource_missing",')


def test_indent_off_answers_compact_json(sb: StripeSandbox) -> None:
    _, indented = raw_get(sb, "/v1/customers?limit=5")
    assert indented.count(b"\n") > 100
    sb.indent = False
    _, compact = raw_get(sb, "/v1/customers?limit=5")
    assert b"\n" not in compact
    assert json.loads(compact) == json.loads(indented)
    assert compact == json.dumps(json.loads(indented), separators=(",", ":")).encode()
    _, error = raw_get(sb, "/v1/customers/cus_nope")
    assert error.startswith(b'{"error":{"code":"resource_missing",')
    sb.indent = True
    assert raw_get(sb, "/v1/customers?limit=5")[1] == indented


def test_indent_false_in_the_constructor() -> None:
    with StripeSandbox(scale=0.01, seed=1, now=NOW, indent=False) as sb:
        _, body = raw_get(sb, "/v1/products?limit=3")
    assert body.startswith(b'{"object":"list","data":[{"id":"prod_')


def test_cli_compact_flag() -> None:
    with sandbox_process("--scale", "0.01", "--seed", "5", "--compact") as (proc, line):
        r = requests.get(f"{line.split()[3]}/v1/customers?limit=3", headers=AUTH, timeout=10)
        assert r.status_code == 200
        assert r.text.startswith('{"object":"list","data":[{"id":"cus_')
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


# ---------------------------------------------------------------------------------------------
# gzip
@pytest.mark.parametrize(
    ("accept", "compressed"),
    [
        (None, False),
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000, deflate", False),
        ("*, gzip;q=0", False),
        ("identity", False),
        ("deflate, br", False),
    ],
)
def test_gzip_only_when_the_request_accepts_it(
    sb: StripeSandbox, accept: str | None, compressed: bool
) -> None:
    _, plain = raw_get(sb, "/v1/customers?limit=20")
    sb.reset_stats()
    response, body = raw_get(
        sb, "/v1/customers?limit=20", {"Accept-Encoding": accept} if accept else {}
    )
    assert int(response.headers["Content-Length"]) == len(body)
    if compressed:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Vary"] == "Accept-Encoding"
        assert gzip.decompress(body) == plain
        assert len(body) < len(plain) / 3
    else:
        assert "Content-Encoding" not in response.headers
        assert "Vary" not in response.headers
        assert body == plain
    assert sb.stats["gzip"] == int(compressed)
    assert sb.stats["bytes_sent"] == len(body)


def test_gzip_and_bytes_sent_are_counted(sb: StripeSandbox) -> None:
    sizes = []
    compressed = 0
    for path, accept in (
        ("/v1/customers", "gzip"),
        ("/v1/customers/cus_nope", "gzip"),  # errors too
        ("/v1/products", None),
        ("/v1/prices", "gzip, deflate"),
    ):
        response, body = raw_get(sb, path, {"Accept-Encoding": accept} if accept else {})
        sizes.append(len(body))
        compressed += response.headers.get("Content-Encoding") == "gzip"
    raw_get(sb, "/_sandbox/stats", {"Accept-Encoding": "gzip"})  # not API traffic
    assert compressed == 3
    assert (sb.stats["gzip"], sb.stats["bytes_sent"]) == (3, sum(sizes))
    stats = requests.get(f"{sb.url}/_sandbox/stats", timeout=10).json()
    assert (stats["gzip"], stats["bytes_sent"]) == (3, sum(sizes))
    sb.reset_stats()
    assert (sb.stats["gzip"], sb.stats["bytes_sent"]) == (0, 0)


def test_requests_and_the_stripe_sdk_read_gzip_answers(sb: StripeSandbox) -> None:
    r = requests.get(f"{sb.url}/v1/customers?limit=3", headers=AUTH, timeout=10)
    assert r.headers["Content-Encoding"] == "gzip"  # requests asks for it
    assert len(r.json()["data"]) == 3
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    assert [c.id for c in client.v1.customers.list({"limit": 3})] == [
        c["id"] for c in r.json()["data"]
    ]


# ---------------------------------------------------------------------------------------------
# Ids in paths, and ids the account chose
def _create_chosen(sb: StripeSandbox) -> None:
    for object_id in CHOSEN:
        sb.create("coupons", {"id": object_id, "percent_off": 10.0})
        sb.create("products", {"id": object_id})
        sb.create("plans", {"id": object_id})  # and its twin price


def test_chosen_ids_are_retrieved_percent_encoded(own: StripeSandbox) -> None:
    _create_chosen(own)
    for object_id in CHOSEN:
        for path in ("/v1/coupons", "/v1/products", "/v1/plans", "/v1/prices"):
            status, body = get_json(own, f"{path}/{quote_plus(object_id)}")
            assert (status, body["id"]) == (200, object_id), (path, object_id)
    # Every request to one of them counts as the route's template.
    assert own.stats["requests"]["GET /v1/coupons/{id}"] == len(CHOSEN)
    # The stripe library encodes them so.
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": own.url})
    for object_id in CHOSEN:
        assert client.v1.coupons.retrieve(object_id).id == object_id
        assert client.v1.products.retrieve(object_id).id == object_id
        assert client.v1.prices.retrieve(object_id).id == object_id


def test_ids_sent_unencoded_get_stripe_s_errors(own: StripeSandbox) -> None:
    _create_chosen(own)
    status, body = get_json(own, "/v1/coupons/a+b")  # a raw + is a space
    assert status == 404
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["message"] == "No such coupon: 'a b'"
    status, body = get_json(own, "/v1/coupons/50/50")  # a raw / makes another segment
    assert status == 404
    assert body["error"]["message"].startswith("Unrecognized request URL (GET: /v1/coupons/50/50)")
    status, body = get_json(own, "/v1/coupons/WELCOME#1")  # the rest is a fragment
    assert (status, body["error"]["message"]) == (404, "No such coupon: 'WELCOME'")
    status, body = get_json(own, "/v1/coupons/100%")  # not an escape: stays as is
    assert (status, body["id"]) == (200, "100%")
    status, body = get_json(own, "/v1/coupons/735*$")  # nothing to decode
    assert (status, body["id"]) == (200, "735*$")
    status, body = get_json(own, "/v1/coupons/rabais-%C3%A9t%C3%A9%21")
    assert (status, body["error"]["message"]) == (404, "No such coupon: 'rabais-été!'")
    assert get_json(own, "/v1/coupons/")[1]["object"] == "list"  # a trailing / as before


def test_listing_pages_after_a_chosen_id(own: StripeSandbox) -> None:
    _create_chosen(own)
    for path, resource in (("/v1/coupons", "coupons"), ("/v1/products", "products")):
        everything = [o["id"] for o in own.objects(resource)]
        for object_id in CHOSEN:
            r = requests.get(
                own.url + path,
                params={"starting_after": object_id, "limit": 3},
                headers=AUTH,
                timeout=10,
            )
            assert r.status_code == 200, r.text
            at = everything.index(object_id)
            assert [o["id"] for o in r.json()["data"]] == everything[at + 1 : at + 4]
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": own.url})
    paged = client.v1.coupons.list({"limit": 2}).auto_paging_iter()
    assert [c.id for c in paged] == [c["id"] for c in own.objects("coupons")]


def test_chosen_ids_are_updated_deleted_and_expanded(own: StripeSandbox) -> None:
    _create_chosen(own)
    before = own.ids("events")
    own.update("coupons", "735*$", {"name": "Renamed"})
    assert get_json(own, f"/v1/coupons/{quote_plus('735*$')}")[1]["name"] == "Renamed"
    own.delete("coupons", "50/50")
    status, body = get_json(own, f"/v1/coupons/{quote_plus('50/50')}")
    assert (status, body["error"]["message"]) == (404, "No such coupon: '50/50'")
    own.delete("plans", "a+b")
    assert get_json(own, f"/v1/prices/{quote_plus('a+b')}")[0] == 404  # the twin goes too
    events = new_events(own, before)
    assert [(e["type"], e["data"]["object"]["id"]) for e in events] == [
        ("coupon.updated", "735*$"), ("coupon.deleted", "50/50"), ("plan.deleted", "a+b"),
        ("price.deleted", "a+b"),
    ]  # fmt: skip
    # A price of a product whose id was chosen: the link expands.
    price = own.create("prices", {"id": "Pro plan $699/month", "product": "black friday"})
    status, body = get_json(own, f"/v1/prices/{quote_plus(price['id'])}?expand[]=product")
    assert (status, body["product"]["id"], body["product"]["object"]) == (
        200, "black friday", "product",
    )  # fmt: skip
    assert own.objects("plans")[0]["id"] == "Pro plan $699/month"
    code = own.create("promotion_codes", {"id": "spring/été", "coupon": "735*$"})
    assert get_json(own, f"/v1/promotion_codes/{quote_plus(code['id'])}")[1]["id"] == "spring/été"


def test_a_chosen_id_must_be_free(own: StripeSandbox) -> None:
    own.create("coupons", {"id": "735*$"})
    own.create("plans", {"id": "gold"})
    for resource, object_id in (("coupons", "735*$"), ("prices", "gold"), ("plans", "gold")):
        with pytest.raises(ValueError, match="already exists"):
            own.create(resource, {"id": object_id})
    with pytest.raises(ValueError, match="cannot set 'id'"):
        own.create("customers", {"id": "cus_mine"})  # Stripe makes a customer's id


# ---------------------------------------------------------------------------------------------
# Changes announced by another object's event
@pytest.fixture(params=[True, False], ids=["parent-events", "no-parent-events"])
def parents(request: pytest.FixtureRequest) -> Iterator[tuple[StripeSandbox, bool]]:
    with StripeSandbox(scale=0.02, seed=7, now=NOW, parent_update_events=request.param) as sandbox:
        yield sandbox, request.param


def _shape_problems(events: list[Obj]) -> list[str]:
    problems: list[str] = []
    for evt in events:
        problems.extend(check(evt, stripe.Event, evt["id"]))
        problems.extend(event_problems(evt))
    return problems


def test_customer_discount_created_and_deleted(parents: tuple[StripeSandbox, bool]) -> None:
    sb, with_parent = parents
    cus = sb.objects("customers")[0]
    coupon = sb.create("coupons", {"id": "WELCOME#1", "percent_off": 10.0})
    before = sb.ids("events")
    discount = sb.apply_customer_discount(cus["id"], coupon["id"])
    assert discount["id"].startswith("di_")
    assert (discount["object"], discount["customer"], discount["start"]) == (
        "discount", cus["id"], NOW,
    )  # fmt: skip
    assert discount["source"] == {"coupon": "WELCOME#1", "type": "coupon"}
    assert discount["end"] is None and discount["promotion_code"] is None  # a "once" coupon
    assert not list(check(discount, stripe.Discount, "discount"))
    assert get_json(sb, f"/v1/customers/{cus['id']}")[1]["discount"] == discount
    events = new_events(sb, before)
    expected = ["customer.discount.created"] + ["customer.updated"] * with_parent
    assert [e["type"] for e in events] == expected
    assert events[0]["data"]["object"] == discount
    if with_parent:
        assert events[1]["data"]["object"]["discount"] == discount
        assert events[1]["data"]["previous_attributes"] == {"discount": None}
    with pytest.raises(ValueError, match="already has a discount"):
        sb.apply_customer_discount(cus["id"], coupon["id"])
    before = sb.ids("events")
    assert sb.remove_customer_discount(cus["id"]) == discount
    assert get_json(sb, f"/v1/customers/{cus['id']}")[1]["discount"] is None
    removed = new_events(sb, before)
    expected = ["customer.discount.deleted"] + ["customer.updated"] * with_parent
    assert [e["type"] for e in removed] == expected
    assert removed[0]["data"]["object"] == discount
    if with_parent:
        assert removed[1]["data"]["previous_attributes"] == {"discount": discount}
    assert not _shape_problems(events + removed)


def test_customer_tax_id_created(parents: tuple[StripeSandbox, bool]) -> None:
    sb, with_parent = parents
    cus = sb.objects("customers")[0]
    before = sb.ids("events")
    tax_id = sb.create_customer_tax_id(cus["id"])
    assert tax_id["id"].startswith("txi_")
    assert (tax_id["object"], tax_id["customer"], tax_id["type"], tax_id["value"]) == (
        "tax_id", cus["id"], "eu_vat", "DE123456789",
    )  # fmt: skip
    assert (tax_id["country"], tax_id["created"], tax_id["owner"]["customer"]) == (
        "DE", NOW, cus["id"],
    )  # fmt: skip
    assert not list(check(tax_id, stripe.TaxId, "tax_id"))
    gb = sb.create_customer_tax_id(cus["id"], type="gb_vat", value="GB123456789")
    assert gb["country"] == "GB"
    assert sb.objects("customers")[0] == cus  # its tax ids are not among its fields
    events = new_events(sb, before)
    expected = (["customer.tax_id.created"] + ["customer.updated"] * with_parent) * 2
    assert [e["type"] for e in events] == expected
    assert events[0]["data"]["object"] == tax_id
    if with_parent:
        assert events[1]["data"]["previous_attributes"] == {}
    assert not _shape_problems(events)


def test_customer_source_created(parents: tuple[StripeSandbox, bool]) -> None:
    sb, with_parent = parents
    cus = sb.objects("customers")[0]
    assert cus["default_source"] is None
    before = sb.ids("events")
    card = sb.add_customer_source(cus["id"])
    assert card["id"].startswith("card_")
    assert (card["object"], card["customer"]) == ("card", cus["id"])
    assert card["brand"] in ("Visa", "MasterCard", "American Express")
    assert len(card["last4"]) == 4 and card["exp_year"] > 2026
    assert not list(check(card, stripe.Card, "card"))
    assert get_json(sb, f"/v1/customers/{cus['id']}")[1]["default_source"] == card["id"]
    second = sb.add_customer_source(cus["id"])
    assert sb.objects("customers")[0]["default_source"] == card["id"]  # the first stays
    events = new_events(sb, before)
    parent = ["customer.updated"] * with_parent
    assert [e["type"] for e in events] == [
        "customer.source.created",
        *parent,
        "customer.source.created",
        *parent,
    ]
    assert [e["data"]["object"] for e in events if e["type"] == "customer.source.created"] == [
        card, second,
    ]  # fmt: skip
    if with_parent:
        assert events[1]["data"]["previous_attributes"] == {"default_source": None}
        assert events[1]["data"]["object"]["default_source"] == card["id"]
        assert events[3]["data"]["previous_attributes"] == {}
    assert not _shape_problems(events)


def test_invoice_item_on_a_draft(parents: tuple[StripeSandbox, bool]) -> None:
    sb, with_parent = parents
    draft = next(i for i in sb.objects("invoices") if i["status"] == "draft")
    before = sb.ids("events")
    item = sb.create("invoice_items", {"invoice": draft["id"]})
    assert item["invoice"] == draft["id"]
    grown = get_json(sb, f"/v1/invoices/{draft['id']}")[1]
    assert grown["total"] == draft["total"] + item["amount"]  # changed either way
    events = new_events(sb, before)
    assert [e["type"] for e in events] == ["invoiceitem.created"] + [
        "invoice.updated"
    ] * with_parent
    assert events[0]["data"]["object"] == item
    if with_parent:
        assert events[1]["data"]["object"]["id"] == draft["id"]
        assert events[1]["data"]["previous_attributes"]["total"] == draft["total"]
    before = sb.ids("events")
    sb.delete("invoice_items", item["id"])
    shrunk = get_json(sb, f"/v1/invoices/{draft['id']}")[1]
    assert shrunk["total"] == draft["total"]
    assert item["id"] not in {
        (li["parent"]["invoice_item_details"] or {}).get("invoice_item")
        for li in shrunk["lines"]["data"]
    }
    deleted = new_events(sb, before)
    assert [e["type"] for e in deleted] == ["invoiceitem.deleted"] + [
        "invoice.updated"
    ] * with_parent
    assert deleted[0]["data"]["object"] == {**item, "deleted": True}
    if with_parent:
        assert deleted[1]["data"]["previous_attributes"]["total"] == grown["total"]
    assert not _shape_problems(events + deleted)


def test_a_new_dispute_changes_its_charge_silently(parents: tuple[StripeSandbox, bool]) -> None:
    sb, _ = parents
    before = sb.ids("events")
    du = sb.create("disputes")
    assert [e["type"] for e in new_events(sb, before)] == ["charge.dispute.created"]
    assert get_json(sb, f"/v1/charges/{du['charge']}")[1]["disputed"] is True


def test_parent_update_events_can_be_flipped_at_runtime(own: StripeSandbox) -> None:
    assert own.parent_update_events is True
    cus = own.objects("customers")[0]["id"]
    for flag, expected in (
        (False, ["customer.tax_id.created"]),
        (True, ["customer.tax_id.created", "customer.updated"]),
    ):
        own.parent_update_events = flag
        assert own.parent_update_events is flag
        before = own.ids("events")
        own.create_customer_tax_id(cus)
        assert [e["type"] for e in new_events(own, before)] == expected
