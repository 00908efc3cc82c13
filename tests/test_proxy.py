"""Behind a company proxy: HTTPS_PROXY, HTTP_PROXY, NO_PROXY and a company CA bundle are
honoured as requests honours them, and a proxy that refuses ends in one line naming it.

The tap runs through ``tests/forward_proxy.py``'s proxy: plain http to the sandbox with
HTTP_PROXY, and https (a TLS front on the sandbox, with a throwaway certificate) through a
CONNECT tunnel with HTTPS_PROXY. Nothing leaves this machine.
"""

from __future__ import annotations

import base64
import logging
import re
import socket
import subprocess
import typing as t

import pytest

from tap_stripe_readonly import transport
from tap_stripe_readonly.errors import NetworkSetupError
from tap_stripe_readonly.network import CA_BUNDLE_VARIABLES, proxy_for
from tap_stripe_readonly.redaction import install_log_redaction, redact
from tap_stripe_readonly.run import make_transport
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.transport import ReadOnlyProxyManager, WriteAttemptError
from tests.conftest import (
    SyncResult,
    logged_by,
    run_cli,
    stopped_with_one_line,
    sync,
    tap_config,
)
from tests.forward_proxy import Certificate, ForwardProxy, TlsFront
from tests.stripe_sandbox import StripeSandbox

STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
PROXY_VARIABLES = [
    case(name) for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for case in (str.lower, str.upper)
]  # fmt: skip
PASSWORD = "s3cret"
SOME_PROXY = "http://proxy.example.com:3128"
STRIPE = "https://api.stripe.com"
LOCAL = "https://localhost:8443"


@pytest.fixture(autouse=True)
def no_network_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's own proxy and CA settings out of the way (of the tap's subprocesses
    too): each test sets its own."""
    for name in (*PROXY_VARIABLES, *CA_BUNDLE_VARIABLES):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy() -> t.Iterator[ForwardProxy]:
    with ForwardProxy() as p:
        yield p


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return Certificate.make(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_sandbox(own_sandbox: StripeSandbox, certificate: Certificate) -> t.Iterator[TlsFront]:
    with TlsFront(own_sandbox.address, certificate) as front:
        yield front


def served(sb: StripeSandbox) -> int:
    return sum(sb.stats["requests"].values())


def synced_everything(result: subprocess.CompletedProcess[str], sb: StripeSandbox) -> None:
    assert result.returncode == 0, result.stderr[-2000:]
    synced = SyncResult.parse(result.stdout)
    for stream in STREAMS:
        assert synced.ids(stream) == sb.ids(stream), stream


def closed_port() -> int:
    """A port of this machine nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- every request through the proxy ------------------------------------------------------


def test_plain_http_goes_through_the_http_proxy(own_sandbox, proxy, tmp_path):
    result = run_cli([], tap_config(own_sandbox), tmp_path, env={"HTTP_PROXY": proxy.url})
    synced_everything(result, own_sandbox)
    gets = proxy.of("GET")
    assert gets and all(a.target.startswith(f"{own_sandbox.url}/v1/") for a in gets)
    assert len(proxy.asked) == len(gets) == served(own_sandbox)


