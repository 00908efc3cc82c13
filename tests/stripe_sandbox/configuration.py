"""The account's configuration, as a warehouse keeps it next to the business: webhook
endpoints, the payment methods offered (configurations) and the domains they are offered on,
Apple Pay's domains, the customer portal's configurations, invoice rendering templates,
entitlement features, and the runs of Stripe's financial reports.

Each object starts from its `stripe` class's skeleton (more.skeleton), with a random source
of its own, so the rest of the business is the same with or without them.
"""

from __future__ import annotations

import random

import stripe

from .data import DAY, HISTORY, Business, Generator, Ids, Obj
from .more import skeleton

EVENT_TYPES_ENABLED = (["invoice.paid", "customer.subscription.updated"], ["*"])
DOMAINS = ("shop.example.com", "checkout.example.com", "example.com")
REPORT_TYPES = (
    "balance.summary.1",
    "payouts.itemized.3",
    "balance_change_from_activity.itemized.3",
)


class Configuration:
    """Makes the objects of this module for one business."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = random.Random(f"configuration-{gen.seed}")
        self.ids = Ids(self.rng)

    def webhook_endpoint(self, created: int, n: int) -> Obj:
        obj = skeleton(stripe.WebhookEndpoint)
        obj.update(
            id=self.ids.new("we"), created=created, livemode=True, status="enabled",
            url=f"https://hooks.example.com/stripe/{n}", description=f"Endpoint {n}",
            enabled_events=EVENT_TYPES_ENABLED[n % 2], api_version=None, application=None,
            secret=None,  # shown once, when the endpoint is made
        )  # fmt: skip
        return obj

    def payment_method_domain(self, created: int, domain: str) -> Obj:
        obj = skeleton(stripe.PaymentMethodDomain)
        obj.update(id=self.ids.new("pmd"), created=created, livemode=True, domain_name=domain,
                   enabled=True)  # fmt: skip
        for wallet in ("amazon_pay", "apple_pay", "google_pay", "klarna", "link", "paypal"):
            obj[wallet] = {"status": "active", "status_details": None}
        return obj

    def apple_pay_domain(self, created: int, domain: str) -> Obj:
        obj = skeleton(stripe.ApplePayDomain)
        obj.update(id=self.ids.new("apwc"), created=created, livemode=True, domain_name=domain)
        return obj

    def payment_method_configuration(self, at: int, name: str, default: bool) -> Obj:
        obj = skeleton(stripe.PaymentMethodConfiguration)
        obj.update(
            id=self.ids.new("pmc"), livemode=True, name=name, active=True, is_default=default,
            application=None, parent=None, _created=at,
        )  # fmt: skip
        return obj

    def portal_configuration(self, created: int, default: bool) -> Obj:
        obj = skeleton(stripe.billing_portal.Configuration)
        obj.update(
            id=self.ids.new("bpc"), created=created, updated=created, livemode=True,
            active=True, is_default=default, application=None, name=None,
            default_return_url="https://example.com/account",
        )  # fmt: skip
        return obj

    def invoice_rendering_template(self, created: int, nickname: str) -> Obj:
        obj = skeleton(stripe.InvoiceRenderingTemplate)
        obj.update(id=self.ids.new("inrtem"), created=created, livemode=True,
                   nickname=nickname, status="active", version=1)  # fmt: skip
        return obj

    def report_run(self, created: int, report_type: str) -> Obj:
        obj = skeleton(stripe.reporting.ReportRun)
        obj.update(
            id=self.ids.new("frr"), created=created, livemode=True, report_type=report_type,
            status="succeeded", succeeded_at=created + 60, error=None, result=None,
        )  # fmt: skip
        obj["parameters"] = {**obj["parameters"], "interval_start": created - 30 * DAY,
                             "interval_end": created - DAY}  # fmt: skip
        return obj

    def feature(self, name: str, at: int) -> Obj:
        obj = skeleton(stripe.entitlements.Feature)
        obj.update(
            id=self.ids.new("feat"), livemode=True, name=name, active=True,
            lookup_key=name.lower().replace(" ", "-"), _created=at,
        )  # fmt: skip
        return obj


def generate(gen: Generator, biz: Business, scale: float) -> None:
    made = Configuration(gen)
    gen.configuration = made
    rng, now = made.rng, gen.now
    start = now - HISTORY
    for n in range(3):
        biz.webhook_endpoints.append(made.webhook_endpoint(start + (n + 1) * 90 * DAY, n))
    for n, domain in enumerate(DOMAINS):
        at = start + (n + 1) * 30 * DAY
        biz.payment_method_domains.append(made.payment_method_domain(at, domain))
        biz.apple_pay_domains.append(made.apple_pay_domain(at - DAY, domain))
    for n, name in enumerate(("Default", "Checkout without wallets", "Invoices only")):
        biz.payment_method_configurations.append(
            made.payment_method_configuration(start + n * DAY, name, n == 0)
        )
    for n in range(3):
        biz.billing_portal_configurations.append(
            made.portal_configuration(start + (n + 2) * 60 * DAY, n == 0)
        )
    for n, nickname in enumerate(("Standard", "With bank details", "Compact")):
        biz.invoice_rendering_templates.append(
            made.invoice_rendering_template(start + (n + 1) * 45 * DAY, nickname)
        )
    # Monthly financial reports, run for the last year: the last few inside the 30 days of
    # events.
    for month in range(max(12, round(12 * scale)), 0, -1):
        created = now - month * 30 * DAY + rng.randint(DAY, 2 * DAY)
        run = made.report_run(created, rng.choice(REPORT_TYPES))
        biz.reporting_report_runs.append(run)
        gen.reached_at[run["id"]] = run["succeeded_at"]
    for n, name in enumerate(("SSO login", "Audit log export", "Priority support", "API access")):
        biz.entitlements_features.append(made.feature(name, start + n * DAY))
