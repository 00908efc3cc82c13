"""A top-level field Stripe adds under the pinned API version is declared, not dropped: a new
SCHEMA message declares it before the first record that carries it (new_fields.py)."""

from __future__ import annotations

import typing as t

from tap_stripe_readonly.new_fields import property_schema
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream


def schemas(result: SyncResult, stream: str) -> list[dict[str, t.Any]]:
    return [m for m in result.of_type("SCHEMA") if m["stream"] == stream]


def first_index(result: SyncResult, kind: str, stream: str, field: str) -> int:
    """Where the first message of ``kind`` that has ``field`` is (in a SCHEMA's properties,
    in a RECORD's record)."""
    for i, m in enumerate(result.messages):
        if m["type"] == kind and m["stream"] == stream:
            body = m["schema"]["properties"] if kind == "SCHEMA" else m["record"]
            if field in body:
                return i
    raise AssertionError(f"no {kind} of {stream} has {field}")


def test_a_new_field_is_declared_before_the_first_record_carrying_it(own_sandbox):
    own_sandbox.add_field("customers", "loyalty_tier", "gold")
    result = sync(tap_config(own_sandbox), select=["customers"])
    records = result.records("customers")
    assert len(records) > 100, "more than a page: declared once, not per page"
    assert all(r["loyalty_tier"] == "gold" for r in records)
    declared = first_index(result, "SCHEMA", "customers", "loyalty_tier")
    assert declared < first_index(result, "RECORD", "customers", "loyalty_tier")
    first, then = schemas(result, "customers")
    assert then["schema"]["properties"]["loyalty_tier"] == {"type": ["string", "null"]}
    assert then["key_properties"] == first["key_properties"]


def test_the_new_field_s_type_is_read_from_its_value(own_sandbox):
    added = {
        "tier": ("gold", ["string", "null"]),
        "rank": (3, ["integer", "null"]),
        "score": (1.5, ["number", "null"]),
        "is_new": (True, ["boolean", "null"]),
        "perks": ({"free_shipping": True}, ["object", "null"]),
        "badges": (["early"], ["array", "null"]),
        # Null says nothing of the type: any value that comes later must pass.
        "sunset_at": (None, ["string", "number", "integer", "boolean", "object", "array", "null"]),
    }
    for name, (value, _) in added.items():
        own_sandbox.add_field("products", name, value)
    result = sync(tap_config(own_sandbox), select=["products"])
    _, then = schemas(result, "products")
    properties = then["schema"]["properties"]
    assert {name: properties[name]["type"] for name in added} == {
        name: json_type for name, (_, json_type) in added.items()
    }
    by_id = {p["id"]: p for p in own_sandbox.objects("products")}
    assert result.records("products")
    for record in result.records("products"):
        assert record == by_id[record["id"]]


def test_the_run_says_once_which_fields_it_declared(own_sandbox, caplog):
    own_sandbox.add_field("customers", "loyalty_tier", "gold")
    own_sandbox.add_field("coupons", "stackable", True)
    own_sandbox.add_field("coupons", "campaign", "spring")
    with caplog.at_level("INFO"):
        sync(tap_config(own_sandbox), select=["customers", "coupons"])
    lines = sorted(r.getMessage() for r in caplog.records if "the schema lacks" in r.getMessage())
    assert lines == [
        "coupons: Stripe sent 2 fields the schema lacks, now declared: campaign, stackable",
        "customers: Stripe sent 1 field the schema lacks, now declared: loyalty_tier",
    ]


def test_a_stream_map_keeps_the_new_field(own_sandbox):
    """singer-sdk's path (stream maps) conforms records to the schema: the field survives."""
    own_sandbox.add_field("customers", "loyalty_tier", "gold")
    config = tap_config(own_sandbox, stream_maps={"customers": {"__alias__": "clients"}})
    result = sync(config, select=["customers"])
    records = result.records("clients")
    assert records and all(r["loyalty_tier"] == "gold" for r in records)
    declared = first_index(result, "SCHEMA", "clients", "loyalty_tier")
    assert declared < first_index(result, "RECORD", "clients", "loyalty_tier")


def test_a_deselected_property_leaves_the_new_field_in(own_sandbox):
    """A catalog with a property deselected (singer-sdk's path, conforming to the catalog's
    schema, as under Meltano): the new field stays, the deselected one goes."""
    own_sandbox.add_field("customers", "loyalty_tier", "gold")
    config = tap_config(own_sandbox)
    catalog = TapStripeReadonly(config=config, validate_config=True).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if entry["tap_stream_id"] == "customers" and meta["breadcrumb"] == [
                "properties",
                "description",
            ]:
                meta["metadata"]["selected"] = False
    result = sync(config, catalog=catalog, select=["customers"])
    records = result.records("customers")
    assert records and all(r["loyalty_tier"] == "gold" for r in records)
    assert not any("description" in r for r in records)
    _, then = schemas(result, "customers")
    assert "loyalty_tier" in then["schema"]["properties"]
    assert "description" not in then["schema"]["properties"]


def test_only_what_the_schema_lacks_is_declared():
    """A field the schema has (Stripe sending it again, the tap's own stripe_account column
    of a run of several accounts) brings no SCHEMA; a new one brings one, once."""
    with StripeSandbox(scale=0.02, seed=7, connected_accounts=1) as sb:
        sb.add_field("customers", "loyalty_tier", "gold")
        sb.add_field("customers", "description", "sent again")
        sb.add_field("products", "description", "sent again")
        config = tap_config(sb, account_ids=sb.accounts)
        result = sync(config, select=["customers", "products"])
    assert len(result.records("customers")) > 200, "pages of two accounts"
    first, then = schemas(result, "customers")
    new = set(then["schema"]["properties"]) - set(first["schema"]["properties"])
    assert new == {"loyalty_tier"}
    assert then["key_properties"] == first["key_properties"] == ["stripe_account", "id"]
    assert len(schemas(result, "products")) == 1


def test_a_declared_field_is_kept_in_copies_of_another_api_version(own_sandbox):
    """A copy in another API version keeps the fields the schema has (conforming_fields):
    declared fields included, though the schema's validators were made before."""
    customers = TapStripeReadonly(config=tap_config(own_sandbox)).streams["customers"]
    stream = t.cast("StripeStream", customers)
    row = {"id": "cus_1", "loyalty_tier": "gold"}
    assert stream.conforming_fields(row) == {"id": "cus_1"}
    stream.add_properties({"loyalty_tier": property_schema("gold")})
    assert stream.conforming_fields(row) == row
    assert stream.schema["properties"]["loyalty_tier"] == {"type": ["string", "null"]}
