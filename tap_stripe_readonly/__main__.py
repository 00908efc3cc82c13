"""Run the tap with ``python -m tap_stripe_readonly``."""

from tap_stripe_readonly.tap import TapStripeReadonly

TapStripeReadonly.cli()
