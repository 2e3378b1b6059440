"""`python -m integrations.simulator --port 8765 [--residents N] [--seed S]`"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading

from integrations.simulator.data import DEFAULT_RESIDENTS, DEFAULT_SEED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--residents", type=int, default=DEFAULT_RESIDENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from integrations.simulator.server import start_simulator

    sim = start_simulator(residents=args.residents, seed=args.seed, host=args.host, port=args.port)
    # The first line is machine-read by the benchmark and scripts: keep its shape.
    print(
        f"PMS simulator listening on {sim.url} ({args.residents} residents, seed {args.seed})",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
