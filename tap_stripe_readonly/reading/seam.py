"""The seam between a read and the run it is in: all a read may use of the run.

A read submits requests (its handlers return the engine's tasks), writes records and tells
that its state changed through a ``Seam``; it never sees the run itself. The run wires the
reads, the accounts, the report and the state (``run.py``).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tap_stripe_readonly.client import StripeStream
    from tap_stripe_readonly.errors import StopSyncError
    from tap_stripe_readonly.permissions import Permission
    from tap_stripe_readonly.shapes import Raw


@dataclass(frozen=True)
class ReadSettings:
    """What a run's settings say about reading."""

    start_date: int  # only objects created at or after this second
    version: int  # the run's table version, for a read in full (milliseconds)
    activate_versions: bool  # whether a read in full ends with ACTIVATE_VERSION
    capture_changes: bool  # whether later runs read events


class Account:
    """One account of a run, as its reads see it."""

    def __init__(self, account_id: str | None, on_failure: Callable[[str, str], None]) -> None:
        #: The account's id when the tap was told it (None: the key's own account).
        self.id = account_id
        #: The Stripe-Account header to send.
        self.header = account_id
        #: Stripe's time when this account's run began.
        self.now = 0
        self.events_readable = False
        self.failed = False
        self._on_failure = on_failure

    def fail(self, exc: StopSyncError) -> None:
        """Stop reading this account; its state keeps what was written, the others go on."""
        self.failed = True
        message = str(exc)
        if self.id and self.id not in message:
            message = f"{self.id}: {message}"
        self._on_failure(self.id or "", message)


class Seam(t.Protocol):
    """What the run offers a read: the output, the engine's plan, the state, the report."""

    settings: ReadSettings

    def write(
        self,
        stream: StripeStream,
        rows: Sequence[Raw | bytes],
        account: str | None,
        version: int | None,
    ) -> None:
        """Write records of ``stream`` (each the JSON of one object)."""

    def activate_version(self, stream: StripeStream, version: int) -> None: ...

    def foresee(self, source: object, endpoint: str, requests: float) -> None:
        """``source`` expects to send ``requests`` more to ``endpoint`` (the engine's plan)."""

    def state_changed(self) -> None:
        """The state changed: the run writes it (after the records written so far)."""

    def stripe_now(self) -> int:
        """Stripe's time now, from its last answer."""

    def monotonic(self) -> float: ...

    def skipped(
        self,
        stream: StripeStream,
        permission: Permission | None,
        account: str | None,
        product: str | None = None,
    ) -> None:
        """``stream`` (and the streams nested in it) cannot be read: a permission is missing,
        or the account has not switched ``product`` on."""

    def nested_unread(
        self,
        child: StripeStream,
        permission: Permission | None,
        parent: StripeStream,
        account: str | None,
    ) -> None:
        """Some of ``child``'s lists could not be read: the parents are read again next run."""

    def events_unusable(self, why: str) -> None:
        """Changes cannot be read from events (NO_EVENT_READ, EVENTS_EXPIRED)."""

    def read_ended(self, stream: str, account: str | None, seconds: float, succeeded: bool) -> None:
        """A read of ``stream`` ended after ``seconds``."""

    def fails_one_account(self, exc: StopSyncError) -> bool:
        """Whether ``exc`` stops only the account it came from (the others sync on)."""
