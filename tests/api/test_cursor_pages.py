"""Keyset pages hold still while rows change: nothing is skipped or shown twice when rows
are added or deleted meanwhile, and a row changed after it was read comes again at the
end (what a client following changes wants). updated_since narrows to recent changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _ids(page) -> list[int]:
    return [r["id"] for r in page["results"]]


def test_pages_hold_still_while_rows_are_added_changed_and_deleted(acme_client, prop_a):
    start = timezone.now()
    with time_machine.travel(start, tick=True):
        people = [ResidentFactory(property=prop_a) for _ in range(9)]
    url = reverse("api-residents", args=[prop_a.id])

    first = acme_client.get(url, {"limit": 3}).json()
    assert _ids(first) == [p.id for p in people[:3]]
    # Meanwhile: one already read changes, one not yet read is deleted, one is added
    with time_machine.travel(start + timedelta(minutes=5), tick=True):
        people[0].first_name = "Changed"
        people[0].save()
        people[4].delete()
        added = ResidentFactory(property=prop_a)

    seen = _ids(first)
    page = first
    while page["next"]:
        page = acme_client.get(page["next"]).json()
        seen.extend(_ids(page))

    expected_rest = [p.id for p in people[3:] if p.id != people[4].id]
    assert seen == [p.id for p in people[:3]] + expected_rest + [people[0].id, added.id]


def test_resume_returns_only_what_changed_since(acme_client, prop_a):
    ResidentFactory.create_batch(3, property=prop_a)
    url = reverse("api-residents", args=[prop_a.id])
    page = acme_client.get(url).json()
    assert page["next"] is None

    quiet = acme_client.get(url, {"cursor": page["resume"]}).json()
    assert quiet["results"] == [] and quiet["resume"] == page["resume"]
    changed = Resident.objects.filter(property=prop_a).first()
    changed.phone = "+16175550199"
    changed.save()

    assert _ids(acme_client.get(url, {"cursor": page["resume"]}).json()) == [changed.id]


def test_updated_since(acme_client, prop_a):
    old = timezone.now() - timedelta(days=2)
    with time_machine.travel(old, tick=False):
        ResidentFactory(property=prop_a)
    fresh = ResidentFactory(property=prop_a)
    url = reverse("api-residents", args=[prop_a.id])

    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _ids(acme_client.get(url, {"updated_since": since}).json()) == [fresh.id]
    bad = acme_client.get(url, {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "updated_since"


@pytest.mark.postgresql
def test_a_page_costs_the_same_queries_wherever_it_is(acme_client, acme, prop_a):
    ResidentFactory.create_batch(30, property=prop_a)
    url = reverse("api-residents", args=[prop_a.id])

    def queries(params) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as ctx:
            body = acme_client.get(url, params).json()
        return len(ctx.captured_queries), body

    # Warm: last_used_at is written at most once a minute.
    _, first = queries({"limit": 5})
    later_count, later = queries({"limit": 5, "cursor": first["resume"]})
    count_far, _ = queries({"limit": 5, "cursor": later["resume"]})
    # 1 the token (by its prefix), 2 the property (with the token's restriction), 3 the page
    # with units joined and key counts.
    assert later_count == count_far == 3
