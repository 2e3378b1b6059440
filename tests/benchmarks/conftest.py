"""The benchmarks' smoke runs: each new benchmark at a tiny scale, in its own process with
its own throw-away database, so a change to the sync cannot silently break it. They check
that it runs and reports, not its figures (benchmarks are not timed tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def benchmark_run(script: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """``benchmarks/<script>`` with ``args``; its database is named after this test run's."""
    name = f"{settings.DATABASES['default']['NAME']}_smoke_{Path(script).stem}"[:63]
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--db-name", name],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def redis_broker() -> None:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("the fleet benchmark's workers need the Redis broker: set REDIS_URL")
