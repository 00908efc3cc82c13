"""Stripe list pagination: ``starting_after`` the last object of each page."""

from __future__ import annotations

import decimal
import typing as t

import requests
from singer_sdk.pagination import BaseAPIPaginator


def list_page(response: requests.Response) -> dict[str, t.Any]:
    """The list object a response carries, parsed once however often it is read."""
    page: dict[str, t.Any] | None = getattr(response, "_stripe_list_page", None)
    if page is None:
        # Decimal keeps fractional amounts (e.g. unit_amount_decimal siblings) exact.
        page = response.json(parse_float=decimal.Decimal)
        response._stripe_list_page = page  # type: ignore[attr-defined]
    return page


class StripeListPaginator(BaseAPIPaginator[str | None]):
    """Pages a Stripe list object (``{"object": "list", "data": [...], "has_more": ...}``).

    The token is the id of the page's last object, to pass as ``starting_after``.
    """

    def has_more(self, response: requests.Response) -> bool:
        return bool(list_page(response).get("has_more"))

    def get_next(self, response: requests.Response) -> str | None:
        data = list_page(response).get("data") or []
        return str(data[-1]["id"]) if data else None
