"""What can go wrong talking to Stripe, as exceptions the streams and the tap act on.

Every message here is one line a user can act on, with any key already redacted.
"""

from __future__ import annotations

import re
import typing as t

from tap_stripe_readonly.permissions import Permission
from tap_stripe_readonly.redaction import redact

# Stripe names the missing permission in one of two forms (both seen in the wild):
#   Enabling "Prices Read" ('plan_read') permissions on this key would allow ...
#   Having the 'rak_charge_read' permission would allow ...
_NEW_FORM = re.compile(r"""Enabling "(?P<label>[^"]+)" \('(?P<name>[a-z_]+)'\)""")
_LEGACY_FORM = re.compile(r"'rak_(?P<name>[a-z_]+)'")
# "The provided key '…' does not have access to account 'acct_…' (or that account does not
# exist). Application access may have been revoked."
_NO_ACCOUNT_ACCESS = re.compile(r"does not have access to account '(?P<account>[^']*)'")
_NO_CONNECT_ACCESS = "does not have any Connect permissions"
# "Your account is not set up to use Issuing. Please visit https://dashboard.stripe.com/…"
_NOT_SET_UP = re.compile(r"not set up to use (?P<product>[A-Z][A-Za-z ]{1,40}?)(?:\.|,|$)")

STATUS_PAGE = "https://status.stripe.com"


class StopSyncError(Exception):
    """Nothing more can be read: the run stops with this one-line message (exit code 1)."""


class InvalidApiKeyError(StopSyncError):
    """401: the key is unknown, revoked or mistyped."""


class NoConnectAccessError(StopSyncError):
    """The key may not act for connected accounts at all."""


class AccountAccessError(StopSyncError):
    """The key may not read this account, or the account does not exist."""

    def __init__(self, message: str, account: str | None) -> None:
        super().__init__(message)
        self.account = account


class BadAnswerError(StopSyncError):
    """An answer that is not Stripe's, or a transient failure that outlasted every retry."""


class StateError(StopSyncError):
    """The state given to the tap is not one it wrote."""


class NetworkSetupError(StopSyncError):
    """The way to Stripe the environment sets up fails every account alike: a proxy that
    refuses or can't be reached, a CA bundle that is missing or does not trust the server."""


class PermissionDeniedError(Exception):
    """403: the key lacks the Read permission this endpoint needs."""

    #: The product the account has not switched on, for a ProductNotEnabledError.
    product: str | None = None

    def __init__(self, message: str, permission: Permission | None) -> None:
        super().__init__(message)
        self.permission = permission


class ProductNotEnabledError(PermissionDeniedError):
    """400 "Your account is not set up to use Issuing": the account has not switched on the
    product the endpoint belongs to. Its streams are skipped as for a permission left out:
    no error of the run, said once at its end."""

    def __init__(self, message: str, permission: Permission | None, product: str) -> None:
        super().__init__(message, permission)
        self.product = product


class CursorVanishedError(Exception):
    """400 resource_missing on starting_after: the object a list was paging from is gone."""

    def __init__(self, message: str, request_id: str = "") -> None:
        super().__init__(message)
        #: `` Request-Id req_…`` of the answer that said so ("" if it had none).
        self.request_id = request_id


class NotFoundError(Exception):
    """404 resource_missing: the object (or a nested list's parent) no longer exists."""


class TransientError(Exception):
    """An answer worth asking again: 5xx, 409, a cut connection or body."""

    def __init__(self, came_back: str, *, rate_limit_reason: str | None = None) -> None:
        super().__init__(came_back)
        self.came_back = came_back
        #: Set on 429s from Stripe's rate limiters ("global-rate", "endpoint-concurrency", …).
        self.rate_limit_reason = rate_limit_reason


class TransientProxyError(TransientError):
    """The proxy could not be reached, or could not reach Stripe (its own 502 to CONNECT)."""

    def __init__(self, came_back: str, *, check: str) -> None:
        super().__init__(came_back)
        #: What to check once retries run out.
        self.check = check


class RateLimitedError(TransientError):
    """429 (or 400 code rate_limit): never fatal, always retried; a rate limiter's (one
    that names its reason) slows the tap down, a lock timeout's does not."""


def error_object(body: object) -> dict[str, t.Any]:
    """The ``error`` object of a Stripe error body, or {} if there is none."""
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def permission_in_message(message: str, fallback: Permission | None) -> Permission | None:
    """The permission Stripe's 403 message asks for; ``fallback`` if it names none."""
    if match := _NEW_FORM.search(message):
        return Permission(match["name"], match["label"].removesuffix(" Read"))
    if match := _LEGACY_FORM.search(message):
        name = match["name"]
        label = fallback.label if fallback and fallback.name == name else name
        return Permission(name, label)
    return fallback


def product_in_message(message: str) -> str | None:
    """The product a 400 says the account is not set up to use, if it is that kind of 400."""
    match = _NOT_SET_UP.search(message)
    return match["product"].strip() if match else None


def account_in_message(message: str) -> str | None:
    """The account a 403 says the key may not access, if it is that kind of 403."""
    match = _NO_ACCOUNT_ACCESS.search(message)
    return match["account"] if match else None


def lacks_connect_permissions(message: str) -> bool:
    return _NO_CONNECT_ACCESS in message


def one_line(text: str) -> str:
    """``text`` on one line (its line breaks and runs of spaces made single spaces), with any
    key redacted: what a message from elsewhere (Stripe's, a library's) must be in a line."""
    return redact(" ".join(text.split()))


def excerpt(text: str, limit: int = 120) -> str:
    """The first characters of a body, on one line, with any key redacted."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[:limit] + "…"
