"""Entitlements: CSV asset import rate and the coverage check's latency.

Bars (set with the entitlements issue): import ≥ 2,000 rows/s including validation (so a 100,000
row file finishes in under a minute, inside one request's patience for 10,000); a re-import of
the same file at least as fast; a coverage check by serial (three queries) p95 < 50 ms, well inside an agent's lookup.
Runs in a throwaway test database beside the configured one (SQLite unless DATABASE_URL is set).

    .venv/bin/python bench/entitlements.py [--rows 20000] [--smoke]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test OPORA_TESTING=1 .venv/bin/python bench/entitlements.py
"""

# ruff: noqa: E402
import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opora.settings")
os.environ.setdefault("OPORA_TESTING", "1")

import django

django.setup()

from django.db import connection
from django.test.utils import setup_databases, teardown_databases

IMPORT_BAR = 2000.0  # rows per second
CHECK_P95_BAR_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    rows = 2_000 if args.smoke else args.rows
    # A scratch database of its own: the plain test name may be in use by the test suite.
    test_settings = connection.settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = f"{connection.settings_dict['NAME']}_entitlements_bench"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        return run(rows)
    finally:
        teardown_databases(old, verbosity=0)


def run(rows: int) -> int:
    from opora.accounts.models import User
    from opora.customers.models import Customer
    from opora.entitlements import services
    from opora.entitlements.models import PlanKind, Product, SupportPlan

    product = Product.objects.create(sku="router-x1", name="Router X1")
    for code, kind, unit, length in (
        ("phone-90", PlanKind.INCLUDED, "days", 90),
        ("warranty-1y", PlanKind.INCLUDED, "years", 1),
        ("care-2y", PlanKind.PAID, "years", 2),
    ):
        SupportPlan.objects.create(
            code=code, name=code, kind=kind, term_unit=unit, term_length=length
        ).products.add(product)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {n}", email=f"c{n}@example.com") for n in range(2000)
    )
    start_day = date(2022, 1, 1)
    lines = ["serial,product,customer_email,purchased_on,plan,plan_starts_on"]
    for n in range(rows):
        bought = start_day + timedelta(days=n % 1400)
        plan = "care-2y" if n % 5 == 0 else ""
        lines.append(f"SN{n:08d},router-x1,{customers[n % 2000].email},{bought},{plan},")
    text = "\n".join(lines) + "\n"

    began = time.perf_counter()
    first = services.import_asset_csv(text)
    import_seconds = time.perf_counter() - began
    began = time.perf_counter()
    again = services.import_asset_csv(text)
    reimport_seconds = time.perf_counter() - began
    assert first.created == rows and again.unchanged == rows and again.plans_added == 0

    agent = User.objects.create(username="bench-agent", role="agent")
    timings = []
    for n in range(0, rows, max(1, rows // 1000)):
        began = time.perf_counter()
        services.check_serial(agent, f"SN{n:08d}", channel="phone")
        timings.append((time.perf_counter() - began) * 1000)
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]

    from django.db import connection

    import_rate = rows / import_seconds
    reimport_rate = rows / reimport_seconds
    passed = import_rate >= IMPORT_BAR and reimport_rate >= IMPORT_BAR and p95 < CHECK_P95_BAR_MS
    print(f"database: {connection.vendor}, {rows:,} rows")
    print(
        f"import: {import_rate:,.0f} rows/s ({import_seconds:.2f} s) vs bar {IMPORT_BAR:,.0f} rows/s"
        f" = {import_rate / IMPORT_BAR:.1f}× the bar"
    )
    print(f"re-import (idempotent, nothing changes): {reimport_rate:,.0f} rows/s")
    print(
        f"coverage check by serial: p50 {p50:.2f} ms, p95 {p95:.2f} ms vs bar {CHECK_P95_BAR_MS} ms"
        f" ({len(timings)} checks)"
    )
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
