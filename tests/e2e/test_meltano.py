"""End to end: real Meltano running the tap into real PostgreSQL, DuckDB and JSONL.

Needs `scripts/bootstrap` to have installed Meltano's plugins (scripts/test does),
and PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres, database test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing as t
import uuid
from pathlib import Path

import duckdb
import psycopg
import pytest

from tap_stripe_readonly.streams import STREAM_TYPES
from tests.stripe_sandbox import ALL_PRODUCTS, DEMO_API_KEY, StripeSandbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MELTANO = Path(sys.executable).with_name("meltano")
# What a sync writes unless told otherwise (payment_methods costs a request per customer).
STREAMS = [s.name for s in STREAM_TYPES if s.selected_by_default]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="module")
def sandbox() -> t.Iterator[StripeSandbox]:
    with StripeSandbox(scale=0.05, seed=5, products=ALL_PRODUCTS, connected_accounts=1) as sb:
        yield sb


@pytest.fixture
def meltano(sandbox, tmp_path):
    """Run meltano in the repo's project, with this test's own state store and outputs."""
    base_env = {
        **os.environ,
        "TAP_STRIPE_READONLY_API_KEY": DEMO_API_KEY,
        "TAP_STRIPE_READONLY_API_URL": sandbox.url,
        # State of this test only, not the project's .meltano/meltano.db.
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        # Not stripe.duckdb: DuckDB names the catalog after the file, clashing with
        # the schema "stripe".
        "TARGET_DUCKDB_FILEPATH": str(tmp_path / "e2e.duckdb"),
        "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / "jsonl"),
    }
    (tmp_path / "jsonl").mkdir()

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(MELTANO), *args],
            cwd=ROOT,
            env={**base_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        assert DEMO_API_KEY not in result.stdout + result.stderr
        return result

    return run


@pytest.fixture
def pg_schema() -> t.Iterator[str]:
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_counts(schema: str) -> dict[str, int]:
    with psycopg.connect(POSTGRES) as conn:
        return {
            stream: conn.execute(f'SELECT count(*) FROM "{schema}"."{stream}"').fetchone()[0]
            for stream in STREAMS
        }


def sandbox_counts(sb: StripeSandbox) -> dict[str, int]:
    return {stream: len(sb.ids(stream)) for stream in STREAMS}


def test_postgres_loads_every_stream_then_only_new_rows(sandbox, meltano, pg_schema):
    env = {"TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": pg_schema}
    meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
    first = pg_counts(pg_schema)
    assert first == sandbox_counts(sandbox)
    assert all(first.values())
    with psycopg.connect(POSTGRES) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (pg_schema,),
            )
        }
    assert tables == set(STREAMS), "payment_methods only when asked for"

    with psycopg.connect(POSTGRES) as conn:
        (loaded_at,) = conn.execute(
            f'SELECT max(_sdc_batched_at) FROM "{pg_schema}".customers'
        ).fetchone()
    bookmark = max(c["created"] for c in sandbox.objects("customers"))
    new = {sandbox.create("customers")["id"] for _ in range(3)}

    meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
    assert pg_counts(pg_schema) == sandbox_counts(sandbox)
    with psycopg.connect(POSTGRES) as conn:
        touched = {
            row[0]
            for row in conn.execute(
                f'SELECT id FROM "{pg_schema}".customers WHERE _sdc_batched_at > %s', (loaded_at,)
            )
        }
    # The second run reads from its bookmark on: the new customers, plus those of
    # the bookmark's own second, read again (and upserted, not duplicated).
    at_bookmark = {c["id"] for c in sandbox.objects("customers") if c["created"] == bookmark}
    assert new <= touched <= new | at_bookmark


def test_postgres_shows_updates_and_soft_deletes_after_the_next_run(meltano, pg_schema):
    """Updated rows change in place; a deleted object's row gets _sdc_deleted_at."""
    env = {"TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": pg_schema}
    with StripeSandbox(scale=0.02, seed=9, products=["Issuing"]) as sb:
        env["TAP_STRIPE_READONLY_API_URL"] = sb.url
        meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
        sb.advance(60)
        customer, gone = sb.objects("customers")[0]["id"], sb.objects("products")[0]["id"]
        sb.update("customers", customer, {"email": "changed@example.com"})
        sb.delete("products", gone)
        meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
    with psycopg.connect(POSTGRES) as conn:
        (email,) = conn.execute(
            f'SELECT email FROM "{pg_schema}".customers WHERE id = %s', (customer,)
        ).fetchone()
        rows = conn.execute(
            f'SELECT id, _sdc_deleted_at FROM "{pg_schema}".products WHERE _sdc_deleted_at '
            "IS NOT NULL"
        ).fetchall()
        (customers,) = conn.execute(f'SELECT count(*) FROM "{pg_schema}".customers').fetchone()
    assert email == "changed@example.com"
    assert [row[0] for row in rows] == [gone]
    assert customers == len(sb.ids("customers")), "updated in place, not appended"


