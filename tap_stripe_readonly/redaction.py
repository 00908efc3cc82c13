"""Keep Stripe keys, and the credentials of a URL (a proxy's), out of every log line and
error message the tap produces."""

from __future__ import annotations

import logging
import re

from singer_sdk import metrics

# Any Stripe key, including the masked forms Stripe puts in its own error messages
# ("rk_live_***j4va7j", "sk_test_****Aso0"): even the last characters stay private. No word
# boundary before it: a key glued to other characters ("%20rk_live_…", "key=rk_live_…") is
# still a key.
_STRIPE_KEY = re.compile(r"(sk|rk|pk|rkcs)_(live|test)_[A-Za-z0-9*]+")
# user:password@ after a scheme (http://user:s3cret@proxy:3128), to the last @ before the
# path: a password may hold an @ of its own. Not the placeholder the tap's own hints show.
_URL_CREDENTIALS = re.compile(r"(?<=://)(?!user:password@)[^\s/?#]*@")


def redact(text: str) -> str:
    """Return ``text`` with every Stripe key replaced by its kind alone, and the credentials
    of every URL by ``[redacted]``."""
    text = _URL_CREDENTIALS.sub("[redacted]@", text)
    return _STRIPE_KEY.sub(lambda m: f"{m[1]}_{m[2]}_[redacted]", text)


def _is_metric(record: logging.LogRecord) -> bool:
    """A singer-sdk METRIC point: kept as a point (structured logging and the SDK's metric
    filters read it from the record's arguments) when it holds nothing to redact."""
    args = record.args
    return (
        record.msg == "METRIC: %s"
        and isinstance(args, tuple)
        and len(args) == 1
        and isinstance(args[0], metrics.Point)
    )


def install_log_redaction() -> None:
    """Redact keys (and URL credentials) from every log record of the process, whichever
    logger or handler.

    A record factory sees records before any handler or formatter, so this also
    covers third-party loggers and handlers added later (Meltano, singer-sdk, urllib3).
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_stripe_keys", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            # A bad format call: logging reports it when it is emitted, message and
            # arguments included, so both are redacted here.
            record.msg = redact(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(redact(str(arg)) for arg in record.args)
        else:
            redacted = redact(message)
            if redacted != message or (record.args and not _is_metric(record)):
                record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters render exc_text as is when it is set.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.redacts_stripe_keys = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