def test_https_goes_through_a_connect_tunnel_per_connection(
    own_sandbox, proxy, https_sandbox, certificate, tmp_path
):
    env = {"HTTPS_PROXY": proxy.url, "REQUESTS_CA_BUNDLE": str(certificate.cert)}
    config = tap_config(own_sandbox, api_url=https_sandbox.url, max_requests_in_flight=4)
    checked = run_cli(["--test"], config, tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert re.search(r"^(\d+) of \1 streams readable\.$", checked.stdout, re.MULTILINE)
    assert proxy.of("CONNECT") and served(own_sandbox)

    proxy.asked.clear()
    https_sandbox.peers.clear()
    own_sandbox.reset_stats()
    result = run_cli([], config, tmp_path, env=env)
    synced_everything(result, own_sandbox)
    tunnels = proxy.of("CONNECT")
    assert len(proxy.asked) == len(tunnels), "nothing but tunnels"
    assert {a.target for a in tunnels} == {https_sandbox.url.removeprefix("https://")}
    # Every connection the sandbox's https front served came through a tunnel...
    assert len(https_sandbox.peers) == len(tunnels)
    assert set(https_sandbox.peers) <= proxy.tunnel_addresses
    # ...each kept open for many requests: one per request in flight, as without a proxy.
    assert len(tunnels) <= 4 < served(own_sandbox)


@pytest.mark.parametrize(
    ("scheme", "variables"),
    [
        ("http", ("HTTP_PROXY", "NO_PROXY")),
        ("https", ("https_proxy", "no_proxy")),  # either case
    ],
)
def test_no_proxy_goes_direct(
    own_sandbox, proxy, https_sandbox, certificate, tmp_path, scheme, variables
):
    proxy_variable, no_proxy = variables
    env = {
        proxy_variable: proxy.url,
        no_proxy: "localhost,127.0.0.1",
        "REQUESTS_CA_BUNDLE": str(certificate.cert),
    }
    api_url = https_sandbox.url if scheme == "https" else own_sandbox.url
    result = run_cli([], tap_config(own_sandbox, api_url=api_url), tmp_path, env=env)
    synced_everything(result, own_sandbox)
    assert proxy.asked == []


def test_the_proxied_pool_refuses_anything_but_get(shared_sandbox, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    pool = make_transport(tap_config(shared_sandbox))._pool
    assert isinstance(pool, ReadOnlyProxyManager)
    for url in (f"{shared_sandbox.url}/v1/customers", "https://localhost:9/v1/customers"):
        for method in ("POST", "DELETE", "PUT", "PATCH"):
            with pytest.raises(WriteAttemptError):
                pool.request(method, url, fields={"email": "x"})
    assert proxy.asked == []
    assert shared_sandbox.stats["non_get"] == 0
    assert shared_sandbox.stats["requests"] == {}


# -- a proxy that refuses -----------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize(
    ("status", "words"),
    [
        (403, ["refused the tap's requests to", "403 Forbidden", "NO_PROXY"]),
        (407, ["asks for credentials", "_PROXY as http://user:password@host:port"]),
        (502, ["502", f"{transport.MAX_TRIES} times in a row"]),
    ],
)
def test_a_refusing_proxy_is_one_line(
    own_sandbox, proxy, https_sandbox, certificate, tmp_path, scheme, status, words
):
    proxy.refuse(status)
    variable = f"{scheme.upper()}_PROXY"
    env = {variable: proxy.url, "REQUESTS_CA_BUNDLE": str(certificate.cert)}
    api_url = https_sandbox.url if scheme == "https" else own_sandbox.url
    config = tap_config(own_sandbox, api_url=api_url)
    result = run_cli([], config, tmp_path, env=env, fast_retries=True)
    stopped_with_one_line(result, f"proxy {proxy.address} ({variable})", *words)
    assert served(own_sandbox) == 0
    # A 502 of the proxy's own is retried as transient; a refusal is final.
    assert len(proxy.asked) == (transport.MAX_TRIES if status == 502 else 1)


def test_a_refusing_proxy_stops_every_account_at_once(own_sandbox, proxy, tmp_path):
    """Not one account's failure: no account could be read through it."""
    proxy.refuse(403)
    config = tap_config(own_sandbox, account_ids=["acct_1First", "acct_1Second"])
    result = run_cli([], config, tmp_path, env={"HTTP_PROXY": proxy.url})
    line = stopped_with_one_line(result, f"The proxy {proxy.address} (HTTP_PROXY) refused")
    assert "account(s)" not in line and "acct_" not in line


def test_a_proxy_that_is_down_is_retried_then_one_line(own_sandbox, https_sandbox, tmp_path):
    address = f"127.0.0.1:{closed_port()}"
    env = {"HTTPS_PROXY": f"http://{address}"}
    config = tap_config(own_sandbox, api_url=https_sandbox.url)
    result = run_cli(["--test"], config, tmp_path, env=env, fast_retries=True)
    stopped_with_one_line(
        result, f"could not connect to the proxy {address} (HTTPS_PROXY): connection refused",
        f"{transport.MAX_TRIES} times in a row", "HTTPS_PROXY names the proxy's host and port",
    )  # fmt: skip
    assert https_sandbox.peers == []


def test_plain_http_through_a_proxy_off_this_machine_is_refused(own_sandbox, tmp_path):
    """The key would cross the network unencrypted: one line before any request."""
    result = run_cli([], tap_config(own_sandbox), tmp_path, env={"HTTP_PROXY": SOME_PROXY})
    stopped_with_one_line(result, "plain http", "proxy.example.com:3128", "unencrypted")
    assert served(own_sandbox) == 0


# -- credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_proxy_credentials_are_sent_and_never_shown(
    own_sandbox, proxy, https_sandbox, certificate, tmp_path, scheme
):
    proxy.require_credentials("user", PASSWORD)
    variable = f"{scheme.upper()}_PROXY"
    env = {
        variable: f"http://user:{PASSWORD}@{proxy.address}",
        "REQUESTS_CA_BUNDLE": str(certificate.cert),
        "TAP_STRIPE_READONLY_LOGLEVEL": "DEBUG",
    }
    api_url = https_sandbox.url if scheme == "https" else own_sandbox.url
    result = run_cli([], tap_config(own_sandbox, api_url=api_url), tmp_path, env=env)
    synced_everything(result, own_sandbox)
    assert "DEBUG" in result.stderr, "debug logging was not on: the test would prove little"
    sent = "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    assert proxy.asked and {a.proxy_authorization for a in proxy.asked} == {sent}
    output = result.stdout + result.stderr
    assert PASSWORD not in output and sent.split()[1] not in output


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("wrong password", ["rejected the credentials in HTTPS_PROXY", "407"]),
        ("proxy down", ["could not connect to the proxy", "connection refused"]),
    ],
)
def test_a_failing_proxy_never_shows_its_credentials(
    own_sandbox, proxy, https_sandbox, certificate, tmp_path, case, words
):
    proxy.require_credentials("user", "another password")
    address = proxy.address if case == "wrong password" else f"127.0.0.1:{closed_port()}"
    env = {
        "HTTPS_PROXY": f"http://user:{PASSWORD}@{address}",
        "REQUESTS_CA_BUNDLE": str(certificate.cert),
        "TAP_STRIPE_READONLY_LOGLEVEL": "DEBUG",
    }
    config = tap_config(own_sandbox, api_url=https_sandbox.url)
    result = run_cli([], config, tmp_path, env=env, fast_retries=True)
    line = stopped_with_one_line(result, address, *words)
    assert "user:" not in line
    assert PASSWORD not in result.stdout + result.stderr


