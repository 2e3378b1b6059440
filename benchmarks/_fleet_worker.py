"""Loaded into the benchmark's Celery worker (``celery worker -I benchmarks._fleet_worker``).

For every user_sync_task a pool process runs, appends one JSON line to the file named by
FLEET_BENCH_OUT: the run id, its wall and CPU time, the time spent fetching and parsing
(``snapshot_fetch``, timed by wrapping it where the service calls it), the queries on the
task's own connection, and the process's peak RSS so far. The sync itself is untouched.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery.signals import task_postrun, task_prerun

_state: dict[str, Any] = {}
_OUT = os.environ.get("FLEET_BENCH_OUT", "")
_QUEUE = os.environ.get("FLEET_BENCH_QUEUE", "")


def _own_queue() -> None:
    """What the pool sends (a retry, a run paced for rate-limit budget, a notice) goes to
    the benchmark's own queue, which this worker consumes — not the shared default."""
    if not _QUEUE:
        return
    from doorsync.celery import app

    app.conf.task_default_queue = _QUEUE
    app.conf.task_routes = {"*": {"queue": _QUEUE}}


_own_queue()


def _vm(name: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _fetch_timed() -> None:
    """Wrap the service's snapshot_fetch once per process, adding its time to _state."""
    from integrations.sync import service

    if getattr(service.snapshot_fetch, "_fleet_timed", False):
        return
    inner = service.snapshot_fetch

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            _state["fetch_s"] = _state.get("fetch_s", 0.0) + time.perf_counter() - start

    timed._fleet_timed = True  # type: ignore[attr-defined]
    service.snapshot_fetch = timed  # type: ignore[assignment]


def _connect_timed() -> None:
    """Count and time the task's new database connections (CONN_MAX_AGE=0, the default,
    closes the connection after every task, so each run opens one)."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    if getattr(BaseDatabaseWrapper.connect, "_fleet_timed", False):
        return
    inner = BaseDatabaseWrapper.connect

    def timed(self: Any) -> None:
        start = time.perf_counter()
        try:
            inner(self)
        finally:
            _state["connects"] = _state.get("connects", 0) + 1
            _state["connect_s"] = _state.get("connect_s", 0.0) + time.perf_counter() - start

    timed._fleet_timed = True  # type: ignore[attr-defined]
    BaseDatabaseWrapper.connect = timed  # type: ignore[method-assign]


@task_prerun.connect
def _before(task_id: str, task: Any, args: Any = None, **_: Any) -> None:
    if not task.name.endswith("user_sync_task"):
        return
    from django.db import connection

    from benchmarks._sync_setup import QueryCounter

    _fetch_timed()
    _connect_timed()
    counter = QueryCounter()
    wrapper = connection.execute_wrapper(counter)
    wrapper.__enter__()
    _state.update(
        counter=counter,
        wrapper=wrapper,
        fetch_s=0.0,
        connects=0,
        connect_s=0.0,
        start=time.perf_counter(),
        cpu=time.process_time(),
        run_id=args[0] if args else None,
    )


@task_postrun.connect
def _after(task_id: str, task: Any, state: str | None = None, **_: Any) -> None:
    if not task.name.endswith("user_sync_task") or "wrapper" not in _state:
        return
    wall = time.perf_counter() - _state["start"]
    cpu = time.process_time() - _state["cpu"]
    _state["wrapper"].__exit__(None, None, None)
    counter = _state.pop("counter")
    _state.pop("wrapper")
    row = {
        "run_id": _state.get("run_id"),
        "pid": os.getpid(),
        "wall_s": wall,
        "cpu_s": cpu,
        "fetch_s": _state.get("fetch_s", 0.0),
        "queries": counter.count,
        "connects": _state.get("connects", 0),
        "connect_s": _state.get("connect_s", 0.0),
        "sql_s": sum(s for _, s in counter.by_kind.values()),
        "state": state,
        "rss_mb": _vm("VmRSS"),
        "hwm_mb": _vm("VmHWM"),
    }
    if _OUT:
        with open(_OUT, "a") as f:
            f.write(json.dumps(row) + "\n")
