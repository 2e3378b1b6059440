from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.simulator.server import SimulatorHandle, start_simulator
from integrations.tasks import user_sync_task


@pytest.fixture(scope="session")
def pms_simulator() -> Iterator[SimulatorHandle]:
    """One PMS simulator on a free localhost port for the whole session."""
    handle = start_simulator(residents=300, seed=7)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Stands in for user_sync_task.delay: the run ids that would have been queued."""
    run_ids: list[int] = []
    monkeypatch.setattr(user_sync_task, "delay", run_ids.append)
    return run_ids
