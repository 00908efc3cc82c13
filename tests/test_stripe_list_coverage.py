"""Every list Stripe has is read by a stream, excluded for a stated reason, or owed.

Stripe adds list endpoints in most releases, and nothing else in the tap would notice: a
new list simply never reaches the warehouse. These tests walk the services of the pinned
``stripe`` package (its source, with ``ast``: no network, no API key) and collect every
``GET`` list they call. Each one must be read by a stream, be in ``EXCLUDED`` with the
reason it never will be, or be in ``NOT_YET_READ``, the work still to do. Upgrading the
package therefore names every list Stripe added since (a failure lists their paths) and
every list it removed (a stale entry here, or a stream's path, fails).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import typing as t
from pathlib import Path

import pytest

from tap_stripe_readonly.streams import STREAM_TYPES

# One reason for every /v2 list, each listed by path (not a "/v2/" prefix rule) so that a
# /v2 list Stripe adds is named like any other, and one it removes leaves a stale entry.
V2 = "v2: token paging, thin events; Accounts v2 / Money Management only, until a user asks"

EXCLUDED: dict[str, str] = {
    # Test helpers: exist only in test mode and sandboxes.
    "/v1/test_helpers/test_clocks": "test helper",
    # Previews: computed from the request's parameters, not stored data. (Stripe 16.1.0 has
    # no GET .../upcoming list; the invoice preview is a POST.)
    "/v1/credit_notes/preview/lines": "preview computed from request parameters",
    # Secrets: never copy them to a warehouse.
    "/v1/apps/secrets": "Stripe Apps secret store: its values are secrets",
    # Duplicates of what streams read. (The legacy /v1/charges/{id}/refunds duplicates
    # /v1/refunds but exists only as Charge.list_refunds, so the walk does not see it; the
    # .../search endpoints are `search` methods, not lists.)
    "/v1/payment_methods": "duplicate of /v1/customers/{id}/payment_methods (else Treasury only)",
    # Stripe's own reference data, the same for every account.
    "/v1/country_specs": "Stripe reference data",
    "/v1/exchange_rates": "Stripe reference data (deprecated)",
    "/v1/tax_codes": "Stripe reference data",
    "/v1/climate/products": "Stripe reference data",
    "/v1/climate/suppliers": "Stripe reference data",
    "/v1/reporting/report_types": "Stripe reference data",
    # Not enumerable: their parents have no list.
    "/v1/tax/calculations/{id}/line_items": "not enumerable: tax calculations have no list",
    "/v1/tax/transactions/{id}/line_items": "not enumerable: tax transactions have no list",
    # The deprecated Sources API: a receiver source's (ACH credit transfer, Multibanco)
    # transactions, a list under each source, itself under each customer; the customer's
    # sources are read (customer_sources), a list under them is not.
    "/v1/sources/{id}/source_transactions": "legacy: a list under a customer's source",
    # Computed for the request's parameters, not objects Stripe keeps: a meter's usage summed
    # per customer over a window the request gives (customer=, start_time=, end_time=).
    "/v1/billing/meters/{id}/event_summaries": "aggregate computed for the request's window",
    # Version 2 of the API.
    "/v2/commerce/product_catalog/imports": V2,
    "/v2/core/accounts": V2,
    "/v2/core/accounts/{id}/persons": V2,
    "/v2/core/event_destinations": V2,
    "/v2/core/events": V2,
    "/v2/core/vault/gb_bank_accounts": V2,
    "/v2/core/vault/us_bank_accounts": V2,
    "/v2/money_management/adjustments": V2,
    "/v2/money_management/financial_accounts": V2,
    "/v2/money_management/financial_addresses": V2,
    "/v2/money_management/inbound_transfers": V2,
    "/v2/money_management/outbound_payments": V2,
    "/v2/money_management/outbound_setup_intents": V2,
    "/v2/money_management/payout_intents": V2,
    "/v2/money_management/payout_methods": V2,
    "/v2/money_management/received_credits": V2,
    "/v2/money_management/transaction_entries": V2,
    "/v2/money_management/transactions": V2,
}

# Work outstanding: lists a read-only key can read that should become streams, path ->
# product area. Empty since 9/9; a list Stripe adds (a test names it) goes here or to
# EXCLUDED, and a new stream must take its path out (a test fails until it does).
NOT_YET_READ: dict[str, str] = {}


def normalise(path: str) -> str:
    """Every ``{placeholder}`` of a path as ``{id}``."""
    return re.sub(r"\{[^}]*\}", "{id}", path)


def literal_path(node: ast.expr) -> str | None:
    """The path of ``"/v1/x"`` or of ``"/v1/x/{y}/z".format(...)``; None for anything else."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        node = node.func.value
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def get_paths(method: ast.FunctionDef | ast.AsyncFunctionDef) -> t.Iterator[str]:
    """The paths of the method's ``self._request("get", <path>, ...)`` calls."""
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"_request", "_request_async"}
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "self"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "get"
        ):
            path = literal_path(node.args[1])
            if path is not None:
                yield path


