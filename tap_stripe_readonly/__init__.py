"""tap-stripe-readonly: a Singer tap for Stripe that needs only a restricted read-only key."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tap-stripe-readonly")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
