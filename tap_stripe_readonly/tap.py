"""The tap: its settings, its streams, and how a run starts and ends."""

from __future__ import annotations

import io
import signal
import sys
import threading
import typing as t

import click
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import PluginCapabilities
from singer_sdk.plugin_base import SingerCommand

from tap_stripe_readonly import check
from tap_stripe_readonly.config import (
    DEFAULT_API_URL,
    HOW_TO_CREATE_KEY,
    MAX_REQUESTS_IN_FLIGHT,
    config_problems,
    every_connected_account,
)
from tap_stripe_readonly.engine import Stopped
from tap_stripe_readonly.errors import StopSyncError, excerpt, one_line
from tap_stripe_readonly.output import MessageWriter
from tap_stripe_readonly.progress import DEFAULT_PROGRESS_INTERVAL
from tap_stripe_readonly.redaction import install_log_redaction
from tap_stripe_readonly.report import SyncReport
from tap_stripe_readonly.run import (
    DEFAULT_REQUESTS_IN_FLIGHT,
    DEFAULT_REQUESTS_PER_SECOND,
    Run,
    accounts_of,
    make_transport,
)
from tap_stripe_readonly.state import check_state, parse_state, read_state_file
from tap_stripe_readonly.streams import STREAM_NAMES, STREAM_TYPES

if t.TYPE_CHECKING:
    from types import FrameType

    from singer_sdk.streams import Stream

    from tap_stripe_readonly.client import StripeStream

# The exit codes of a run stopped by SIGTERM (Meltano cancelling it) or SIGINT (Ctrl-C), as
# a shell reports a process killed by it.
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_INTERRUPTED = 128 + signal.SIGINT
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Signalled(BaseException):
    """A stop signal came while nothing was being written: the process stops where it is.

    A BaseException, as KeyboardInterrupt is, so that no ``except Exception`` on its way (a
    logging handler's, a library's) swallows it.
    """


class _Stop:
    """The stop signal this process received, if one came: it sets the exit code."""

    signum: int | None = None


def _stop(signum: int, run: Run | None) -> None:
    """A signal handler's work: stop the run at its next chance, or the process at once."""
    _Stop.signum = signum
    if run is None:
        raise Signalled
    run.engine.stop()  # the run writes its last state and stops


def _stop_at_once(signum: int, frame: FrameType | None) -> None:
    _stop(signum, None)  # until the tap exists (and from then on, its own handler)


