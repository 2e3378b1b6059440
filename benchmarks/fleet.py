"""Fleet benchmark: N properties x M residents synced by two Celery workers, one full cycle.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync REDIS_URL=redis://127.0.0.1:6379/0 \
        uv run python benchmarks/fleet.py [--properties 2000] [--per-property 250]

The question (issue 15): on this 2-core machine, can two workers sync every property of a
2,000-property fleet (500,000 residents) within one 15-minute cycle, and if not, what
limits it?

Set-up: the PMS simulator runs in its own process holding the whole fleet (one PMS
property per doorsync property, ``benchmarks/_fleet_sim.py``); properties are spread over
the registered vendors in turn, a support-made credential per vendor per organization of
``--per-credential`` properties; every integration is set up (User Sync on, Unit Sync
on, the access mode of ``--access-mode``, Automatic by default, so move-outs revoke keys).
A real ``celery worker --concurrency 2`` (prefork, the Redis broker of REDIS_URL) runs
the real ``user_sync_task``; ``benchmarks/_fleet_worker.py``, loaded into it, records per
task its wall and CPU time, the time in ``snapshot_fetch`` (fetch + parse), its queries
and its process's peak RSS. Nothing of the sync is replaced.

Each cycle is what beat does: every integration made due, then ``sync_enqueue_due`` —
the beat task, run here in-process and measured (time, queries) — queues a run for each,
and the cycle ends when the last run has finished:
  first       the onboarding: every resident created, every current one given the
              common-area keys (Automatic mode);
  unchanged   nothing changed in the PMS;
  changed     ``--changed`` (1 %) of the residents edited in the PMS before it (names and
              phones; one edit in ten a move-out, whose keys are revoked).

Baseline, measured in the same run against the same simulator: a fetch cycle — every
property's residents fetched and parsed by its vendor's connector (``fetch_residents``,
what the sync's fetch does before anything is written), in as many processes as there
are workers. So "÷fetch" says how far a sync cycle is from merely reading the fleet, and
"overhead/run" is a run's wall time beyond its own fetch + parse.

    --properties 20 --per-property 50     a smoke run in seconds (tests/benchmarks/)
    --properties 200                      a tenth of the fleet, for the shape

Figures are taken on a machine shared with other work: the load average is printed
before and after; wall times under contention are upper bounds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._fleet_sim import pms_property_ids  # noqa: E402
from benchmarks._sync_setup import Measured, measure, sync_benchmark_database  # noqa: E402

TARGET_MINUTES = 15.0
CYCLES = ("first", "unchanged", "changed")


# --- the simulator process -----------------------------------------------------------


class FleetSimulator:
    """benchmarks/_fleet_sim.py in its own process; edits and RSS through its stdin."""

    def __init__(self, *, properties: int, per_property: int, seed: int, latency_ms: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "_fleet_sim.py"),
             "--properties", str(properties), "--per-property", str(per_property),
             "--seed", str(seed), "--latency-ms", str(latency_ms)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self._read()
        if "listening on" not in line:
            self.process.kill()
            raise SystemExit(f"fleet simulator did not start: {line!r}")
        self.url = line.split()[4]

    def _read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def change(self, fraction: float, round_no: int) -> int:
        return int(self._ask(f"change {fraction} {round_no}").split()[1])

    def usage(self) -> tuple[float, float, float, int]:
        """(RSS MB, peak RSS MB, CPU seconds so far, requests served so far)."""
        rss, hwm, cpu, requests = self._ask("rss").split()
        return float(rss), float(hwm), float(cpu), int(requests)

    def stop(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self._ask("quit")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the workers ---------------------------------------------------------------------


class Workers:
    """``celery worker -P prefork -c N`` on the benchmark's database and broker."""

    def __init__(
        self, *, concurrency: int, database_url: str, out: Path, conn_max_age: int, queue: str
    ) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": str(conn_max_age),
            "AXES_ENABLED": "false",
            "FLEET_BENCH_OUT": str(out),
            "FLEET_BENCH_QUEUE": queue,
            # The credentials' rate-limit budgets (pms/budget.py), as in production; the
            # test settings switch them off for the suite.
            "PMS_RATE_BUDGETS": "true",
            "PYTHONPATH": str(ROOT),
        }
        self.name = f"{queue}@{socket.gethostname()}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "doorsync", "worker", "-P", "prefork",
             "-c", str(concurrency), "-I", "benchmarks._fleet_worker", "-l", "ERROR",
             "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", self.name],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 120) -> None:
        """Ready once this worker (by its name) answers a ping."""
        from doorsync.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                assert self.process.stderr is not None
                raise SystemExit(f"celery worker exited: {self.process.stderr.read()[-2000:]}")
            if any(self.name in reply for reply in app.control.ping(timeout=1.0)):
                return
        raise SystemExit("celery worker did not answer a ping in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- set-up --------------------------------------------------------------------------


@dataclass
class Fleet:
    integration_ids: list[int]
    vendor_of: dict[int, str]  # integration id → vendor
    credentials: int


def fleet_seed(*, sim_url: str, properties: int, vendors: list[str], per_credential: int,
               access_mode: str) -> Fleet:  # fmt: skip
    """Organizations, credentials, properties (with their common-area keys) and set-up
    integrations, through the services where they hold rules (credentials, properties),
    bulk where it is plain rows (the integrations, set up as the wizard leaves them)."""
    from django.utils import timezone

    from integrations.credentials.services import pms_credential_create
    from integrations.models import PMSIntegration
    from integrations.simulator.credentials import demo_fields
    from properties.services import organization_create, property_create

    ids = pms_property_ids(properties)
    now = timezone.now()
    rows: list[PMSIntegration] = []
    credentials: dict[tuple[int, str], Any] = {}
    for n, pms_id in enumerate(ids):
        org_no, vendor = n // per_credential, vendors[n % len(vendors)]
        if (org_no, vendor) not in credentials:
            if not any(k[0] == org_no for k in credentials):
                org = organization_create(name=f"Fleet org {org_no + 1}")
            else:
                org = next(c.organization for k, c in credentials.items() if k[0] == org_no)
            credentials[org_no, vendor] = pms_credential_create(
                organization=org, vendor=vendor, label=f"{vendor} {org_no + 1}",
                values=demo_fields(vendor), endpoint_override=f"{sim_url}/{vendor}",
                by_support=True,
            )  # fmt: skip
        credential = credentials[org_no, vendor]
        prop = property_create(organization=credential.organization, name=f"Fleet {pms_id}")
        rows.append(
            PMSIntegration(
                property=prop, credential=credential, pms_property_ids=[pms_id],
                pms_property_names={pms_id: f"Fleet {pms_id}"}, user_sync_enabled=True,
                unit_sync_enabled=True, access_mode=access_mode,
                setup_step=PMSIntegration.SetupStep.DONE, setup_completed_at=now,
            )
        )  # fmt: skip
    created = PMSIntegration.objects.bulk_create(rows, batch_size=500)
    vendor_of = {i.id: credentials_vendor for i, credentials_vendor in
                 zip(created, (vendors[n % len(vendors)] for n in range(len(ids))), strict=True)}  # fmt: skip
    return Fleet([i.id for i in created], vendor_of, len(credentials))


# --- the baseline: a fetch cycle -----------------------------------------------------


def _fetch_one(job: tuple[str, str, str]) -> tuple[str, float, int]:
    from integrations.pms import HttpOptions, get_connector
    from integrations.simulator.credentials import demo_fields

    vendor, base_url, pms_id = job
    start = time.perf_counter()
    count = 0
    options = HttpOptions(read_timeout=120)
    with get_connector(vendor, demo_fields(vendor), options=options, base_url=base_url) as c:
        for page in c.fetch_residents([pms_id]):
            count += len(page.records)
    return vendor, time.perf_counter() - start, count


def fetch_cycle(*, sim_url: str, fleet: Fleet, processes: int, sample: int) -> tuple[float, list[tuple[str, float, int]]]:  # fmt: skip
    """Every property's residents fetched and parsed, ``processes`` at a time — or the
    first ``sample`` properties (every vendor in turn), the time scaled to the fleet."""
    from django.db import connections

    from integrations.models import PMSIntegration

    ids = dict(PMSIntegration.objects.filter(id__in=fleet.integration_ids)
               .values_list("id", "pms_property_ids"))  # fmt: skip
    jobs = [(fleet.vendor_of[i], f"{sim_url}/{fleet.vendor_of[i]}", ids[i][0])
            for i in fleet.integration_ids]  # fmt: skip
    scale = 1.0
    if 0 < sample < len(jobs):
        scale, jobs = len(jobs) / sample, jobs[:sample]
    connections.close_all()  # the forked children never touch the database
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_fetch_one, jobs, chunksize=1)
    return (time.perf_counter() - start) * scale, results


