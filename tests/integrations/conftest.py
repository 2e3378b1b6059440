from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.simulator.server import SimulatorHandle, start_simulator


@pytest.fixture(scope="session")
def pms_simulator() -> Iterator[SimulatorHandle]:
    """One PMS simulator on a free localhost port for the whole session."""
    handle = start_simulator(residents=300, seed=7)
    try:
        yield handle
    finally:
        handle.stop()