def walk_stripe_lists() -> dict[str, str]:
    """Every GET list the ``stripe`` package's services call: path -> the method calling it."""
    spec = importlib.util.find_spec("stripe")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent
    found: dict[str, str] = {}
    for module in sorted(package.rglob("*_service.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        name = module.relative_to(package.parent).as_posix()
        for cls in tree.body:
            if not (isinstance(cls, ast.ClassDef) and cls.name.endswith("Service")):
                continue
            for method in cls.body:
                if (
                    isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef)
                    and (method.name == "list" or method.name.startswith("list_"))
                    and not method.name.endswith("_async")
                ):
                    where = f"{name} {cls.name}.{method.name}"
                    for path in get_paths(method):
                        found.setdefault(normalise(path), where)
    return found


@pytest.fixture(scope="module")
def stripe_lists() -> dict[str, str]:
    return walk_stripe_lists()


def read_by_streams() -> dict[str, list[str]]:
    """The lists the tap's streams read: path -> stream names (``object_path`` does not count)."""
    read: dict[str, list[str]] = {}
    for stream in STREAM_TYPES:
        # singer-sdk declares `name` for instances; each stream class sets it.
        read.setdefault(normalise(stream.path), []).append(stream.name)  # type: ignore[misc]
    return read


def test_the_walk_finds_stripe_s_lists(stripe_lists: dict[str, str]) -> None:
    assert len(stripe_lists) >= 100 and "/v1/customers" in stripe_lists, sorted(stripe_lists)


def test_every_list_is_read_excluded_or_not_yet_read(stripe_lists: dict[str, str]) -> None:
    accounted = read_by_streams().keys() | EXCLUDED.keys() | NOT_YET_READ.keys()
    unaccounted = sorted(path for path in stripe_lists if path not in accounted)
    assert not unaccounted, (
        "Stripe lists that no stream reads and no list here accounts for; add a stream, "
        "or an entry in EXCLUDED with the reason (or in NOT_YET_READ with its area):\n"
        + "\n".join(f"  {path}  ({stripe_lists[path]})" for path in unaccounted)
    )


def test_every_path_named_here_or_by_a_stream_is_a_stripe_list(
    stripe_lists: dict[str, str],
) -> None:
    named = {
        **{path: "EXCLUDED" for path in EXCLUDED},
        **{path: "NOT_YET_READ" for path in NOT_YET_READ},
        **{path: f"stream {', '.join(names)}" for path, names in read_by_streams().items()},
    }
    stale = sorted(path for path in named if path not in stripe_lists)
    assert not stale, "Not a list of the pinned stripe package (removed or renamed?):\n" + (
        "\n".join(f"  {path}  ({named[path]})" for path in stale)
    )


def test_a_path_is_in_one_place_only() -> None:
    read = read_by_streams()
    now_read = sorted(read.keys() & NOT_YET_READ.keys())
    assert not now_read, f"Read by a stream now; take them out of NOT_YET_READ: {now_read}"
    both = sorted(EXCLUDED.keys() & NOT_YET_READ.keys())
    assert not both, f"Both EXCLUDED and NOT_YET_READ: {both}"
    read_anyway = sorted(read.keys() & EXCLUDED.keys())
    assert not read_anyway, f"EXCLUDED but read by a stream: {read_anyway}"
