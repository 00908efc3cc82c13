"""The way to Stripe as the environment sets it up: a proxy, and the CA bundle.

Read once per transport, before any request, as requests (and with it stripe-python and the
requests-based taps) reads them: ``HTTPS_PROXY``, ``HTTP_PROXY`` or ``ALL_PROXY``, and
``NO_PROXY``, in either case, through the standard library's ``getproxies()`` and
``proxy_bypass()``, which answer as requests does; the CA bundle from ``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE`` or ``SSL_CERT_FILE`` (otherwise urllib3's default: this machine's
certificates). Proxy credentials leave this module only as a ``Proxy-Authorization`` header:
the proxy's URL and every message name the proxy by host:port alone.
"""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

import urllib3

from tap_stripe_readonly.config import is_loopback
from tap_stripe_readonly.errors import NetworkSetupError

# In requests' order of precedence.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Proxy:
    """The proxy that requests to the API go through."""

    scheme: str  # how the tap speaks to the proxy itself: http (nearly always) or https
    address: str  # host:port, all that any message shows of it
    variable: str  # the environment variable that names it: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY
    headers: dict[str, str] = field(default_factory=dict)  # Proxy-Authorization, if any

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}"

    @property
    def has_credentials(self) -> bool:
        return bool(self.headers)

    @property
    def named(self) -> str:
        """How a message names it, after "the"."""
        return f"proxy {self.address} ({self.variable})"


def host_port(parts: SplitResult) -> str:
    """``host:port`` of a URL, the scheme's default port filled in."""
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 80)}"


def proxy_for(api_url: str) -> Proxy | None:
    """The proxy the environment names for ``api_url``; None if none, or NO_PROXY skips it."""
    target = urlsplit(api_url)
    proxies = urllib.request.getproxies()
    variable, value = f"{target.scheme.upper()}_PROXY", proxies.get(target.scheme)
    if not value:
        variable, value = "ALL_PROXY", proxies.get("all")
    if not value or _bypassed(target):
        return None
    proxy = _parse_proxy(value, variable)
    if target.scheme == "http" and not is_loopback(urlsplit(proxy.url).hostname or ""):
        # The reason plain http is allowed only to this machine holds for its proxy too.
        raise NetworkSetupError(
            f"api_url uses plain http, and {variable} sends it through {proxy.address}, off "
            "this machine: the key would travel unencrypted. Add "
            f"{target.hostname} to NO_PROXY, or use https."
        )
    return proxy


def _bypassed(target: SplitResult) -> bool:
    # NO_PROXY may name the host alone or with its port (requests matches both).
    host = target.hostname or ""
    return bool(
        urllib.request.proxy_bypass(host)
        or (target.port and urllib.request.proxy_bypass(f"{host}:{target.port}"))
    )


def _parse_proxy(value: str, variable: str) -> Proxy:
    if "://" not in value:
        value = "http://" + value  # proxy.example.com:3128, as requests reads it
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORTS:
        raise NetworkSetupError(
            f"{variable} names a {parts.scheme}:// proxy, which the tap does not speak: name an "
            "http:// proxy (or https://), as http://host:port."
        )
    if not parts.hostname or not _has_valid_port(parts):
        # The value itself is not shown: it may hold a password.
        raise NetworkSetupError(
            f"{variable} is not a proxy URL: the tap takes http://host:port, with user:password@ "
            "before the host if the proxy asks for credentials."
        )
    headers = {}
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers = urllib3.make_headers(proxy_basic_auth=credentials)
    return Proxy(parts.scheme, host_port(parts), variable, headers)


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 (urllib raises ValueError for a port that is not one)
    except ValueError:
        return False
    return True


def ca_bundle() -> tuple[dict[str, str], str]:
    """urllib3's keywords for the CA bundle the environment names, and what to call it in a
    message; ``{}`` for urllib3's default (this machine's certificates)."""
    for variable in CA_BUNDLE_VARIABLES:
        path = os.environ.get(variable)
        if not path:
            continue
        if os.path.isdir(path):
            return {"ca_cert_dir": path}, f"the CA certificates {variable} names"
        if os.path.isfile(path):
            return {"ca_certs": path}, f"the CA bundle {variable} names"
        raise NetworkSetupError(
            f"{variable} names a CA bundle that does not exist ({path}). Point it at the "
            "company's root certificates (a PEM file), or unset it to use this machine's."
        )
    return {}, "this machine's CA certificates"
