"""A PMS simulator serving the five vendors' wire formats from one seeded data set.

In tests: `with start_simulator(residents=500) as sim: sim.connector("entrata")…`.
From a shell: `python -m integrations.simulator --port 8765`. See README.md.
"""

from __future__ import annotations

from integrations.simulator.credentials import DEMO_CREDENTIALS, demo_fields
from integrations.simulator.server import SimState, SimulatorHandle, start_simulator

__all__ = ["DEMO_CREDENTIALS", "SimState", "SimulatorHandle", "demo_fields", "start_simulator"]
