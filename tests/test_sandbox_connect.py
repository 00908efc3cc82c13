"""Connect: connected accounts behind the Stripe-Account header, each with its own business,
and the platform's own /v1/account and /v1/balance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.stripe_sandbox import DEMO_ACCOUNT_ID, DEMO_API_KEY, RESOURCES, StripeSandbox
from tests.test_sandbox_shapes import CLASSES, check, event_problems

NOW = 1_795_000_000
DAY = 86_400


@pytest.fixture(scope="module")
def shared() -> Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.02, seed=5, now=NOW, connected_accounts=2) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared: StripeSandbox) -> StripeSandbox:
    shared.reset_stats()
    return shared


def get(
    sb: StripeSandbox, path: str, account: str | None = None, key: str = DEMO_API_KEY, **params: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if account is not None:
        headers["Stripe-Account"] = account
    return requests.get(sb.url + path, params=params, headers=headers)


def test_no_connected_accounts_by_default() -> None:
    sb = StripeSandbox(scale=0.01, seed=1, now=NOW)
    assert sb.accounts == [DEMO_ACCOUNT_ID]
    with pytest.raises(KeyError, match="acct_1Nope"):
        sb.ids("customers", account="acct_1Nope")


def test_accounts_look_like_stripe_accounts_and_are_deterministic(sb: StripeSandbox) -> None:
    assert sb.accounts[0] == DEMO_ACCOUNT_ID
    assert len(sb.accounts) == 3
    for account in sb.accounts[1:]:
        assert re.fullmatch(r"acct_[0-9A-Za-z]{16}", account)
    again = StripeSandbox(scale=0.02, seed=5, now=NOW, connected_accounts=2)
    assert again.accounts == sb.accounts
    assert again.objects("invoices", account=sb.accounts[1]) == sb.objects(
        "invoices", account=sb.accounts[1]
    )
    other = StripeSandbox(scale=0.02, seed=6, now=NOW, connected_accounts=1)
    assert other.accounts[1] != sb.accounts[1]


def test_each_account_has_its_own_business_and_currency(sb: StripeSandbox) -> None:
    platform, first, second = sb.accounts
    ids = {a: sb.ids("customers", account=a) for a in sb.accounts}
    assert not ids[platform] & ids[first]
    assert not ids[first] & ids[second]
    assert sb.account_object(first)["default_currency"] == "eur"
    assert sb.account_object(first)["id"] == first
    assert sb.account_object(platform)["default_currency"] == "usd"
    for resource in ("prices", "invoices", "charges", "balance_transactions", "refunds"):
        assert {o["currency"] for o in sb.objects(resource, account=first)} == {"eur"}, resource
    # Still every case a tap must handle, at a third of the scale.
    invoices = sb.objects("invoices", account=first)
    assert any(i["lines"]["has_more"] for i in invoices)
    subs = sb.objects("subscriptions", account=first)
    assert any(s["items"]["has_more"] for s in subs)
    assert {"active", "canceled"} <= {s["status"] for s in subs}
    # Connect marks a connected account's events with the account; the platform's have none.
    assert {e["account"] for e in sb.objects("events", account=first)} == {first}
    assert all("account" not in e for e in sb.objects("events"))
    problems = list(check(sb.account_object(first), stripe.Account, "account"))
    assert not problems, problems


@pytest.mark.parametrize("resource", RESOURCES)
def test_connected_objects_match_the_stripe_classes(sb: StripeSandbox, resource: str) -> None:
    problems: list[str] = []
    for account in sb.accounts[1:]:
        for obj in sb.objects(resource, account=account):
            problems.extend(check(obj, CLASSES[resource], f"{resource}[{obj['id']}]"))
            if resource == "events":
                problems.extend(event_problems(obj))
    assert not problems, "\n".join(problems[:30])


def test_stripe_account_header_selects_the_account(sb: StripeSandbox) -> None:
    platform, first, _ = sb.accounts
    assert get(sb, "/v1/account").json()["id"] == platform
    assert get(sb, "/v1/account", platform).json()["id"] == platform
    assert get(sb, "/v1/account", first).json()["id"] == first
    body = get(sb, "/v1/customers", first, limit=100).json()
    assert [c["id"] for c in body["data"]] == [
        c["id"] for c in sb.objects("customers", account=first)
    ][:100]
    invoice = sb.objects("invoices", account=first)[0]["id"]
    assert get(sb, f"/v1/invoices/{invoice}", first).status_code == 200
    assert get(sb, f"/v1/invoices/{invoice}").status_code == 404  # not the platform's
    assert sb.stats["accounts"] == {platform: 3, first: 3}


def test_unknown_account_is_a_403_account_invalid(sb: StripeSandbox) -> None:
    r = get(sb, "/v1/customers", "acct_1NotConnected00")
    assert r.status_code == 403
    assert r.headers["Stripe-Should-Retry"] == "false"
    assert r.json() == {
        "error": {
            "code": "account_invalid",
            "doc_url": "https://stripe.com/docs/error-codes/account-invalid",
            "message": "The provided key 'rk_live_***000000' does not have access to account "
            "'acct_1NotConnected00' (or that account does not exist). Application access may "
            "have been revoked.",
            "type": "invalid_request_error",
        }
    }
    assert sb.stats["accounts"] == {"acct_1NotConnected00": 1}


def test_a_key_without_connect_may_not_send_stripe_account(sb: StripeSandbox) -> None:
    key = "rk_live_sandboxNoConnect00000000abc"
    sb.add_key(key, connect=False)
    assert get(sb, "/v1/customers", key=key).status_code == 200
    for account in sb.accounts:  # even the platform's own id
        r = get(sb, "/v1/customers", account, key=key)
        assert r.status_code == 403
        assert r.json()["error"] == {
            "message": "You passed a restricted API key with the Stripe-Account header, but the "
            "restricted API key does not have any Connect permissions.",
            "type": "invalid_request_error",
        }


def test_scripted_faults_can_hit_one_account_only(sb: StripeSandbox) -> None:
    platform, first, second = sb.accounts
    sb.fail_next("500", times=2, path="/v1/customers", account=first)
    assert get(sb, "/v1/customers", second).status_code == 200
    assert get(sb, "/v1/customers").status_code == 200  # the platform's, without the header
    assert get(sb, "/v1/invoices", first).status_code == 200  # another path
    assert [get(sb, "/v1/customers", first).status_code for _ in range(3)] == [500, 500, 200]
    sb.fail_next("500", account=platform)
    assert get(sb, "/v1/customers", first).status_code == 200
    assert get(sb, "/v1/customers").status_code == 500
    assert sb.cancel_fail_next() == 0


def test_permissions_name_the_connected_account(sb: StripeSandbox) -> None:
    key = "rk_live_sandboxNoBalance0000000xyz"
    sb.add_key(key, denied=("balance_read",))
    first = sb.accounts[1]
    r = get(sb, "/v1/balance", first, key=key)
    assert r.status_code == 403
    assert f"on account '{first}'" in r.json()["error"]["message"]
    assert "('balance_read')" in r.json()["error"]["message"]


def test_balance_is_shaped_like_stripe_balance(sb: StripeSandbox) -> None:
    for account in sb.accounts:
        body = get(sb, "/v1/balance", account).json()
        assert body == sb.balance(account)
        assert body["object"] == "balance"
        assert "id" not in body
        problems = list(check(body, stripe.Balance, "balance"))
        assert not problems, problems
        currency = sb.account_object(account)["default_currency"]
        txns = sb.objects("balance_transactions", account=account)
        for status in ("available", "pending"):
            expected = sum(t["net"] for t in txns if t["status"] == status)
            assert body[status] == [
                {"amount": expected, "currency": currency, "source_types": {"card": expected}}
            ]
    assert get(sb, "/v1/balance", colour="blue").status_code == 400
    client = stripe.StripeClient(
        DEMO_API_KEY, base_addresses={"api": sb.url}, stripe_account=sb.accounts[1]
    )
    assert client.v1.balance.retrieve().available[0].currency == "eur"


def test_the_in_process_api_takes_an_account() -> None:
    sb = StripeSandbox(scale=0.02, seed=8, now=NOW, connected_accounts=1)
    first = sb.accounts[1]
    before = sb.counts()
    cus = sb.create("customers", account=first)
    assert cus["id"] in sb.ids("customers", account=first)
    assert sb.counts() == before
    assert sb.counts(account=first)["customers"] == sb.counts()["customers"] + 1
    sb.update("customers", cus["id"], {"name": "Renamed"}, account=first)
    sb.delete("customers", cus["id"], account=first)
    types = [e["type"] for e in sb.objects("events", account=first)[:3]]
    assert types == ["customer.deleted", "customer.updated", "customer.created"]
    with pytest.raises(KeyError):
        sb.update("customers", cus["id"], {"name": "x"})
    # One clock for every account.
    sb.advance(DAY)
    assert sb.create("products", account=first)["created"] == sb.now == NOW + DAY
    assert sb.create("products")["created"] == NOW + DAY


def test_the_platform_s_view_is_refused_with_a_stripe_account_header(sb):
    """connected_account_read is "(Direct)": the accounts, their persons, external accounts
    and capabilities are the platform's own requests, never a connected account's."""
    account = sb.accounts[1]
    for path in ("/v1/accounts", f"/v1/accounts/{account}/persons"):
        as_connected = requests.get(
            sb.url + path, auth=(DEMO_API_KEY, ""), headers={"Stripe-Account": account}
        )
        assert as_connected.status_code == 403, path
        assert "connected_account_read" in as_connected.json()["error"]["message"]
        assert requests.get(sb.url + path, auth=(DEMO_API_KEY, "")).status_code == 200, path
