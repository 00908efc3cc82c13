"""singer-sdk's standard tap tests, against a sandbox of this module's own."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class

from tap_stripe_readonly.tap import TapStripeReadonly
from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_API_KEY, StripeSandbox

# The SDK builds the test class at import time, so the sandbox must already listen.
_SANDBOX = StripeSandbox(scale=0.02, seed=11, products=ALL_PRODUCTS, connected_accounts=1)
_SANDBOX.start()
atexit.register(_SANDBOX.stop)
CONFIG = {"api_key": DEMO_API_KEY, "api_url": _SANDBOX.url}


def _catalog_selecting_every_stream() -> dict:
    """The discovered catalog with payment_methods (off by default) selected too."""
    catalog = TapStripeReadonly(config=CONFIG, validate_config=True).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = True
    return catalog


TestTapStripeReadonly = get_tap_test_class(
    tap_class=TapStripeReadonly, config=CONFIG, catalog=_catalog_selecting_every_stream()
)
