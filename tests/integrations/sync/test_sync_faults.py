"""A failed PMS fetch changes nothing: every vendor, over real HTTP to the simulator,
with its fault injection. Transient faults (5xx, 429) put the run back in the queue with
a retry delay; the others fail it. Either way the error names the vendor, and the
residents, PMS records, PMS units and alerts are exactly as they were.

Each test first syncs cleanly, then edits the simulator's data so that a run that got
through *would* change something, then injects the fault.
"""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AccessEvent
from integrations.credentials.services import pms_credential_connector
from integrations.models import PMSRecord, PMSUnit, SyncAlert, SyncOutcome, SyncRun
from integrations.pms.http import HttpOptions
from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.server import SimulatorHandle
from integrations.simulator.vocab import external_id
from integrations.sync import service, user_sync
from integrations.sync.service import MAX_ATTEMPTS, user_sync_execute
from integrations.tasks import user_sync_task
from residents.models import Resident
from tests.integrations.sync.conftest import credential_create, integration_create

pytestmark = pytest.mark.django_db

VENDORS = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")
VENDOR_NAMES = {
    "yardi": "Yardi",
    "realpage": "RealPage",
    "entrata": "Entrata",
    "mri": "MRI",
    "appfolio": "AppFolio",
    "buildium": "Buildium",
    "rentmanager": "Rent Manager",
}
# One PMS property: MRI numbers units per building, so its unit ids repeat across
# properties (see test_user_sync_vendors.py).
PMS_PROPERTIES = ["1001"]

each_vendor = pytest.mark.parametrize("vendor", VENDORS)


