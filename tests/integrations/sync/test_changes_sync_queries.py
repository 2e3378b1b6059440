"""A changes run's queries grow with batches, never with records (PostgreSQL, as CI),
and do not grow with the property either: it looks up only the records it read.

Counted over `user_sync_execute` alone, inside pytest-django's transaction (a
transaction.atomic() shows as SAVEPOINT / RELEASE SAVEPOINT).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import AccessMode, SyncRun
from integrations.sync.service import user_sync_execute
from tests.integrations.sync.simulated import SimulatedProperty, simulated_property

pytestmark = pytest.mark.django_db

# A changes run that read records and changed none of them:
#   1. UPDATE syncrun … state='running'                 (sync_run_claim)
#   2. SELECT syncrun JOIN integration, credential…     (load the claimed run)
#   3. SELECT synccursor …                              (run_kind_choose: the cursors)
#   4. SELECT syncrun.state … ORDER BY id DESC LIMIT 1  (run_kind_choose: did the last fail)
#   5. SELECT 1 FROM pmsrecord WHERE data_hash='' …     (run_kind_choose: records waiting to
#                                                        be applied again; partial index)
#   6. UPDATE syncrun … kind='changes'                  (the run says what it is)
#   7. SELECT synccursor.position …                     (where the fetch reads from)
#   8. UPDATE syncrun … phase='Fetching changes…'       (progress, first page)
#   9. DECLARE cursor FOR SELECT pmsrecord … IN unnest  (the stored state of the records read)
#  10. SELECT pmsunit …                                 (unit_context: the Unit Mapping)
#  11. UPDATE syncrun … phase='Applying changes'        (progress)
#  12. SELECT 1 FROM accesssuggestion … state='held'    (Automatic mode's held revokes: none)
#  13. SAVEPOINT                                        (finish + cursors, one transaction)
#  14. UPDATE syncrun … state='succeeded'               (sync_run_finish)
#  15. UPDATE pmsintegration … last_successful_sync_at
#  16. SELECT synccursor … FOR UPDATE                   (the cursors to move)
#  17. UPDATE synccursor … CASE …                       (bulk_update: moved)
#  18. RELEASE SAVEPOINT
# No "no longer in the PMS" step: a changes run marks nobody gone.
CHANGES_RUN_QUERIES = 18

# Each batch of changed, linked records — as a full run's (test_user_sync_idempotency):
#   SAVEPOINT, SELECT resident (linked), SELECT syncalert, SELECT resident … FOR NO KEY
#   UPDATE (the lock order), UPDATE resident, UPDATE pmsrecord, COPY syncoutcome,
#   RELEASE SAVEPOINT, UPDATE syncrun … records_done
CHANGED_BATCH_QUERIES = 9


@pytest.fixture
def world(sim, org_a, prop_a) -> SimulatedProperty:
    world = simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)
    world.integration.sync_interval_minutes = 5
    world.integration.save(update_fields=["sync_interval_minutes"])
    return world


def counted(world: SimulatedProperty) -> tuple[SyncRun, list[str]]:
    run = SyncRun.objects.create(integration=world.integration, trigger=SyncRun.Trigger.SCHEDULE)
    with CaptureQueriesContext(connection) as queries:
        user_sync_execute(run_id=run.id)
    run.refresh_from_db()
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    return run, [q["sql"] for q in queries.captured_queries]


def people(world: SimulatedProperty, count: int) -> list[int]:
    return [
        world.lease_create(unit, {"first_name": f"P{n}", "last_name": "Counted",
                                  "email": f"p{n}.counted@example.com"})[0]
        for n, unit in enumerate(world.free_units(count))
    ]  # fmt: skip


def test_a_changes_run_costs_the_same_for_one_change_or_thirty(world, monkeypatch):
    # Given 40 people synced by a first (full) run
    ids = people(world, 40)
    world.sync()
    # When one of them changes in the PMS
    world.edit(ids[0], mobile="(415) 555-0100")
    one, one_queries = counted(world)
    assert (one.kind, one.counts.get("updated")) == (SyncRun.Kind.CHANGES, 1)
    # Then one batch on top of the run
    assert len(one_queries) == CHANGES_RUN_QUERIES + CHANGED_BATCH_QUERIES, one_queries
    # When thirty change
    for sim_id in ids[1:31]:
        world.edit(sim_id, mobile="(415) 555-0101")
    thirty, thirty_queries = counted(world)
    assert thirty.counts.get("updated") == 30
    # Then it costs the same: still one batch
    assert len(thirty_queries) == len(one_queries)
    # And with batches of ten, thirty changes cost three batches
    monkeypatch.setattr("integrations.sync.user_sync.BATCH_SIZE", 10)
    for sim_id in ids[1:31]:
        world.edit(sim_id, mobile="(415) 555-0102")
    batched, batched_queries = counted(world)
    assert batched.counts.get("updated") == 30
    assert len(batched_queries) == CHANGES_RUN_QUERIES + 3 * CHANGED_BATCH_QUERIES


def test_a_changes_run_that_re_reads_only_unchanged_records_writes_nothing(world):
    ids = people(world, 5)
    world.sync()
    world.edit(ids[0], mobile="(415) 555-0100")
    counted(world)
    # The next run reads the same records again (the overlap and the zone margin)
    again, queries = counted(world)
    assert again.records_total >= 1
    assert len(queries) == CHANGES_RUN_QUERIES
    assert not any(q.startswith(("COPY", 'UPDATE "residents', 'UPDATE "integrations_pmsrecord'))
                   for q in queries)  # fmt: skip
