"""A run that dies part-way leaves consistent data, and the next run finishes the work.

`_batch_sync` is wrapped so that its third batch does all its writes and then raises,
as a worker killed mid-batch would: that batch's transaction is rolled back whole, the
two before it stay, and a rerun ends exactly where one clean run over the same data
ends.
"""

from __future__ import annotations

from typing import Any

import pytest

from integrations.models import PMSIntegration, PMSRecord, SyncAlert, SyncOutcome, SyncRun
from integrations.pms.types import Lifecycle
from integrations.sync import user_sync
from properties.models import Property
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.integrations.sync.conftest import integration_create
from tests.integrations.sync.fake_pms import FakePMS, many_residents, pms_resident

pytestmark = pytest.mark.django_db

BATCH = 100
FAILURE = (
    "An internal error stopped this sync part-way. What was applied is consistent; the next "
    "sync finishes the work. Support has the details."
)


class WorkerKilled(RuntimeError):
    pass


@pytest.fixture
def small_batches(monkeypatch) -> None:
    monkeypatch.setattr(user_sync, "BATCH_SIZE", BATCH)


class DyingWorker:
    """Wraps `_batch_sync`: the third batch writes everything, then its worker dies."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = user_sync._batch_sync
        self.batches: list[int] = []
        self.monkeypatch = monkeypatch
        monkeypatch.setattr(user_sync, "_batch_sync", self.apply_then_die)

    def apply_then_die(self, **kwargs: Any):
        self.batches.append(len(kwargs["batch"]))
        counts = self.real(**kwargs)
        if len(self.batches) == 3:
            raise WorkerKilled("worker lost in batch 3")
        return counts

    def heal(self) -> None:
        self.monkeypatch.setattr(user_sync, "_batch_sync", self.real)


@pytest.fixture
def dying_worker(monkeypatch) -> DyingWorker:
    return DyingWorker(monkeypatch)


def pms_data() -> list:
    """550 records (six batches): mostly new people, plus one of each awkward case."""
    return [
        *many_residents(540),
        pms_resident("X1", first_name="Ana", last_name="Abara"),  # links to ours
        pms_resident("X2", first_name="Anna", last_name="Bell", email="bell@example.com"),
        pms_resident("X3", first_name="Cy", email="first7.last7@example.com"),  # duplicate
        pms_resident("X4", first_name="Di", email="", raw_email="di@"),  # no email
        pms_resident("X5", first_name="Ed", lifecycle=Lifecycle.PAST),  # lifecycle
        *many_residents(5, start=900, prefix="Y"),
    ]


def our_residents(prop: Property) -> None:
    """Contacts the manager typed in before the first sync: one exact, one possible match."""
    ResidentFactory(
        property=prop, first_name="Ana", last_name="Abara", email="ana.abara@example.com",
        phone="+16175550100",
    )  # fmt: skip
    ResidentFactory(
        property=prop, first_name="Annabel", last_name="Bell", email="bell@example.com",
        phone="+16175550100",
    )  # fmt: skip


def canonical(integration: PMSIntegration) -> dict[str, list]:
    """The state one integration's sync leaves, without ids and timestamps."""
    links = dict(
        PMSRecord.objects.filter(integration=integration)
        .exclude(resident=None)
        .values_list("resident_id", "external_id")
    )
    fields = ("id", "first_name", "last_name", "email", "phone", "status", "status_source",
              "pms_status", "lease_start", "lease_end", "move_in", "move_out")  # fmt: skip
    residents = sorted(
        (links.get(r["id"], ""), *(r[f] for f in fields[1:]))
        for r in Resident.objects.filter(property=integration.property).values(*fields)
    )
    records = sorted(
        PMSRecord.objects.filter(integration=integration).values_list(
            "external_id", "outcome", "outcome_detail", "data_hash", "lifecycle", "gone_from_pms_at"
        )
    )
    alerts = sorted(
        (a.kind, a.state, a.external_id, a.pms_email, a.resident.email if a.resident else None)
        for a in SyncAlert.objects.filter(integration=integration).select_related("resident")
    )
    return {"residents": residents, "records": records, "alerts": alerts}