class SleepRecorder:
    """Stands in for time.sleep in the HTTP transport: records, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps(monkeypatch) -> SleepRecorder:
    recorder = SleepRecorder()
    options = HttpOptions(sleep=recorder, jitter=lambda: 0.0, read_timeout=10, connect_timeout=2)

    def connector(*, credential):
        return pms_credential_connector(credential=credential, options=options)

    monkeypatch.setattr(user_sync, "pms_credential_connector", connector)
    return recorder


def run_now(integration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    return execute(run)


def execute(run: SyncRun) -> SyncRun:
    run.last_result = user_sync_execute(run_id=run.id)  # type: ignore[attr-defined]
    result = run.last_result  # type: ignore[attr-defined]
    run.refresh_from_db()
    run.last_result = result  # type: ignore[attr-defined]
    return run


def database_state() -> dict[str, Any]:
    return {
        "residents": list(Resident.objects.order_by("id").values()),
        "records": list(PMSRecord.objects.order_by("id").values()),
        "units": list(PMSUnit.objects.order_by("id").values()),
        "alerts": list(SyncAlert.objects.order_by("id").values()),
        "events": AccessEvent.objects.count(),
    }


def edit_the_pms(sim: SimulatorHandle, vendor: str) -> tuple[str, str]:
    """Rename one synced resident and add a new one; their external ids."""
    dataset = sim.state.dataset
    synced = set(PMSRecord.objects.exclude(resident=None).values_list("external_id", flat=True))
    renamed = next(
        r
        for r in sorted(dataset.residents.values(), key=lambda r: r.id)
        if r.role is ResidentRole.PRIMARY and external_id(vendor, r) in synced
    )
    dataset.update(renamed.id, {"last_name": "Renamed"})
    unit = next(u for u in dataset.units.values() if u.property_id == "1001")
    added = dataset.create(
        {
            "unit_id": unit.id,
            "first_name": "Nova",
            "last_name": "Newcomer",
            "email": "nova.newcomer@example.com",
            "lifecycle": Lifecycle.CURRENT.value,
        }
    )
    return external_id(vendor, dataset.residents[renamed.id]), external_id(vendor, added)


@pytest.fixture
def synced(request, sim, org_a, prop_a, sleeps):
    """A vendor's integration over PMS property 1001, synced once, then the PMS
    edited: (vendor, integration, renamed external id, added external id)."""
    vendor = request.param
    credential = credential_create(org_a, sim, vendor)
    integration = integration_create(prop_a, credential, PMS_PROPERTIES)
    first = run_now(integration)
    assert first.state == SyncRun.State.SUCCEEDED, first.error
    assert Resident.objects.count() > 30
    renamed, added = edit_the_pms(sim, vendor)
    sleeps.calls.clear()
    return vendor, integration, renamed, added


def assert_recovers(integration, renamed: str, added: str, run: SyncRun | None = None) -> None:
    """With the fault gone, the same (or the next) run applies the PMS edits."""
    run = execute(run) if run is not None else run_now(integration)
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert PMSRecord.objects.get(external_id=renamed).resident.last_name == "Renamed"
    assert PMSRecord.objects.get(external_id=added).resident.first_name == "Nova"


vendor_synced = pytest.mark.parametrize("synced", VENDORS, indirect=True)


@vendor_synced
def test_vendor_down_beyond_the_retry_budget_requeues_then_fails(synced, sim, sleeps):
    vendor, integration, renamed, added = synced
    sim.state.faults.set(vendor, {"status_5xx": 1000})
    before = database_state()

    # When the vendor answers 503 to every try of the first fetch
    run = run_now(integration)

    # Then the run goes back to the queue, to be retried by the task in 30 s
    assert run.state == SyncRun.State.QUEUED
    assert run.last_result.retry_in == 30
    assert run.phase == "Retrying soon"
    assert run.error.startswith(f"{VENDOR_NAMES[vendor]} is not answering properly")
    assert "the sync will retry on its own" in run.error
    assert run.retry_at is not None  # the panel says when
    assert len(sleeps.calls) == 3  # four tries inside the fetch, none slept for real
    assert database_state() == before

    # And after MAX_ATTEMPTS claims it fails for good, still having changed nothing
    for _ in range(MAX_ATTEMPTS - 1):
        run = execute(run)
    assert run.state == SyncRun.State.FAILED
    assert run.attempts == MAX_ATTEMPTS
    assert run.last_result.retry_in is None
    assert VENDOR_NAMES[vendor] in run.error
    # It says it gave up; no "the sync will retry on its own" once it will not
    assert "will retry" not in run.error
    assert f"doorsync tried {MAX_ATTEMPTS} times and stopped" in run.error
    assert not SyncOutcome.objects.filter(run=run).exists()
    assert database_state() == before

    sim.state.faults.reset()
    assert_recovers(integration, renamed, added)


@vendor_synced
def test_rate_limited_requeues_after_the_vendors_wait(synced, sim, sleeps):
    vendor, integration, renamed, added = synced
    # Retry-After beyond what the transport sleeps through inside a sync (120 s)
    sim.state.faults.set(vendor, {"rate_limit": 1000, "retry_after": 300})
    before = database_state()

    run = run_now(integration)

    assert run.state == SyncRun.State.QUEUED
    assert run.last_result.retry_in == 300  # the vendor's wait, not our 30 s backoff
    assert run.error.startswith(f"{VENDOR_NAMES[vendor]} is limiting requests for 300s")
    assert sleeps.calls == []
    assert database_state() == before

    # When the limit lifts, the same run is picked up again and completes
    sim.state.faults.reset()
    assert_recovers(integration, renamed, added, run=run)


@vendor_synced
def test_truncated_page_fails_the_run_and_changes_nothing(synced, sim):
    vendor, integration, _renamed, _added = synced
    # The first resident page is cut half-way
    sim.state.faults.set(vendor, {"truncated_page": 1})
    before = database_state()

    run = run_now(integration)

    assert run.state == SyncRun.State.FAILED
    assert run.error.startswith(f"{VENDOR_NAMES[vendor]} sent a response doorsync could not read")
    assert "nothing was changed" in run.error
    assert run.counts == {}
    assert not SyncOutcome.objects.filter(run=run).exists()
    assert database_state() == before


@vendor_synced
def test_malformed_body_fails_the_run_and_changes_nothing(synced, sim):
    vendor, integration, renamed, added = synced
    sim.state.faults.set(vendor, {"malformed_body": 1})
    before = database_state()

    run = run_now(integration)

    assert run.state == SyncRun.State.FAILED
    assert VENDOR_NAMES[vendor] in run.error
    assert "could not read" in run.error
    assert database_state() == before
    assert_recovers(integration, renamed, added)


@vendor_synced
def test_expired_credential_fails_the_run_and_changes_nothing(synced, sim):
    vendor, integration, renamed, added = synced
    sim.state.faults.set(vendor, {"expired_credential": True})
    before = database_state()

    run = run_now(integration)

    assert run.state == SyncRun.State.FAILED
    assert run.error.startswith(f"{VENDOR_NAMES[vendor]} rejected the credential")
    assert "Integrations → PMS credentials" in run.error
    assert run.attempts == 1  # not retried: it will not pass by itself
    assert database_state() == before

    sim.state.faults.reset()
    assert_recovers(integration, renamed, added)


@pytest.mark.parametrize("synced", ["entrata"], indirect=True)
def test_the_task_retries_a_vendor_outage_until_it_passes(synced, sim, monkeypatch):
    _vendor, integration, renamed, added = synced
    # Given the vendor answers 503 to the first two fetches (four tries each), then recovers
    sim.state.faults.set("entrata", {"status_5xx": 8})
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)

    # When the Celery task runs (eagerly: its retries run at once, without the countdown)
    result = user_sync_task.apply(args=(run.id,))

    # Then the third attempt succeeds
    assert result.get() == SyncRun.State.SUCCEEDED
    run.refresh_from_db()
    assert (run.state, run.attempts) == (SyncRun.State.SUCCEEDED, 3)
    assert PMSRecord.objects.get(external_id=renamed).resident.last_name == "Renamed"
    assert PMSRecord.objects.get(external_id=added).resident is not None


def test_unfinished_set_up_fails_with_a_clear_message(integration, monkeypatch):
    fetched = []
    monkeypatch.setattr(service, "snapshot_fetch", lambda *, run: fetched.append(run))
    integration.pms_property_ids = []
    integration.save(update_fields=["pms_property_ids"])

    run = run_now(integration)

    assert run.state == SyncRun.State.FAILED
    assert run.error == (
        "ePMS set-up is not finished: choose a credential and attach PMS property IDs."
    )
    assert fetched == []


@pytest.mark.parametrize("synced", ["yardi"], indirect=True)
def test_a_stored_credential_the_rules_now_refuse_fails_the_run_with_what_to_fix(synced, sim):
    # Given a credential saved before its URL had to be https (or edited in admin)
    _vendor, integration, _renamed, _added = synced
    credential = integration.credential
    credential.fields = {**credential.fields, "url": "http://www.yardiasp14.com/00000sim"}
    credential.save(update_fields=["fields"])
    before = database_state()

    run = run_now(integration)

    # Then the run fails at once, saying which credential and what to fix — not left
    # "running" for the reaper
    assert run.state == SyncRun.State.FAILED
    assert run.error == (
        f"The Yardi Voyager credential “{credential.label}” needs fixing: Voyager URL must be "
        "an https:// address with a host name, and no user name or password — edit it in "
        "Integrations → PMS credentials. Nothing was changed."
    )
    assert database_state() == before


@pytest.mark.parametrize("synced", ["entrata"], indirect=True)
def test_an_unexpected_error_while_fetching_fails_the_run_rather_than_leaving_it_running(
    synced, monkeypatch
):
    _vendor, integration, _renamed, _added = synced

    def boom(*, run):
        raise RuntimeError("bug")

    monkeypatch.setattr(service, "snapshot_fetch", boom)
    with pytest.raises(RuntimeError):
        run_now(integration)

    run = SyncRun.objects.latest("id")
    assert run.state == SyncRun.State.FAILED
    assert run.error.startswith("An internal error stopped this sync while fetching")
