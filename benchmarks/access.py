"""Automated Access benchmark on PostgreSQL: N move-ins in one sync, then all approved at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/doorsync \
        uv run python benchmarks/access.py [--sizes 500,1000,2000] [--repeat 3]

For each size N, worlds are built alike: a property with N units (each with its unit key;
the two common-area keys shared with every current resident), a User Sync integration
whose N PMS units are mapped, and N future residents already synced. The timed sync is
one hand-made snapshot in which all N leases are current (``snapshot_apply``, the engine
the Celery task runs, without the vendor fetch), so each resident is a move-in: their
unit key + 2 common-area keys = 3 access suggestions (or grants).

Measured in the same run, each against its baseline:
  sync      access mode Off (the same move-ins, no Automated Access work) vs Approval
            Required (suggestions written) and Automatic (grants and audit written);
  approval  Update Access with all_matching=1, one POST through django.test.Client as a
            manager with htmx (the window is rendered back), vs a raw bulk_create of the
            same number of KeyGrants, and of those KeyGrants plus the AccessEvents the
            approval writes (2 per suggestion: key granted, suggestion approved).

Wall time is the median of --repeat runs, each on fresh worlds; queries are counted with
an execute_wrapper. Query counts must grow with batches (User Sync: 1,000 records;
approval: 500 suggestions), never with records or suggestions.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._django import benchmark_database

DB_NAME = "bench_access"
SUGGESTIONS_PER_MOVE_IN = 3  # unit key + "Resident Entrances" + "Resident Amenities"


class QueryCounter:
    """Counts statements through Django's connection without keeping their SQL."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: Any) -> Any:  # fmt: skip
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Measured:
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.seconds)

    @property
    def query_count(self) -> int:
        # Equal in every repeat (the same work); the max would show it if not.
        return max(self.queries)


