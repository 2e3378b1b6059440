"""Webhook delivery benchmark: N events emitted, then every delivery sent over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync \
        uv run python benchmarks/webhooks.py [--events 10000]

A throw-away database, one organization with one endpoint receiving every event at a
local receiver (http.server in a thread, answering 200 "ok"). Measured in the same run:

  emit      N access.granted events recorded after commit (messages + deliveries) —
            queries must not grow with N;
  deliver   every delivery through ``delivery_attempt`` (claim, sign, POST through the
            egress guard, attempt logged), one worker, in this process: deliveries per
            second and queries per delivery;
  baseline  the same N bodies POSTed to the same receiver with a bare httpx client and no
            database, signing or guard — what the HTTP alone costs on this machine.

``bench_deliveries()`` is the entry point (benchmarks/api.py has ``bench_list()``; the
lead may join the two).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._django import benchmark_database

DB_NAME = "bench_webhooks"


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: Any) -> Any:  # fmt: skip
        self.count += 1
        return execute(sql, params, many, context)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (~40 ms)
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).received += 1
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Figures:
    events: int
    emit_seconds: float
    emit_queries: int
    deliver_seconds: float
    deliver_queries: int
    baseline_seconds: float

    def show(self) -> None:
        n = self.events
        print(f"events: {n:,}")
        print(f"  emit     {self.emit_seconds:7.2f} s   {self.emit_queries} queries in all")
        print(
            f"  deliver  {self.deliver_seconds:7.2f} s   {n / self.deliver_seconds:7.0f} deliveries/s"
            f"   {self.deliver_queries / n:.1f} queries per delivery"
        )
        print(
            f"  baseline {self.baseline_seconds:7.2f} s   {n / self.baseline_seconds:7.0f} POSTs/s"
            "   (one bare httpx client, no database, no signing, no guard)"
        )
        print(f"  overhead ×{self.deliver_seconds / self.baseline_seconds:.1f} the bare HTTP time")


def bench_deliveries(events: int = 10_000) -> Figures:
    import httpx
    from django.db import connection, transaction

    from tests.factories import OrganizationFactory, PropertyFactory
    from webhooks import emit
    from webhooks.delivery import delivery_attempt
    from webhooks.emit import WebhookEvent, webhook_events_emit
    from webhooks.models import WebhookDelivery
    from webhooks.services import endpoint_create

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        org = OrganizationFactory()
        prop = PropertyFactory(organization=org)
        endpoint_create(organization=org, url=url, events=["access.granted"])
        queued: list[int] = []
        emit.deliveries_enqueue = queued.extend  # kept here: no broker in a benchmark

        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter), transaction.atomic():
            webhook_events_emit(
                events=[
                    WebhookEvent(org.id, "access.granted", {"grant_id": i}, property_id=prop.id)
                    for i in range(events)
                ]
            )
        emit_seconds = time.perf_counter() - started
        emit_queries = counter.count
        assert len(queued) == events, len(queued)

        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            for delivery_id in queued:
                delivery_attempt(delivery_id=delivery_id)
        deliver_seconds = time.perf_counter() - started
        delivered = WebhookDelivery.objects.filter(state="succeeded").count()
        assert delivered == events, delivered

        body = b'{"type":"access.granted","timestamp":"2026-01-01T00:00:00Z","data":{"grant_id":1}}'
        started = time.perf_counter()
        with httpx.Client(timeout=10) as client:
            for _ in range(events):
                client.post(url, content=body)
        baseline_seconds = time.perf_counter() - started
        return Figures(
            events, emit_seconds, emit_queries, deliver_seconds, counter.count, baseline_seconds
        )
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    with benchmark_database(DB_NAME):
        bench_deliveries(args.events).show()


if __name__ == "__main__":
    main()
