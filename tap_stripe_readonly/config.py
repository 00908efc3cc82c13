"""Validation of the tap's config, done before any network request.

Messages never echo the values they reject: a key pasted into the wrong setting
must not end up in a log.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import typing as t
from urllib.parse import urlsplit

from tap_stripe_readonly.permissions import EVENT_READ
from tap_stripe_readonly.streams import STREAM_TYPES

DEFAULT_API_URL = "https://api.stripe.com"

# The Dashboard labels of what the streams need, then Events (updates and deletions).
KEY_PERMISSIONS = tuple(
    dict.fromkeys([*(s.permission.label for s in STREAM_TYPES), EVENT_READ.label])
)
HOW_TO_CREATE_KEY = (
    "Create one in the Stripe Dashboard (live mode): Developers > API keys > "
    f"Create restricted key, grant Read on {', '.join(KEY_PERMISSIONS)}, leave "
    "everything else at None, and paste the rk_live_... key it shows."
)
# Stripe's limits per account: 100 requests/s in live mode, 25/s in test mode.
MAX_REQUESTS_PER_SECOND = {"live": 100, "test": 25}
MAX_REQUESTS_IN_FLIGHT = 64

_KEY = re.compile(r"(?P<kind>sk|rk|pk|rkcs)_(?P<mode>live|test)_(?P<body>[A-Za-z0-9]+)")
_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]+")
_KIND_NAMES = {
    "sk": "a secret key ({kind}_{mode}_...), which can change and delete everything in the "
    "account; this tap refuses more access than it needs",
    "pk": "a publishable key ({kind}_{mode}_...), which is meant for browsers and can't "
    "list account data",
}


def api_key_problem(key: object, *, allow_test_keys: bool = False) -> str | None:
    """Say what is wrong with ``key``, or None when it is a key the tap accepts."""
    if not isinstance(key, str) or not key:
        return f"api_key is missing: the tap needs a restricted read-only key. {HOW_TO_CREATE_KEY}"
    if key != key.strip() or any(c.isspace() for c in key):
        return (
            "api_key contains whitespace (a stray space or line break from copying?). "
            "Paste the key alone."
        )
    match = _KEY.fullmatch(key)
    if match is None:
        return (
            "api_key is not a Stripe API key: expected rk_live_ followed by letters and "
            f"digits. {HOW_TO_CREATE_KEY}"
        )
    kind, mode = match["kind"], match["mode"]
    if kind in _KIND_NAMES:
        what = _KIND_NAMES[kind].format(kind=kind, mode=mode)
        return (
            f"api_key is {what}. Use a restricted read-only key (rk_live_...). {HOW_TO_CREATE_KEY}"
        )
    if mode == "test" and not allow_test_keys:
        return (
            f"api_key is a test-mode restricted key ({kind}_test_...), but this tap syncs "
            "live data. Use an rk_live_ key, or set allow_test_keys: true to try the tap "
            "on a Stripe sandbox."
        )
    return None


def account_id_problem(account_id: object) -> str | None:
    """Say what is wrong with ``account_id`` (optional), or None."""
    if account_id is None or account_id == "":
        return None
    if isinstance(account_id, str) and _ACCOUNT_ID.fullmatch(account_id):
        return None
    return (
        "account_id must be a Stripe account id like acct_1A2b3C4d (Dashboard > "
        "Settings > Account details), or left unset for the key's own account."
    )


#: ``account_ids: all``: every connected account the platform's key lists.
ALL_ACCOUNTS = "all"


def every_connected_account(account_ids: object) -> bool:
    """Whether ``account_ids`` asks for every connected account: ``all``, or ``[all]`` as a
    Meltano array setting passes it."""
    return account_ids == ALL_ACCOUNTS or account_ids == [ALL_ACCOUNTS]


def account_ids_problem(account_ids: object, account_id: object) -> str | None:
    """Say what is wrong with ``account_ids`` (optional), or None."""
    if account_ids is None or account_ids == []:
        return None
    if account_id:
        return "Set account_id or account_ids, not both (account_ids may hold one account)."
    if every_connected_account(account_ids):
        return None
    if not isinstance(account_ids, list) or not all(
        isinstance(a, str) and _ACCOUNT_ID.fullmatch(a) for a in account_ids
    ):
        return (
            "account_ids must be a list of Stripe account ids like acct_1A2b3C4d (each "
            "connected account's id, Dashboard > Connect > Accounts), or all."
        )
    if len(set(account_ids)) != len(account_ids):
        return "account_ids lists an account more than once."
    return None


def rate_problem(config: t.Mapping[str, t.Any]) -> str | None:
    """Say what is wrong with the request-rate settings, or None."""
    rate = config.get("max_requests_per_second")
    if rate is not None:
        key = config.get("api_key")
        mode = "test" if isinstance(key, str) and "_test_" in key else "live"
        limit = MAX_REQUESTS_PER_SECOND[mode]
        if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= limit:
            return (
                f"max_requests_per_second must be a whole number from 1 to {limit}, Stripe's "
                f"limit for a {mode}-mode key (default 50 in live mode, leaving the rest to "
                "the account's own traffic)."
            )
    in_flight = config.get("max_requests_in_flight")
    if in_flight is not None and (
        not isinstance(in_flight, int)
        or isinstance(in_flight, bool)
        or not 1 <= in_flight <= MAX_REQUESTS_IN_FLIGHT
    ):
        return f"max_requests_in_flight must be a whole number from 1 to {MAX_REQUESTS_IN_FLIGHT}."
    return None


def progress_interval_problem(interval: object) -> str | None:
    """Say what is wrong with ``progress_interval`` (optional), or None."""
    if interval is None or (
        isinstance(interval, int) and not isinstance(interval, bool) and interval >= 0
    ):
        return None
    return "progress_interval must be a whole number of seconds, 0 or more (0: no progress line)."


def start_date_problem(start_date: object) -> str | None:
    """Say what is wrong with ``start_date`` (optional), or None."""
    if start_date is None or start_date == "":
        return None
    if isinstance(start_date, str):
        try:
            parse_start_date(start_date)
        except ValueError:
            pass
        else:
            return None
    return "start_date must be an ISO 8601 date or date-time, e.g. 2024-01-01T00:00:00Z."


def api_url_problem(api_url: object) -> str | None:
    """Say what is wrong with ``api_url`` (optional), or None.

    Plain http is allowed only to this machine, so the key never crosses a
    network in clear text.
    """
    if api_url is None:
        return None
    if not isinstance(api_url, str):
        return "api_url must be a URL such as https://api.stripe.com."
    parts = urlsplit(api_url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return "api_url must be a URL such as https://api.stripe.com."
    if parts.username or parts.password or parts.query or parts.fragment:
        return "api_url must not carry credentials, a query or a fragment."
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return (
            "api_url uses plain http to a host that is not this machine; the key would "
            "travel unencrypted. Use https (plain http is accepted only for localhost)."
        )
    return None


def config_problems(config: t.Mapping[str, t.Any]) -> list[str]:
    """All problems with ``config``, in the order a user would fix them."""
    problems = [
        api_key_problem(config.get("api_key"), allow_test_keys=bool(config.get("allow_test_keys"))),
        account_id_problem(config.get("account_id")),
        account_ids_problem(config.get("account_ids"), config.get("account_id")),
        start_date_problem(config.get("start_date")),
        api_url_problem(config.get("api_url")),
        rate_problem(config),
        progress_interval_problem(config.get("progress_interval")),
    ]
    return [p for p in problems if p]


def parse_start_date(value: str) -> datetime.datetime:
    """Parse an ISO 8601 date or date-time; naive values are UTC."""
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