@contextmanager
def measuring(into: Measured) -> Iterator[None]:
    """Wall time and statements of the block; nested blocks each count their own."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
    into.seconds.append(elapsed)
    into.queries.append(counter.count)


# --- the worlds ------------------------------------------------------------------------


def sync_apply(integration: Any, snapshot: Any, into: Measured | None = None) -> Any:
    """One run of the sync engine over a hand-made snapshot; only the apply is timed."""
    from contextlib import nullcontext

    from integrations.models import SyncRun
    from integrations.sync.runs import sync_run_finish
    from integrations.sync.user_sync import snapshot_apply

    run = SyncRun.objects.create(
        integration=integration, trigger=SyncRun.Trigger.SCHEDULE, state=SyncRun.State.RUNNING
    )
    with measuring(into) if into is not None else nullcontext():
        counts = snapshot_apply(run=run, snapshot=snapshot)
    sync_run_finish(run=run, ok=True, counts=dict(counts))
    return counts


@dataclass
class World:
    prop: Any
    integration: Any
    units: list[Any]
    pms_units: list[Any]
    future: list[Any]


def world_create(org: Any, n: int, mode: str, tag: str) -> World:
    """A property with N mapped units and N future residents synced once (not timed)."""
    from django.utils import timezone

    from integrations.credentials.services import pms_credential_create
    from integrations.models import PMSIntegration
    from integrations.pms.types import Lifecycle, PMSResident
    from integrations.pms.types import PMSUnit as PMSUnitRecord
    from integrations.simulator.credentials import demo_fields
    from integrations.sync.user_sync import Snapshot
    from integrations.unit_mapping import units_map_identical_names
    from properties.services import property_create
    from units.services import units_bulk_create

    prop = property_create(organization=org, name=f"Bench {tag}")
    units = units_bulk_create(property=prop, rows=[(f"{i:05d}", "", "") for i in range(n)])
    credential = pms_credential_create(
        organization=org,
        vendor="yardi",
        label=f"yardi {tag}",
        values=demo_fields("yardi"),
        endpoint_override="http://127.0.0.1:9/",  # never called: the snapshot is hand-made
        by_support=True,
    )
    integration = PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=["1001"],
        user_sync_enabled=True,
        access_mode=mode,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    pms_units = [PMSUnitRecord(id=f"U{i:05d}", pms_property_id="1001", name=f"{i:05d}")
                 for i in range(n)]  # fmt: skip
    soon = date.today() + timedelta(days=30)
    future = [
        PMSResident(
            external_id=f"R{i:05d}",
            pms_property_id="1001",
            first_name=f"First{i}",
            last_name=f"Last{i:05d}",
            email=f"r{i}.{tag}@example.com",
            raw_email=f"r{i}.{tag}@example.com",
            phone=f"+1415555{i % 10000:04d}",
            lease_start=soon,
            lease_end=soon + timedelta(days=365),
            move_in=soon,
            move_out=None,
            unit_id=f"U{i:05d}",
            unit_name=f"{i:05d}",
            raw_status="Future",
            lifecycle=Lifecycle.FUTURE,
        )
        for i in range(n)
    ]
    # The PMS unit list arrives with the first sync; the units are then mapped by name.
    sync_apply(integration, Snapshot(records=[], errors=[], units=pms_units))
    assert units_map_identical_names(integration=integration, actor=None) == n
    sync_apply(integration, Snapshot(records=future, errors=[], units=pms_units))
    return World(prop, integration, units, pms_units, future)


@contextmanager
def automation_measured(into: Measured) -> Iterator[None]:
    """Time the Automated Access step the sync calls at the end of each batch, apart."""
    from integrations.sync import writer

    names = ("transitions_suggest", "transitions_apply_automatically")
    originals = {name: getattr(writer, name) for name in names}
    spent = Measured(seconds=[0.0], queries=[0])

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            one = Measured()
            with measuring(one):
                result = fn(**kwargs)
            spent.seconds[0] += one.seconds[0]
            spent.queries[0] += one.queries[0]
            return result

        return wrapper

    for name, fn in originals.items():
        setattr(writer, name, timed(fn))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(writer, name, fn)
        into.seconds += spent.seconds
        into.queries += spent.queries


def move_in_sync(world: World, into: Measured, automation: Measured) -> None:
    """The timed sync: every lease of the world is now current."""
    import dataclasses

    from integrations.pms.types import Lifecycle
    from integrations.sync.user_sync import Snapshot

    today = date.today()
    current = [
        dataclasses.replace(r, lifecycle=Lifecycle.CURRENT, raw_status="Current", move_in=today)
        for r in world.future
    ]
    with automation_measured(automation):
        counts = sync_apply(
            world.integration, Snapshot(records=current, errors=[], units=world.pms_units), into
        )
    assert counts["updated"] == len(current), counts


def approve_all(client: Any, world: World, into: Measured) -> None:
    from django.urls import reverse

    from access.models import AccessSuggestion, KeyGrant

    url = reverse("suggestions-update-access", args=[world.prop.id])
    expected = len(world.future) * SUGGESTIONS_PER_MOVE_IN
    assert (
        AccessSuggestion.objects.filter(
            property=world.prop, state=AccessSuggestion.State.PENDING
        ).count()
        == expected
    )
    with measuring(into):
        response = client.post(url, {"all_matching": "1", "kind": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.status_code
    assert f"Access updated: {expected:,} keys granted." in response.content.decode()
    granted = KeyGrant.objects.filter(resident__property=world.prop, revoked_at__isnull=True)
    assert granted.count() == expected


def raw_grants(world: World, into: Measured, *, with_events: bool) -> None:
    """Baseline: the same number of KeyGrants (and events) with plain bulk_create."""
    from django.db import transaction
    from django.utils import timezone

    from access.models import Key, KeyGrant
    from audit.models import AccessEvent
    from residents.models import Resident

    residents = list(Resident.objects.filter(property=world.prop).order_by("id"))
    keys_by_unit = dict(
        Key.objects.filter(property=world.prop, kind=Key.Kind.UNIT).values_list("unit_id", "id")
    )
    common = list(
        Key.objects.filter(property=world.prop, share_with_current_residents=True).values_list(
            "id", flat=True
        )
    )
    now = timezone.now()
    grants = [
        KeyGrant(key_id=k, resident=r, starts_at=now, source=KeyGrant.Source.AUTOMATED)
        for r in residents
        for k in (keys_by_unit[r.unit_id], *common)
    ]
    events = [
        AccessEvent(property=world.prop, actor_label="bench", action=action, resident=g.resident,
                    key_id=g.key_id, subject="raw", created_at=now)
        for g in grants
        for action in (AccessEvent.Action.KEY_GRANTED, AccessEvent.Action.SUGGESTION_APPROVED)
    ]  # fmt: skip
    with measuring(into), transaction.atomic():
        KeyGrant.objects.bulk_create(grants)
        if with_events:
            AccessEvent.objects.bulk_create(events)
    # Leave the world as it was, for the next baseline.
    KeyGrant.objects.filter(resident__property=world.prop).delete()


# --- the run ---------------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    sync: dict[str, Measured]
    automation: dict[str, Measured]
    approval: dict[str, Measured]


def run_size(org: Any, client: Any, n: int, repeat: int) -> SizeResult:
    from integrations.models import AccessMode

    sync = {m: Measured() for m in AccessMode.values}
    automation = {m: Measured() for m in AccessMode.values}
    approval = {k: Measured() for k in ("raw", "raw+events", "update")}
    for r in range(repeat):
        modes = AccessMode.values
        worlds = {m: world_create(org, n, m, f"{n}-{m}-{r}") for m in modes}
        # Each repeat starts with another mode, so no mode always runs first (cold).
        for mode in modes[r % len(modes) :] + modes[: r % len(modes)]:
            move_in_sync(worlds[mode], sync[mode], automation[mode])
        approve_all(client, worlds[AccessMode.APPROVAL_REQUIRED], approval["update"])
        raw_grants(worlds[AccessMode.OFF], approval["raw"], with_events=False)
        raw_grants(worlds[AccessMode.OFF], approval["raw+events"], with_events=True)
    return SizeResult(n, sync, automation, approval)


def batches(count: int, size: int) -> int:
    return max(1, -(-count // size))


def report(results: list[SizeResult], repeat: int) -> None:
    from django.db import connection

    from access.automation import APPROVE_BATCH
    from integrations.models import AccessMode
    from integrations.sync.user_sync import BATCH_SIZE

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    print(f"\nAutomated Access — PostgreSQL {version}, median of {repeat}; a move-in = "
          f"{SUGGESTIONS_PER_MOVE_IN} keys (unit + 2 common-area); User Sync batches "
          f"{BATCH_SIZE:,} records, approval batches {APPROVE_BATCH} suggestions")  # fmt: skip
    print("AA = the Automated Access step inside the sync (suggest / apply), timed apart\n")
    head = (f"{'':37} {'N':>6} {'rows':>6} {'batch':>5} {'wall s':>7} {'queries':>7} "
            f"{'x base':>6} {'AA s':>6} {'AA q':>4}")  # fmt: skip
    print(head)
    print("-" * len(head))
    labels = {
        AccessMode.OFF: "sync, access Off (baseline)",
        AccessMode.APPROVAL_REQUIRED: "sync, Approval Required: suggestions",
        AccessMode.AUTOMATIC: "sync, Automatic: grants + audit",
    }
    for res in results:
        base = res.sync[AccessMode.OFF].wall
        for mode, label in labels.items():
            m, aa = res.sync[mode], res.automation[mode]
            rows = 0 if mode == AccessMode.OFF else res.n * SUGGESTIONS_PER_MOVE_IN
            print(f"{label:37} {res.n:>6,} {rows:>6,} {batches(res.n, BATCH_SIZE):>5} "
                  f"{m.wall:>7.3f} {m.query_count:>7} {m.wall / base:>5.2f}x "
                  f"{aa.wall:>6.3f} {aa.query_count:>4}")  # fmt: skip
    print()
    approval_labels = {
        "raw": "raw KeyGrant bulk_create (baseline)",
        "raw+events": "raw KeyGrants + their AccessEvents",
        "update": "Update Access, all_matching=1 (POST)",
    }
    for res in results:
        base = res.approval["raw"].wall
        rows = res.n * SUGGESTIONS_PER_MOVE_IN
        for key, label in approval_labels.items():
            m = res.approval[key]
            b = batches(rows, APPROVE_BATCH) if key == "update" else 1
            print(f"{label:37} {res.n:>6,} {rows:>6,} {b:>5} {m.wall:>7.3f} {m.query_count:>7} "
                  f"{m.wall / base:>5.2f}x")  # fmt: skip
    # Queries grow with batches, not with suggestions: the same count per extra batch.
    print("\nQueries between sizes (grow per batch, not per suggestion):")
    for a, b in itertools.pairwise(results):
        for mode in (AccessMode.APPROVAL_REQUIRED, AccessMode.AUTOMATIC):
            qa, qb = a.sync[mode].query_count, b.sync[mode].query_count
            ba, bb = batches(a.n, BATCH_SIZE), batches(b.n, BATCH_SIZE)
            per = f"+{(qb - qa) / (bb - ba):.0f} per sync batch" if bb != ba else "equal"
            print(f"  sync {mode:17}  move-ins {a.n:>5,} → {b.n:>5,}: {qa} → {qb} queries, "
                  f"batches {ba} → {bb}: {per}")  # fmt: skip
        ra, rb = a.n * SUGGESTIONS_PER_MOVE_IN, b.n * SUGGESTIONS_PER_MOVE_IN
        qa, qb = a.approval["update"].query_count, b.approval["update"].query_count
        ba, bb = batches(ra, APPROVE_BATCH), batches(rb, APPROVE_BATCH)
        per = f"+{(qb - qa) / (bb - ba):.0f} per batch" if bb != ba else "equal"
        print(f"  Update Access           suggestions {ra:>5,} → {rb:>5,}: {qa} → {qb} queries, "
              f"batches {ba} → {bb}: {per}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with benchmark_database(DB_NAME):
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client

        from properties.models import Membership
        from properties.services import membership_create, organization_create

        # As in production: with DEBUG on, every statement's SQL would be kept in memory.
        settings.DEBUG = False
        user = get_user_model().objects.create_user("bench", password="bench-password-1")
        org = organization_create(name="Bench")
        membership_create(user=user, organization=org, role=Membership.Role.PORTFOLIO_MANAGER)
        client = Client()
        client.force_login(user)

        run_size(org, client, 20, 1)  # warm-up: imports, templates, connection
        results = []
        for n in sizes:
            started = time.perf_counter()
            results.append(run_size(org, client, n, args.repeat))
            print(f"  N={n:,} measured in {time.perf_counter() - started:.1f}s", flush=True)
        report(results, args.repeat)


if __name__ == "__main__":
    main()
