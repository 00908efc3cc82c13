"""singer-sdk's standard tap tests, against a sandbox of this module's own."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class

from tap_stripe_readonly.tap import TapStripeReadonly
from tests.stripe_sandbox import DEMO_API_KEY, StripeSandbox

# The SDK builds the test class at import time, so the sandbox must already listen.
_SANDBOX = StripeSandbox(scale=0.02, seed=11)
_SANDBOX.start()
atexit.register(_SANDBOX.stop)

TestTapStripeReadonly = get_tap_test_class(
    tap_class=TapStripeReadonly,
    config={"api_key": DEMO_API_KEY, "api_url": _SANDBOX.url},
)
