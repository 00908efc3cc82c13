"""``account_ids: all``: the connected accounts a Connect platform's key lists, found at the
start of each run (and of ``--test``), so that accounts connected since join and those
disconnected stop being read, with no list kept by hand."""

from __future__ import annotations

import typing as t

from tap_stripe_readonly import client
from tap_stripe_readonly.engine import Task
from tap_stripe_readonly.errors import PermissionDeniedError, StopSyncError
from tap_stripe_readonly.permissions import CONNECTED_ACCOUNT_READ
from tap_stripe_readonly.shapes import to_dict

if t.TYPE_CHECKING:
    from tap_stripe_readonly.shapes import ListPage

PATH = "/v1/accounts"


def list_connected_accounts(found: t.Callable[[list[str]], list[Task]]) -> Task:
    """The first request of the listing of every connected account, by the platform itself
    (no Stripe-Account header: the permission is "(Direct)"). ``found`` gets the ids, in the
    order Stripe lists them, and returns the tasks that read them."""
    ids: list[str] = []

    def page(body: ListPage) -> list[Task]:
        ids.extend(str(to_dict(raw)["id"]) for raw in body.data)
        if body.has_more and body.data:
            return [_task(page, ids[-1])]
        return found(ids)

    return _task(page, None)


def _task(page: t.Callable[[ListPage], list[Task]], after: str | None) -> Task:
    params: list[tuple[str, t.Any]] = [("limit", client.PAGE_SIZE)]
    if after is not None:
        params.append(("starting_after", after))
    return Task(
        PATH, params, PATH, on_body=page, on_error=_cannot_list, permission=CONNECTED_ACCOUNT_READ
    )


def _cannot_list(exc: Exception) -> list[Task]:
    if isinstance(exc, PermissionDeniedError):
        raise StopSyncError(
            f"account_ids: all lists the platform's connected accounts, and the API key lacks "
            f"{exc.permission or CONNECTED_ACCOUNT_READ} to do so. Grant it (Dashboard > "
            "Developers > API keys > edit the key), or list the accounts in account_ids."
        )
    raise exc