# -- the CA bundle --------------------------------------------------------------------------


@pytest.mark.parametrize("variable", CA_BUNDLE_VARIABLES)
def test_each_ca_bundle_variable_is_read(
    own_sandbox, https_sandbox, certificate, monkeypatch, variable
):
    monkeypatch.setenv(variable, str(certificate.cert))
    config = tap_config(own_sandbox, api_url=https_sandbox.url)
    assert sync(config, select=["products"]).ids("products") == own_sandbox.ids("products")


@pytest.mark.parametrize("variable", CA_BUNDLE_VARIABLES)
def test_a_ca_bundle_that_does_not_exist_is_one_line_before_any_request(
    own_sandbox, https_sandbox, tmp_path, variable
):
    env = {variable: str(tmp_path / "company-root.pem")}
    config = tap_config(own_sandbox, api_url=https_sandbox.url)
    for args in (["--test"], []):
        result = run_cli(args, config, tmp_path, env=env)
        stopped_with_one_line(result, variable, "does not exist", "company-root.pem")
        assert result.stdout == ""
    assert https_sandbox.peers == []


@pytest.mark.parametrize("bundle", [None, "another certificate"])
def test_a_certificate_the_bundle_does_not_trust_is_one_line_at_once(
    own_sandbox, https_sandbox, tmp_path, bundle
):
    env = {}
    if bundle is not None:
        env["REQUESTS_CA_BUNDLE"] = str(Certificate.make(tmp_path).cert)
    result = run_cli([], tap_config(own_sandbox, api_url=https_sandbox.url), tmp_path, env=env)
    trusted_by = "this machine's" if bundle is None else "the CA bundle REQUESTS_CA_BUNDLE names"
    stopped_with_one_line(
        result, "TLS certificate of localhost:", f"not trusted by {trusted_by}", "self-signed",
        "REQUESTS_CA_BUNDLE",
    )  # fmt: skip
    assert len(https_sandbox.peers) == 1, "never retried"
    assert served(own_sandbox) == 0


# -- which proxy, as requests chooses it ----------------------------------------------------


