"""User Sync benchmark on PostgreSQL: first sync, unchanged re-sync, re-sync with 1 % changed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync \
        uv run python benchmarks/sync.py [--sizes 10000,100000] [--vendor entrata]

For each size N the PMS simulator runs in its own process (on a free port, as `make run`
starts it) with N residents, and one Doorsync property gets an integration attached to
every simulator PMS property. So this process holds only the sync: its peak RSS is the
sync's (interpreter and Django included), not the simulator's data set. Each scenario goes
through the real entry point, ``user_sync_execute`` on a scheduled SyncRun.

Measured in the same run, against the same simulator:
  baseline fetch      the connector's fetch_residents() iterated, records counted (HTTP +
                      JSON/XML parsing + mapping to PMSResident);
  baseline COPY       the same, every record written with one streamed psycopg COPY into a
                      bare unlogged table of the same columns, in one transaction.

Per scenario: wall time, Django query count (an execute_wrapper counter), records/s, peak
RSS of the timed run (VmHWM, reset before each scenario) and the tracemalloc peak. Tracing
slows allocation-heavy code about 4x, so the tracemalloc peak comes from a second, traced
run of the same scenario on a twin integration (another Doorsync property on the same
simulator data), never from the timed run — and by default only at 10,000 (--trace-sizes),
since tracing 100,000 would blow the 10-minute budget.

    --profile first|unchanged|changed|fetch|copy   that timed run under cProfile

Targets (the issue): first sync <= 3x baseline COPY; unchanged re-sync <= 1.5x baseline
fetch; peak memory <= 300 MB at 100,000 (the tracemalloc peak of every sync scenario
when that size is traced, else this process's peak RSS — the simulator is another process).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._sync_setup import (
    DB_NAME,
    Measured,
    SimulatorProcess,
    baseline_copy,
    baseline_fetch,
    copy_table_create,
    integration_create,
    max_rss_mb,
    measure,
    residents_change,
    sync_benchmark_database,
    sync_once,
    warm_up,
)

FIRST_SYNC_MAX = 3.0  # x baseline COPY
UNCHANGED_MAX = 1.5  # x baseline fetch
PEAK_MB_MAX = 300.0  # at 100,000
CHANGED_FRACTION = 0.01
SCENARIOS = ("first", "unchanged", "changed")


@dataclass
class SizeResult:
    n: int
    records: int
    rows: dict[str, Measured]
    counts: dict[str, dict[str, int]]
    setup_s: float
    changed: int
    simulator_mb: float | None
    traced: bool
    # getrusage max RSS of the (per-size) process, at the end of the size.
    max_rss_mb: float = 0.0


def _profiled(enabled: bool, out: Path | None, fn: Any) -> Any:
    if not enabled:
        return fn()
    profiler = cProfile.Profile()
    result = profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    if out is not None:
        stats.dump_stats(str(out))
    print("\n--- cProfile (cumulative, top 40) ---")
    stats.sort_stats("cumulative").print_stats(40)
    print("--- cProfile (tottime, top 30) ---")
    stats.sort_stats("tottime").print_stats(30)
    return result


def run_size(n: int, *, vendor: str, seed: int, trace: bool, profile: str | None,
             profile_out: Path | None) -> SizeResult:  # fmt: skip
    from integrations.credentials.services import pms_credential_create
    from integrations.simulator.credentials import demo_fields
    from properties.services import organization_create

    t0 = time.perf_counter()
    handle = SimulatorProcess(residents=n, seed=seed)
    try:
        org = organization_create(name=f"Sync bench {n}")
        credential = pms_credential_create(
            organization=org,
            vendor=vendor,
            label=f"{vendor} simulator {n}",
            values=demo_fields(vendor),
            endpoint_override=handle.vendor_url(vendor),
            by_support=True,  # the benchmark's own simulator
        )
        timed = integration_create(handle=handle, vendor=vendor, name=f"Timed {n}",
                                   organization=org, credential=credential)  # fmt: skip
        # The traced twin: another Doorsync property on the same simulator data, synced
        # right after the timed one under tracemalloc, so it sees the same first sync,
        # the same unchanged re-sync and the same 1 % of changes.
        twin = (
            integration_create(
                handle=handle,
                vendor=vendor,
                name=f"Traced {n}",
                organization=org,
                credential=credential,
            )
            if trace
            else None
        )
        ids = list(timed.pms_property_ids)
        copy_table_create()
        warm_up(credential, ids)
        setup_s = time.perf_counter() - t0

        rows: dict[str, Measured] = {}
        counts: dict[str, dict[str, int]] = {}

        def scenario(key: str, work: Any, traced_work: Any) -> None:
            m = rows.setdefault(key, Measured())
            with measure(m):
                out = _profiled(profile == key, profile_out, work)
            m.records = out if isinstance(out, int) else sum(out.values())
            if isinstance(out, dict):
                counts[key] = out
            if trace:
                with measure(m, trace=True):
                    traced_work()

        def fetch() -> int:
            return baseline_fetch(credential, ids)

        def copy() -> int:
            return baseline_copy(credential, ids)

        def sync_timed() -> dict[str, int]:
            return sync_once(timed)

        def sync_twin() -> dict[str, int]:
            return sync_once(twin)

        scenario("fetch", fetch, fetch)
        scenario("copy", copy, copy)
        scenario("first", sync_timed, sync_twin)
        scenario("unchanged", sync_timed, sync_twin)
        changed = residents_change(handle, CHANGED_FRACTION, seed=seed, round_no=1)
        warm_up(credential, ids)  # the simulator re-indexes after edits: not in the timing
        scenario("changed", sync_timed, sync_twin)
        simulator_mb = handle.rss_mb()  # after serving every scenario
        return SizeResult(n, rows["fetch"].records, rows, counts, setup_s, changed,
                          simulator_mb, trace, max_rss_mb())  # fmt: skip
    finally:
        handle.stop()


def _to_json(res: SizeResult) -> dict[str, Any]:
    return asdict(res)


def _from_json(data: dict[str, Any]) -> SizeResult:
    data["rows"] = {k: Measured(**v) for k, v in data["rows"].items()}
    return SizeResult(**data)


def _mb(value: float | None) -> str:
    return f"{value:.0f}MB" if value is not None else "-"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def report(results: list[SizeResult], *, vendor: str, total_s: float, load: str, sql: int) -> bool:
    ok = True
    print(
        f"\nUser Sync benchmark — vendor {vendor}, PostgreSQL, simulator in its own process; {load}"
    )
    header = (
        f"{'N':>7} {'scenario':<14} {'wall s':>7} {'cpu s':>6} {'queries':>7} "
        f"{'records/s':>9} {'rss peak':>8} {'py peak':>7} {'÷fetch':>6} {'÷COPY':>6}  target"
    )
    print(header)
    print("-" * (len(header) + 24))
    for res in results:
        fetch, copy = res.rows["fetch"], res.rows["copy"]
        for key, label in (("fetch", "baseline fetch"), ("copy", "baseline COPY"),
                           ("first", "first sync"), ("unchanged", "unchanged"),
                           ("changed", "1% changed")):  # fmt: skip
            m = res.rows[key]
            queries = m.queries + 1 if key == "copy" else m.queries  # the COPY bypasses Django
            target = ""
            if key == "first":
                passed = m.seconds / copy.seconds <= FIRST_SYNC_MAX
                target = f"≤{FIRST_SYNC_MAX:g}× COPY {_verdict(passed)}"
                ok &= passed
            elif key == "unchanged":
                passed = m.seconds / fetch.seconds <= UNCHANGED_MAX
                target = f"≤{UNCHANGED_MAX:g}× fetch {_verdict(passed)}"
                ok &= passed
            print(
                f"{res.n:>7,} {label:<14} {m.seconds:>7.2f} {m.cpu_seconds:>6.1f} {queries:>7,} "
                f"{m.records / m.seconds:>9,.0f} {_mb(m.rss_peak_mb):>8} {_mb(m.py_peak_mb):>7} "
                f"{m.seconds / fetch.seconds:>5.2f}× {m.seconds / copy.seconds:>5.2f}×  {target}"
            )
        if res.n >= 100_000:
            # tracemalloc when this size was traced; otherwise this process's peak RSS
            # (VmHWM): interpreter, Django and the sync; the simulator is another process.
            if res.traced:
                worst = max(res.rows[k].py_peak_mb or 0.0 for k in SCENARIOS)
                how = "tracemalloc peak"
            else:
                worst = max(res.rows[k].rss_peak_mb or 0.0 for k in SCENARIOS)
                how = "peak RSS of the sync's process; the simulator runs apart"
            passed = worst <= PEAK_MB_MAX
            ok &= passed
            print(f"{'':>7} peak memory of the syncs: {worst:.0f}MB ({how}) "
                  f"≤{PEAK_MB_MAX:g}MB {_verdict(passed)}")  # fmt: skip
        print(f"{'':>7} {res.records:,} records in the snapshot; {res.changed:,} residents "
              f"changed before the 1% re-sync; simulator process {_mb(res.simulator_mb)} RSS; "
              f"max RSS of the process {_mb(res.max_rss_mb)} (getrusage); "
              f"set-up {res.setup_s:.1f}s")  # fmt: skip
        for key in SCENARIOS:
            shown = ", ".join(f"{k} {v:,}" for k, v in sorted(res.counts.get(key, {}).items()))
            print(f"{'':>7} {key}: {shown}")
        if sql:
            for key in SCENARIOS:
                m = res.rows[key]
                spent = sum(s for _, s in m.sql.values())
                top = sorted(m.sql.items(), key=lambda kv: -kv[1][1])[:sql]
                shown = "; ".join(f"{kind} ×{n:.0f} {sec:.2f}s" for kind, (n, sec) in top)
                print(f"{'':>7} SQL {key}: {spent:.2f}s in {m.queries:,} statements — {shown}")
    print(
        f"\ntotal {total_s:.0f}s\n"
        "wall s, cpu s, queries, rss peak: the timed run. cpu s: this process (the sync), not\n"
        "  PostgreSQL nor the simulator (its own process). rss peak: VmHWM reset just before\n"
        "  the scenario, so the interpreter and Django are included, the simulator is not.\n"
        "py peak: tracemalloc peak of the same work repeated under tracing (a twin integration\n"
        "  for the syncs); '-' when this size was not traced (--trace-sizes). A traced size's\n"
        "  later rss peaks include what the traced runs before them left in the heap.\n"
        "records/s: snapshot records / wall s. ÷fetch, ÷COPY: wall time over the baseline's.\n"
        "baseline COPY queries: the TRUNCATE plus the one COPY statement.\n"
        "Each size runs in a fresh process with its own throw-away database, so one size's\n"
        "memory never shows in the next one's RSS."
    )
    print("ALL TARGETS PASS" if ok else "SOME TARGETS FAIL")
    return ok


def child(args: argparse.Namespace) -> None:
    """One size, in this (fresh) process; the result goes to args.result_file as JSON."""
    n = int(args.sizes)
    with sync_benchmark_database(args.db_name):
        from django.db import connection

        if connection.vendor != "postgresql":
            raise SystemExit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
        res = run_size(
            n,
            vendor=args.vendor,
            seed=args.seed,
            trace=n in _sizes(args.trace_sizes),
            profile=args.profile,
            profile_out=args.profile_out,
        )
    Path(args.result_file).write_text(json.dumps(_to_json(res)))


def _sizes(text: str) -> list[int]:
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--vendor", default="entrata")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--trace-sizes",
        default="10000",
        help="sizes whose scenarios are repeated under tracemalloc (≈4× slower; '' for none)",
    )
    parser.add_argument(
        "--profile",
        choices=("fetch", "copy", *SCENARIOS),
        help="run this scenario's timed run under cProfile (its time is then inflated)",
    )
    parser.add_argument("--profile-out", type=Path, help="pstats file for --profile")
    parser.add_argument(
        "--sql", type=int, default=4, help="show the N costliest statement kinds per sync"
    )
    parser.add_argument(
        "--db-name",
        default=DB_NAME,
        help="the throw-away test database (dropped and re-created; default %(default)s)",
    )
    parser.add_argument("--result-file", help=argparse.SUPPRESS)  # set for a child process
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the sync logs per-record detail at INFO
    if args.result_file:
        child(args)
        return

    started = time.perf_counter()
    load_before = os.getloadavg()
    results = []
    for n in _sizes(args.sizes):
        t0 = time.perf_counter()
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [
                sys.executable, __file__, "--sizes", str(n), "--vendor", args.vendor,
                "--seed", str(args.seed), "--trace-sizes", args.trace_sizes,
                "--db-name", args.db_name,
                "--result-file", out.name,
            ]  # fmt: skip
            if args.profile:
                command += ["--profile", args.profile]
            if args.profile_out:
                command += ["--profile-out", str(args.profile_out)]
            subprocess.run(command, check=True)
            results.append(_from_json(json.loads(Path(out.name).read_text())))
        print(f"... {n:,} residents done in {time.perf_counter() - t0:.0f}s", flush=True)
    load_after = os.getloadavg()
    load = f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    ok = report(
        results, vendor=args.vendor, total_s=time.perf_counter() - started, load=load, sql=args.sql
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
