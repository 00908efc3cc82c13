"""What a run could not read, told once at the end instead of as a wall of warnings."""

from __future__ import annotations

import logging
import typing as t

from tap_stripe_readonly.permissions import EVENT_READ

if t.TYPE_CHECKING:
    from tap_stripe_readonly.client import StripeStream
    from tap_stripe_readonly.permissions import Permission


# Why changes could not be read from events.
NO_EVENT_READ = "no_event_read"
EVENTS_EXPIRED = "events_expired"


def grant(permission: Permission | None) -> str:
    return str(permission) if permission else "a Read permission Stripe did not name"


class SyncReport:
    """Streams skipped for a missing permission, accounts that could not be read, and why
    changes could not be read from events; logged once, at the end of the run."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self.skipped: dict[tuple[str, str | None], Permission | None] = {}
        # Skipped streams of a product the account has not switched on: which product.
        self.not_enabled: dict[tuple[str, str | None], str] = {}
        # Nested streams partly unread: the permission, the parents, whether embedded.
        self.nested: dict[tuple[str, str | None], tuple[Permission | None, str, bool]] = {}
        self.failed_accounts: dict[str, str] = {}
        self.events_reason: str | None = None

    def skip(
        self,
        stream: StripeStream,
        permission: Permission | None,
        account: str | None,
        product: str | None = None,
    ) -> None:
        """Skip ``stream`` and the streams nested in it (the others sync as usual): the key
        lacks ``permission``, or the account has not switched ``product`` on."""
        # Only what the run was asked for: a parent read for its nested stream alone, or a
        # nested stream left unselected, is no stream missing from the target.
        names = [s.name for s in (stream, *stream.child_streams) if s.selected]
        for name in names:
            if product is None:
                self.skipped[(name, account)] = permission
            else:
                self.not_enabled[(name, account)] = product
        # Told once, in the summary at the end; here only at debug level.
        lacks = f"the key lacks {grant(permission)}"
        why = f"the account does not use {product}" if product else lacks
        self._logger.debug(
            "Skipping %s%s: %s.",
            " and ".join(f"'{n}'" for n in names),
            f" of {account}" if account else "",
            why,
        )

    def nested_unread(
        self,
        child: StripeStream,
        permission: Permission | None,
        parent: StripeStream,
        account: str | None,
    ) -> None:
        embedded = getattr(child, "embedded_field", None) is not None
        self.nested[(child.name, account)] = (permission, parent.name, embedded)

    def events_unusable(self, why: str, *, activates: bool) -> None:
        """Changes cannot be read from events (``why``: NO_EVENT_READ or EVENTS_EXPIRED), so
        streams synced before are read in full again; ``activates``: with ACTIVATE_VERSION."""
        if self.events_reason is not None:
            return
        self.events_reason = why
        if why == NO_EVENT_READ:
            reason = (
                f"the API key lacks {EVENT_READ}, so updates and deletions can only be found by "
                "reading every object again"
            )
            remedy = f"Grant {EVENT_READ} on the key to read only what changed"
        else:
            reason = "the last complete sync is older than the 30 days of events Stripe keeps"
            remedy = "Sync at least every 29 days to read only what changed"
        if activates:
            gone = "and the target marks what no longer exists"
        else:
            gone = (
                "but what was deleted stays in the target (no ACTIVATE_VERSION is sent with "
                "account_ids or emit_activate_version_messages: false)"
            )
        self._logger.warning(
            "Updates and deletions: %s. Streams synced before are read in full again, %s. %s, "
            "or set capture_changes: false to read only new objects.",
            reason,
            gone,
            remedy,
        )

    def account_failed(self, account: str, message: str) -> None:
        # Said at the end, with the run's exit: the other accounts sync as usual.
        self.failed_accounts[account] = message

    def is_skipped(self, stream_name: str, account: str | None = None) -> bool:
        return (stream_name, account) in self.skipped or (stream_name, account) in self.not_enabled

    def why_skipped(self, stream_name: str, account: str | None) -> str | None:
        """Why a stream was skipped, as the summary says it: ``grant …`` (the permission the
        key lacks) or ``Issuing not enabled``."""
        if (product := self.not_enabled.get((stream_name, account))) is not None:
            return f"{product} not enabled"
        if (stream_name, account) not in self.skipped:
            return None
        return f"grant {grant(self.skipped[(stream_name, account)])}"

    def log_summary(self) -> None:
        self._log_not_enabled()
        lines = []
        by_grant: dict[str, list[str]] = {}
        for (name, account), permission in self.skipped.items():
            label = f"{name} ({account})" if account else name
            by_grant.setdefault(grant(permission), []).append(label)
        lines += [f"  {', '.join(sorted(names))}: grant {what}" for what, names in by_grant.items()]
        for (name, account), (permission, parent, embedded) in self.nested.items():
            where = f" ({account})" if account else ""
            what = f"items past the first 10 of some {parent}" if embedded else f"those of {parent}"
            lines.append(
                f"  {name}{where}: {what} could not be read; "
                f"grant {grant(permission)} (those {parent} are read again next run)"
            )
        if lines:
            lines.sort()  # the same summary, whichever answer came first
            self._logger.warning(
                "Some streams were not synced, for missing permissions on the API key. Grant "
                "them (Dashboard > Developers > API keys > edit the key) and run again:\n%s",
                "\n".join(lines),
            )

    def _log_not_enabled(self) -> None:
        # A product the account does not use is no fault of the key or the run: one calm
        # line, at the level of the run's other news.
        by_product: dict[str, list[str]] = {}
        for (name, account), product in self.not_enabled.items():
            label = f"{name} ({account})" if account else name
            by_product.setdefault(product, []).append(label)
        if not by_product:
            return
        products = "; ".join(
            f"{product} ({', '.join(sorted(names))})"
            for product, names in sorted(by_product.items())
        )
        self._logger.info(
            "Not read, as the account has not switched these products on: %s. The tap asks "
            "again once a day and reads them once it has; deselect them to save even that.",
            products,
        )
