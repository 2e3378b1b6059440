"""People page: render time and query count at 1,000 and 10,000 residents.

Baseline, measured in the same run: the same page with one page's worth (50)
of residents. Queries must not grow with residents; time should stay near 1x.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync uv run python benchmarks/people_page.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._django import benchmark_database

RUNS = 15


def main() -> None:
    with benchmark_database():
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from properties.models import Membership
        from properties.services import membership_create, organization_create, property_create
        from residents.models import Resident, ResidentStatus
        from units.models import Unit

        user = get_user_model().objects.create_user("bench", password="bench-password-1")
        org = organization_create(name="Bench")
        membership_create(user=user, organization=org, role=Membership.Role.PORTFOLIO_MANAGER)
        client = Client()
        client.force_login(user)

        def measure(n: int) -> tuple[float, float, int]:
            prop = property_create(organization=org, name=f"Bench {n}")
            units = Unit.objects.bulk_create(
                [Unit(property=prop, name=str(i)) for i in range(max(1, n // 2))]
            )
            statuses = [ResidentStatus.CURRENT, ResidentStatus.FUTURE, ResidentStatus.PAST]
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
                    for i in range(n)
                ],
                batch_size=2000,
            )
            url = reverse("people", args=[prop.id])
            client.get(url)  # warm caches and templates
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            return statistics.median(times) * 1000, min(times) * 1000, len(queries)

        vendor = connection.vendor
        base_med, base_min, base_q = measure(50)
        print(f"People page benchmark on {vendor} (median of {RUNS} renders)")
        print(
            f"{'residents':>10} {'median ms':>10} {'min ms':>8} {'queries':>8} {'vs baseline':>12}"
        )
        print(f"{50:>10} {base_med:>10.1f} {base_min:>8.1f} {base_q:>8} {'baseline':>12}")
        for n in (1_000, 10_000):
            med, mn, q = measure(n)
            print(f"{n:>10,} {med:>10.1f} {mn:>8.1f} {q:>8} {med / base_med:>11.2f}x")
            if q != base_q:
                print(f"  !! query count grew with residents: {q} vs {base_q}")


if __name__ == "__main__":
    main()
