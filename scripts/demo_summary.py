#!/usr/bin/env python3
"""Print a short summary of the Stripe data that target-duckdb loaded.

    python scripts/demo_summary.py [output/stripe.duckdb] [--schema stripe] [--months 12]

It reads the layout target-duckdb (jwills variant) produces: one table per stream in
the target schema, lower-case column names, integers as HUGEINT, and nested objects
and lists (``metadata``, ``status_transitions``, ``items``, a subscription item's
``price``...) as JSON columns. Expandable fields (``customer``, ``invoice``...) hold
the id string. Tables or columns that are missing (a stream that was not selected)
only skip the section that needs them.

Amounts are Stripe integers in the currency's minor unit; they are shown in major
units (cents / 100, yen as is, dinars / 1000).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    import duckdb
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("demo_summary.py needs the duckdb package: pip install -e '.[dev]'")

DEFAULT_PATH = Path("output") / "stripe.duckdb"

# Stripe's zero-decimal and three-decimal currencies; every other one has two decimals.
ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
}  # fmt: skip
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}

# Subscription statuses that count towards MRR.
MRR_STATUSES = ("active", "past_due")


def decimals(currency: str | None) -> int:
    cur = (currency or "").lower()
    if cur in ZERO_DECIMAL:
        return 0
    if cur in THREE_DECIMAL:
        return 3
    return 2


def money(minor: float | int | None, currency: str | None) -> str:
    """Format a minor-unit amount in major units, e.g. 123456 usd -> '1,234.56'."""
    if minor is None:
        return "-"
    places = decimals(currency)
    return f"{float(minor) / 10**places:,.{places}f}"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> None:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        # First column left-aligned (labels), the rest right-aligned (numbers).
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return indent + "  ".join(parts).rstrip()

    print(line(cells[0]))
    print(indent + "  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


class Warehouse:
    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.con = con
        self.schema = schema
        # Qualify names with the catalog too: target-duckdb's file stripe.duckdb is
        # the catalog "stripe", which a bare "stripe".table would make ambiguous.
        self.catalog = str(con.sql("SELECT current_database()").fetchall()[0][0])
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = ? "
            "ORDER BY table_name, ordinal_position",
            [self.catalog, schema],
        ).fetchall()
        self.columns: dict[str, list[str]] = {}
        for table, column in rows:
            self.columns.setdefault(table, []).append(column)

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def table(self, name: str) -> str:
        return f"{ident(self.catalog)}.{ident(self.schema)}.{ident(name)}"

    def count(self, table: str) -> int:
        return int(self.con.sql(f"SELECT count(*) FROM {self.table(table)}").fetchall()[0][0])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()


def section(title: str) -> None:
    print()
    print(title)


def table_counts(wh: Warehouse) -> None:
    section(f"Rows per table (schema {wh.schema})")
    out = []
    total = 0
    for table in sorted(wh.columns):
        if table.startswith("_"):
            continue
        n = wh.count(table)
        total += n
        latest = None
        if wh.has(table, "created"):
            latest = wh.rows(
                f"SELECT strftime(epoch_ms(max(created)::BIGINT * 1000), '%Y-%m-%d') "
                f"FROM {wh.table(table)}"
            )[0][0]
        out.append((table, f"{n:,}", latest or "-"))
    out.append(("total", f"{total:,}", ""))
    print_table(["table", "rows", "latest created"], out)


def revenue_query(wh: Warehouse) -> tuple[str, str] | None:
    """SQL giving (month, currency, minor_amount, n) rows, and a description of it."""
    if wh.has("charges", "created", "amount", "currency", "status") and wh.count("charges"):
        cols = wh.columns["charges"]
        gross = "coalesce(amount_captured, amount)" if "amount_captured" in cols else "amount"
        refunded = "coalesce(amount_refunded, 0)" if "amount_refunded" in cols else "0"
        sql = f"""
            SELECT date_trunc('month', epoch_ms(created::BIGINT * 1000)) AS month,
                   lower(currency) AS currency,
                   sum({gross} - {refunded}) AS minor,
                   count(*) AS n
            FROM {wh.table("charges")}
            WHERE status = 'succeeded' AND created IS NOT NULL
            GROUP BY ALL
        """
        return sql, "succeeded charges, net of refunds, by month created"
    if wh.has("invoices", "created", "amount_paid", "currency", "status") and wh.count("invoices"):
        cols = wh.columns["invoices"]
        if "status_transitions__paid_at" in cols:  # target flattening enabled
            paid_at = "status_transitions__paid_at::BIGINT"
        elif "status_transitions" in cols:
            paid_at = "(status_transitions->>'$.paid_at')::BIGINT"
        else:
            paid_at = "NULL"
        sql = f"""
            SELECT date_trunc('month', epoch_ms(coalesce({paid_at}, created::BIGINT) * 1000))
                       AS month,
                   lower(currency) AS currency,
                   sum(amount_paid) AS minor,
                   count(*) AS n
            FROM {wh.table("invoices")}
            WHERE status = 'paid' AND created IS NOT NULL
            GROUP BY ALL
        """
        return sql, "paid invoices (amount_paid), by month paid"
    return None


def revenue_by_month(wh: Warehouse, months: int) -> None:
    found = revenue_query(wh)
    if found is None:
        section("Revenue by month: no charges or invoices loaded")
        return
    sql, source = found
    # The window ends at the latest month with data rather than today, so that a
    # sandbox whose objects have old timestamps still shows something.
    data = wh.rows(
        f"""
        WITH r AS ({sql})
        SELECT strftime(month, '%Y-%m'), currency, minor, n FROM r
        WHERE month > (SELECT max(month) FROM r) - to_months(?)
        ORDER BY month, currency
        """,
        [months],
    )
    section(f"Revenue by month, last {months} months with data ({source})")
    if not data:
        print("  (none)")
        return
    currencies = sorted({c for _, c, _, _ in data}, key=lambda c: (c is None, c or ""))
    by_month: dict[str, dict[str | None, tuple[Any, int]]] = {}
    for month, cur, minor, n in data:
        by_month.setdefault(month, {})[cur] = (minor, n)
    headers = ["month"] + [(c or "?").upper() for c in currencies] + ["payments"]
    rows = []
    totals: dict[str | None, float] = dict.fromkeys(currencies, 0)
    for month, per_cur in by_month.items():
        row: list[Any] = [month]
        for c in currencies:
            minor = per_cur.get(c, (None, 0))[0]
            row.append(money(minor, c) if minor is not None else "")
            totals[c] += float(minor or 0)
        row.append(f"{sum(n for _, n in per_cur.values()):,}")
        rows.append(row)
    rows.append(["total", *(money(totals[c], c) for c in currencies), ""])
    print_table(headers, rows)


def subscriptions_by_status(wh: Warehouse) -> None:
    if not wh.has("subscriptions", "status"):
        return
    data = wh.rows(
        f"SELECT coalesce(status, '?'), count(*) FROM {wh.table('subscriptions')} "
        "GROUP BY ALL ORDER BY 2 DESC, 1"
    )
    section("Subscriptions by status")
    if not data:
        print("  (none)")
        return
    print_table(["status", "count"], [(s, f"{n:,}") for s, n in data])


def subscription_items_sql(wh: Warehouse) -> str | None:
    """SQL giving (subscription_id, quantity, price) rows; price is JSON or an id."""
    if wh.has("subscription_items", "subscription", "price") and wh.count("subscription_items"):
        qty = "quantity" if wh.has("subscription_items", "quantity") else "1"
        return (
            f"SELECT subscription AS sub_id, {qty} AS qty, price::VARCHAR AS price "
            f"FROM {wh.table('subscription_items')}"
        )
    if wh.has("subscriptions", "items"):
        return f"""
            SELECT sub_id, TRY_CAST(item->>'$.quantity' AS BIGINT) AS qty,
                   (item->'$.price')::VARCHAR AS price
            FROM (
                SELECT id AS sub_id,
                       unnest(TRY_CAST(TRY_CAST(items AS JSON)->'$.data' AS JSON[])) AS item
                FROM {wh.table("subscriptions")}
            )
        """
    return None


def mrr(wh: Warehouse) -> None:
    items = subscription_items_sql(wh)
    if items is None or not wh.has("subscriptions", "id", "status"):
        return
    # A price is normally embedded as an object; if only its id is there, look it up
    # in the prices stream.
    if wh.has("prices", "id", "unit_amount", "currency", "recurring"):
        join = f"LEFT JOIN {wh.table('prices')} p ON p.id = i.price"
        p_amount, p_cur, p_rec = "p.unit_amount", "p.currency", "p.recurring::VARCHAR"
    else:
        join, p_amount, p_cur, p_rec = "", "NULL", "NULL", "NULL"
    # TRY_CAST: DuckDB evaluates every CASE branch, and a bare id is not valid JSON.
    obj = "json_type(i.pj) = 'OBJECT'"
    sql = f"""
        WITH i AS (SELECT *, TRY_CAST(price AS JSON) AS pj FROM ({items})),
        priced AS (
            SELECT i.sub_id,
                   coalesce(i.qty, 1) AS qty,
                   CASE WHEN {obj} THEN coalesce(
                       TRY_CAST(i.pj->>'$.unit_amount' AS DOUBLE),
                       TRY_CAST(i.pj->>'$.unit_amount_decimal' AS DOUBLE))
                       ELSE {p_amount} END AS unit_amount,
                   lower(CASE WHEN {obj} THEN i.pj->>'$.currency' ELSE {p_cur} END) AS currency,
                   TRY_CAST(CASE WHEN {obj} THEN (i.pj->'$.recurring')::VARCHAR ELSE {p_rec} END
                       AS JSON) AS recurring
            FROM i {join}
        ),
        monthly AS (
            SELECT s.status, priced.currency, priced.qty * priced.unit_amount
                   * CASE recurring->>'$.interval'
                         WHEN 'month' THEN 1.0 WHEN 'year' THEN 1.0 / 12
                         WHEN 'week' THEN 52.0 / 12 WHEN 'day' THEN 365.0 / 12 END
                   / coalesce(TRY_CAST(recurring->>'$.interval_count' AS DOUBLE), 1) AS minor
            FROM priced JOIN {wh.table("subscriptions")} s ON s.id = priced.sub_id
            WHERE s.status IN {MRR_STATUSES}
              AND coalesce(recurring->>'$.usage_type', 'licensed') = 'licensed'
        )
        SELECT currency, sum(minor), count(*) FROM monthly
        WHERE minor IS NOT NULL GROUP BY ALL ORDER BY 2 DESC
    """
    data = wh.rows(sql)
    statuses = " + ".join(MRR_STATUSES)
    section(f"MRR ({statuses} subscriptions, list prices, licensed items, before discounts)")
    if not data:
        print("  (none)")
        return
    print_table(
        ["currency", "MRR", "items"],
        [((c or "?").upper(), money(m, c), f"{n:,}") for c, m, n in data],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_PATH,
        help=f"DuckDB file written by target-duckdb (default: {DEFAULT_PATH})",
    )
    parser.add_argument("--schema", default="stripe", help="schema holding the streams")
    parser.add_argument("--months", type=int, default=12, help="months of revenue to show")
    args = parser.parse_args(argv)

    if not args.path.is_file():
        print(f"error: no DuckDB file at {args.path}", file=sys.stderr)
        return 2
    try:
        con = duckdb.connect(str(args.path), read_only=True)
    except duckdb.IOException as exc:
        # Typically another process (a running target-duckdb) holds the file lock.
        print(f"error: cannot open {args.path}: {exc}", file=sys.stderr)
        return 2
    with con:
        wh = Warehouse(con, args.schema)
        if not wh.columns:
            schemas = [r[0] for r in con.execute(
                "SELECT DISTINCT table_schema FROM information_schema.tables ORDER BY 1"
            ).fetchall()]  # fmt: skip
            print(
                f"error: no tables in schema {args.schema!r} of {args.path} "
                f"(schemas present: {', '.join(schemas) or 'none'})",
                file=sys.stderr,
            )
            return 1
        print(f"Stripe data in {args.path} (DuckDB {duckdb.__version__})")
        table_counts(wh)
        revenue_by_month(wh, args.months)
        subscriptions_by_status(wh)
        mrr(wh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
