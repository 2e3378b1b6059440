"""Settings for the test suite (and the benchmarks' throw-away databases).

doorsync's settings default to production (DEBUG off, no keys of their own), so the
suite says what it needs here, before reading them: development mode, whose keys are
derived from a development secret and never ship; and, as PMS_ENDPOINT_HOSTS, the
loopback host on any port, because the suite's PMS simulators and test listeners bind
free ports chosen at run time (the development default allows only the simulator's own
host:port). A variable already set in the environment wins.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("PMS_ENDPOINT_HOSTS", "127.0.0.1")
# Budgets count real time against shared Redis; the tests of the budget switch it on
# with an injected clock (tests/integrations/budget/), the rest do not wait on it.
os.environ.setdefault("PMS_RATE_BUDGETS", "false")

from doorsync.settings import *  # noqa: F403
