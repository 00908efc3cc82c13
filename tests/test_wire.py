"""What crosses the wire as Stripe sends it: indented JSON, ids that need encoding in a path,
Stripe's Request-Id in every error line."""

from __future__ import annotations

import gzip
import http.server
import io
import json
import re
import threading
import typing as t
from urllib.parse import unquote

import pytest
import urllib3

from tap_stripe_readonly import client, ratelimit, transport
from tap_stripe_readonly.errors import BadAnswerError, InvalidApiKeyError
from tap_stripe_readonly.shapes import EventsPage, ListPage
from tap_stripe_readonly.streams import STREAM_TYPES
from tap_stripe_readonly.tap import TapStripeReadonly
from tests.conftest import SyncResult, Warehouse, error_lines, run_cli, sync, tap_config
from tests.stripe_sandbox import DEMO_API_KEY

STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
# Ids an account may choose for its coupons, products and plans (and so prices): each breaks
# a URL in its own way when sent as it is.
CHOSEN_IDS = ["735*$", "WELCOME#1", "a+b", "50/50", "100%", "black friday", "rabais-été", "x?y=1"]


def _response(body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> t.Any:
    return urllib3.HTTPResponse(
        body=io.BytesIO(body),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        preload_content=True,
    )


# -- indented JSON -----------------------------------------------------------------------


def test_stripe_s_indented_page_is_read_as_one_line_objects():
    page = {
        "object": "list",
        "data": [
            {"id": "cus_1", "object": "customer", "metadata": {"a": "b\nc"}, "tags": []},
            {"id": "cus_2", "object": "customer", "metadata": {}, "tags": [1, 2]},
        ],
        "has_more": False,
        "url": "/v1/customers",
    }
    for text in (json.dumps(page, indent=2), json.dumps(page, indent=2).replace("\n", "\r\n")):
        body = transport._parse(_response(text.encode()), "GET /v1/customers", ListPage)
        for raw, expected in zip(body.data, page["data"], strict=True):
            assert b"\n" not in bytes(raw) and b"\r" not in bytes(raw)
            assert json.loads(bytes(raw)) == expected


def test_an_indented_events_page_is_read_too():
    page = {
        "object": "list",
        "has_more": False,
        "data": [
            {
                "id": "evt_1",
                "type": "customer.updated",
                "created": 1,
                "data": {"object": {"id": "cus_1", "object": "customer"}},
            }
        ],
    }
    body = transport._parse(_response(json.dumps(page, indent=2).encode()), "GET", EventsPage)
    assert bytes(body.data[0].data.object) == b'{"id":"cus_1","object":"customer"}'


def test_an_indented_body_cut_short_is_retried_as_cut_short():
    text = json.dumps({"object": "list", "data": [{"id": "x"}], "has_more": False}, indent=2)
    with pytest.raises(transport.TransientError, match="cut off"):
        transport._parse(_response(text[:-20].encode()), "GET /v1/x", ListPage)


def test_every_message_is_one_line_when_stripe_indents(own_sandbox, tmp_path):
    """The sandbox indents as Stripe does: every line of the tap's output is one message."""
    assert own_sandbox.indent, "the sandbox must answer as Stripe does"
    result = run_cli([], tap_config(own_sandbox), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    messages = [json.loads(line) for line in lines]  # each line is a whole message
    assert all(m["type"] in ("SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION") for m in messages)
    parsed = SyncResult(messages)
    for stream in STREAMS:
        assert parsed.ids(stream) == own_sandbox.ids(stream), stream


# -- ids in paths --------------------------------------------------------------------------


@pytest.mark.parametrize("object_id", CHOSEN_IDS)
def test_an_id_is_one_encoded_segment_of_the_path(object_id):
    tap = TapStripeReadonly(config={"api_key": DEMO_API_KEY}, validate_config=True)
    coupons = t.cast("client.StripeStream", tap.streams["coupons"])
    segment = coupons.object_url(object_id).removeprefix("/v1/coupons/")
    assert re.fullmatch(r"[A-Za-z0-9_.~%-]+", segment), segment
    assert unquote(segment) == object_id
    assert coupons.retrieve_endpoint == "/v1/coupons/{id}"


def test_objects_whose_ids_need_encoding_are_fetched_not_written_deleted(own_sandbox):
    """An event in another API version makes the tap fetch the object by id: with ids an
    account chose, the fetch must find it (a 404 would write the live object deleted)."""
    sb = own_sandbox
    sb.advance(3600)
    for object_id in CHOSEN_IDS:
        sb.create("coupons", {"id": object_id})
        sb.create("products", {"id": object_id})
    config = tap_config(sb)
    streams = ["coupons", "products"]
    first = sync(config, select=streams)
    assert set(CHOSEN_IDS) <= first.ids("coupons") and set(CHOSEN_IDS) <= first.ids("products")
    sb.advance(60)
    sb.set_event_api_version("2024-06-20")  # the account's default: not the pinned version
    for object_id in CHOSEN_IDS:
        sb.update("coupons", object_id, {"metadata": {"seen": "again"}})
        sb.update("products", object_id, {"metadata": {"seen": "again"}})
    sb.reset_stats()
    second = sync(config, state=first.states[-1], select=streams)
    warehouse = Warehouse().load(first).load(second)
    for stream in streams:
        assert not second.deleted_ids(stream), f"{stream}: live objects written deleted"
        live = warehouse.live(stream)
        for object_id in CHOSEN_IDS:
            assert live[object_id]["metadata"] == {"seen": "again"}, (stream, object_id)
    fetched = sb.stats["requests"]
    assert fetched["GET /v1/coupons/{id}"] == len(CHOSEN_IDS)
    assert fetched["GET /v1/products/{id}"] == len(CHOSEN_IDS)


# -- Request-Id ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": {"message": "Invalid API Key provided: rk_live_****abcd"}},
         InvalidApiKeyError),
        (400, {"error": {"message": "Received unknown parameter: x"}}, BadAnswerError),
        (418, {}, BadAnswerError),
    ],
    ids=["401", "400", "unknown status"],
)  # fmt: skip
def test_every_error_line_names_stripe_s_request_id(status, body, error):
    headers = {"Request-Id": "req_Ab12Cd34Ef56Gh"}
    with pytest.raises(error) as raised:
        transport._raise_for_error(
            _response(json.dumps(body).encode(), headers, status), "GET /v1/x", None
        )
    line = str(raised.value)
    assert "Request-Id req_Ab12Cd34Ef56Gh" in line
    assert "rk_live_" not in line or "[redacted]" in line


