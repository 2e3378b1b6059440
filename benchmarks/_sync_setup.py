"""Helpers for benchmarks/sync.py: its own test database, measuring, the simulator set-up.

Kept apart from benchmarks/_django.py so this benchmark's database (bench_sync) never
collides with another benchmark's (bench_doorsync) running at the same time.
"""

from __future__ import annotations

import gc
import os
import random
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django

DB_NAME = "bench_sync"


@contextmanager
def sync_benchmark_database(name: str = DB_NAME) -> Iterator[None]:
    """A throw-away test database (PostgreSQL when DATABASE_URL says so), destroyed after."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    # debug=False as in production: with DEBUG on (the dev default) every statement's SQL,
    # bulk statements of 1,000 rows included, is kept in connection.queries_log, which
    # inflates both the time and the memory of a bulk sync.
    setup_test_environment(debug=False)
    connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


# --- measuring -----------------------------------------------------------------------


_TABLE = re.compile(r'\b(?:COPY|FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


class QueryCounter:
    """Counts statements through Django's connection, and times them by kind (verb and
    table), without keeping their SQL."""

    def __init__(self) -> None:
        self.count = 0
        self.by_kind: dict[str, list[float]] = {}  # "UPDATE integrations_pmsrecord": [n, s]

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: Any) -> Any:  # fmt: skip
        self.count += 1
        head = sql[:4000]
        verb = head.split(None, 1)[0].upper() if head.strip() else "?"
        table = _TABLE.search(head)
        kind = f"{verb} {table.group(1) if table else ''}".strip()
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.by_kind.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - start


def _reset_peak_rss() -> bool:
    """Linux: reset VmHWM so it becomes this scenario's peak, not the process's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def max_rss_mb() -> float:
    """Process-lifetime max RSS (getrusage; KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measured:
    seconds: float = 0.0
    # CPU time of this process (the sync, and the in-process simulator's thread).
    cpu_seconds: float = 0.0
    queries: int = 0
    # tracemalloc peak of the traced repeat (None when not traced).
    py_peak_mb: float | None = None
    # Peak RSS during the untraced, timed run (VmHWM after a reset); None if unsupported.
    rss_peak_mb: float | None = None
    records: int = 0
    # Database time by statement kind in the timed run: {"UPDATE integrations_pmsrecord":
    # [statements, seconds]}; the Python side waits for these.
    sql: dict[str, list[float]] = field(default_factory=dict)


@contextmanager
def measure(result: Measured, *, trace: bool = False) -> Iterator[Measured]:
    """Wall time, Django query count and peak memory of the block.

    With ``trace`` only the tracemalloc peak is recorded (tracemalloc slows allocation-heavy
    code a lot, so the timed run and the traced run are separate runs of the same work).
    """
    from django.db import connection

    gc.collect()
    counter = QueryCounter()
    reset = _reset_peak_rss()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.perf_counter()
    cpu_start = time.process_time()
    try:
        with connection.execute_wrapper(counter) if not trace else nullcontext():
            yield result
    finally:
        elapsed = time.perf_counter() - start
        if trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            result.py_peak_mb = peak / 1e6
        else:
            result.seconds = elapsed
            result.cpu_seconds = time.process_time() - cpu_start
            result.queries = counter.count
            result.sql = counter.by_kind
            result.rss_peak_mb = _peak_rss_mb() if reset else None


# --- the simulator and the integrations under test -----------------------------------


def integration_create(*, handle: Any, vendor: str, name: str, organization: Any,
                       credential: Any) -> Any:  # fmt: skip
    """A property with an integration attached to every PMS property the simulator has."""
    from integrations.credentials.services import pms_credential_connector
    from integrations.models import PMSIntegration
    from properties.services import property_create

    with pms_credential_connector(credential=credential) as connector:
        pms_properties = connector.list_properties()
    prop = property_create(organization=organization, name=name)
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=[p.id for p in pms_properties],
        pms_property_names={p.id: p.name for p in pms_properties},
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
    )


def sync_once(integration: Any) -> dict[str, int]:
    """One scheduled run through the real entry point; returns its counts."""
    from integrations.models import SyncRun
    from integrations.sync.service import user_sync_execute

    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    result = user_sync_execute(run_id=run.id)
    run.refresh_from_db()
    if result.state != SyncRun.State.SUCCEEDED:
        raise RuntimeError(f"sync run {run.id} ended {result.state}: {run.error}")
    return dict(run.counts)


class SimulatorProcess:
    """The PMS simulator in its own process on a free port, as ``make run`` starts it, so
    the benchmark process holds only the sync (and its peak RSS only the sync's memory)."""

    def __init__(self, *, residents: int, seed: int) -> None:
        root = Path(__file__).resolve().parents[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "integrations.simulator", "--port", "0",
             "--residents", str(residents), "--seed", str(seed)],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "PMS simulator listening on http://… (…)"
        if "listening on" not in line:
            self.process.kill()
            raise SystemExit(f"simulator did not start: {line!r}")
        self.url = line.split()[4]

    def vendor_url(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    def rss_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def residents_change(sim: SimulatorProcess, fraction: float, *, seed: int, round_no: int) -> int:
    """Edit ``fraction`` of the simulator's residents through its JSON API: a last name or
    a phone (the same residents and edits as before, when the simulator ran in-process)."""
    import httpx

    with httpx.Client(base_url=sim.url, timeout=60) as client:
        last_names: dict[int, str] = {}
        offset, limit = 0, 5000
        while True:
            page = client.get("/_sim/residents", params={"offset": offset, "limit": limit})
            page.raise_for_status()
            results = page.json()["results"]
            last_names.update((r["id"], r["last_name"]) for r in results)
            if len(results) < limit:
                break
            offset += limit
        rng = random.Random(seed * 1000 + round_no)
        ids = sorted(last_names)
        chosen = rng.sample(ids, max(1, round(len(ids) * fraction)))
        for n, resident_id in enumerate(chosen):
            if n % 2:
                changes = {"last_name": f"{last_names[resident_id]}-{round_no}"}
            else:
                changes = {"mobile": f"(415) 7{round_no % 10}{n % 10}-{n % 10000:04d}"}
            client.patch(f"/_sim/residents/{resident_id}", json=changes).raise_for_status()
    return len(chosen)


# --- baselines -------------------------------------------------------------------------

COPY_TABLE = "bench_sync_copy_baseline"
COPY_COLUMNS = (
    "external_id", "pms_property_id", "first_name", "last_name", "email", "phone",
    "lease_start", "lease_end", "move_in", "move_out", "unit_id", "unit_name", "raw_status",
    "lifecycle", "role", "lease_id", "raw_email",
)  # fmt: skip


def copy_table_create() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cursor.execute(
            f"""CREATE UNLOGGED TABLE {COPY_TABLE} (
                external_id varchar(100), pms_property_id varchar(100),
                first_name varchar(100), last_name varchar(100), email varchar(254),
                phone varchar(20), lease_start date, lease_end date, move_in date,
                move_out date, unit_id varchar(100), unit_name varchar(100),
                raw_status varchar(100), lifecycle varchar(16), role varchar(16),
                lease_id varchar(100), raw_email varchar(254))"""
        )


def warm_up(credential: Any, pms_property_ids: list[str]) -> None:
    """Imports, the HTTP pool, the database connection, and the simulator's per-property
    indexes (rebuilt after every edit), for the price of one page per PMS property."""
    from integrations.credentials.services import pms_credential_connector

    with pms_credential_connector(credential=credential) as connector:
        for pms_property_id in pms_property_ids:
            for _page in connector.fetch_residents([pms_property_id]):
                break


def baseline_fetch(credential: Any, pms_property_ids: list[str]) -> int:
    """(a) fetch + parse: every page of every attached property, records counted."""
    from integrations.credentials.services import pms_credential_connector

    count = 0
    with pms_credential_connector(credential=credential) as connector:
        for page in connector.fetch_residents(pms_property_ids):
            count += len(page.records)
    return count


def baseline_copy(credential: Any, pms_property_ids: list[str]) -> int:
    """(b) fetch + parse + one streamed COPY into a bare unlogged table, one transaction."""
    from django.db import connection, transaction

    from integrations.credentials.services import pms_credential_connector

    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {COPY_TABLE}")
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        sql = f"COPY {COPY_TABLE} ({', '.join(COPY_COLUMNS)}) FROM STDIN"
        with pms_credential_connector(credential=credential) as connector, raw.copy(sql) as copy:
            for page in connector.fetch_residents(pms_property_ids):
                for r in page.records:
                    copy.write_row((
                        r.external_id, r.pms_property_id, r.first_name, r.last_name, r.email,
                        r.phone, r.lease_start, r.lease_end, r.move_in, r.move_out, r.unit_id,
                        r.unit_name, r.raw_status, r.lifecycle.value, r.role.value, r.lease_id,
                        r.raw_email,
                    ))  # fmt: skip
                    count += 1
    return count
