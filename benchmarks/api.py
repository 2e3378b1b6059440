"""The REST API under load.

``bench_list``: an integrator lists 100,000 residents of one property page by page
(500 a page, following ``next``) with an API token. Per page: time and query count,
which must not grow with the page's position. Baseline, measured in the same run: the
same request on a property with exactly one page (500 residents).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync uv run python benchmarks/api.py
    API_BENCH_RESIDENTS=20000 … benchmarks/api.py   # a quicker look

(A deliveries part for outbound webhooks joins this file later: ``bench_deliveries``.)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._django import benchmark_database

RESIDENTS = int(os.environ.get("API_BENCH_RESIDENTS", "100000"))
PAGE = 500
BASELINE_RUNS = 15


def bench_list() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from api.tokens import api_token_create
    from properties.services import organization_create, property_create
    from residents.models import Resident, ResidentStatus
    from units.models import Unit

    org = organization_create(name="Bench API")
    secret = api_token_create(
        organization=org, name="bench", scopes=["read"], created_by=None
    ).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def fill(name: str, n: int) -> str:
        prop = property_create(organization=org, name=name)
        units = Unit.objects.bulk_create(
            [Unit(property=prop, name=str(i)) for i in range(max(1, n // 2))], batch_size=5000
        )
        statuses = [ResidentStatus.CURRENT, ResidentStatus.FUTURE, ResidentStatus.PAST]
        for start in range(0, n, 10_000):
            Resident.objects.bulk_create(
                [
                    Resident(
                        property=prop,
                        first_name=f"First{i}",
                        last_name=f"Last{i:06d}",
                        email=f"r{i}@example.com",
                        unit=units[i % len(units)],
                        status=statuses[i % 3],
                    )
                    for i in range(start, min(n, start + 10_000))
                ],
                batch_size=5000,
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics for the rows just written
        return reverse("api-residents", args=[prop.id])

    def get(url: str, params: dict | None = None) -> tuple[float, int, dict]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, params or {})
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.content[:300]
        # The token's last_used_at is written once a minute, on whichever page falls then:
        # not a cost of the page.
        counted = [q for q in queries if not q["sql"].startswith('UPDATE "api_apitoken"')]
        return elapsed * 1000, len(counted), response.json()

    # Baseline: one page's worth of residents, one page.
    base_url = fill("Baseline", PAGE)
    get(base_url, {"limit": PAGE})  # warm
    runs = [get(base_url, {"limit": PAGE}) for _ in range(BASELINE_RUNS)]
    base_ms = statistics.median(ms for ms, _, _ in runs)
    base_q = runs[0][1]

    url = fill("Large", RESIDENTS)
    times: list[float] = []
    counts: list[int] = []
    rows = 0
    started = time.perf_counter()
    ms, q, body = get(url, {"limit": PAGE})
    baseline_times = [ms for ms, _, _ in runs]
    while True:
        times.append(ms)
        counts.append(q)
        rows += len(body["results"])
        if body["next"] is None:
            break
        if len(times) % 10 == 0:
            # The baseline again, between pages: a shared machine's load hits both alike.
            baseline_times.append(get(base_url, {"limit": PAGE})[0])
        ms, q, body = get(body["next"])
    total = time.perf_counter() - started
    assert rows == RESIDENTS, rows
    base_ms = statistics.median(baseline_times)

    def at(fraction: float) -> float:
        return times[min(len(times) - 1, int(len(times) * fraction))]

    print(f"API residents list on {connection.vendor}: {RESIDENTS:,} residents, {PAGE} a page")
    print(f"{'':>22} {'ms':>8} {'queries':>8} {'vs baseline':>12}")
    print(
        f"{'baseline (1 page)':>22} {base_ms:>8.1f} {base_q:>8} {'baseline':>12}"
        f"   (median of {len(baseline_times)}, measured between the pages)"
    )
    for label, value in [
        ("first page", times[0]),
        ("page at 50 %", at(0.5)),
        ("last page", times[-1]),
        ("median page", statistics.median(times)),
        ("slowest page", max(times)),
    ]:
        print(f"{label:>22} {value:>8.1f} {'':>8} {value / base_ms:>11.2f}x")
    print(
        f"{'queries per page':>22} {'':>8} {min(counts)}–{max(counts):<5} "
        f"{'flat' if min(counts) == max(counts) == base_q else '!! NOT FLAT'}"
    )
    print(f"{len(times)} pages in {total:.1f} s ({RESIDENTS / total:,.0f} residents/s)")


def main() -> None:
    with benchmark_database("bench_doorsync_api"):
        bench_list()


if __name__ == "__main__":
    main()
