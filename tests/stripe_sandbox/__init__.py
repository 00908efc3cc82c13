"""A local, seeded, read-only Stripe-compatible API server for tests, demos and benchmarks.

    from tests.stripe_sandbox import StripeSandbox, DEMO_API_KEY
    with StripeSandbox(scale=0.05, seed=42) as sb:
        requests.get(f"{sb.url}/v1/customers", auth=(DEMO_API_KEY, ""))

    # Connect: two more accounts, each its own business, behind the Stripe-Account header.
    with StripeSandbox(scale=0.05, seed=42, connected_accounts=2) as sb:
        requests.get(f"{sb.url}/v1/balance", auth=(DEMO_API_KEY, ""),
                     headers={"Stripe-Account": sb.accounts[1]})

On the wire it answers as Stripe does: JSON indented by two spaces (indent=False or --compact:
one line), gzip when the request accepts it, and ids in paths percent-decoded per segment, so
ids an account chose (coupons, products, plans, prices: `sb.create("coupons", {"id": "735*$"})`)
are reached with the encoding Stripe's libraries use (urllib.parse.quote_plus).

Run it standalone with `python -m tests.stripe_sandbox --help`.
"""

from .data import API_VERSION, DEMO_ACCOUNT_ID
from .products import PRODUCTS as ALL_PRODUCTS
from .server import DEMO_API_KEY, StripeSandbox
from .store import RESOURCES

__all__ = [
    "ALL_PRODUCTS", "API_VERSION", "DEMO_ACCOUNT_ID", "DEMO_API_KEY", "RESOURCES",
    "StripeSandbox",
]  # fmt: skip
