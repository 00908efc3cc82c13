"""The tap: its config, its streams, and what it tells the user at the end of a run."""

from __future__ import annotations

import sys
import typing as t

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities

from tap_stripe_readonly.config import DEFAULT_API_URL, HOW_TO_CREATE_KEY, config_problems
from tap_stripe_readonly.errors import Permission, StopSyncError
from tap_stripe_readonly.redaction import install_log_redaction
from tap_stripe_readonly.streams import STREAM_TYPES

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

    from tap_stripe_readonly.client import StripeStream


class SyncReport:
    """Streams skipped for a missing permission, summed up at the end of the run."""

    def __init__(self, tap: Tap) -> None:
        self._tap = tap
        self.skipped: dict[str, Permission | None] = {}

    def is_skipped(self, stream_name: str) -> bool:
        return stream_name in self.skipped

    def skip(self, stream: StripeStream, permission: Permission | None) -> None:
        """Skip ``stream`` and the streams nested in it, with a warning naming the grant."""
        names = [stream.name, *(child.name for child in _descendants(stream))]
        for name in names:
            self.skipped[name] = permission
        self._tap.logger.warning(
            "Skipping stream %s: the API key lacks %s. %s",
            " and ".join(f"'{n}'" for n in names),
            _grant(permission),
            "The other streams sync as usual.",
        )

    def log_summary(self) -> None:
        if not self.skipped:
            return
        lines = [f"  {name}: {_grant(perm)}" for name, perm in self.skipped.items()]
        self._tap.logger.warning(
            "%d stream(s) were skipped for missing permissions; grant them on the "
            "restricted key (Dashboard > Developers > API keys > edit key) and run again:\n%s",
            len(self.skipped),
            "\n".join(lines),
        )


class TapStripeReadonly(Tap):
    """Singer tap for Stripe, using a restricted read-only key."""

    name = "tap-stripe-readonly"

    # Not BATCH: the SDK syncs a nested stream once per parent record, so batching
    # would write one file per invoice and per subscription.
    capabilities = [c for c in Tap.capabilities if c != PluginCapabilities.BATCH]

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            title="Restricted API key",
            description="A Stripe restricted key with Read permissions (rk_live_...). "
            + HOW_TO_CREATE_KEY,
        ),
        th.Property(
            "account_id",
            th.StringType,
            title="Account ID",
            description="A connected account to read (acct_...), sent as the Stripe-Account "
            "header. Leave unset to read the key's own account.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Only sync objects created at or after this date (ISO 8601). "
            "Unset: the account's whole history.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Base URL of the Stripe API, for proxies and the local sandbox. "
            "Plain http is accepted only for localhost.",
        ),
        th.Property(
            "allow_test_keys",
            th.BooleanType,
            default=False,
            title="Allow test keys",
            description="Accept test-mode restricted keys (rk_test_...), to try the tap on a "
            "Stripe sandbox.",
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        install_log_redaction()
        self.sync_report = SyncReport(self)
        super().__init__(*args, **kwargs)

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # The JSON schema can only say "does not match pattern" (and would echo the
        # key); these checks say what kind of key was given and what to do instead.
        errors = super()._validate_config(raise_errors=False) + config_problems(self.config)
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors

    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def sync_all(self) -> None:  # type: ignore[misc]
        # Tap.sync_all is final so that its stream loop stays the SDK's; this only
        # adds the report the user needs once every stream has had its turn.
        super().sync_all()
        self.sync_report.log_summary()

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:
        try:
            super().invoke(*args, **kwargs)
        except StopSyncError as exc:
            # No stream can work (bad key, no access to the account): one clear line,
            # no traceback.
            cls.logger.error("%s", exc)
            sys.exit(1)


def _grant(permission: Permission | None) -> str:
    if permission is None:
        return "a Read permission Stripe did not name"
    return str(permission)


def _descendants(stream: Stream) -> t.Iterator[Stream]:
    for child in stream.child_streams:
        yield child
        yield from _descendants(child)


if __name__ == "__main__":
    TapStripeReadonly.cli()
