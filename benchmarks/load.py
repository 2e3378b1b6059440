"""Under load: managers browsing and pressing Sync Now while syncs run on two workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync REDIS_URL=redis://127.0.0.1:6379/0 \
        uv run python benchmarks/load.py --duration 60

What runs, all on loopback and in production mode (DEBUG off, the manifest static files,
secure settings; only SECURE_SSL_REDIRECT is off because there is no TLS proxy in front):

- a throw-away PostgreSQL database (bench_load) and the Redis database of REDIS_URL
  (flushed first: it becomes the run's broker and cache);
- the PMS simulator in its own process, ``--residents`` residents (Yardi);
- gunicorn (``--web-workers`` sync workers) serving doorsync;
- two Celery workers (one process each), as production runs them;
- ``--syncs`` properties, each with User Sync on the simulator's properties and already
  synced once before the clock starts; 2 % of the simulator's residents are then edited,
  so the syncs under load have work to do.

Measured in the same run:

1. **baseline**: one manager alone requests each page ``--baseline`` times, workers idle;
2. **load**: ``--users`` managers, each logged in with their own session, for
   ``--duration`` seconds: People (40 %), a resident's page (30 %), the alert window
   (20 %) and Sync Now (10 %, then the panel polled as the browser does, 3 times a second
   apart), with a think time of 0.5 to 1.5 s between actions, as a person clicks; meanwhile
   every property's sync is started at once (``--syncs`` runs on the two workers) and the
   managers' own Sync Now presses start more.

It prints p50/p95 per page for both, the error count (any answer but 200, a timeout or a
refused connection), the sync runs that finished under load, and the CPU seconds each part
used (gunicorn, workers, PostgreSQL, this load generator), which says what limits the
figures on the machine at hand.

Why asyncio + httpx rather than locust: httpx is already a dependency, and the whole
generator is a hundred lines here (fixed users, weighted actions, think time, a hard stop
at ``--duration``); locust would add gevent, Flask and a web UI to the lock for nothing
this run needs. The generator shares the machine with the server: its own CPU time is
printed so it can be accounted for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "bench_load"
PASSWORD = "load-bench-password-1"
VENDOR = "yardi"
PAGES = ("people", "resident", "alerts", "sync_now", "sync_status")
WEIGHTS = {"people": 40, "resident": 30, "alerts": 20, "sync_now": 10}


# --- processes ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and their reaped children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def _postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() in {"postgres", "postmaster"}:
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {timeout:.0f}s")


# --- the load ----------------------------------------------------------------------------


@dataclass
class Samples:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)

    def record(self, page: str, seconds: float, problem: str | None) -> None:
        if problem is None:
            self.times[page].append(seconds)
        else:
            self.errors[page] += 1
            if len(self.error_examples) < 10:
                self.error_examples.append(f"{page}: {problem}")


@dataclass
class Manager:
    """One logged-in manager: their own session cookie and CSRF token."""

    cookies: dict[str, str]
    csrf: str
    property_id: int
    resident_ids: list[int]


class Site:
    def __init__(self, base: str, client: object) -> None:
        import httpx

        self.base = base
        self.client: httpx.AsyncClient = client  # type: ignore[assignment]
        # What a TLS-terminating proxy says: the request was HTTPS (secure cookies, CSRF).
        self.headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{urlsplit(base).netloc}"}

    def _cookie_header(self, cookies: dict[str, str]) -> dict[str, str]:
        # Session and CSRF cookies are Secure in production; sent by hand over loopback HTTP.
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    async def login(self, username: str, property_id: int, resident_ids: list[int]) -> Manager:
        page = await self.client.get("/accounts/login/", headers=self.headers)
        cookies = dict(page.cookies)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the login page"
        response = await self.client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
            headers={**self.headers, **self._cookie_header(cookies)},
        )
        if response.status_code != 302:
            raise SystemExit(f"login of {username} answered {response.status_code}")
        cookies.update(dict(response.cookies))
        return Manager(cookies, cookies["csrftoken"], property_id, resident_ids)

    def url(self, page: str, manager: Manager, rng: random.Random) -> tuple[str, str]:
        p = manager.property_id
        if page == "people":
            return "GET", f"/p/{p}/people/"
        if page == "resident":
            return "GET", f"/p/{p}/people/{rng.choice(manager.resident_ids)}/"
        if page == "alerts":
            return "GET", f"/p/{p}/alerts/"
        if page == "sync_now":
            return "POST", f"/p/{p}/people/sync-now/"
        return "GET", f"/p/{p}/people/sync-status/"

    async def request(
        self, page: str, manager: Manager, rng: random.Random, samples: Samples
    ) -> None:
        import httpx

        method, url = self.url(page, manager, rng)
        headers = {**self.headers, **self._cookie_header(manager.cookies)}
        if page in {"alerts", "sync_now", "sync_status"}:
            headers["HX-Request"] = "true"  # what the console's htmx sends
        if method == "POST":
            headers["X-CSRFToken"] = manager.csrf
        started = time.perf_counter()
        problem: str | None = None
        try:
            response = await self.client.request(method, url, headers=headers)
            if response.status_code != 200:
                problem = f"{method} {url} answered {response.status_code}"
        except httpx.HTTPError as exc:
            problem = f"{method} {url}: {type(exc).__name__} {exc}"
        samples.record(page, time.perf_counter() - started, problem)


async def _browse(
    site: Site, manager: Manager, stop_at: float, samples: Samples, seed: int, think: float
) -> None:
    rng = random.Random(seed)
    pages, weights = zip(*WEIGHTS.items(), strict=True)
    await asyncio.sleep(rng.uniform(0, think))  # managers do not all click at once
    while time.monotonic() < stop_at:
        page = rng.choices(pages, weights)[0]
        await site.request(page, manager, rng, samples)
        if page == "sync_now":
            for _ in range(3):  # the panel polls itself every second while a sync runs
                await asyncio.sleep(1)
                if time.monotonic() >= stop_at:
                    return
                await site.request("sync_status", manager, rng, samples)
        await asyncio.sleep(rng.uniform(think * 0.5, think * 1.5))


async def _baseline(site: Site, manager: Manager, rounds: int) -> Samples:
    samples = Samples()
    rng = random.Random(0)
    for page in ("people", "resident", "alerts", "sync_now", "sync_status"):
        for _ in range(rounds):
            await site.request(page, manager, rng, samples)
    return samples


# --- set-up in this process (Django on the throw-away database) ---------------------------


@dataclass
class Seeded:
    properties: list[tuple[int, list[int]]]  # (property id, resident ids)
    usernames: list[str]
    integration_ids: list[int]
    sync_seconds: float


def seed(sim: object, *, syncs: int, users: int) -> Seeded:
    from django.contrib.auth import get_user_model

    from benchmarks._sync_setup import integration_create, sync_once
    from integrations.credentials.services import pms_credential_create
    from integrations.simulator.credentials import demo_fields
    from properties.models import Membership
    from properties.services import membership_create, organization_create
    from residents.models import Resident

    org = organization_create(name="Load bench")
    credential = pms_credential_create(
        organization=org,
        vendor=VENDOR,
        label="Simulator",
        values=demo_fields(VENDOR),
        endpoint_override=sim.vendor_url(VENDOR),  # type: ignore[attr-defined]
        by_support=True,
    )
    integrations = [
        integration_create(
            handle=sim, vendor=VENDOR, name=f"Load {n:02d}", organization=org, credential=credential
        )
        for n in range(syncs)
    ]
    started = time.perf_counter()
    for integration in integrations:
        sync_once(integration)
    sync_seconds = time.perf_counter() - started
    User = get_user_model()
    usernames = []
    for n in range(users):
        user = User.objects.create_user(f"manager{n:02d}", password=PASSWORD)
        membership_create(user=user, organization=org, role=Membership.Role.PORTFOLIO_MANAGER)
        usernames.append(user.username)
    properties = [
        (
            i.property_id,
            list(Resident.objects.filter(property_id=i.property_id).values_list("id", flat=True)),
        )
        for i in integrations
    ]
    return Seeded(properties, usernames, [i.id for i in integrations], sync_seconds)


def _in_thread(fn: Any, *args: Any) -> Any:
    """Django from the event loop's worker thread, closing that thread's connection after
    (the throw-away database cannot be dropped while a connection stays open)."""
    from django.db import connections

    try:
        return fn(*args)
    finally:
        connections.close_all()


def start_syncs(integration_ids: list[int]) -> None:
    from django.db import transaction

    from integrations.models import PMSIntegration, SyncRun
    from integrations.sync.runs import sync_run_start

    for integration in PMSIntegration.objects.filter(id__in=integration_ids):
        with transaction.atomic():  # queued on commit, as the beat does
            sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)


def runs_since(moment: object) -> dict[str, int]:
    from django.db.models import Count

    from integrations.models import SyncRun

    rows = SyncRun.objects.filter(created_at__gte=moment).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


# --- report ------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(
    base: Samples, load: Samples, *, args: argparse.Namespace, extra: dict[str, object]
) -> bool:
    print(
        f"\nLoad benchmark — {args.users} managers for {args.duration:.0f}s, {args.syncs} "
        f"syncs of {args.residents:,} residents on 2 Celery workers, gunicorn "
        f"{args.web_workers} workers, PostgreSQL + Redis, {os.cpu_count()} CPUs"
    )
    print(f"{'page':<12} {'baseline p50':>12} {'p95':>8} {'load p50':>10} {'p95':>8} "
          f"{'requests':>9} {'errors':>7}")  # fmt: skip
    worst = 0.0
    for page in PAGES:
        b, lo = base.times.get(page, []), load.times.get(page, [])
        p95 = _pct(lo, 95)
        worst = max(worst, p95 if lo else 0.0)
        print(
            f"{page:<12} {_pct(b, 50) * 1000:>10.0f}ms {_pct(b, 95) * 1000:>6.0f}ms "
            f"{_pct(lo, 50) * 1000:>8.0f}ms {p95 * 1000:>6.0f}ms "
            f"{len(lo) + load.errors.get(page, 0):>9} {load.errors.get(page, 0):>7}"
        )
    total = sum(len(v) for v in load.times.values())
    errors = sum(load.errors.values()) + sum(base.errors.values())
    print(f"requests under load: {total:,} ({total / args.duration:.1f}/s); errors: {errors}")
    for example in base.error_examples + load.error_examples:
        print(f"  error: {example}")
    for key, value in extra.items():
        print(f"{key}: {value}")
    passed = errors == 0 and worst < 0.5
    print(f"goal (p95 under 500 ms on every page, no errors): {'met' if passed else 'NOT met'}")
    return passed


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--syncs", type=int, default=20, help="properties, one sync each")
    parser.add_argument("--residents", type=int, default=1000, help="simulator residents")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between clicks")
    parser.add_argument("--baseline", type=int, default=20, help="requests per page, 1 user")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the load runs on both.")
    # One set of keys for this process (which stores the credential) and the servers.
    from cryptography.fernet import Fernet

    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["FERNET_KEYS"] = Fernet.generate_key().decode()

    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the run's own broker queue and cache

    from benchmarks._django import benchmark_database
    from benchmarks._sync_setup import SimulatorProcess, residents_change

    with benchmark_database(DB_NAME), tempfile.TemporaryDirectory() as tmp:
        from django.utils import timezone

        sim = SimulatorProcess(residents=args.residents, seed=7)
        try:
            started = time.perf_counter()
            seeded = seed(sim, syncs=args.syncs, users=args.users)
            print(f"set-up: {args.syncs} properties synced once in {seeded.sync_seconds:.1f}s "
                  f"({time.perf_counter() - started:.1f}s with users)")  # fmt: skip
            residents_change(sim, 0.02, seed=7, round_no=1)
            asyncio.run(_serve_and_load(args, seeded, tmp, database_url, redis_url, timezone))
        finally:
            sim.stop()


async def _serve_and_load(
    args: argparse.Namespace,
    seeded: Seeded,
    tmp: str,
    database_url: str,
    redis_url: str,
    timezone: object,
) -> None:
    import httpx

    parts = urlsplit(database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "doorsync.settings",
        "DEBUG": "false",
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{DB_NAME}")),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PMS_ENDPOINT_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(Path(tmp) / "static"),
        "AXES_ENABLED": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",  # the workers' "ready" line reaches their log at once
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "doorsync.wsgi", "-b", f"127.0.0.1:{port}",
                "--workers", str(args.web_workers), "--timeout", "60"]  # fmt: skip
    logs = ROOT / "var" / "load-bench"  # kept after the run: var/ is git-ignored
    logs.mkdir(parents=True, exist_ok=True)
    with _process(gunicorn, env, logs / "gunicorn.log") as web:

        def web_up() -> bool:
            try:
                return httpx.get(f"{base}/accounts/login/").status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(web_up, "gunicorn")
        limits = httpx.Limits(max_connections=args.users + 10)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            site = Site(base, client)
            managers = []
            for n, username in enumerate(seeded.usernames):
                prop, residents = seeded.properties[n % len(seeded.properties)]
                managers.append(await site.login(username, prop, residents))
            baseline = await _baseline(site, managers[0], args.baseline)

            # The two workers start now: the baseline's Sync Now presses wait for them too.
            workers = [
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "doorsync",
                    "worker",
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "-n",
                    f"load{n}@%h",
                ]
                for n in (1, 2)
            ]
            with (
                _process(workers[0], env, logs / "worker1.log") as w1,
                _process(workers[1], env, logs / "worker2.log") as w2,
            ):
                cpu_parts = {
                    "gunicorn": lambda: _cpu_seconds(_descendants(web.pid)),
                    "celery workers": lambda: _cpu_seconds(
                        _descendants(w1.pid) + _descendants(w2.pid)
                    ),
                    "postgresql": lambda: _cpu_seconds(_postgres_pids()),
                    "load generator": lambda: _cpu_seconds([os.getpid()]),
                }
                for n in (1, 2):  # both consuming before the clock starts
                    log = logs / f"worker{n}.log"
                    _wait_for(lambda log=log: " ready." in log.read_text(), f"worker {n}", 180)
                before = {k: f() for k, f in cpu_parts.items()}
                moment = timezone.now()  # type: ignore[attr-defined]
                await asyncio.to_thread(_in_thread, start_syncs, seeded.integration_ids)
                load = Samples()
                stop_at = time.monotonic() + args.duration
                wall = time.perf_counter()
                await asyncio.gather(
                    *(
                        _browse(site, m, stop_at, load, seed=n, think=args.think)
                        for n, m in enumerate(managers)
                    )
                )
                wall = time.perf_counter() - wall
                used = {k: f() - before[k] for k, f in cpu_parts.items()}
                runs = await asyncio.to_thread(_in_thread, runs_since, moment)
                load_avg = os.getloadavg()
    cpu = ", ".join(f"{k} {v:.0f}s" for k, v in used.items())
    served = sum(len(v) for v in load.times.values()) or 1
    # What a page costs the web tier, whatever the machine's other tenants took: with it,
    # cores / cost is the throughput a dedicated machine would reach.
    web_ms = used["gunicorn"] / served * 1000
    report(
        baseline,
        load,
        args=args,
        extra={
            "sync runs started under load, by state at the end": runs,
            "CPU seconds used under load": f"{cpu} (of {wall * (os.cpu_count() or 1):.0f}s "
            f"available on {os.cpu_count()} CPUs in {wall:.0f}s)",
            "gunicorn CPU per request": f"{web_ms:.0f} ms (so about "
            f"{(os.cpu_count() or 1) * 1000 / max(web_ms, 1):.0f} requests/s per machine of "
            f"{os.cpu_count()} CPUs for the web tier alone)",
            "load average (1/5/15 min)": " / ".join(f"{x:.1f}" for x in load_avg)
            + " — above the CPU count, other processes competed for the CPUs",
        },
    )


if __name__ == "__main__":
    main()
