"""List, retrieve and filter semantics of the sandbox, checked over HTTP against Stripe's rules."""

from __future__ import annotations

import inspect
import operator
from collections.abc import Iterator
from typing import Any, get_args

import pytest
import requests
import stripe

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.streams import STREAM_TYPES
from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_ACCOUNT_ID, DEMO_API_KEY, StripeSandbox
from tests.stripe_sandbox.api import (
    APART_REQUIRED,
    LISTABLE,
    UNPAGED,
    accepted_params,
    match,
    path_of,
)
from tests.stripe_sandbox.more import APART, BY_PARENT
from tests.stripe_sandbox.store import EXPAND_ONLY

NOW = 1_795_000_000
# Subscriptions leave canceled ones out by default, prices archived ones; they have tests of
# their own.
LISTS = tuple(
    r for r in LISTABLE if r not in ("subscriptions", "prices", "reviews") and r not in BY_PARENT
)


@pytest.fixture(scope="module")
def sb() -> Iterator[StripeSandbox]:
    # Issuing on, and a connected account for the platform to list.
    with StripeSandbox(
        scale=0.05, seed=42, now=NOW, products=ALL_PRODUCTS, connected_accounts=2
    ) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http(sb: StripeSandbox) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {DEMO_API_KEY}"
        yield s


def get(http: requests.Session, sb: StripeSandbox, path: str, **params: Any) -> Any:
    r = http.get(sb.url + path, params=params)
    return r.status_code, r.json()


def walk(
    http: requests.Session, sb: StripeSandbox, path: str, backwards: bool = False, **params: Any
) -> list[dict[str, Any]]:
    """All pages following starting_after (or ending_before from the oldest object)."""
    out: list[dict[str, Any]] = []
    cursor: dict[str, str] = {}
    while True:
        status, body = get(http, sb, path, **{**params, **cursor})
        assert status == 200, body
        out.extend(body["data"] if not backwards else reversed(body["data"]))
        if not body["has_more"]:
            return out if not backwards else out[::-1]
        last = body["data"][0 if backwards else -1]["id"]
        cursor = {"ending_before" if backwards else "starting_after": last}


# ---------------------------------------------------------------------------------------------
def test_list_shape_default_limit_and_newest_first(
    http: requests.Session, sb: StripeSandbox
) -> None:
    status, body = get(http, sb, "/v1/customers")
    assert status == 200
    assert set(body) == {"object", "data", "has_more", "url"}
    assert body["object"] == "list"
    assert body["url"] == "/v1/customers"
    assert body["has_more"] is True
    assert [c["id"] for c in body["data"]] == [c["id"] for c in sb.objects("customers")[:10]]
    created = [c["created"] for c in body["data"]]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(("limit", "count"), [("1", 1), ("100", 100), ("37", 37)])
def test_limit_bounds(http: requests.Session, sb: StripeSandbox, limit: str, count: int) -> None:
    status, body = get(http, sb, "/v1/invoices", limit=limit)
    assert status == 200
    assert len(body["data"]) == count


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_limit_out_of_range_is_a_400(http: requests.Session, sb: StripeSandbox, limit: str) -> None:
    status, body = get(http, sb, "/v1/customers", limit=limit)
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["param"] == "limit"


@pytest.mark.parametrize("resource", LISTS)
def test_paging_forwards_and_backwards_reproduces_every_id(
    http: requests.Session, sb: StripeSandbox, resource: str
) -> None:
    expected = [o["id"] for o in sb.objects(resource)]
    forwards = [o["id"] for o in walk(http, sb, path_of(resource), limit=7)]
    assert forwards == expected
    assert len(set(forwards)) == len(forwards)
    backwards = [
        o["id"]
        for o in walk(
            http, sb, path_of(resource), backwards=True, limit=7, ending_before=expected[-1]
        )
    ]
    assert backwards == expected[:-1]


def test_subscriptions_paging_with_status_all(http: requests.Session, sb: StripeSandbox) -> None:
    ids = [s["id"] for s in walk(http, sb, "/v1/subscriptions", limit=100, status="all")]
    assert ids == [s["id"] for s in sb.objects("subscriptions")]