@pytest.mark.parametrize(
    ("env", "api_url", "chosen"),
    [
        ({"HTTPS_PROXY": SOME_PROXY}, STRIPE, "HTTPS_PROXY"),
        ({"https_proxy": "proxy.example.com:3128"}, STRIPE, "HTTPS_PROXY"),  # http://, as requests
        ({"ALL_PROXY": SOME_PROXY}, STRIPE, "ALL_PROXY"),
        ({"HTTP_PROXY": SOME_PROXY}, STRIPE, None),  # http's proxy is not https's
        ({"HTTPS_PROXY": SOME_PROXY, "NO_PROXY": "stripe.com"}, STRIPE, None),
        ({"HTTPS_PROXY": SOME_PROXY, "no_proxy": "example.com, .stripe.com"}, STRIPE, None),
        ({"HTTPS_PROXY": SOME_PROXY, "NO_PROXY": "*"}, STRIPE, None),
        ({"HTTPS_PROXY": SOME_PROXY, "NO_PROXY": "notstripe.com"}, STRIPE, "HTTPS_PROXY"),
        ({"HTTPS_PROXY": SOME_PROXY, "NO_PROXY": "localhost:8443"}, LOCAL, None),
        ({"HTTPS_PROXY": SOME_PROXY, "NO_PROXY": "localhost:99"}, LOCAL, "HTTPS_PROXY"),
        ({"HTTP_PROXY": "127.0.0.1:3128"}, "http://localhost:12111", "HTTP_PROXY"),
    ],
)  # fmt: skip
def test_the_proxy_is_chosen_as_requests_chooses_it(monkeypatch, env, api_url, chosen):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    proxy = proxy_for(api_url)
    assert (proxy and proxy.variable) == chosen
    if proxy is not None:
        assert proxy.url == ("http://127.0.0.1:3128" if "HTTP_PROXY" in env else SOME_PROXY)
        assert not proxy.has_credentials


def test_a_proxy_without_a_port_is_on_port_80(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.com")
    proxy = proxy_for(STRIPE)
    assert proxy is not None and proxy.address == "proxy.example.com:80"


def test_proxy_credentials_become_a_proxy_authorization_header(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://us%40er:{PASSWORD}%3A@proxy.example.com:3128")
    proxy = proxy_for(STRIPE)
    assert proxy is not None
    assert proxy.url == SOME_PROXY and proxy.address == "proxy.example.com:3128"
    sent = base64.b64encode(f"us@er:{PASSWORD}:".encode()).decode()
    assert proxy.headers == {"proxy-authorization": f"Basic {sent}"}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("socks5://proxy.example.com:1080", ["HTTPS_PROXY names a socks5:// proxy"]),
        (f"http://user:{PASSWORD}@proxy.example.com:31x8", ["HTTPS_PROXY is not a proxy URL"]),
        (f"http://user:{PASSWORD}@", ["HTTPS_PROXY is not a proxy URL"]),
    ],
)
def test_a_proxy_url_the_tap_cannot_use_says_so_without_showing_it(monkeypatch, value, words):
    monkeypatch.setenv("HTTPS_PROXY", value)
    with pytest.raises(NetworkSetupError) as raised:
        proxy_for(STRIPE)
    for word in words:
        assert word in str(raised.value)
    assert PASSWORD not in str(raised.value)


# -- redaction ------------------------------------------------------------------------------


def test_redact_hides_the_credentials_of_any_url():
    text = (
        f"ProxyError('http://user:{PASSWORD}@proxy:3128'), HTTPS_PROXY=https://u:p@{PASSWORD}@"
        "10.0.0.1:8080/ and https://api.stripe.com/v1/customers?email=a@example.com"
    )
    redacted = redact(text)
    assert PASSWORD not in redacted
    assert "'http://[redacted]@proxy:3128'" in redacted
    assert "https://[redacted]@10.0.0.1:8080/" in redacted
    assert "email=a@example.com" in redacted, "an address in a query is no URL's credentials"


def test_log_records_are_redacted_of_url_credentials_whatever_the_logger():
    install_log_redaction()
    logger = logging.getLogger("some.library")
    with logged_by("some.library") as stream:
        logger.warning("connecting through %s", f"http://user:{PASSWORD}@proxy:3128")
        logger.warning(f"no arguments: http://user:{PASSWORD}@proxy:3128")
        try:
            raise OSError(f"Tunnel to http://user:{PASSWORD}@proxy:3128 failed")
        except OSError:
            logger.exception("failed")
    output = stream.getvalue()
    assert "through http://[redacted]@proxy:3128" in output
    assert "arguments: http://[redacted]@proxy:3128" in output
    assert "OSError: Tunnel to http://[redacted]@proxy:3128 failed" in output
    assert PASSWORD not in output