# --- a cycle -------------------------------------------------------------------------


@dataclass
class Cycle:
    name: str
    wall_s: float = 0.0
    enqueue: Measured = field(default_factory=Measured)
    enqueued: int = 0
    runs: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    waited_s: list[float] = field(default_factory=list)  # queued → started, per run
    sim_cpu_s: float = 0.0  # the simulator's CPU time during the cycle
    sim_requests: int = 0  # vendor requests it served during the cycle


def _records(out: Path, run_ids: set[int]) -> list[dict[str, Any]]:
    rows = []
    if out.exists():
        for line in out.read_text().splitlines():
            row = json.loads(line)
            if row["run_id"] in run_ids:
                rows.append(row)
    return rows


def cycle_run(name: str, *, fleet: Fleet, out: Path, timeout_s: float) -> Cycle:
    """Make every integration due, run beat's enqueue, wait for the last run to end."""
    from collections import Counter

    from django.db.models import F

    from integrations.models import PMSIntegration, SyncRun
    from integrations.tasks import sync_enqueue_due

    cycle = Cycle(name)
    PMSIntegration.objects.filter(id__in=fleet.integration_ids).update(last_sync_started_at=None)
    before = set(SyncRun.objects.values_list("id", flat=True))
    start = time.perf_counter()
    with measure(cycle.enqueue):
        cycle.enqueued = sync_enqueue_due()
    run_ids = set(SyncRun.objects.values_list("id", flat=True)) - before
    deadline = time.monotonic() + timeout_s
    while SyncRun.objects.filter(id__in=run_ids, state__in=SyncRun.ACTIVE_STATES).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"cycle {name}: runs still active after {timeout_s:.0f}s")
        time.sleep(0.25)  # polling a real worker, not a test waiting on time
    cycle.wall_s = time.perf_counter() - start
    runs = SyncRun.objects.filter(id__in=run_ids)
    cycle.states = dict(Counter(runs.values_list("state", flat=True)))
    totals: Counter[str] = Counter()
    for counts in runs.values_list("counts", flat=True):
        totals.update(counts or {})
    cycle.counts = dict(totals)
    cycle.waited_s = [
        w.total_seconds()
        for w in runs.exclude(started_at=None)
        .annotate(w=F("started_at") - F("created_at"))
        .values_list("w", flat=True)
    ]
    # The pool writes its line after the task returns: a moment after the run finished.
    for _ in range(40):
        cycle.runs = [r for r in _records(out, run_ids) if r["state"] != "RETRY"]
        if len(cycle.runs) >= len(run_ids):
            break
        time.sleep(0.25)
    return cycle


