"""The account's configuration (9/9): webhook endpoints, payment method configurations and
domains, Apple Pay's domains, the customer portal's configurations, invoice rendering
templates, entitlement features and the runs of Stripe's financial reports."""

from __future__ import annotations

import pytest

from tap_stripe_readonly import client
from tap_stripe_readonly.streams import STREAM_TYPES
from tests.conftest import SyncResult, Warehouse, sync, tap_config
from tests.stripe_sandbox import StripeSandbox

CONFIGURATION = [s.name for s in STREAM_TYPES if s.permission.area == "Configuration"]


def test_the_configuration_streams_are_the_issue_s():
    assert set(CONFIGURATION) == {
        "webhook_endpoints", "payment_method_configurations", "payment_method_domains",
        "apple_pay_domains", "billing_portal_configurations", "invoice_rendering_templates",
        "entitlements_features", "reporting_report_runs", "sigma_scheduled_query_runs",
        "billing_feedback_options", "apps_installs", "entitlements_active_entitlements",
    }  # fmt: skip


@pytest.fixture(scope="module")
def paged(sandbox: StripeSandbox) -> SyncResult:
    """Two objects a page: each list is read past its first page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "PAGE_SIZE", 2)
        return sync(tap_config(sandbox), select=CONFIGURATION)


@pytest.mark.parametrize("stream", CONFIGURATION)
def test_every_object_of_the_configuration_is_read_once(sandbox, paged, stream):
    records = paged.records(stream)
    assert len(records) > 2, f"{stream}: no more than a page"
    assert len(records) == len(paged.ids(stream)), "duplicate records"
    assert paged.ids(stream) == sandbox.ids(stream)


def test_settings_are_read_again_once_a_day_and_the_portal_s_from_its_events():
    with StripeSandbox(scale=0.02, seed=3) as sb:
        first = sync(tap_config(sb), select=CONFIGURATION)
        sb.advance(3600)
        portal = sb.objects("billing_portal_configurations")[0]["id"]
        sb.update("billing_portal_configurations", portal, {"active": False})
        endpoint = sb.objects("webhook_endpoints")[0]["id"]
        sb.update("webhook_endpoints", endpoint, {"status": "disabled"})  # no event
        domain = sb.objects("payment_method_domains")[0]["id"]
        sb.delete("payment_method_domains", domain)
        sb.reset_stats()
        # An hour on: the portal's change comes from its event; the settings wait a day.
        second = sync(tap_config(sb), select=CONFIGURATION, state=first.states[-1])
        (row,) = [r for r in second.records("billing_portal_configurations") if r["id"] == portal]
        assert row["active"] is False
        assert "GET /v1/billing_portal/configurations" not in sb.stats["requests"]
        assert not second.records("webhook_endpoints")
        assert set(sb.stats["requests"]) <= {"GET /v1/events", "GET /v1/reporting/report_runs"}
        # A day on: read in full again.
        sb.advance(86_400)
        third = sync(tap_config(sb), select=CONFIGURATION, state=second.states[-1])
        (hook,) = [r for r in third.records("webhook_endpoints") if r["id"] == endpoint]
        assert hook["status"] == "disabled"
        warehouse = Warehouse().load(first).load(second).load(third)
        for stream in CONFIGURATION:
            assert set(warehouse.live(stream)) == sb.ids(stream), stream
        assert domain not in warehouse.live("payment_method_domains")
