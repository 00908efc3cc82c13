"""9/9's last lists: Treasury (financial accounts and the lists under each), Financial
Connections (linked bank accounts and their transactions), Identity, Climate, Radar's value
lists, Stripe Tax's settings, standalone 3D Secure, forwarded card details, Sigma's query runs,
usage alerts, the portal's cancellation reasons and trial offers; each product an account may
not have switched on."""

from __future__ import annotations

import typing as t

import pytest

from tap_stripe_readonly import client
from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import SyncResult, Warehouse, run_cli, sync, tap_config
from tests.stripe_sandbox import ALL_PRODUCTS, StripeSandbox

GATED = ("Treasury", "Financial Connections", "Identity", "Climate")
AREAS = (*GATED, "Tax")
NEW = [
    *(s.name for s in STREAM_TYPES if s.permission.area in AREAS),
    "radar_value_lists", "radar_value_list_items", "three_d_secure_authentications",
    "forwarding_requests", "sigma_scheduled_query_runs", "billing_alerts",
    "billing_feedback_options", "product_catalog_trial_offers",
    "quote_computed_upfront_line_items", "payment_intent_amount_details_line_items",
    "entitlements_active_entitlements", "payment_records", "payment_attempt_records",
    "customer_sources", "apps_installs", "financial_connections_account_owners",
]  # fmt: skip
PARENTS = {s.name: s.parent_stream_type.name for s in STREAM_TYPES if s.parent_stream_type}
PARENTS_OF_NEW = {PARENTS[n] for n in NEW if n in PARENTS}
TREASURY = [s.name for s in STREAM_TYPES if s.permission.area == "Treasury"]
DAY = 86_400


def test_the_new_streams_are_the_issue_s():
    assert set(NEW) == {
        "treasury_financial_accounts", "treasury_transactions", "treasury_transaction_entries",
        "treasury_inbound_transfers", "treasury_outbound_payments",
        "treasury_outbound_transfers", "treasury_received_credits", "treasury_received_debits",
        "treasury_credit_reversals", "treasury_debit_reversals",
        "financial_connections_accounts", "financial_connections_transactions",
        "identity_verification_sessions", "identity_verification_reports", "climate_orders",
        "radar_value_lists", "radar_value_list_items", "tax_registrations", "account_tax_ids",
        "tax_locations", "three_d_secure_authentications", "forwarding_requests",
        "sigma_scheduled_query_runs", "billing_alerts", "billing_feedback_options",
        "product_catalog_trial_offers", "quote_computed_upfront_line_items",
        "payment_intent_amount_details_line_items", "entitlements_active_entitlements",
        "payment_records", "payment_attempt_records", "customer_sources", "apps_installs",
        "financial_connections_account_owners",
    }  # fmt: skip


@pytest.fixture(scope="module")
def products() -> t.Iterator[StripeSandbox]:
    """An account with every product switched on."""
    with StripeSandbox(scale=0.05, seed=42, products=ALL_PRODUCTS) as sb:
        yield sb


