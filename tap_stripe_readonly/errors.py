"""Stripe's error responses, turned into exceptions the streams and the tap act on."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from singer_sdk.exceptions import FatalAPIError

from tap_stripe_readonly.redaction import redact

if t.TYPE_CHECKING:
    import requests

# Stripe names the missing permission in one of two forms (both seen in the wild):
#   Enabling "Prices Read" ('plan_read') permissions on this key would allow ...
#   Having the 'rak_charge_read' permission would allow ...
_NEW_FORM = re.compile(r"""Enabling "(?P<label>[^"]+)" \('(?P<name>[a-z_]+)'\)""")
_LEGACY_FORM = re.compile(r"'rak_(?P<name>[a-z_]+)'")


@dataclass(frozen=True)
class Permission:
    """A restricted-key permission: its API name and the Dashboard's label for it."""

    name: str
    label: str

    def __str__(self) -> str:
        return f'Read on "{self.label}" ({self.name})'


class StopSyncError(FatalAPIError):
    """An error after which no stream can work: the run stops with its message alone."""


class InvalidApiKeyError(StopSyncError):
    """401: the key is unknown, revoked or mistyped."""


class NoConnectAccessError(StopSyncError):
    """The key may not act for ``account_id`` (it has no Connect permissions)."""


class PermissionDeniedError(FatalAPIError):
    """403: the key lacks the Read permission for this endpoint."""

    def __init__(self, message: str, permission: Permission | None) -> None:
        super().__init__(message)
        self.permission = permission


class CursorVanishedError(FatalAPIError):
    """400 resource_missing on a list cursor: the object paged from is gone."""


class ParentVanishedError(FatalAPIError):
    """404 resource_missing on a nested list: its parent was deleted mid-sync."""


def error_body(response: requests.Response) -> dict[str, t.Any]:
    """The ``error`` object of a Stripe error response, or {} if there is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_message(response: requests.Response, what: str) -> str:
    """A one-line, key-free description of an error response."""
    error = error_body(response)
    detail = error.get("message") or response.reason or "no message"
    return redact(f"Stripe answered {response.status_code} to {what}: {detail}")


def permission_in_message(message: str, fallback: Permission | None) -> Permission | None:
    """The permission Stripe's 403 message asks for; ``fallback`` if it names none."""
    if match := _NEW_FORM.search(message):
        return Permission(match["name"], match["label"].removesuffix(" Read"))
    if match := _LEGACY_FORM.search(message):
        name = match["name"]
        label = fallback.label if fallback and fallback.name == name else name
        return Permission(name, label)
    return fallback
