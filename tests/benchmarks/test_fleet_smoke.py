from __future__ import annotations

import pytest

from integrations.pms.registry import VENDORS
from tests.benchmarks.conftest import benchmark_run


@pytest.mark.postgresql
def test_fleet_benchmark_runs_a_tiny_fleet_through_real_workers(redis_broker):
    done = benchmark_run(
        "fleet.py", "--properties", str(len(VENDORS)), "--per-property", "20",
        "--cycles", "first,changed", "--changed", "0.05",
    )  # fmt: skip

    assert done.returncode in (0, 1), done.stderr[-3000:]
    out = done.stdout
    assert "baseline fetch cycle" in out
    # Every run of both cycles succeeded, and each was recorded by the worker hook.
    for cycle in ("first", "changed"):
        row = next(line for line in out.splitlines() if line.startswith(cycle + " "))
        runs, ok = row.split()[3:5]
        assert runs == ok == str(len(VENDORS)), row
    assert "beat enqueue, changed" in out
    assert "peak RSS: worker pool process" in out
