from __future__ import annotations

import pytest

from integrations.pms.registry import VENDORS
from tests.benchmarks.conftest import benchmark_run


@pytest.mark.postgresql
def test_latency_benchmark_measures_every_move_out_in_simulated_time():
    done = benchmark_run(
        "latency.py", "--properties", str(len(VENDORS)), "--per-property", "20",
        "--hours", "0.25", "--moveouts", str(len(VENDORS)),
    )  # fmt: skip

    assert done.returncode in (0, 1), done.stderr[-3000:]
    out = done.stdout
    assert "p95 min" in out
    # One household per property moved out, and every one was revoked before the end.
    assert "not revoked" not in out, out
    measured = [
        line for line in out.splitlines() if line.split()[:1] and line.split()[0] in VENDORS
    ]
    assert len(measured) == len(VENDORS), out
    assert all("no move-out measured" not in line for line in measured), out