@pytest.fixture(scope="module")
def paged(products: StripeSandbox) -> SyncResult:
    """Every new stream, three objects a page: each list is read past its first page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "PAGE_SIZE", 3)
        return sync(tap_config(products), select=sorted({*NEW, *PARENTS_OF_NEW}))


@pytest.mark.parametrize("stream", NEW)
def test_every_object_of_the_new_streams_is_read_once(products, paged, stream):
    records = paged.records(stream)
    assert len(records) > 2, f"{stream}: no more than a page"
    assert len(records) == len(paged.ids(stream)), "duplicate records"
    assert paged.ids(stream) == products.ids(stream)


def test_treasury_s_lists_are_read_per_financial_account(products, paged):
    """Stripe lists them only with financial_account=: a request (a page of three here) per
    account and list, and every row names its account."""
    accounts = products.ids("treasury_financial_accounts")
    for stream in TREASURY[1:]:
        assert {r["financial_account"] for r in paged.records(stream)} <= accounts, stream
    by_account = {r["financial_account"] for r in paged.records("treasury_transactions")}
    assert by_account == accounts


def test_a_value_list_s_items_past_the_ten_it_embeds_are_listed(products, paged):
    longest = max(
        products.objects("radar_value_lists"), key=lambda v: v["list_items"]["total_count"]
    )
    assert longest["list_items"]["has_more"]
    items = [r for r in paged.records("radar_value_list_items") if r["value_list"] == longest["id"]]
    assert len(items) == longest["list_items"]["total_count"] > 10


def test_an_app_install_s_authorization_code_is_never_written(products, paged):
    assert any(o["auth_code"] for o in products.objects("apps_installs")), "the sandbox sends it"
    assert all("auth_code" not in r for r in paged.records("apps_installs"))
    (schema,) = [m["schema"] for m in paged.of_type("SCHEMA") if m["stream"] == "apps_installs"]
    assert "auth_code" not in schema["properties"]


def test_a_day_of_money_moved_accounts_linked_and_people_verified():
    with StripeSandbox(scale=0.02, seed=3, products=ALL_PRODUCTS) as sb:
        first = sync(tap_config(sb), select=sorted({*NEW, *PARENTS_OF_NEW}))
        sb.advance(3600)
        credit = sb.create("treasury_received_credits")
        paid = sb.create("treasury_outbound_payments")
        linked = sb.objects("financial_connections_accounts")[0]["id"]
        bank_txn = sb.create("financial_connections_transactions", {"account": linked})["id"]
        owner = sb.create("financial_connections_account_owners", {"account": linked})["id"]
        session = sb.create("identity_verification_sessions")["id"]
        sb.update("identity_verification_sessions", session, {"status": "verified"})
        report = sb.create("identity_verification_reports", {"verification_session": session})
        order = sb.create("climate_orders")["id"]
        sb.update("climate_orders", order, {"status": "delivered"})
        authentication = sb.objects("three_d_secure_authentications")[-1]["id"]
        sb.update("three_d_secure_authentications", authentication, {"status": "canceled"})
        installed = sb.create("apps_installs")["id"]
        holder = next(c for c in sb.objects("customers") if c["default_source"])["id"]
        new_card = sb.add_customer_source(holder)["id"]
        entitled = next(iter(sb.ids("customers")))
        entitlement = sb.create("entitlements_active_entitlements", {"customer": entitled})["id"]
        ended = sb.objects("entitlements_active_entitlements")[-1]
        sb.delete("entitlements_active_entitlements", ended["id"])
        sb.reset_stats()
        second = sync(
            tap_config(sb), select=sorted({*NEW, *PARENTS_OF_NEW}), state=first.states[-1]
        )
        # Treasury, read in full again: the new movements with their ledger.
        assert {credit["id"], paid["id"]} <= (
            second.ids("treasury_received_credits") | second.ids("treasury_outbound_payments")
        )
        assert {credit["transaction"], paid["transaction"]} <= second.ids("treasury_transactions")
        entries = {r["transaction"] for r in second.records("treasury_transaction_entries")}
        assert {credit["transaction"], paid["transaction"]} <= entries
        # The linked account's refresh, from its event: its transactions alone listed again.
        assert bank_txn in second.ids("financial_connections_transactions")
        assert sb.stats["requests"]["GET /v1/financial_connections/transactions"] == 1
        # Its owners, read again as its events say they were refreshed: those of the refresh.
        owners = [r for r in second.records("financial_connections_account_owners")]
        assert owner in {r["id"] for r in owners}
        assert {r["ownership"] for r in owners} == {
            sb.objects("financial_connections_accounts")[0]["ownership"]
        }
        assert "GET /v1/financial_connections/accounts" not in sb.stats["requests"]
        # Identity and Climate from their events; the report among those created since.
        (verified,) = [
            r for r in second.records("identity_verification_sessions") if r["id"] == session
        ]
        assert verified["status"] == "verified"
        assert second.ids("identity_verification_reports") == {report["id"]}
        (delivered,) = [r for r in second.records("climate_orders") if r["id"] == order]
        assert delivered["status"] == "delivered"
        (canceled,) = [
            r for r in second.records("three_d_secure_authentications") if r["id"] == authentication
        ]
        assert canceled["status"] == "canceled"
        # A customer's entitlements, listed again as its summary changed: one new, one ended.
        assert entitlement in second.ids("entitlements_active_entitlements")
        assert ended["id"] in second.deleted_ids("entitlements_active_entitlements")
        # An app installed, from its event, without its authorization code.
        (install,) = [r for r in second.records("apps_installs") if r["id"] == installed]
        assert "auth_code" not in install
        # A legacy card saved on a customer: its customer's sources, listed again.
        assert new_card in second.ids("customer_sources")
        # The settings wait a day.
        for settings in ("tax_registrations", "radar_value_lists", "billing_alerts",
                         "product_catalog_trial_offers"):  # fmt: skip
            assert not second.records(settings), settings
        warehouse = Warehouse().load(first).load(second)
        for stream in NEW:
            assert set(warehouse.live(stream)) == sb.ids(stream), stream


@pytest.fixture
def no_products() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=7) as sb:
        yield sb


def test_an_account_without_these_products_skips_them_with_one_calm_line(no_products, tmp_path):
    result = run_cli([], tap_config(no_products), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "not switched these products" in line]
    for product in GATED:
        assert f"{product} (" in line, product
    synced = SyncResult.parse(result.stdout)
    gated = [s.name for s in STREAM_TYPES if s.permission.area in GATED]
    assert not any(synced.records(name) for name in gated)
    # Stripe Tax's settings are no product to switch on: read.
    assert synced.ids("tax_registrations") == no_products.ids("tax_registrations")


def test_the_check_says_each_product_not_enabled_in_one_line(no_products, tmp_path):
    result = run_cli(["--test"], tap_config(no_products), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    for product in GATED:
        n = sum(1 for s in STREAM_TYPES if s.permission.area == product)
        streams = "1 stream" if n == 1 else f"{n} streams"
        assert f"{product}: not enabled on this account ({streams})" in lines
    assert "Tax:" in lines


def test_the_check_asks_a_linked_account_s_owners_of_its_ownership_refresh(products, tmp_path):
    result = run_cli(["--test"], tap_config(products), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {
        line.split()[0]: " ".join(line.split()[1:])
        for line in result.stdout.splitlines()
        if line.startswith("  ")
    }
    newest = products.objects("financial_connections_accounts")[0]  # the one listed first
    expected = (
        "readable"
        if newest["ownership"]
        else "not tried: the first of financial_connections_accounts has no ownership"
    )
    assert rows["financial_connections_account_owners"] == expected
    for name in NEW:
        assert rows[name] == "readable" or name == "financial_connections_account_owners", name