def test_a_run_killed_between_batches_leaves_consistent_data_and_a_rerun_finishes(
    pms, integration, prop_a, prop_a2, small_batches, dying_worker, monkeypatch
):
    # Given our two contacts and a PMS of 550 records
    our_residents(prop_a)
    data = pms_data()
    pms.put(*data)

    # When the worker dies in the third of six batches
    with pytest.raises(WorkerKilled):
        pms.sync()

    # Then the run says what happened
    run = SyncRun.objects.get()
    assert run.state == SyncRun.State.FAILED
    assert run.error == FAILURE
    assert run.records_done == 2 * BATCH
    # And exactly the first two batches are in: each record with its resident and outcome
    assert dying_worker.batches == [BATCH, BATCH, BATCH]
    assert PMSRecord.objects.count() == 2 * BATCH
    assert SyncOutcome.objects.filter(run=run).count() == 2 * BATCH
    created = PMSRecord.objects.filter(outcome="created")
    assert Resident.objects.count() == 2 + created.count()
    # Every resident the sync made is linked to its PMS record; ours wait, unlinked or linked
    assert (
        not Resident.objects.filter(pms_records=None)
        .exclude(email__in=["ana.abara@example.com", "bell@example.com"])
        .exists()
    )
    assert set(created.values_list("resident__email", flat=True)) == set(
        created.values_list("email", flat=True)
    )
    # And nothing was marked as gone from the PMS on the strength of a half-applied run
    assert not PMSRecord.objects.exclude(gone_from_pms_at=None).exists()

    # When the next run comes (the worker is healthy again)
    dying_worker.heal()
    rerun = pms.sync()

    # Then it finishes the job
    assert rerun.state == SyncRun.State.SUCCEEDED, rerun.error
    assert rerun.counts["unchanged"] == 2 * BATCH
    assert sum(rerun.counts.values()) == len(data)
    assert PMSRecord.objects.count() == len(data)

    # And ends where one clean run over the same data ends
    clean = integration_create(prop_a2, integration.credential, ["1001"])
    our_residents(prop_a2)
    clean_pms = FakePMS(clean, monkeypatch)
    clean_pms.put(*data)
    assert clean_pms.sync().state == SyncRun.State.SUCCEEDED
    assert canonical(integration) == canonical(clean)
    assert canonical(integration)["alerts"] == [
        ("duplicate", "open", "X3", "first7.last7@example.com", "first7.last7@example.com"),
        ("possible_match", "open", "X2", "bell@example.com", "bell@example.com"),
    ]


def test_a_run_killed_while_updating_leaves_consistent_data_and_a_rerun_finishes(
    pms, integration, small_batches, monkeypatch
):
    # Given 500 synced residents
    data = many_residents(500)
    pms.put(*data)
    pms.sync()
    # When the PMS changes everyone's phone, drops one record, and the worker dies
    for record in data:
        pms.change(record.external_id, phone="+12125550199")
    pms.remove("R00499")
    worker = DyingWorker(monkeypatch)
    with pytest.raises(WorkerKilled):
        pms.sync()

    # Then the first two batches are updated, the rest untouched, nothing marked gone
    phones = list(Resident.objects.values_list("phone", flat=True))
    assert phones.count("+12125550199") == 2 * BATCH
    assert not PMSRecord.objects.exclude(gone_from_pms_at=None).exists()
    failed = SyncRun.objects.get(state=SyncRun.State.FAILED)
    assert failed.error == FAILURE
    assert SyncOutcome.objects.filter(run=failed, outcome="updated").count() == 2 * BATCH

    # When the next run comes
    worker.heal()
    rerun = pms.sync()

    # Then it updates only the rest, and marks the dropped record (its resident kept)
    assert rerun.counts == {"unchanged": 2 * BATCH, "updated": 299, "not_in_pms": 1}
    dropped = PMSRecord.objects.get(external_id="R00499")
    assert dropped.outcome == "not_in_pms"
    assert set(
        Resident.objects.exclude(id=dropped.resident_id).values_list("phone", flat=True)
    ) == {"+12125550199"}
    assert Resident.objects.count() == 500


# --- a worker that loses its run while still alive ------------------------------------------


class ReapedWorker:
    """Wraps `_batch_sync`: during the second batch the reaper fails the run, as it does
    when a slow worker's heartbeat goes stale; the worker itself is still alive."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = user_sync._batch_sync
        self.batches = 0
        monkeypatch.setattr(user_sync, "_batch_sync", self.apply)

    def apply(self, **kwargs: Any):
        self.batches += 1
        if self.batches == 2:
            SyncRun.objects.filter(id=kwargs["write_ctx"].run_id).update(
                state=SyncRun.State.FAILED, error="reaped", phase="Failed"
            )
        return self.real(**kwargs)


def test_a_worker_whose_run_was_reaped_stops_at_the_next_batch_and_reports_nothing(
    pms, integration, small_batches, monkeypatch
):
    worker = ReapedWorker(monkeypatch)
    pms.put(*many_residents(5 * BATCH))

    run = pms.sync()

    # The worker noticed after the batch it was in, and stopped: no third batch
    assert pms.last_result.state == "lost"
    assert worker.batches == 2
    assert PMSRecord.objects.count() == 2 * BATCH
    # Its late result does not turn the reaped run into a success
    assert (run.state, run.error) == (SyncRun.State.FAILED, "reaped")
    integration.refresh_from_db()
    assert integration.last_successful_sync_at is None

    # And the next run finishes the work
    monkeypatch.setattr(user_sync, "_batch_sync", worker.real)
    again = pms.sync()
    assert again.state == SyncRun.State.SUCCEEDED
    assert PMSRecord.objects.count() == 5 * BATCH
