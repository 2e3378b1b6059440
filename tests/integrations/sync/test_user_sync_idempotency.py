"""Re-syncing unchanged data changes nothing, and the query counts are pinned.

Counts are PostgreSQL's (the CI database). Queries are counted over
`user_sync_execute` alone: the run row is created before counting. Each test runs
inside pytest-django's transaction, so a batch's `transaction.atomic()` shows up as
a SAVEPOINT / RELEASE SAVEPOINT pair; in production it is BEGIN / COMMIT, which
Django does not log.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from integrations.models import PMSRecord, SyncAlert, SyncOutcome, SyncRun
from integrations.pms.types import Lifecycle, ResidentRole
from integrations.sync.service import user_sync_execute
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.integrations.sync.fake_pms import FakePMS, many_residents, pms_resident

pytestmark = pytest.mark.django_db

# Every run, whatever it holds:
#   1. UPDATE syncrun … state='running'              (sync_run_claim)
#   2. SELECT syncrun JOIN integration, credential…  (load the claimed run)
#   3. UPDATE syncrun … kind='full'                  (run_kind_choose: the run says it is
#                                                     full, and why; with the default
#                                                     intervals no cursor is looked up)
#   4. DECLARE cursor FOR SELECT pmsrecord…          (_stored_state, one server-side cursor)
#   5. SELECT pmsunit …                              (unit_context: the Unit Mapping)
#   6. UPDATE syncrun … phase='Applying changes'     (progress)
#   7. UPDATE syncrun … phase='Checking for residents no longer in the PMS'
#   8. SELECT EXISTS accesssuggestion … state='held'  (revokes Automatic mode held: none)
#   9. UPDATE syncrun … state='succeeded'            (sync_run_finish)
#  10. UPDATE pmsintegration … last_successful_sync_at, last_full_sync_at
# (The hand-written snapshot has no PMS unit list, so no "Updating PMS units" step, and
# says nothing of when it read, so no cursor moves.)
RUN_QUERIES = 10

# Each batch of new records:
#   SAVEPOINT                                        (the batch's transaction)
#   SELECT resident WHERE lower(trim(email)) IN …    (candidates for matching)
#   SELECT syncalert WHERE external_id IN …          (open / resolved alerts)
#   SELECT nextval(…) FROM generate_series(1, n)     (ids for the new residents)
#   COPY resident                                    (with those ids)
#   COPY pmsrecord                                   (the links)
#   COPY syncoutcome                                 ("created" per record)
#   Automated Access (Approval Required) for the move-ins just seen:
#   SELECT key WHERE share_with_current_residents    (common-area keys)
#   COPY accesssuggestion                            (the suggestions)
#   RELEASE SAVEPOINT
#   UPDATE syncrun … records_done                    (progress)
# (No "residents already linked" query: no record is linked yet, and Django skips an
# `id IN ()` query; no "which candidates are linked" query: there are no candidates;
# no unit-key query: these residents have no unit. Residents created in this batch
# hold no keys and no suggestions yet, so neither is looked up or superseded, and
# their suggestions cannot clash: no ON CONFLICT needed.)
NEW_BATCH_QUERIES = 11

# Each batch of changed, linked records:
#   SAVEPOINT
#   SELECT resident WHERE id IN …                    (the linked residents)
#   SELECT syncalert WHERE external_id IN …
#   SELECT resident … ORDER BY id FOR NO KEY UPDATE  (the changed ones locked by id: the
#                                                     key writers' lock order)
#   UPDATE resident … FROM unnest(…)                 (all changed residents)
#   UPDATE pmsrecord … FROM unnest(…)                (all their records)
#   COPY syncoutcome                                 ("updated" per record)
#   RELEASE SAVEPOINT
#   UPDATE syncrun … records_done
CHANGED_BATCH_QUERIES = 9


def counted_sync(pms: FakePMS) -> tuple[SyncRun, int]:
    run = pms.start_run()
    with CaptureQueriesContext(connection) as queries:
        result = user_sync_execute(run_id=run.id)
    assert result.state == SyncRun.State.SUCCEEDED
    run.refresh_from_db()
    return run, len(queries)


def table_state() -> dict[str, list[dict]]:
    return {
        "residents": list(Resident.objects.order_by("id").values()),
        "records": list(PMSRecord.objects.order_by("id").values()),
        "alerts": list(SyncAlert.objects.order_by("id").values()),
        "events": list(AccessEvent.objects.order_by("id").values()),
    }


@pytest.fixture
def batch_size(monkeypatch) -> int:
    monkeypatch.setattr("integrations.sync.user_sync.BATCH_SIZE", 100)
    return 100


def test_second_run_over_the_same_data_changes_nothing(pms, integration, prop_a):
    # Given a PMS with a record for every rule, and a first run (two, for the mismatch)
    integration.excluded_statuses = ["Eviction"]
    integration.save(update_fields=["excluded_statuses"])
    ResidentFactory(property=prop_a, first_name="Cy", last_name="Chen", email="cy@example.com")
    ResidentFactory(property=prop_a, first_name="Dee", last_name="X", email="di@example.com")
    pms.put(
        pms_resident("R01", first_name="Ana"),  # created
        pms_resident("R02", first_name="Ben", email="ben@example.com"),  # email mismatch
        pms_resident("R03", first_name="Cy", last_name="Chen", email="cy@example.com"),  # linked
        pms_resident("R04", first_name="Di", email="di@example.com"),  # possible match
        pms_resident("R05", first_name="Ed", email="ana.abara@example.com"),  # duplicate
        pms_resident("R06", first_name="Flo", email="", raw_email="n/a"),  # no email
        pms_resident("R07", first_name="Gus", raw_status="Eviction"),  # excluded
        pms_resident("R08", first_name="Hal", lifecycle=Lifecycle.PAST),  # lifecycle
        pms_resident("R09", first_name="Ivy", role=ResidentRole.GUARANTOR),  # guarantor
        pms_resident("R10", first_name="Jo"),  # gone from the PMS after the first run
    )
    pms.sync()
    pms.change("R02", email="ben.new@example.com")
    pms.remove("R10")
    second = pms.sync()
    # Records that did not change count as what they still are: synced ones "unchanged",
    # skipped ones as skipped, held ones as waiting for their alert
    still = {
        "possible_match": 1,
        "duplicate": 1,
        "skipped_no_email": 1,
        "skipped_excluded": 1,
        "skipped_lifecycle": 1,
        "skipped_guarantor": 1,
    }
    assert second.counts == {
        "unchanged": 2,
        "email_mismatch": 1,
        "not_in_pms": 1,
        **still,
    }
    before = table_state()
    assert len(before["alerts"]) == 3

    # When the same data is synced again, an hour later
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        run, _ = counted_sync(pms)

    # Then nothing was written: no outcome, no resident touched, no alert, no event
    assert run.counts == {"unchanged": 2, "email_mismatch": 1, **still}
    assert not SyncOutcome.objects.filter(run=run).exists()
    assert table_state() == before


# PostgreSQL's counts: its new rows go by COPY (ids reserved first); SQLite's by INSERT.
@pytest.mark.postgresql
def test_first_sync_queries_grow_with_batches_not_records(pms, integration, batch_size):
    pms.put(*many_residents(300))
    _, first_300 = counted_sync(pms)

    # Start again from nothing, with twice the records
    PMSRecord.objects.all().delete()
    Resident.objects.all().delete()
    pms.records.clear()
    pms.put(*many_residents(600))
    _, first_600 = counted_sync(pms)

    assert first_300 == RUN_QUERIES + 3 * NEW_BATCH_QUERIES
    # Twice the records, three more batches: three more batches' worth of queries
    assert first_600 - first_300 == 3 * NEW_BATCH_QUERIES


# PostgreSQL's counts: its new rows go by COPY (ids reserved first); SQLite's by INSERT.
@pytest.mark.postgresql
def test_first_sync_of_2500_records_then_an_unchanged_resync(pms, batch_size):
    pms.put(*many_residents(2500))

    run, first = counted_sync(pms)

    assert run.counts == {"created": 2500}
    assert Resident.objects.count() == PMSRecord.objects.count() == 2500
    # 25 batches of 100
    assert first == RUN_QUERIES + 25 * NEW_BATCH_QUERIES

    run, again = counted_sync(pms)

    assert run.counts == {"unchanged": 2500}
    # Nothing to apply: the per-run queries only, whatever the number of records
    assert again == RUN_QUERIES


def test_unchanged_resync_queries_do_not_depend_on_the_number_of_records(pms, batch_size):
    pms.put(*many_residents(150))
    pms.sync()
    _, small = counted_sync(pms)
    pms.put(*many_residents(450, start=150))
    pms.sync()
    _, large = counted_sync(pms)
    assert small == large == RUN_QUERIES


def test_changed_resync_queries_grow_with_batches(pms, monkeypatch):
    # Small batches: the shape is what is tested here
    monkeypatch.setattr("integrations.sync.user_sync.BATCH_SIZE", 20)
    pms.put(*many_residents(80))
    pms.sync()

    for n, external_id in enumerate(pms.records):
        if n < 40:
            pms.change(external_id, phone="+14155559999")
    run_40, changed_40 = counted_sync(pms)
    for external_id in pms.records:
        pms.change(external_id, phone="+14155558888")
    run_80, changed_80 = counted_sync(pms)

    assert run_40.counts == {"updated": 40, "unchanged": 40}
    assert run_80.counts == {"updated": 80}
    assert changed_40 == RUN_QUERIES + 2 * CHANGED_BATCH_QUERIES
    assert changed_80 - changed_40 == 2 * CHANGED_BATCH_QUERIES
    assert set(Resident.objects.values_list("phone", flat=True)) == {"+14155558888"}
