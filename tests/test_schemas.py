"""The committed schemas are exactly what scripts/generate_schemas.py renders, and sane."""

from __future__ import annotations

import decimal
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
import stripe
from stripe._stripe_object import StripeObject

from tap_stripe_readonly.streams import STREAM_TYPES

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "tap_stripe_readonly" / "schemas"
REGENERATE = "run `python scripts/generate_schemas.py` and commit the result"


def _load_generator() -> Any:
    # scripts/ is not a package; register the module so dataclasses can resolve it.
    spec = importlib.util.spec_from_file_location(
        "generate_schemas", ROOT / "scripts" / "generate_schemas.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
RENDERED: dict[str, str] = gen.render_all()
STREAMS = sorted(gen.STREAM_CLASSES)


def schema(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def prop(node: dict[str, Any], dotted: str) -> dict[str, Any]:
    for key in dotted.split("."):
        node = node["properties"][key]
    return node


def nested_objects(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema below the root, with its path."""
    for key, sub in node.get("properties", {}).items():
        yield f"{path}.{key}", sub
        yield from nested_objects(sub, f"{path}.{key}")
    for key in ("items", "additionalProperties"):
        sub = node.get(key)
        if isinstance(sub, dict):
            yield f"{path}[{key}]", sub
            yield from nested_objects(sub, f"{path}[{key}]")


def accepts(node: dict[str, Any], value: Any) -> bool:
    return jsonschema.Draft7Validator(node).is_valid(value)


# --- committed files == generator output ----------------------------------------------------


def test_committed_file_set_matches_generator() -> None:
    committed = {p.name for p in SCHEMAS_DIR.glob("*.json")} | {
        p.name for p in SCHEMAS_DIR.glob("API_VERSION")
    }
    assert committed == set(RENDERED), f"schema files missing or stale: {REGENERATE}"


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_committed_file_is_up_to_date(name: str) -> None:
    path = SCHEMAS_DIR / name
    assert path.is_file(), f"{name} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == RENDERED[name], f"{name} is stale: {REGENERATE}"


def test_api_version_is_the_sdk_pin() -> None:
    assert (SCHEMAS_DIR / "API_VERSION").read_text(encoding="utf-8") == stripe.api_version + "\n"


# --- shape ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMS)
def test_schema_is_valid_draft7_with_id_and_created(stream: str) -> None:
    s = schema(stream)
    jsonschema.Draft7Validator.check_schema(s)
    assert s["type"] == "object"
    assert s["description"].endswith(f"stripe.{gen.STREAM_CLASSES[stream]}")
    assert f"stripe=={stripe.VERSION}" in s["description"]
    assert "string" in s["properties"]["id"]["type"]
    declared = next(t for t in STREAM_TYPES if t.name == stream)
    if declared.replication_key:  # nested items have no `created`; invoice items a `date`
        key = declared.replication_key
        assert s["properties"][key] == {"type": ["integer", "null"]}
    # Not `required` anywhere: Stripe omits fields freely across versions and expansions.
    nodes = [s, *(node for _, node in nested_objects(s))]
    assert not any("required" in node for node in nodes)


@pytest.mark.parametrize("stream", STREAMS)
def test_every_node_is_nullable_and_typed(stream: str) -> None:
    for path, node in nested_objects(schema(stream)):
        assert accepts(node, None), f"{stream}{path} is not nullable: {node}"
        assert "type" in node or "anyOf" in node, f"{stream}{path} has no type: {node}"


@pytest.mark.parametrize(("stream", "key"), sorted(gen.PARENT_KEYS.items()))
def test_child_streams_carry_parent_id(stream: str, key: str) -> None:
    assert accepts(schema(stream)["properties"][key], "in_1PXXXXXXXXXXXXXXXXXXXXXX")


def test_expandable_field_accepts_id_or_object() -> None:
    customer = prop(schema("invoices"), "customer")
    assert customer == gen.expandable_schema()
    assert accepts(customer, "cus_Q1abcDEF")
    assert accepts(customer, {"id": "cus_Q1abcDEF", "object": "customer"})
    assert accepts(customer, None)
    assert not accepts(customer, 42)


def test_metadata_is_a_string_map() -> None:
    metadata = prop(schema("customers"), "metadata")
    assert metadata["additionalProperties"] == {"type": ["string", "null"]}
    assert not accepts(metadata, {"k": 1})


def test_nested_list_shape_with_opaque_items() -> None:
    for stream, key in [("invoices", "lines"), ("subscriptions", "items")]:
        lines = prop(schema(stream), key)
        assert set(lines["properties"]) == {"object", "data", "has_more", "total_count", "url"}
        assert lines["properties"]["data"]["type"] == ["array", "null"]
        # Line items / subscription items are their own streams: not inlined.
        assert lines["properties"]["data"]["items"] == gen.opaque_object_schema()


def test_nested_resources_are_opaque() -> None:
    opaque = {"type": ["object", "null"], "properties": {}, "additionalProperties": True}
    assert prop(schema("invoices"), "last_finalization_error.payment_intent") == opaque
    assert prop(schema("payment_intents"), "last_payment_error.payment_intent") == opaque
    assert prop(schema("subscription_items"), "price") == opaque


@pytest.mark.parametrize("stream", STREAMS)
def test_no_schema_inlines_another_resource(stream: str) -> None:
    # Every resource has both `id` and `object`; nested StripeObjects don't.
    for path, node in nested_objects(schema(stream)):
        props = node.get("properties", {})
        assert not ("id" in props and "object" in props), f"{stream}{path} inlines a resource"


# --- realistic records (shapes of API version 2026-10-28.endive responses) ---------------------

INVOICE: dict[str, Any] = {
    "id": "in_1QabcDEFghiJKL",
    "object": "invoice",
    "account_country": "US",
    "account_name": "Acme, Inc.",
    "amount_due": 2000,
    "amount_paid": 2000,
    "amount_remaining": 0,
    "attempt_count": 1,
    "attempted": True,
    "auto_advance": False,
    "automatic_tax": {"enabled": False, "liability": None, "status": None},
    "billing_reason": "subscription_cycle",
    "collection_method": "charge_automatically",
    "created": 1761696000,
    "currency": "usd",
    "customer": "cus_QabcDEF",
    "customer_email": "jenny@example.com",
    "customer_tax_ids": [],
    "default_tax_rates": [],
    "discounts": [],
    "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_abc",
    "last_finalization_error": None,
    "lines": {
        "object": "list",
        "data": [
            {
                "id": "il_1QabcDEF",
                "object": "line_item",
                "amount": 2000,
                "currency": "usd",
                "invoice": "in_1QabcDEFghiJKL",
                "period": {"end": 1764374400, "start": 1761696000},
            }
        ],
        "has_more": False,
        "total_count": 1,
        "url": "/v1/invoices/in_1QabcDEFghiJKL/lines",
    },
    "livemode": False,
    "metadata": {"order_id": "6735"},
    "number": "ACME-0042",
    "parent": {
        "type": "subscription_details",
        "quote_details": None,
        "subscription_details": {
            "metadata": {},
            "subscription": "sub_1QabcDEF",
            "subscription_proration_date": None,
        },
    },
    "period_end": 1761696000,
    "period_start": 1759017600,
    "status": "paid",
    "status_transitions": {
        "finalized_at": 1761699600,
        "marked_uncollectible_at": None,
        "paid_at": 1761699660,
        "voided_at": None,
    },
    "subtotal": 2000,
    "total": 2000,
    "total_taxes": [],
}

SUBSCRIPTION_ITEM: dict[str, Any] = {
    "id": "si_QabcDEF",
    "object": "subscription_item",
    "billing_thresholds": None,
    "created": 1759017600,
    "current_period_end": 1764374400,
    "current_period_start": 1761696000,
    "discounts": [],
    "metadata": {},
    "price": {
        "id": "price_1QabcDEF",
        "object": "price",
        "currency": "usd",
        "recurring": {"interval": "month", "interval_count": 1},
        "unit_amount": 2000,
        "unit_amount_decimal": "2000",
    },
    "quantity": 1,
    "subscription": "sub_1QabcDEF",
    "tax_rates": [],
}


@pytest.mark.parametrize(
    ("stream", "record"),
    [
        ("invoices", INVOICE),
        ("invoices", {**INVOICE, "customer": {"id": "cus_QabcDEF", "object": "customer"}}),
        ("subscription_items", SUBSCRIPTION_ITEM),
    ],
)
def test_realistic_record_validates(stream: str, record: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema(stream)).validate(record)


def test_mistyped_record_is_rejected() -> None:
    bad = {**INVOICE, "amount_due": "2000"}
    assert not jsonschema.Draft7Validator(schema("invoices")).is_valid(bad)


# --- generator behaviour on synthetic classes -------------------------------------------------


class _Node(StripeObject):
    name: str
    child: _Node | None  # a string annotation here (future import), as in the SDK
    children: list[_Node]


class _Forms(StripeObject):
    tags: dict[str, int]
    anything: Any
    deleted: Literal[True] | None
    kind: Literal["a", "b"] | str
    amount_decimal: decimal.Decimal


class _Weird(StripeObject):
    blob: bytes


def test_forms_absent_from_this_sdk_version_still_map() -> None:
    props = gen.class_schema(_Forms)["properties"]
    assert props["tags"] == {
        "type": ["object", "null"],
        "additionalProperties": {"type": ["integer", "null"]},
    }
    assert set(props["anything"]["type"]) >= {"string", "object", "array", "null"}
    assert props["deleted"] == {"type": ["boolean", "null"]}
    assert props["kind"] == {"type": ["string", "null"]}
    assert props["amount_decimal"] == {"type": ["string", "null"]}


def test_recursive_nested_class_terminates() -> None:
    s = gen.class_schema(_Node)
    assert s["properties"]["child"] == gen.opaque_object_schema()
    assert s["properties"]["children"]["items"] == gen.opaque_object_schema()


def test_deep_nesting_is_capped() -> None:
    # A chain of distinct nested classes deeper than MAX_DEPTH.
    chain: list[type] = [type("_Leaf", (StripeObject,), {"__annotations__": {"x": int}})]
    for i in range(gen.MAX_DEPTH + 3):
        chain.append(type(f"_Level{i}", (StripeObject,), {"__annotations__": {"next": chain[-1]}}))
    node = gen.class_schema(chain[-1])
    depth = 0
    while node.get("properties"):
        node = node["properties"]["next"]
        depth += 1
    assert depth == gen.MAX_DEPTH
    assert node == gen.opaque_object_schema()


def test_unmappable_annotation_fails_loudly() -> None:
    with pytest.raises(gen.UnmappableAnnotationError, match=r"_Weird\.blob"):
        gen.class_schema(_Weird)
