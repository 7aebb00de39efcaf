"""A smoke run of every benchmark (bench/*.py --smoke), so a benchmark that no longer runs is
caught by CI rather than on the day someone needs its figure. Heavy runs stay out of the suite
(`make bench`); here only "it runs and prints its figure" is checked — the small smoke sizes say
nothing about the bars, and the PASS/FAIL verdict is not asserted.

Runs in the PostgreSQL pass, against the server in DATABASE_URL (each script makes and drops its
own scratch database there)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path.name for path in (ROOT / "bench").glob("*.py"))
SECONDS_ALLOWED = 600


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="benchmarks run in the PostgreSQL pass",
)
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_and_prints_its_figure(script):
    database_url = os.environ["DATABASE_URL"]
    environment = {**os.environ, "PG_BENCH_URL": database_url}
    completed = subprocess.run(
        [sys.executable, f"bench/{script}", "--smoke"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SECONDS_ALLOWED,
    )
    output = completed.stdout + completed.stderr
    # 0: bar met, 1: bar missed — both mean the benchmark ran to its verdict; anything else crashed.
    assert completed.returncode in (0, 1), output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert re.search(r"\b(PASS|FAIL)\b", output), output[-3000:]
    assert re.search(r"\d", output)


def test_every_benchmark_is_in_make_bench():
    makefile = (ROOT / "Makefile").read_text()
    assert [script for script in SCRIPTS if f"bench/{script}" not in makefile] == []
