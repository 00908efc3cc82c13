"""The account's configuration, as a warehouse keeps it next to the business: webhook
endpoints, the payment methods offered (configurations) and the domains they are offered on,
Apple Pay's domains, the customer portal's configurations, invoice rendering templates,
entitlement features, the runs of Stripe's financial reports, Radar's value lists (with their
items: each list embeds its first 10, as a subscription its items), and Stripe Tax's
registrations, its performance venues and the account's own tax ids, Sigma's scheduled query
runs, usage alerts, the portal's cancellation reasons and trial offers.

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

    def value_list(self, created: int, name: str, item_type: str) -> Obj:
        obj = skeleton(stripe.radar.ValueList)
        obj.update(
            id=self.ids.new("rsl"), created=created, livemode=True, name=name,
            alias=name.lower().replace(" ", "_"), created_by="jenny@example.com",
            item_type=item_type,
        )  # fmt: skip
        obj.pop("list_items", None)  # rendered from the items (Store.render)
        return obj

    def value_list_item(self, value_list: Obj, created: int, value: str) -> Obj:
        obj = skeleton(stripe.radar.ValueListItem)
        obj.update(id=self.ids.new("rsli"), created=created, livemode=True, value=value,
                   value_list=value_list["id"], created_by="jenny@example.com")  # fmt: skip
        return obj

    def tax_registration(self, created: int, country: str, status: str) -> Obj:
        obj = skeleton(stripe.tax.Registration)
        obj.update(
            id=self.ids.new("taxreg"), created=created, livemode=True, country=country,
            status=status, active_from=created if status != "scheduled" else created + 30 * DAY,
            expires_at=created + 200 * DAY if status == "expired" else None,
        )  # fmt: skip
        return obj

    def account_tax_id(self, created: int, type_: str, value: str) -> Obj:
        obj = skeleton(stripe.TaxId)
        obj.update(
            id=self.ids.new("txi"), created=created, livemode=True, type=type_, value=value,
            country=type_[:2].upper(), customer=None, customer_account=None,
            owner={"type": "self", "account": None, "application": None, "customer": None,
                   "customer_account": None},
            verification={"status": "verified", "verified_address": None,
                          "verified_name": "The business"},
        )  # fmt: skip
        return obj

    def tax_location(self, at: int, city: str) -> Obj:
        obj = skeleton(stripe.tax.Location)
        obj.update(
            id=self.ids.new("taxloc"), livemode=True, type="performance", _created=at,
            description=f"Arena, {city}",
            address={"city": city, "country": "US", "line1": "1 Arena Way", "line2": None,
                     "postal_code": "10001", "state": "NY"},
        )  # fmt: skip
        return obj

    def scheduled_query_run(self, created: int, title: str) -> Obj:
        obj = skeleton(stripe.sigma.ScheduledQueryRun)
        obj.update(
            id=self.ids.new("sqr"), created=created, livemode=True, title=title,
            sql="select count(*) from charges", status="completed", error=None, file=None,
            data_load_time=created - 3 * 3600, result_available_until=created + 30 * DAY,
        )  # fmt: skip
        return obj

    def billing_alert(self, at: int, title: str, meter: str | None) -> Obj:
        obj = skeleton(stripe.billing.Alert)
        obj.update(
            id=self.ids.new("alrt"), livemode=True, title=title, alert_type="usage_threshold",
            status="active", _created=at,
            usage_threshold={"filters": None, "gte": 10_000, "meter": meter or "mtr_none",
                             "recurrence": "one_time"},
        )  # fmt: skip
        return obj

    def feedback_option(self, at: int, description: str) -> Obj:
        obj = skeleton(stripe.billing.FeedbackOption)
        obj.update(id=self.ids.new("bfo"), livemode=True, description=description,
                   status="active", status_transitions={"deactivated_at": None},
                   _created=at)  # fmt: skip
        return obj

    def trial_offer(self, at: int, price: str, days: int) -> Obj:
        obj = skeleton(stripe.product_catalog.TrialOffer)
        obj.update(
            id=self.ids.new("trlof"), livemode=True, active=True, nickname=f"{days}-day trial",
            price=price, _created=at,
            duration={"type": "relative", "relative": {"iterations": 1}},
            end_behavior={"type": "transition", "transition": {"price": price}},
        )  # fmt: skip
        return obj

    def active_entitlement(self, feature: Obj, at: int) -> Obj:
        obj = skeleton(stripe.entitlements.ActiveEntitlement)
        obj.update(id=self.ids.new("ent"), livemode=True, feature=feature["id"],
                   lookup_key=feature["lookup_key"], _created=at)  # fmt: skip
        return obj

    def app_install(self, created: int, app: str, oauth: bool) -> Obj:
        obj = skeleton(stripe.apps.Install)
        obj.update(
            id=self.ids.new("appinst"), created=created, livemode=True, app=app,
            account=self.gen.profile.account_id, approval_required=False, channel="public",
            created_by=None, status="installed",
            # An OAuth app's install holds its authorization code: a credential.
            auth_code=f"ac_{self.ids.token(24)}" if oauth else None,
            permissions_granted=["customer_read", "invoice_read"], permissions_pending=[],
            endpoints_granted=[], endpoints_pending=[],
            content_security_policy_granted={"connect_src": [], "image_src": []},
            content_security_policy_pending={"connect_src": [], "image_src": []},
        )  # fmt: skip
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
    # Radar's block lists, one longer than the 10 a list embeds.
    for n, (name, item_type, count) in enumerate((
        ("Blocked emails", "email", max(14, round(40 * scale))),
        ("Blocked IPs", "ip_address", 6),
        ("Trusted card fingerprints", "card_fingerprint", 3),
    )):  # fmt: skip
        value_list = made.value_list(start + (n + 1) * 40 * DAY, name, item_type)
        biz.radar_value_lists.append(value_list)
        for k in range(count):
            at = value_list["created"] + int((now - DAY - value_list["created"]) * rng.random())
            value = {
                "email": f"fraudster{k}@example.net",
                "ip_address": f"203.0.113.{k + 1}",
                "card_fingerprint": f"fp{rng.randint(10**13, 10**14 - 1)}",
            }[item_type]
            biz.radar_value_list_items.append(made.value_list_item(value_list, at, value))
    biz.radar_value_list_items.sort(key=lambda o: o["created"])
    for n, (country, status) in enumerate((("US", "active"), ("GB", "active"),
                                           ("DE", "expired"), ("CA", "scheduled"))):  # fmt: skip
        biz.tax_registrations.append(made.tax_registration(start + (n + 1) * 50 * DAY, country,
                                                           status))  # fmt: skip
    for n, (type_, value) in enumerate((("us_ein", "12-3456789"), ("eu_vat", "DE123456789"),
                                        ("gb_vat", "GB123456789"))):  # fmt: skip
        biz.account_tax_ids.append(made.account_tax_id(start + (n + 1) * 20 * DAY, type_, value))
    for n, city in enumerate(("New York", "Chicago", "Austin")):
        biz.tax_locations.append(made.tax_location(start + (n + 1) * 70 * DAY, city))
    # Weekly Sigma queries: the last few inside the 30 days of events.
    for week in range(max(8, round(8 * scale)), 0, -1):
        created = now - week * 7 * DAY + rng.randint(3600, 7200)
        biz.sigma_scheduled_query_runs.append(made.scheduled_query_run(created, "Weekly sales"))
    meters = [m["id"] for m in biz.billing_meters] or [None]
    for n, title in enumerate(("API calls over 10k", "Storage over 10k", "Seats over 10k")):
        biz.billing_alerts.append(
            made.billing_alert(start + (n + 1) * 20 * DAY, title, meters[n % len(meters)])
        )
    for n, reason in enumerate(("Too expensive", "Missing features", "Switching to another",
                                "No longer needed")):  # fmt: skip
        biz.billing_feedback_options.append(made.feedback_option(start + n * DAY, reason))
    recurring = [p["id"] for p in biz.prices if p.get("recurring")][:3] or ["price_none"]
    for n, price in enumerate(recurring):
        biz.product_catalog_trial_offers.append(
            made.trial_offer(start + (n + 1) * 10 * DAY, price, (7, 14, 30)[n % 3])
        )
    # What the customers' subscriptions entitle them to, now (a few customers).
    subscribed = sorted({sub["customer"] for sub in biz.subscriptions if sub["status"] == "active"})
    for customer in rng.sample(subscribed, min(len(subscribed), max(3, len(subscribed) // 10))):
        for feature in rng.sample(biz.entitlements_features, rng.randint(1, 3)):
            entitlement = made.active_entitlement(feature, now - rng.randint(DAY, 30 * DAY))
            entitlement["_customer"] = customer
            biz.entitlements_active_entitlements.append(entitlement)
    biz.entitlements_active_entitlements.sort(key=lambda o: o["_created"])
    for n, (app, oauth) in enumerate((("com.example.accounting", True),
                                      ("com.example.crm", False),
                                      ("com.example.tax", True))):  # fmt: skip
        biz.apps_installs.append(made.app_install(start + (n + 1) * 60 * DAY, app, oauth))