# --- the report ----------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(*, args: argparse.Namespace, fleet: Fleet, fetch_s: float,
           fetched: list[tuple[str, float, int]], cycles: list[Cycle], setup: dict[str, float],
           sim_usage: tuple[float, float, float, int], load: str, total_s: float) -> bool:  # fmt: skip
    n, m = args.properties, args.per_property
    print(
        f"\nFleet benchmark — {n:,} properties × {m:,} residents ({n * m:,}), "
        f"{args.workers} Celery worker processes (prefork, Redis broker), PostgreSQL, the "
        f"simulator in its own process; vendors {', '.join(args.vendors)} in turn; "
        f"{fleet.credentials} credentials; access mode {args.access_mode}; vendor latency "
        f"{args.vendor_latency_ms} ms a request; workers' CONN_MAX_AGE {args.conn_max_age}"
    )
    print(f"machine: {os.cpu_count()} CPUs shared with other work — {load}; "
          "figures taken under contention")  # fmt: skip
    print("set-up: " + ", ".join(f"{k} {v:.1f}s" for k, v in setup.items()))
    per_fetch = [s for _, s, _ in fetched]
    sampled = (
        f"measured on {len(fetched):,} of them and scaled"
        if len(fetched) < len(fleet.integration_ids)
        else "measured"
    )
    print(
        f"\nbaseline fetch cycle: every property fetched + parsed, {args.workers} processes "
        f"({sampled}): {fetch_s:.1f}s ({sum(c for *_, c in fetched):,} records; per property mean "
        f"{_mean(per_fetch) * 1000:.0f} ms, p95 {_pct(per_fetch, 95) * 1000:.0f} ms)"
    )
    header = (
        f"{'cycle':<10} {'wall s':>7} {'÷fetch':>6} {'runs':>5} {'ok':>5} {'run ms':>7} "
        f"{'p95 ms':>7} {'fetch ms':>8} {'over ms':>7} {'sql ms':>6} {'cpu ms':>6} "
        f"{'q/run':>6} {'conn ms':>7} {'wait p95 s':>10}  {TARGET_MINUTES:g} min target"
    )
    print(header)
    print("-" * (len(header) + 6))
    ok = True
    for c in cycles:
        walls = [r["wall_s"] for r in c.runs]
        over = [r["wall_s"] - r["fetch_s"] for r in c.runs]
        fits = c.wall_s <= TARGET_MINUTES * 60
        if c.name != "first":
            ok &= fits
        print(
            f"{c.name:<10} {c.wall_s:>7.1f} {c.wall_s / fetch_s:>5.1f}× {c.enqueued:>5,} "
            f"{c.states.get('succeeded', 0):>5,} {_mean(walls) * 1000:>7.0f} "
            f"{_pct(walls, 95) * 1000:>7.0f} "
            f"{_mean([r['fetch_s'] for r in c.runs]) * 1000:>8.0f} {_mean(over) * 1000:>7.0f} "
            f"{_mean([r['sql_s'] for r in c.runs]) * 1000:>6.0f} "
            f"{_mean([r['cpu_s'] for r in c.runs]) * 1000:>6.0f} "
            f"{_mean([float(r['queries']) for r in c.runs]):>6.0f} "
            f"{_mean([r.get('connect_s', 0.0) for r in c.runs]) * 1000:>7.0f} "
            f"{_pct(c.waited_s, 95):>10.1f}  "
            f"{'PASS' if fits else 'FAIL'}{' (onboarding, not the target)' if c.name == 'first' else ''}"
        )
    print()
    for c in cycles:
        e = c.enqueue
        per = e.queries / c.enqueued if c.enqueued else 0
        print(f"beat enqueue, {c.name}: sync_enqueue_due queued {c.enqueued:,} runs in "
              f"{e.seconds:.2f}s ({e.seconds / max(c.enqueued, 1) * 1000:.1f} ms each), "
              f"{e.queries:,} queries ({per:.1f} per run)")  # fmt: skip
    for c in cycles:
        shown = ", ".join(f"{k} {v:,}" for k, v in sorted(c.counts.items()))
        failed = {k: v for k, v in c.states.items() if k != "succeeded"}
        extra = f"; changed before it {c.changed:,}" if c.changed else ""
        print(f"outcomes, {c.name}: {shown}{extra}{f'; NOT succeeded {failed}' if failed else ''}")
    hwm = max((r["hwm_mb"] for c in cycles for r in c.runs), default=0.0)
    print(f"peak RSS: worker pool process {hwm:.0f} MB (VmHWM, the largest of the "
          f"{args.workers}); simulator {sim_usage[1]:.0f} MB (holds the whole fleet)")  # fmt: skip
    # Where a steady cycle's time goes: the workers' wall time summed over its runs
    # against what the machine could give them.
    steady = cycles[-1]
    busy = sum(r["wall_s"] for r in steady.runs)
    fetch = sum(r["fetch_s"] for r in steady.runs)
    sql = sum(r["sql_s"] for r in steady.runs)
    cpu = sum(r["cpu_s"] for r in steady.runs)
    if busy:
        print(
            f"\nwhere the '{steady.name}' cycle went ({busy:.0f} worker-seconds over "
            f"{args.workers} workers × {steady.wall_s:.0f}s = "
            f"{busy / (args.workers * steady.wall_s):.0%} busy): fetch + parse "
            f"{fetch / busy:.0%} (the simulator renders in the same 2 cores), SQL "
            f"{sql / busy:.0%} (waiting on PostgreSQL), the rest {1 - (fetch + sql) / busy:.0%} "
            f"(planning, writing, Celery); worker CPU {cpu / busy:.0%} of worker wall time"
        )
        runs_n = max(len(steady.runs), 1)
        print(
            f"CPU per run: worker {cpu / runs_n * 1000:.0f} ms, simulator "
            f"{steady.sim_cpu_s / runs_n * 1000:.0f} ms ({steady.sim_requests / runs_n:.1f} "
            f"vendor requests a run), PostgreSQL not measured (shared with other databases); "
            f"worker + simulator CPU = {(cpu + steady.sim_cpu_s) / steady.wall_s / (os.cpu_count() or 1):.0%} "
            f"of the machine's {os.cpu_count()} cores over the cycle"
        )
        by_vendor: dict[str, list[dict[str, Any]]] = {}
        run_vendor = _run_vendors(steady)
        for r in steady.runs:
            by_vendor.setdefault(run_vendor.get(r["run_id"], "?"), []).append(r)
        for vendor, rows in sorted(by_vendor.items()):
            print(f"  {vendor:<9} {len(rows):>5} runs, run mean "
                  f"{_mean([r['wall_s'] for r in rows]) * 1000:.0f} ms, fetch + parse "
                  f"{_mean([r['fetch_s'] for r in rows]) * 1000:.0f} ms, "
                  f"{_mean([float(r['queries']) for r in rows]):.0f} queries")  # fmt: skip
    if n < 2000 and steady.wall_s:
        scale = 2000 / n
        print(f"\nat 2,000 properties (linear from {n:,}): {steady.name} cycle ≈ "
              f"{steady.wall_s * scale / 60:.1f} min, beat enqueue ≈ "
              f"{steady.enqueue.seconds * scale:.0f}s — an extrapolation, not a measurement")  # fmt: skip
    print(f"\ntotal {total_s:.0f}s")
    print(
        "wall s: beat's enqueue to the last run's end. ÷fetch: over the baseline fetch cycle.\n"
        "run ms, p95 ms: a task's wall time in the pool process; fetch ms: its snapshot_fetch\n"
        "  (HTTP + parse + mapping); over ms: run − fetch, what the sync adds per run; sql ms:\n"
        "  time waiting on statements; q/run: statements on the task's connection (the\n"
        "  heartbeat thread's own are not counted); conn ms: opening the task's database\n"
        "  connection (CONN_MAX_AGE, default 0, closes it after every task). wait p95:\n"
        "  queued → claimed, seconds."
    )
    print("TARGET PASS" if ok else "TARGET FAIL")
    return ok