def test_postgres_gets_a_column_for_a_field_stripe_adds(meltano, pg_schema):
    """Stripe adds a field to customers between two runs: the table gets its column, filled
    for the rows the second run wrote."""
    env = {
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": pg_schema,
        "TAP_STRIPE_READONLY__SELECT": json.dumps(["customers.*"]),
    }
    # A sandbox of its own: the module's keeps the fields Stripe's types have.
    with StripeSandbox(scale=0.02, seed=11, products=["Issuing"]) as sb:
        env["TAP_STRIPE_READONLY_API_URL"] = sb.url
        meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
        with psycopg.connect(POSTGRES) as conn:
            (loaded_at,) = conn.execute(
                f'SELECT max(_sdc_batched_at) FROM "{pg_schema}".customers'
            ).fetchone()
        sb.advance(60)
        sb.add_field("customers", "loyalty_tier", "gold")
        created = sb.create("customers")["id"]
        updated = sb.objects("customers")[-1]["id"]
        sb.update("customers", updated, {"email": "tiered@example.com"})
        meltano("run", "tap-stripe-readonly", "target-postgres", env=env)
        customers = len(sb.ids("customers"))
    with psycopg.connect(POSTGRES) as conn:
        rows = conn.execute(
            f'SELECT id, loyalty_tier, _sdc_batched_at > %s FROM "{pg_schema}".customers',
            (loaded_at,),
        ).fetchall()
    assert len(rows) == customers
    second_run = {row[0] for row in rows if row[2]}
    assert {created, updated} <= second_run < {row[0] for row in rows}
    assert {row[0]: row[1] for row in rows} == {
        row[0]: "gold" if row[0] in second_run else None for row in rows
    }


def test_duckdb_loads_every_stream(sandbox, meltano, tmp_path):
    meltano("run", "tap-stripe-readonly", "target-duckdb")
    with duckdb.connect(str(tmp_path / "e2e.duckdb"), read_only=True) as conn:
        counts = {
            stream: conn.execute(f"SELECT count(*) FROM stripe.{stream}").fetchone()[0]
            for stream in STREAMS
        }
    assert counts == sandbox_counts(sandbox)


def test_jsonl_gets_every_record(sandbox, meltano, tmp_path):
    meltano("run", "tap-stripe-readonly", "target-jsonl")
    assert jsonl_ids(tmp_path / "jsonl") == {s: sandbox.ids(s) for s in STREAMS}


def test_tap_piped_into_a_target(sandbox, tmp_path):
    """Plain Singer: the tap's stdout into a target's stdin, no Meltano."""
    target = ROOT / ".meltano" / "loaders" / "target-jsonl" / "venv" / "bin" / "target-jsonl"
    tap = Path(sys.executable).with_name("tap-stripe-readonly")
    (tmp_path / "out").mkdir()
    (tmp_path / "tap.json").write_text(
        json.dumps({"api_key": DEMO_API_KEY, "api_url": sandbox.url})
    )
    (tmp_path / "target.json").write_text(
        json.dumps({"destination_path": str(tmp_path / "out"), "do_timestamp_file": False})
    )
    result = subprocess.run(
        f'"{tap}" --config tap.json | "{target}" --config target.json',
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert jsonl_ids(tmp_path / "out") == {s: sandbox.ids(s) for s in STREAMS}


def test_meltano_config_test_passes_for_a_key_that_reads_one_stream(sandbox, meltano):
    key = "rk_live_sandboxProductsOnly0000000000"
    readable = {"product_read"}
    denied = {p for s in STREAM_TYPES for p in [s.permission.name]} - readable
    sandbox.add_key(key, denied=denied)
    result = meltano(
        "config", "test", "tap-stripe-readonly", env={"TAP_STRIPE_READONLY_API_KEY": key}
    )
    assert "Plugin configuration is valid" in result.stdout + result.stderr


def test_meltano_treats_the_key_as_secret(meltano):
    """Meltano reads the key from TAP_STRIPE_READONLY_API_KEY and never prints it."""
    listed = meltano("config", "list", "tap-stripe-readonly")
    assert "api_key [env: TAP_STRIPE_READONLY_API_KEY] current value: (redacted)" in listed.stdout
    printed = json.loads(meltano("config", "print", "tap-stripe-readonly").stdout)
    assert printed["api_key"] == "*****"


def jsonl_ids(folder: Path) -> dict[str, set[str]]:
    return {
        stream: {
            json.loads(line)["id"]
            for line in (folder / f"{stream}.jsonl").read_text().splitlines()
            if line
        }
        for stream in STREAMS
    }


@pytest.fixture(autouse=True, scope="module")
def _plugins_installed() -> None:
    if not (ROOT / ".meltano" / "loaders").is_dir() or shutil.which(str(MELTANO)) is None:
        pytest.fail(
            "Meltano's plugins are not installed: run scripts/bootstrap (scripts/test does)"
        )


def test_progress_metrics_and_summary_come_through_meltano_s_json_logs(sandbox, meltano):
    """`meltano --log-format=json`: the tap's lines arrive as structured records (the tap
    declares structured-logging, so Meltano has singer-sdk format them as JSON)."""
    sandbox.set_faults(latency_ms=15)  # a run of a few seconds: a few progress lines
    try:
        result = meltano(
            "--log-format=json",
            "run",
            "tap-stripe-readonly",
            "target-jsonl",
            env={"TAP_STRIPE_READONLY_PROGRESS_INTERVAL": "1"},
        )
    finally:
        sandbox.set_faults(latency_ms=0)
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    tap = [e for e in events if e.get("string_id") == "tap-stripe-readonly"]
    messages = [str(e.get("event", "")) for e in tap]
    assert any(m.startswith("Progress ") for m in messages), messages[-20:]
    (summary,) = [m for m in messages if m.startswith("Sync ended after")]
    assert "customers" in summary and "complete" in summary
    metrics = [e for e in tap if e.get("metric_info")]
    assert {e["metric_info"]["metric"] for e in metrics} >= {"record_count", "sync_duration"}