def test_ending_before_returns_the_objects_just_newer(
    http: requests.Session, sb: StripeSandbox
) -> None:
    ids = [c["id"] for c in sb.objects("charges")]
    status, body = get(http, sb, "/v1/charges", ending_before=ids[20], limit=5)
    assert status == 200
    assert [c["id"] for c in body["data"]] == ids[15:20]
    assert body["has_more"] is True
    status, body = get(http, sb, "/v1/charges", ending_before=ids[3], limit=5)
    assert [c["id"] for c in body["data"]] == ids[:3]
    assert body["has_more"] is False


def test_last_page_has_more_false(http: requests.Session, sb: StripeSandbox) -> None:
    ids = [c["id"] for c in sb.objects("customers")]
    status, body = get(http, sb, "/v1/customers", starting_after=ids[-3], limit=2)
    assert [c["id"] for c in body["data"]] == ids[-2:]
    assert body["has_more"] is False
    status, body = get(http, sb, "/v1/customers", starting_after=ids[-1])
    assert status == 200
    assert body["data"] == []
    assert body["has_more"] is False


def test_both_cursors_is_a_400(http: requests.Session, sb: StripeSandbox) -> None:
    ids = [c["id"] for c in sb.objects("customers")]
    status, body = get(http, sb, "/v1/customers", starting_after=ids[1], ending_before=ids[5])
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_unknown_cursor_is_resource_missing(
    http: requests.Session, sb: StripeSandbox, param: str
) -> None:
    status, body = get(http, sb, "/v1/customers", **{param: "cus_doesnotexist00"})
    assert status == 400
    assert body == {
        "error": {
            "code": "resource_missing",
            "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
            "param": param,
            "message": "No such customer: 'cus_doesnotexist00'",
            "type": "invalid_request_error",
        }
    }


def test_cursor_outside_the_filtered_list_is_resource_missing(
    http: requests.Session, sb: StripeSandbox
) -> None:
    # A subscription canceled mid-sync drops out of the default (non-canceled) list.
    canceled = next(s for s in sb.objects("subscriptions") if s["status"] == "canceled")
    status, body = get(http, sb, "/v1/subscriptions", starting_after=canceled["id"])
    assert status == 400
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["param"] == "starting_after"
    assert get(http, sb, "/v1/subscriptions", starting_after=canceled["id"], status="all")[0] == 200


# ---------------------------------------------------------------------------------------------
def _created_query(sb: StripeSandbox, query: str, http: requests.Session) -> list[int]:
    r = http.get(f"{sb.url}/v1/invoices?limit=100&{query}")
    assert r.status_code == 200, r.text
    return [o["created"] for o in r.json()["data"]]


def test_created_filters(http: requests.Session, sb: StripeSandbox) -> None:
    all_created = [o["created"] for o in sb.objects("invoices")]
    pivot = all_created[40]
    cases = {
        f"created[gte]={pivot}": [c for c in all_created if c >= pivot],
        f"created%5Bgt%5D={pivot}": [c for c in all_created if c > pivot],  # URL-encoded form
        f"created[lte]={pivot}": [c for c in all_created if c <= pivot][:100],
        f"created%5Blt%5D={pivot}": [c for c in all_created if c < pivot][:100],
        f"created={pivot}": [c for c in all_created if c == pivot],
        f"created[gte]={pivot - 86400 * 30}&created[lt]={pivot}":
            [c for c in all_created if pivot - 86400 * 30 <= c < pivot],
    }  # fmt: skip
    for query, expected in cases.items():
        assert _created_query(sb, query, http) == expected[:100], query


def test_created_window_pages_with_cursor(http: requests.Session, sb: StripeSandbox) -> None:
    objs = sb.objects("charges")
    lo, hi = objs[60]["created"], objs[5]["created"]
    expected = [o["id"] for o in objs if lo <= o["created"] <= hi]
    got = walk(http, sb, "/v1/charges", limit=4, **{"created[gte]": lo, "created[lte]": hi})
    assert [o["id"] for o in got] == expected


def test_created_is_not_accepted_on_sub_lists(http: requests.Session, sb: StripeSandbox) -> None:
    sub = sb.objects("subscriptions")[0]["id"]
    status, body = get(http, sb, "/v1/subscription_items", subscription=sub, **{"created[gte]": 1})
    assert status == 400
    assert body["error"]["code"] == "parameter_unknown"
    assert body["error"]["param"] == "created"


