"""The connection check (``--test``): what the key may read, before the first sync.

One small request per stream (``limit=1``; a nested stream lists the items of its parent's
first object), all at once, then a table by product area (Payments, Billing, Issuing…): each
stream, readable or the permission to grant (as the Dashboard names it and as the API does),
and one line for an area whose product the account has not switched on. Then the key's mode,
the account and its default currency, from ``/v1/account`` or, if the key may not read it,
``/v1/balance`` ("unknown" if neither answers).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from tap_stripe_readonly.client import StripeChildStream, StripeStream
from tap_stripe_readonly.connected import list_connected_accounts
from tap_stripe_readonly.engine import Engine, Task
from tap_stripe_readonly.errors import (
    AccountAccessError,
    CursorVanishedError,
    InvalidApiKeyError,
    NoConnectAccessError,
    NotFoundError,
    PermissionDeniedError,
    StopSyncError,
)
from tap_stripe_readonly.permissions import AREAS
from tap_stripe_readonly.report import grant
from tap_stripe_readonly.shapes import ListPage, Raw, to_dict

if t.TYPE_CHECKING:
    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.transport import StripeTransport


#: ``--test`` with ``account_ids: all`` checks this many of the accounts found.
SAMPLE = 3


@dataclass
class Access:
    readable: bool | None = None  # None: could not be tried
    permission: Permission | None = None
    note: str = ""
    product: str | None = None  # not readable: the account has not switched it on


@dataclass
class AccountCheck:
    account: str | None
    access: dict[str, Access] = field(default_factory=dict)
    account_id: str | None = None
    currency: str | None = None
    currency_from: str = ""
    unreadable: str | None = None  # why the account itself could not be read
    failed: set[str] = field(default_factory=set)  # /v1/account, /v1/balance: not a 403


@dataclass
class Outcome:
    """How the check ends: streams readable over all accounts, and the accounts unreadable."""

    readable: int
    accounts: int
    unreadable: list[str] = field(default_factory=list)


def check(
    transport: StripeTransport, streams: list[StripeStream], accounts: list[str | None]
) -> list[AccountCheck]:
    """Try every stream of every account; raises StopSyncError for a key Stripe rejects."""
    engine = Engine(transport, max_in_flight=transport.max_connections)
    checks = [AccountCheck(account) for account in accounts]
    engine.run([task for c in checks for task in _tasks(c, streams)], lambda: None)
    return checks


def _tasks(check: AccountCheck, streams: list[StripeStream]) -> list[Task]:
    tasks = [_stream_task(check, s) for s in streams if not isinstance(s, StripeChildStream)]
    return [*tasks, _account_task(check)]


def _stream_task(
    check: AccountCheck,
    stream: StripeStream,
    path: str | None = None,
    params: t.Any = None,
    parent: StripeStream | None = None,
) -> Task:
    access = check.access.setdefault(stream.name, Access())

    def readable(page: ListPage) -> list[Task]:
        access.readable = True
        first = to_dict(page.data[0]).get("id") if page.data else None
        tasks = []
        for child in _children(stream):
            if child.referenced_by:
                # Fetched by the id its parent names: its own list is what the key opens.
                tasks.append(_stream_task(check, child, child.path, [("limit", 1)], stream))
            elif first is None:
                check.access[child.name] = Access(note=f"not tried: no {stream.name} to list")
            elif child.listed_by and not isinstance(
                value := to_dict(page.data[0]).get(child.listed_by), str
            ):
                note = f"not tried: the first of {stream.name} has no {child.listed_by}"
                check.access[child.name] = Access(note=note)
            else:
                url = urlsplit(child.nested_url(first, value if child.listed_by else None))
                params = [*parse_qsl(url.query), *([("limit", 1)] if child.paged else [])]
                tasks.append(_stream_task(check, child, url.path, params, stream))
        return tasks

    def denied(exc: Exception) -> list[Task]:
        if isinstance(exc, PermissionDeniedError):
            access.readable, access.permission = False, exc.permission
            access.product = exc.product
            for child in _children(stream):
                check.access[child.name] = Access(False, exc.permission, product=exc.product)
            return []
        if isinstance(exc, AccountAccessError):
            check.unreadable = str(exc)
            return []
        if parent is not None and isinstance(exc, (NotFoundError, CursorVanishedError)):
            # The parent listed was deleted before its nested list was asked for.
            name = t.cast("StripeChildStream", stream).parent_key.replace("_", " ")
            access.note = f"not tried: the {name} listed was deleted meanwhile"
            return []
        raise exc

    return Task(
        path or stream.path,
        params if params is not None else [("limit", 1), *stream.params.items()],
        stream.path,
        on_body=readable,
        on_error=denied,
        # The platform's view of its connected accounts is read by the platform itself.
        account=None if stream.read_by_platform else check.account,
        permission=stream.permission,
    )


def _account_task(check: AccountCheck) -> Task:
    def account(raw: Raw) -> list[Task]:
        body = to_dict(raw)
        check.account_id = body.get("id")
        check.currency, check.currency_from = body.get("default_currency"), ""
        return []

    def balance(raw: Raw) -> list[Task]:
        currencies = sorted({b.get("currency") for b in to_dict(raw).get("available") or ()})
        if currencies:
            check.currency = ", ".join(str(c) for c in currencies)
            check.currency_from = " (from the balance: the key may not read the account)"
        return []

    def no_account(exc: Exception) -> list[Task]:
        if isinstance(exc, PermissionDeniedError):
            return [_raw_task(check, "/v1/balance", balance, lambda e: [])]
        if isinstance(exc, AccountAccessError):
            check.unreadable = str(exc)
            return []
        raise exc

    return _raw_task(check, "/v1/account", account, no_account)


def _raw_task(
    check: AccountCheck,
    path: str,
    on_body: t.Callable[[Raw], list[Task]],
    on_error: t.Callable[[Exception], list[Task]],
) -> Task:
    def tolerant(exc: Exception) -> list[Task]:
        if isinstance(exc, PermissionDeniedError):
            return on_error(exc)
        if isinstance(exc, AccountAccessError):
            check.unreadable = str(exc)
            return []
        if isinstance(exc, (InvalidApiKeyError, NoConnectAccessError)):
            raise exc
        if isinstance(exc, (StopSyncError, NotFoundError)):
            # Retries ran out, or not Stripe's answer: the streams' table still stands.
            check.failed.add(path)
            return []
        raise exc

    return Task(
        path, [], path, on_body=on_body, on_error=tolerant, account=check.account, shape=Raw
    )


def connected_accounts(transport: StripeTransport) -> list[str]:
    """``account_ids: all``: the connected accounts the platform's key lists."""
    found: list[str] = []

    def listed(ids: list[str]) -> list[Task]:
        found.extend(ids)
        return []

    engine = Engine(transport, max_in_flight=1)
    engine.run([list_connected_accounts(listed)], lambda: None)
    return found


