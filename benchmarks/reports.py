"""Reports: stream Assigned Access and Admin Actions as CSV at 100,000 rows.

Baseline, measured in the same run: the same rows read bare (ids only, one query, no
CSV). Figures: seconds to stream the whole file, rows per second, queries, and the peak
memory Python allocated while streaming (tracemalloc) — flat, because rows are read with a
server-side cursor and written line by line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync uv run python benchmarks/reports.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._django import benchmark_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    with benchmark_database("bench_doorsync_reports"):
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from access.models import Key, KeyGrant
        from audit.models import AccessEvent
        from properties.models import Membership
        from properties.services import membership_create, organization_create, property_create
        from residents.models import Resident, ResidentStatus

        user = get_user_model().objects.create_user("bench", password="bench-password-1")
        org = organization_create(name="Bench")
        membership_create(user=user, organization=org, role=Membership.Role.PORTFOLIO_MANAGER)
        prop = property_create(organization=org, name="Bench")
        key = Key.objects.create(property=prop, name="Bench key", kind=Key.Kind.COMMON)
        residents = Resident.objects.bulk_create(
            [
                Resident(
                    property=prop,
                    first_name=f"First{i}",
                    last_name=f"Last{i:06d}",
                    email=f"r{i}@example.com",
                    status=ResidentStatus.CURRENT,
                )
                for i in range(rows)
            ],
            batch_size=5000,
        )
        now = timezone.now()
        grants = KeyGrant.objects.bulk_create(
            [KeyGrant(key=key, resident=r, starts_at=now, granted_by=user) for r in residents],
            batch_size=5000,
        )
        AccessEvent.objects.bulk_create(
            [
                AccessEvent(
                    property=prop,
                    actor=user,
                    actor_label="Bench Manager",
                    action=AccessEvent.Action.KEY_GRANTED,
                    subject=f"granted {g.id}",
                    resident_id=g.resident_id,
                    key=key,
                    reason="Bench",
                    data={"grant": g.id, "source": "manual"},
                    created_at=now,
                )
                for g in grants
            ],
            batch_size=5000,
        )
        client = Client()
        client.force_login(user)

        def stream(url: str) -> tuple[float, int, int, float]:
            executed: list[str] = []

            def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
                executed.append(sql)
                return execute(sql, params, many, context)

            start = time.perf_counter()
            # Counted with a wrapper: the test client resets connection.queries per request.
            with connection.execute_wrapper(count):
                response = client.get(url, {"export": "csv"})
                lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
            seconds = time.perf_counter() - start
            # Memory in a second pass: tracemalloc slows Python down several times.
            tracemalloc.start()
            for _ in client.get(url, {"export": "csv"}).streaming_content:
                pass
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            return seconds, lines - 1, len(executed), peak

        start = time.perf_counter()
        bare = sum(1 for _ in KeyGrant.objects.values_list("id", flat=True).iterator(2000))
        bare_s = time.perf_counter() - start

        print(f"Reports CSV benchmark on {connection.vendor}: {rows:,} rows")
        print(
            f"{'report':<18} {'seconds':>8} {'rows':>8} {'rows/s':>9} {'queries':>8} {'peak MB':>8} {'vs bare read':>13}"
        )
        print(
            f"{'bare id read':<18} {bare_s:>8.2f} {bare:>8,} {bare / bare_s:>9,.0f} {1:>8} {'-':>8} {'baseline':>13}"
        )
        for name in ("report-assigned-access", "report-admin-actions"):
            seconds, n, q, peak = stream(reverse(name, args=[prop.id]))
            print(
                f"{name[7:]:<18} {seconds:>8.2f} {n:>8,} {n / seconds:>9,.0f} {q:>8} {peak:>8.1f} {seconds / bare_s:>12.1f}x"
            )


if __name__ == "__main__":
    main()