def _run_vendors(cycle: Cycle) -> dict[int, str]:
    from integrations.models import SyncRun

    return dict(
        SyncRun.objects.filter(id__in=[r["run_id"] for r in cycle.runs]).values_list(
            "id", "integration__credential__vendor"
        )
    )


# --- main ----------------------------------------------------------------------------


def _db_name() -> str:
    """A database of this checkout's own: DATABASE_URL's name with a suffix."""
    url = os.environ.get("DATABASE_URL", "")
    base = url.rsplit("/", 1)[-1].split("?")[0] if url.startswith("postgres") else "doorsync"
    return f"{base}_bench_fleet"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--properties", type=int, default=2000)
    parser.add_argument("--per-property", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--vendors", default="", help="comma-separated; default every vendor")
    parser.add_argument("--per-credential", type=int, default=50,
                        help="properties per organization (one credential per vendor each)")  # fmt: skip
    parser.add_argument("--access-mode", default="automatic",
                        choices=("automatic", "approval_required", "off"))  # fmt: skip
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--conn-max-age", type=int, default=0,
                        help="the workers' CONN_MAX_AGE (default 0, as shipped)")  # fmt: skip
    parser.add_argument("--vendor-latency-ms", type=int, default=0,
                        help="added before every vendor answer (a real API's latency)")  # fmt: skip
    parser.add_argument("--cycles", default=",".join(CYCLES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-sample", type=int, default=0,
                        help="fetch only this many properties for the baseline, scaled up")  # fmt: skip
    parser.add_argument("--cycle-timeout", type=float, default=3600)
    parser.add_argument("--db-name", default=_db_name())
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    from integrations.pms.registry import VENDORS
    from integrations.simulator.credentials import DEMO_CREDENTIALS

    args.vendors = [v for v in (args.vendors.split(",") if args.vendors else VENDORS) if v]
    unknown = [v for v in args.vendors if v not in DEMO_CREDENTIALS]
    if unknown:
        raise SystemExit(f"no simulator credential for {', '.join(unknown)}")
    cycles_wanted = [c for c in args.cycles.split(",") if c]
    if cycles_wanted[0] != "first":
        raise SystemExit("--cycles must start with 'first' (the onboarding fills the database)")

    # Terminated: unwind through the finally blocks, so the workers and the simulator stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    load_before = os.getloadavg()
    setup: dict[str, float] = {}
    t0 = time.perf_counter()
    sim = FleetSimulator(properties=args.properties, per_property=args.per_property,
                         seed=args.seed, latency_ms=args.vendor_latency_ms)  # fmt: skip
    setup["simulator"] = time.perf_counter() - t0
    out = Path(tempfile.mkstemp(prefix="fleet-bench-", suffix=".jsonl")[1])
    try:
        with sync_benchmark_database(args.db_name):
            from django.db import connection

            from doorsync.celery import app

            if connection.vendor != "postgresql":
                raise SystemExit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
            s = connection.settings_dict
            database_url = (f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:"
                            f"{s['PORT'] or 5432}/{s['NAME']}")  # fmt: skip
            t0 = time.perf_counter()
            fleet = fleet_seed(sim_url=sim.url, properties=args.properties, vendors=args.vendors,
                               per_credential=args.per_credential, access_mode=args.access_mode)  # fmt: skip
            setup["database"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            # A queue of this run's own: the broker may be shared (other checkouts, a test
            # run, another benchmark), and nothing else must take or lose these messages.
            queue = f"fleetbench-{os.getpid()}"
            app.conf.task_default_queue = queue
            app.conf.task_routes = {"*": {"queue": queue}}
            workers = Workers(concurrency=args.workers, database_url=database_url, out=out,
                              conn_max_age=args.conn_max_age, queue=queue)  # fmt: skip
            try:
                workers.wait_ready()
                setup["workers"] = time.perf_counter() - t0
                fetch_s, fetched = fetch_cycle(sim_url=sim.url, fleet=fleet,
                                               processes=args.workers, sample=args.baseline_sample)  # fmt: skip
                cycles = []
                for round_no, name in enumerate(cycles_wanted):
                    changed = sim.change(args.changed, round_no) if name == "changed" else 0
                    _, _, cpu_before, requests_before = sim.usage()
                    cycle = cycle_run(name, fleet=fleet, out=out, timeout_s=args.cycle_timeout)
                    _, _, cpu_after, requests_after = sim.usage()
                    cycle.changed = changed
                    cycle.sim_cpu_s = cpu_after - cpu_before
                    cycle.sim_requests = requests_after - requests_before
                    cycles.append(cycle)
                    print(f"... {name} cycle {cycle.wall_s:.1f}s", flush=True)
                sim_usage = sim.usage()
                load_after = os.getloadavg()
                load = f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
                ok = report(args=args, fleet=fleet, fetch_s=fetch_s, fetched=fetched,
                            cycles=cycles, setup=setup, sim_usage=sim_usage, load=load,
                            total_s=time.perf_counter() - started)  # fmt: skip
            finally:
                # Before the database is dropped: the pool holds connections to it.
                workers.stop()
                with app.connection_for_write() as conn:
                    conn.default_channel.queue_delete(queue)
    finally:
        sim.stop()
        out.unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