def test_a_request_id_that_is_not_stripe_s_is_not_shown():
    response = _response(b"{}", {"Request-Id": "req_x; rk_live_secret\nInjected"}, status=418)
    with pytest.raises(BadAnswerError) as raised:
        transport._raise_for_error(response, "GET /v1/x", None)
    assert "Request-Id" not in str(raised.value)


def test_retries_that_run_out_name_the_last_request_id(own_sandbox, tmp_path):
    own_sandbox.fail_next("500", times=transport.MAX_TRIES, path="/v1/events")
    result = run_cli([], tap_config(own_sandbox), tmp_path, fast_retries=True)
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert re.search(r"Stripe answered 500 \(application/json, Request-Id req_\w+\)", line), line


def test_indented_and_compact_answers_give_the_same_records(own_sandbox):
    indented = sync(tap_config(own_sandbox), select=["invoices", "invoice_line_items"])
    own_sandbox.indent = False
    try:
        compact = sync(tap_config(own_sandbox), select=["invoices", "invoice_line_items"])
    finally:
        own_sandbox.indent = True

    def records(result: SyncResult) -> dict[str, dict[str, t.Any]]:
        return {f"{m['stream']}/{m['record']['id']}": m["record"] for m in result.of_type("RECORD")}

    assert records(indented) == records(compact)
    assert len(records(indented)) == len(own_sandbox.ids("invoices")) + len(
        own_sandbox.ids("invoice_line_items")
    )


# -- compressed answers ----------------------------------------------------------------------


def test_the_tap_asks_for_compressed_answers_and_reads_them(own_sandbox):
    own_sandbox.reset_stats()
    result = sync(tap_config(own_sandbox), select=["customers", "invoices", "invoice_line_items"])
    stats = own_sandbox.stats
    assert stats["gzip"] == sum(stats["requests"].values()), "every answer compressed"
    assert result.ids("invoice_line_items") == own_sandbox.ids("invoice_line_items")


class _CutGzip(http.server.BaseHTTPRequestHandler):
    """Answers a list page gzip-compressed, cut short the first time."""

    protocol_version = "HTTP/1.1"
    answered = 0
    page = json.dumps(
        {"object": "list", "data": [{"id": "cus_1", "object": "customer"}], "has_more": False},
        indent=2,
    ).encode()

    def do_GET(self) -> None:
        assert "gzip" in self.headers["Accept-Encoding"]
        body = gzip.compress(self.page)
        type(self).answered += 1
        if type(self).answered == 1:
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: t.Any) -> None:
        pass


def test_a_compressed_body_cut_short_is_retried(fast_retries):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutGzip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api = transport.StripeTransport(
            api_key=DEMO_API_KEY,
            api_url=f"http://127.0.0.1:{server.server_address[1]}",
            api_version=client.API_VERSION,
            limiter=ratelimit.RateLimiter(100),
        )
        page = api.get("/v1/customers", [("limit", 1)], endpoint="/v1/customers")
    finally:
        server.shutdown()
        server.server_close()
    assert _CutGzip.answered == 2
    assert [bytes(raw) for raw in page.data] == [b'{"id":"cus_1","object":"customer"}']
