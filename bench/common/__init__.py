"""What several benchmarks share (a package, so that tests/test_bench_smoke.py, which runs every
bench/*.py, does not take it for a benchmark)."""

import os
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process on this machine has used so far, from /proc (Linux):
    what a piece of work cost whatever else the shared machine is running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of proc(5), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