def test_bad_created_values(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/customers", **{"created[gte]": "yesterday"})
    assert (status, body["error"]["param"]) == (400, "created[gte]")
    status, body = get(http, sb, "/v1/customers", **{"created[after]": "1"})
    assert (status, body["error"]["code"]) == (400, "parameter_unknown")


def test_unknown_parameter_is_rejected(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/customers", colour="blue")
    assert status == 400
    assert body["error"]["message"] == "Received unknown parameter: colour"


# ---------------------------------------------------------------------------------------------
def test_subscriptions_hide_canceled_unless_asked(
    http: requests.Session, sb: StripeSandbox
) -> None:
    everything = sb.objects("subscriptions")
    default = walk(http, sb, "/v1/subscriptions", limit=100)
    assert [s["id"] for s in default] == [s["id"] for s in everything if s["status"] != "canceled"]
    canceled = walk(http, sb, "/v1/subscriptions", limit=100, status="canceled")
    assert canceled
    assert {s["status"] for s in canceled} == {"canceled"}
    assert len(default) + len(canceled) == len(everything)
    assert get(http, sb, "/v1/subscriptions", status="bogus")[0] == 400
    customer = everything[0]["customer"]
    mine = walk(http, sb, "/v1/subscriptions", status="all", customer=customer)
    assert [s["id"] for s in mine] == [s["id"] for s in everything if s["customer"] == customer]


def test_prices_hide_archived_unless_asked(http: requests.Session, sb: StripeSandbox) -> None:
    everything = sb.objects("prices")
    default = [p["id"] for p in walk(http, sb, "/v1/prices", limit=7)]
    assert default == [p["id"] for p in everything if p["active"]]
    active = [p["id"] for p in walk(http, sb, "/v1/prices", limit=7, active="true")]
    archived = [p["id"] for p in walk(http, sb, "/v1/prices", limit=7, active="false")]
    assert active == default
    assert archived == [p["id"] for p in everything if not p["active"]]
    assert archived


def test_reviews_list_only_open_ones(http: requests.Session, sb: StripeSandbox) -> None:
    everything = sb.objects("reviews")
    listed = [r["id"] for r in walk(http, sb, "/v1/reviews", limit=3)]
    assert listed == [r["id"] for r in everything if r["open"]]
    closed = next(r for r in everything if not r["open"])
    assert get(http, sb, f"/v1/reviews/{closed['id']}")[1] == closed
    charges = {c["review"] for c in sb.objects("charges") if c["review"]}
    assert charges == {r["id"] for r in everything}, "each charge names its review"


def test_tiers_come_only_when_expanded(http: requests.Session, sb: StripeSandbox) -> None:
    for resource in ("prices", "plans"):
        params = {"active": "false"} if resource == "prices" else {}
        bare = walk(http, sb, path_of(resource), limit=100, **params)
        assert not any("tiers" in o for o in bare)
        expanded = walk(http, sb, path_of(resource), limit=100, expand=["data.tiers"], **params)
        tiered = [o for o in expanded if o["billing_scheme"] == "tiered"]
        assert tiered
        assert all(len(o["tiers"]) == 2 for o in tiered)
        one = tiered[0]["id"]
        status, body = get(http, sb, f"{path_of(resource)}/{one}", expand=["tiers"])
        assert status == 200
        assert body["tiers"] == tiered[0]["tiers"]
        assert "tiers" not in get(http, sb, f"{path_of(resource)}/{one}")[1]
    # An event's copy has no expand-only fields.
    price = next(p for p in sb.objects("prices") if p["billing_scheme"] == "tiered")
    sb.update("prices", price["id"], {"nickname": "Seats"})
    event = get(http, sb, "/v1/events", type="price.updated", limit=1)[1]["data"][0]
    assert event["data"]["object"]["id"] == price["id"]
    assert "tiers" not in event["data"]["object"]


def test_common_filters(http: requests.Session, sb: StripeSandbox) -> None:
    invoices = sb.objects("invoices")
    customer = invoices[0]["customer"]
    got = walk(http, sb, "/v1/invoices", limit=100, customer=customer)
    assert [i["id"] for i in got] == [i["id"] for i in invoices if i["customer"] == customer]
    paid = walk(http, sb, "/v1/invoices", limit=100, status="paid")
    assert paid
    assert {i["status"] for i in paid} == {"paid"}
    sub = next(i for i in invoices if i["parent"])["parent"]["subscription_details"]["subscription"]
    by_sub = walk(http, sb, "/v1/invoices", limit=100, subscription=sub)
    assert by_sub
    assert all(i["parent"]["subscription_details"]["subscription"] == sub for i in by_sub)
    products = walk(http, sb, "/v1/products", limit=100, active="false")
    assert [p["id"] for p in products] == [
        p["id"] for p in sb.objects("products") if not p["active"]
    ]
    product = sb.objects("prices")[0]["product"]
    prices = walk(http, sb, "/v1/prices", limit=100, product=product)
    assert prices
    assert {p["product"] for p in prices} == {product}
    refund = sb.objects("refunds")[0]
    got = walk(http, sb, "/v1/refunds", charge=refund["charge"])
    assert [r["id"] for r in got] == [refund["id"]]
    charge = sb.objects("charges")[0]
    got = walk(http, sb, "/v1/charges", payment_intent=charge["payment_intent"])
    assert [c["id"] for c in got] == [charge["id"]]


def test_events_type_filters(http: requests.Session, sb: StripeSandbox) -> None:
    events = sb.objects("events")
    got = walk(http, sb, "/v1/events", limit=100, type="invoice.*")
    assert got
    assert [e["id"] for e in got] == [e["id"] for e in events if e["type"].startswith("invoice.")]
    r = http.get(f"{sb.url}/v1/events?limit=100&types[]=customer.created&types[]=charge.succeeded")
    assert {e["type"] for e in r.json()["data"]} == {"customer.created", "charge.succeeded"}
    status, _ = get(
        http, sb, "/v1/events", type="customer.created", **{"types[]": "charge.succeeded"}
    )
    assert status == 400
    # As Stripe: "You may specify up to 20 types."
    many = "&".join(f"types[]=customer.t{n}" for n in range(21))
    r = http.get(f"{sb.url}/v1/events?limit=1&{many}")
    assert r.status_code == 400 and "up to 20 types" in r.json()["error"]["message"]
    r = http.get(f"{sb.url}/v1/events?limit=1&{many.rsplit('&', 1)[0]}")
    assert r.status_code == 200


# ---------------------------------------------------------------------------------------------
def test_invoice_lines_truncate_at_ten_and_the_rest_pages(
    http: requests.Session, sb: StripeSandbox
) -> None:
    inv = next(i for i in sb.objects("invoices") if i["lines"]["total_count"] > 10)
    status, body = get(http, sb, f"/v1/invoices/{inv['id']}")
    lines = body["lines"]
    assert lines["object"] == "list"
    assert len(lines["data"]) == 10
    assert lines["has_more"] is True
    assert lines["url"] == f"/v1/invoices/{inv['id']}/lines"
    everything = walk(http, sb, lines["url"], limit=3)
    assert [li["id"] for li in everything[:10]] == [li["id"] for li in lines["data"]]
    assert len(everything) == lines["total_count"]
    assert {li["invoice"] for li in everything} == {inv["id"]}
    status, body = get(http, sb, lines["url"], starting_after=lines["data"][-1]["id"], limit=100)
    assert status == 200
    assert [li["id"] for li in body["data"]] == [li["id"] for li in everything[10:]]
    assert body["url"] == lines["url"]


def test_subscription_items_truncate_at_ten_and_the_rest_pages(
    http: requests.Session, sb: StripeSandbox
) -> None:
    sub = next(s for s in sb.objects("subscriptions") if s["items"]["total_count"] > 10)
    items = sub["items"]
    assert len(items["data"]) == 10
    assert items["has_more"] is True
    assert items["url"] == f"/v1/subscription_items?subscription={sub['id']}"
    everything = walk(http, sb, "/v1/subscription_items", subscription=sub["id"], limit=4)
    assert [i["id"] for i in everything[:10]] == [i["id"] for i in items["data"]]
    assert len(everything) == items["total_count"]
    assert {i["subscription"] for i in everything} == {sub["id"]}
    r = http.get(sb.url + items["url"] + "&limit=100")
    assert r.json()["url"] == "/v1/subscription_items"
    assert len(r.json()["data"]) == items["total_count"]


def test_subscription_items_need_a_subscription(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/subscription_items")
    assert status == 400
    assert body["error"]["code"] == "parameter_missing"
    assert body["error"]["param"] == "subscription"
    status, body = get(http, sb, "/v1/subscription_items", subscription="sub_nope")
    assert status == 404
    assert body["error"]["code"] == "resource_missing"


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", [*LISTS, "subscriptions", "subscription_items"])
def test_retrieve_by_id(http: requests.Session, sb: StripeSandbox, resource: str) -> None:
    obj = sb.objects(resource)[-1]
    expand = sorted(EXPAND_ONLY.get(resource, ()))  # sb.objects shows them expanded
    status, body = get(http, sb, f"{path_of(resource)}/{obj['id']}", **{"expand[]": expand})
    assert status == 200
    assert body == obj


def test_setup_attempts_are_listed_per_setup_intent(
    http: requests.Session, sb: StripeSandbox
) -> None:
    status, body = get(http, sb, "/v1/setup_attempts")
    assert status == 400
    assert body["error"]["param"] == "setup_intent"
    for intent in sb.objects("setup_intents")[:5]:
        attempts = walk(http, sb, "/v1/setup_attempts", setup_intent=intent["id"])
        assert attempts
        assert {a["setup_intent"] for a in attempts} == {intent["id"]}


def test_lists_kept_apart_are_listed_per_parent(http: requests.Session, sb: StripeSandbox) -> None:
    for resource, (parent, template, _) in APART.items():
        found = []
        for obj in sb.objects(parent):
            if resource in UNPAGED:  # answered whole, and `limit` refused
                assert get(http, sb, template.format(id=obj["id"]), limit=3)[0] == 400
                found += get(http, sb, template.format(id=obj["id"]))[1]["data"]
            elif resource in APART_REQUIRED:  # a linked account's owners: of its refresh
                field = APART_REQUIRED[resource]
                status, body = get(http, sb, template.format(id=obj["id"]))
                assert status == 400 and body["error"]["param"] == field
                if obj[field] is not None:
                    url = template.format(id=obj["id"])
                    found += walk(http, sb, url, limit=3, **{field: obj[field]})
            else:
                found += walk(http, sb, template.format(id=obj["id"]), limit=3)
        assert [o["id"] for o in found] == [o["id"] for o in sb.objects(resource)], resource
    assert get(http, sb, "/v1/quotes/qt_missing/line_items")[0] == 404


def test_retrieve_missing_is_a_404(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/customers/cus_x")
    assert status == 404
    assert body["error"] == {
        "code": "resource_missing", "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
        "message": "No such customer: 'cus_x'", "param": "id", "type": "invalid_request_error",
    }  # fmt: skip
    assert get(http, sb, "/v1/invoices/in_x/lines")[0] == 404


def test_unknown_path_is_unrecognized(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/foo")
    assert status == 404
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith("Unrecognized request URL (GET: /v1/foo).")


def test_account(http: requests.Session, sb: StripeSandbox) -> None:
    status, body = get(http, sb, "/v1/account")
    assert status == 200
    assert body["id"] == DEMO_ACCOUNT_ID
    assert body["object"] == "account"
    assert body["default_currency"] == "usd"


def test_expand(http: requests.Session, sb: StripeSandbox) -> None:
    r = http.get(
        f"{sb.url}/v1/charges?limit=3&expand[]=data.customer&expand[]=data.balance_transaction"
    )
    for ch in r.json()["data"]:
        assert ch["customer"]["object"] == "customer"
        assert ch["balance_transaction"]["object"] == "balance_transaction"
    inv = sb.objects("invoices")[0]
    r = http.get(
        f"{sb.url}/v1/invoices/{inv['id']}?expand[0]=parent.subscription_details.subscription"
    )
    assert r.json()["parent"]["subscription_details"]["subscription"]["object"] == "subscription"
    assert get(http, sb, "/v1/charges", **{"expand[]": "customer"})[0] == 400


# ---------------------------------------------------------------------------------------------
def test_the_stripe_sdk_reads_the_sandbox(sb: StripeSandbox) -> None:
    """stripe-python itself parses the responses and pages with its own cursor logic."""
    client = stripe.StripeClient(DEMO_API_KEY, base_addresses={"api": sb.url})
    ids = [i.id for i in client.v1.invoices.list({"limit": 100}).auto_paging_iter()]
    assert ids == [i["id"] for i in sb.objects("invoices")]
    inv = next(i for i in sb.objects("invoices") if i["lines"]["has_more"])
    lines = client.v1.invoices.line_items.list(inv["id"], {"limit": 5}).auto_paging_iter()
    assert len(list(lines)) == inv["lines"]["total_count"]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_gone")
    assert missing.value.code == "resource_missing"
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient(
            "rk_live_unknown0000", base_addresses={"api": sb.url}
        ).v1.customers.list()


def _list_method(stream: type[StripeStream]) -> Any:
    """The stripe package's method that lists what ``stream`` reads."""
    if issubclass(stream, StripeChildStream) and "{id}" in stream.path:
        parent = stream.parent_stream_type
        owner = operator.attrgetter(parent.stripe_class)(stripe)
        return getattr(owner, "list_" + stream.path.rsplit("/", 1)[1])  # Invoice.list_lines
    return operator.attrgetter(stream.stripe_class)(stripe).list


@pytest.mark.parametrize("stream", STREAM_TYPES, ids=[s.name for s in STREAM_TYPES])
def test_each_list_takes_the_parameters_stripe_s_takes(stream: type[StripeStream]) -> None:
    # Stripe answers 400 to a parameter its list does not take; the sandbox must take the
    # same ones, or a tap's filter would pass here and fail against Stripe (or the reverse).
    unpack = inspect.signature(_list_method(stream)).parameters["params"].annotation
    (name,) = [ref.__forward_arg__ for ref in get_args(unpack)]
    # In stripe.params, or its namespace's (checkout.Session's: stripe.params.checkout).
    namespaces = (stripe.params.checkout, stripe.params.billing, stripe.params.radar,
                  stripe.params.issuing, stripe.params.terminal)  # fmt: skip
    # A namespaced class's own first: issuing.Dispute's DisputeListParams is not Dispute's.
    namespace = stream.stripe_class.rpartition(".")[0]
    own = (getattr(stripe.params, namespace),) if namespace else ()
    module = next(m for m in (*own, stripe.params, *namespaces) if hasattr(m, name))
    options = set(stripe.RequestOptions.__annotations__)  # the client's, never sent
    stripes = set(getattr(module, name).__annotations__) - options
    route = match(stream.path.replace("{id}", "x_1"))
    assert route is not None and route.kind != "retrieve", stream.path
    assert set(accepted_params(route)) == stripes


@pytest.mark.parametrize(
    "resource", [r for r in BY_PARENT if r not in ("setup_attempts", "issuing_tokens")]
)
def test_a_list_per_parent_needs_its_parent_and_together_holds_every_object(
    http: requests.Session, sb: StripeSandbox, resource: str
) -> None:
    """Treasury's lists (financial_account=), a linked account's transactions (account=), a
    value list's items (value_list=): one list per parent, paged as any other."""
    parent, param = BY_PARENT[resource]
    status, body = get(http, sb, path_of(resource))
    assert status == 400 and body["error"]["param"] == param
    found = []
    for p in sb.objects(parent):
        found += walk(http, sb, path_of(resource), limit=2, **{param: p["id"]})
    assert sorted(o["id"] for o in found) == sorted(sb.ids(resource))
    assert len(found) == len(sb.ids(resource)) > 2


def test_issuing_tokens_are_listed_per_card(http: requests.Session, sb: StripeSandbox) -> None:
    """Stripe's list of tokens needs card= (one request per card)."""
    status, body = get(http, sb, "/v1/issuing/tokens")
    assert status == 400 and body["error"]["param"] == "card"
    found = []
    for card in sb.objects("issuing_cards"):
        found += walk(http, sb, "/v1/issuing/tokens", card=card["id"], limit=1)
    assert {o["id"] for o in found} == sb.ids("issuing_tokens")