class TapCommand(SingerCommand):
    """The tap's command line: however a run ends, one ERROR line at most and an exit code.

    Handled here, around click's parsing too, since --test and --discover run as callbacks
    of their options, before the command itself.
    """

    def main(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if threading.current_thread() is threading.main_thread():
            for stop_signal in STOP_SIGNALS:
                signal.signal(stop_signal, _stop_at_once)
        try:
            return super().main(*args, **kwargs)
        except ConfigValidationError as exc:  # from --test; invoke() reports its own
            for error in exc.errors:
                self.logger.error("%s", error)
            self.logger.error("Config validation failed")
            sys.exit(1)
        except StopSyncError as exc:
            # Nothing more can be read (bad key, no access, an answer that is not
            # Stripe's, a state the tap did not write): one clear line, no traceback.
            self.logger.error("%s", exc)
            sys.exit(1)
        except (Stopped, Signalled):
            signum = _Stop.signum or signal.SIGTERM
            self.logger.error(
                "Stopped by a signal (%s); the last STATE covers every record written, so "
                "the next run resumes there.",
                signal.Signals(signum).name,
            )
            sys.exit(128 + signum)
        except Exception as exc:
            # A bug, or a library failing in a way the tap does not know: still one line.
            what = type(exc).__name__ + (f": {excerpt(str(exc), 300)}" if str(exc) else "")
            self.logger.error(
                "Unexpected %s. This is a bug in the tap: please report it with this line "
                "(TAP_STRIPE_READONLY_LOGLEVEL=DEBUG shows its traceback). The last STATE "
                "covers every record written, so the next run resumes there.",
                what,
            )
            self.logger.debug("The traceback of the error above:", exc_info=True)
            sys.exit(1)


class TapStripeReadonly(Tap):
    """Singer tap for Stripe, using a restricted read-only key."""

    name = "tap-stripe-readonly"
    message_writer_class = MessageWriter

    # Not BATCH: records are written as they arrive from many requests at once.
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
            "account_ids",
            # A list, or "all" (["all"] too, as Meltano's array settings pass it).
            th.AnyOf(th.ArrayType(th.StringType), th.StringType),
            title="Account IDs",
            description="Several connected accounts to read in one run (acct_...), instead of "
            "account_id, or all (every connected account the platform's key lists, read "
            "from /v1/accounts each run). Each record then carries its account in the "
            "stripe_account column, which is part of every primary key, and state is kept "
            "per account.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Only sync objects created at or after this date (ISO 8601). "
            "Unset: the account's whole history.",
        ),
        th.Property(
            "capture_changes",
            th.BooleanType,
            default=True,
            title="Capture changes",
            description="Read updates and deletions from Stripe's events after the first "
            "sync (the key needs Read on Events). false: later runs read only objects "
            "created since the last run, and never re-read in full.",
        ),
        th.Property(
            "max_requests_per_second",
            th.IntegerType,
            title="Max requests per second",
            description="The tap's share of the account's rate limit: 1 to 100 (Stripe's "
            f"live-mode limit), at most 25 with a test key. Default: "
            f"{DEFAULT_REQUESTS_PER_SECOND}, half of Stripe's limit, leaving the rest to the "
            "account's own traffic (25 with a test key).",
        ),
        th.Property(
            "max_requests_in_flight",
            th.IntegerType,
            default=DEFAULT_REQUESTS_IN_FLIGHT,
            title="Max requests in flight",
            description=f"Requests sent at the same time, 1 to {MAX_REQUESTS_IN_FLIGHT} (for "
            "a proxy that allows fewer connections).",
        ),
        th.Property(
            "progress_interval",
            th.IntegerType,
            default=DEFAULT_PROGRESS_INTERVAL,
            title="Progress interval",
            description="Seconds between two progress lines of a run (records, requests, how "
            "far each stream is and the time left); 0 turns them off.",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=True,
            title="Emit ACTIVATE_VERSION messages",
            description="After each complete read of a stream in full, send ACTIVATE_VERSION "
            "so the target marks (or deletes) rows of objects that no longer exist. Not sent "
            "with account_ids (one account's read would retire the others' rows).",
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
        self.sync_report = SyncReport(self.logger)
        self._run: Run | None = None
        super().__init__(*args, **kwargs)

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # The JSON schema can only say "does not match pattern" (and would echo the
        # key); these checks say what kind of key was given and what to do instead.
        errors = super()._validate_config(raise_errors=False) + config_problems(self.config)
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors

    def load_state(self, state: dict[str, t.Any]) -> None:
        # Checked before singer-sdk reads it, and so before any request: a bookmark this
        # tap did not write stops the run with one line naming it.
        check_state(state, STREAM_NAMES)
        super().load_state(state)

    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def sync_all(self) -> None:  # type: ignore[misc]
        # singer-sdk's Tap.sync_all (final) syncs one stream at a time with one request in
        # flight; the tap's engine reads all streams at once within Stripe's rate limits.
        # First: from here a signal waits for a message to be written.
        self._run = Run(self, self.sync_report)
        try:
            if self.state:
                self.state_writer.write_state(self.state)
            self._run.execute()
        finally:
            self._run = None
            self.sync_report.log_summary()
        if _Stop.signum is not None:
            raise Stopped  # the signal came as the run ended: it still ends stopped
        if failed := self.sync_report.failed_accounts:
            msg = f"{len(failed)} account(s) of account_ids could not be read (the others were "
            msg += "synced): " + " ".join(failed.values())
            raise StopSyncError(msg)

    def run_sync_dry_run(  # type: ignore[misc]
        self, dry_run_record_limit: int | None = 1, streams: t.Iterable[Stream] | None = None
    ) -> bool:
        # singer-sdk's (final) dry run syncs each stream through Stream.sync(); these
        # streams are read by the engine, so the dry run is a sync of the chosen streams,
        # read whole (dry_run_record_limit is not applied).
        chosen = list(streams) if streams is not None else list(self.streams.values())
        for stream in self.streams.values():
            stream.selected = stream in chosen
        self.sync_all()
        return True

    def run_connection_test(self) -> bool:  # type: ignore[misc]
        # singer-sdk's test syncs a record of each stream and logs an error for every
        # stream the key may not read; this one asks each stream once, all at once, and
        # prints what to grant.
        streams = [t.cast("StripeStream", s) for s in self.streams.values()]
        transport = make_transport(self.config)
        accounts = accounts_of(self.config)
        if every_connected_account(self.config.get("account_ids")):
            found = check.connected_accounts(transport)
            if not found:
                raise StopSyncError(
                    "account_ids: all found no connected account: the key's account is not a "
                    "Connect platform, or none is connected to it."
                )
            accounts = list(found[: check.SAMPLE])
            print(
                f"account_ids: all: {len(found)} connected accounts found; checking "
                f"{len(accounts)} of them."
            )
        checks = check.check(transport, streams, accounts)
        table, outcome = check.report(checks, self.config["api_key"], streams)
        print(table)  # for the person running --test: no Singer message is written
        check.stop_unless_readable(outcome)
        return True

    @classmethod
    def get_singer_command(cls) -> click.Command:
        command = super().get_singer_command()
        return TapCommand(
            name=command.name,
            callback=command.callback,
            params=command.params,
            help=command.help,
            context_settings=command.context_settings,
            logger=cls.logger,
        )

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> t.Any:
        # singer-sdk's fails with a traceback on a config file that is missing or not JSON.
        try:
            return super().cb_config(ctx, param, value)
        except (OSError, ValueError, TypeError) as exc:
            msg = f"Could not read the config: {one_line(str(exc)).rstrip('.')}. Check "
            msg += "--config: each file must hold a JSON object."
            raise StopSyncError(msg) from None

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        # singer-sdk's writes state and exits 0 wherever the run is: a run cancelled before
        # or after its engine reads would look complete.
        _stop(signum, self._run)

    @classmethod
    def invoke(cls, *args: t.Any, state: t.IO[str] | None = None, **kwargs: t.Any) -> None:
        if state is not None:
            # singer-sdk would fail on a state that is not JSON (or not text) with a traceback.
            parse_state(text := read_state_file(state))
            state = io.StringIO(text if text.strip() else "{}")
        super().invoke(*args, state=state, **kwargs)


if __name__ == "__main__":
    TapStripeReadonly.cli()
