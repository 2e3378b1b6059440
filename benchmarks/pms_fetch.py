"""PMS fetch benchmark: every vendor's connector against the simulator, beside a baseline.

    uv run python benchmarks/pms_fetch.py [--residents 100000] [--vendors yardi,entrata]

The simulator runs in its own process, so this process measures only the connector. Per
vendor: (1) fetch + parse every resident, timed; (2) the baseline — the very same HTTP
requests replayed with plain httpx, bodies streamed and discarded, no parsing — timed; and
(3) the fetch again under tracemalloc for peak memory, set beside the bytes downloaded (what
holding every answer at once would cost, before any parsing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from integrations.pms import HttpOptions, get_connector  # noqa: E402
from integrations.simulator import demo_fields  # noqa: E402

VENDORS = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")
PROPERTY_IDS = ("1001", "1002", "1003")


@dataclass
class Recorded:
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]
    content: bytes


@dataclass
class RecordingTransport(httpx.BaseTransport):
    """Passes requests through and keeps a copy, for the baseline to replay."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    seen: list[Recorded] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(
            Recorded(request.method, str(request.url), list(request.headers.raw), request.read())
        )
        return self.inner.handle_request(request)


def start_simulator(residents: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "integrations.simulator", "--port", "0",
         "--residents", str(residents), "--seed", str(seed)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    return process, line.split()[4]


def fetch(vendor: str, base_url: str, options: HttpOptions) -> tuple[int, int]:
    """(records + record errors, pages) for every property."""
    count = pages = 0
    with get_connector(vendor, demo_fields(vendor), options=options, base_url=base_url) as c:
        for page in c.fetch_residents(PROPERTY_IDS):
            count += len(page)
            pages += 1
    return count, pages


def replay(requests: list[Recorded]) -> int:
    """The baseline: the same requests, bodies read and dropped. Returns bytes downloaded."""
    total = 0
    with httpx.Client(timeout=120) as client:
        for r in requests:
            with client.stream(r.method, r.url, headers=r.headers, content=r.content) as response:
                for chunk in response.iter_raw():
                    total += len(chunk)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vendors", default=",".join(VENDORS))
    args = parser.parse_args()
    vendors = [v for v in args.vendors.split(",") if v]

    started = time.perf_counter()
    process, url = start_simulator(args.residents, args.seed)
    print(f"PMS fetch benchmark — {args.residents:,} residents, seed {args.seed}, "
          f"simulator in its own process (started in {time.perf_counter() - started:.1f}s)")  # fmt: skip
    header = (
        f"{'vendor':<11} {'records':>8} {'pages':>6} {'fetch+parse':>12} {'records/s':>10} "
        f"{'baseline':>9} {'MB/s':>6} {'parse÷raw':>9} {'downloaded':>11} {'peak mem':>9}"
    )
    print(header)
    print("-" * len(header))
    try:
        for vendor in vendors:
            base_url = f"{url}/{vendor}"
            recorder = RecordingTransport()
            options = HttpOptions(transport=recorder, read_timeout=120)

            t0 = time.perf_counter()
            count, pages = fetch(vendor, base_url, options)
            parsed_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            downloaded = replay(recorder.seen)
            raw_s = time.perf_counter() - t0

            tracemalloc.start()
            # A plain transport, as the timed fetch's recorder wraps: the egress guard
            # (which needs Django settings) refuses the loopback simulator.
            fetch(vendor, base_url, HttpOptions(transport=httpx.HTTPTransport(), read_timeout=120))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            mb = downloaded / 1e6
            print(
                f"{vendor:<11} {count:>8,} {pages:>6} {parsed_s:>11.2f}s {count / parsed_s:>10,.0f} "
                f"{raw_s:>8.2f}s {mb / raw_s:>6.0f} {parsed_s / raw_s:>8.1f}x "
                f"{mb:>9.1f}MB {peak / 1e6:>7.1f}MB",
                flush=True,
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(
        "\nfetch+parse: HTTP + XML/JSON parsing + mapping to PMSResident, every property.\n"
        "baseline: the same requests replayed with plain httpx, bodies discarded unparsed.\n"
        "peak mem: tracemalloc peak during fetch+parse, in this process only; compare with\n"
        "'downloaded', what merely holding every answer would take before parsing."
    )


if __name__ == "__main__":
    main()