def _children(stream: StripeStream) -> list[StripeChildStream]:
    return [t.cast("StripeChildStream", c) for c in stream.child_streams]


def report(
    checks: list[AccountCheck], key: str, streams: list[StripeStream]
) -> tuple[str, Outcome]:
    """The table a person reads, and how the check ends."""
    width = max(len(s.name) for s in streams) + 2
    lines: list[str] = []
    outcome = Outcome(0, len(checks))
    for check in checks:
        if len(checks) > 1:
            lines.append(f"== {check.account}")
        if check.unreadable:
            lines += [check.unreadable, ""]
            outcome.unreadable.append(check.unreadable)
            continue
        lines.append(f"  {'stream':<{width}}access")
        for area, members in _by_area(streams).items():
            accesses = [check.access.get(s.name, Access()) for s in members]
            products = {a.product for a in accesses}
            if None not in products:
                # A product the account does not use: one line, not a row per stream.
                lines.append(f"{area}: not enabled on this account ({_streams(len(members))})")
                continue
            lines.append(f"{area}:")
            for stream, access in zip(members, accesses, strict=True):
                if access.readable:
                    outcome.readable += 1
                    status = "readable"
                elif access.product is not None:
                    status = f"not enabled: the account does not use {access.product}"
                elif access.readable is False:
                    status = f"missing: grant {grant(access.permission)}"
                else:
                    status = access.note or "not tried"
                lines.append(f"  {stream.name:<{width}}{status}")
        readable = sum(1 for s in streams if check.access.get(s.name, Access()).readable)
        lines += [
            "",
            f"{readable} of {len(streams)} streams readable.",
            f"Key mode:          {'test' if '_test_' in key else 'live'}",
            f"Account:           {check.account_id or check.account or 'unknown'}"
            f"{_failed(check, '/v1/account')}",
            f"Default currency:  {check.currency or 'unknown'}{check.currency_from}"
            f"{_failed(check, '/v1/balance')}",
            "",
        ]
    return "\n".join(lines), outcome


def _by_area(streams: list[StripeStream]) -> dict[str, list[StripeStream]]:
    """The streams by product area, in AREAS's order (each area's in the given order)."""
    areas: dict[str, list[StripeStream]] = {area: [] for area in AREAS}
    for stream in streams:
        areas.setdefault(stream.permission.area, []).append(stream)
    return {area: members for area, members in areas.items() if members}


def _streams(n: int) -> str:
    return f"{n} stream{'s' if n != 1 else ''}"


def _failed(check: AccountCheck, path: str) -> str:
    return f" (GET {path} failed)" if path in check.failed else ""


def stop_unless_readable(outcome: Outcome) -> None:
    if outcome.readable:
        return
    if len(outcome.unreadable) == outcome.accounts:
        # The account itself, not a permission: granting any would not help.
        if outcome.accounts == 1:
            raise StopSyncError(outcome.unreadable[0])
        raise StopSyncError(
            "The API key may read none of the accounts of account_ids: "
            + " ".join(outcome.unreadable)
        )
    msg = (
        "The API key may read none of the streams: grant it Read permissions "
        "(Dashboard > Developers > API keys > edit the key), as the table above says."
    )
    raise StopSyncError(msg)
