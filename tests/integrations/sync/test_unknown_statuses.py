"""Issue 12 d, through the real sync against the simulator: a lease status the product does
not list never drops a record or hides a move-out. Its dates decide where they are clear
(a past move-out revokes access, even in Automatic mode); otherwise nothing changes for
the person. A sync alert names each unknown status and how many records carry it;
support maps it per integration in admin, and the next sync applies it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from access.models import KeyGrant
from integrations.models import AccessMode, PMSIntegration, PMSRecord, SyncAlert
from integrations.pms.types import Lifecycle
from integrations.sync.statuses import integration_set_status_lifecycles
from integrations.vendors.yardi import simulator as yardi_wire
from residents.models import ResidentStatus
from tests.integrations.sync.simulated import SimulatedProperty, keys_held, simulated_property

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sim, org_a, prop_a, monkeypatch) -> SimulatedProperty:
    # Yardi's wire spells a move-out "Old" and a notice "Sublet": statuses doorsync's
    # Yardi vocabulary does not list (as MRI's public fixtures show "Old").
    monkeypatch.setitem(yardi_wire.RAW_STATUSES, Lifecycle.PAST, ("Old",))
    monkeypatch.setitem(yardi_wire.RAW_STATUSES, Lifecycle.NOTICE, ("Sublet",))
    return simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)


def alert_for(world: SimulatedProperty, status: str) -> SyncAlert:
    return SyncAlert.objects.get(
        integration=world.integration,
        kind=SyncAlert.Kind.UNKNOWN_STATUS,
        external_id=f"status:{status}",
    )


def test_an_unknown_status_with_a_past_move_out_revokes_and_is_named_in_an_alert(world):
    # Given Ana and her roommate Ben, living in unit A and holding its key
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    ana_id, ben_id = world.lease_create(
        unit,
        {"first_name": "Ana", "last_name": "Mover", "email": "ana.mover@example.com"},
        {"first_name": "Ben", "last_name": "Mover", "email": "ben.mover@example.com"},
    )
    world.sync()
    ana, ben = world.resident_of(ana_id), world.resident_of(ben_id)
    assert keys_held(ana) == {key.id} and keys_held(ben) == {key.id}

    # When the PMS moves the household out, saying so with a status we do not list
    yesterday = (world.today - timedelta(days=1)).isoformat()
    for person in (ana_id, ben_id):
        world.edit(person, lifecycle="past", move_out=yesterday)
    run = world.sync()

    # Then both records were read (the roommate too), carry the raw status, and are Past
    for person, resident in ((ana_id, ana), (ben_id, ben)):
        record = PMSRecord.objects.get(
            integration=world.integration, external_id=world.external_id(person)
        )
        assert record.raw_status == "Old" and record.lifecycle == Lifecycle.PAST
        resident.refresh_from_db()
        assert resident.status == ResidentStatus.PAST and resident.pms_status == "Old"
        assert keys_held(resident) == set()
    assert KeyGrant.objects.get(resident=ana, key=key).revoked_at is not None
    assert run.counts.get("error", 0) == 0

    # And one alert names the status and how many records carry it
    alert = alert_for(world, "Old")
    carrying = PMSRecord.objects.filter(
        integration=world.integration, raw_status="Old", gone_from_pms_at__isnull=True
    ).count()
    assert alert.state == SyncAlert.State.OPEN
    assert alert.pms_data["count"] == carrying >= 2
    assert f"on {carrying} records" in alert.pms_name
    assert "“Old”" in alert.pms_data["detail"] and "admin" in alert.pms_data["detail"]


def test_an_undecided_unknown_status_changes_nothing_until_support_maps_it(world, support):
    # Given Cleo, living in unit B with its key
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    [cleo_id] = world.lease_create(
        unit, {"first_name": "Cleo", "last_name": "Sublet", "email": "cleo.s@example.com"}
    )
    world.sync()
    cleo = world.resident_of(cleo_id)

    # When the PMS gives her an unknown status and no move-out date: nothing decides
    world.edit(cleo_id, lifecycle="notice", move_out="")
    world.sync()

    # Then she keeps what doorsync knew (current, her key), and an alert waits for support
    cleo.refresh_from_db()
    assert cleo.status == ResidentStatus.CURRENT and keys_held(cleo) == {key.id}
    assert cleo.pms_status == "Sublet"
    alert = alert_for(world, "Sublet")
    assert alert.pms_data["undecided"] >= 1 and alert.state == SyncAlert.State.OPEN

    # When support maps "Sublet" (and "Old") for this integration in admin
    integration = PMSIntegration.objects.get(id=world.integration.id)
    integration_set_status_lifecycles(
        integration=integration, mapping={"Sublet": "notice", "OLD ": "past"}, actor=support
    )
    world.sync()

    # Then the next sync applies it: on notice, still living there with her key; the alerts
    # close as mapped
    record = PMSRecord.objects.get(
        integration=world.integration, external_id=world.external_id(cleo_id)
    )
    assert record.lifecycle == Lifecycle.NOTICE
    cleo.refresh_from_db()
    assert cleo.status == ResidentStatus.CURRENT and keys_held(cleo) == {key.id}
    alert.refresh_from_db()
    assert alert.state == SyncAlert.State.RESOLVED and alert.resolution == "mapped"
    assert not SyncAlert.objects.filter(
        integration=world.integration,
        kind=SyncAlert.Kind.UNKNOWN_STATUS,
        state=SyncAlert.State.OPEN,
    ).exists()
