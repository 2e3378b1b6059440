"""Support's Unit Sync actions in the admin (PMS integrations → Action): Unit Sync off / on,
create units from unmapped PMS units, map identical names — each checked in the database
and in the message support sees."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.models import Door, Key
from audit.models import AccessEvent
from integrations.models import PMSIntegration, PMSRecord, PMSUnit
from tests.factories import DoorFactory
from units.models import Unit
from units.services import unit_create

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:integrations_pmsintegration_changelist"


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop_a,
        pms_property_ids=["1001"],
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


def add_pms_unit(
    integration, external_id: str, name: str, building: str = "A", unit=None, gone=False
) -> PMSUnit:
    now = timezone.now()
    return PMSUnit.objects.create(
        integration=integration,
        external_id=external_id,
        pms_property_id="1001",
        name=name,
        building=building,
        floor="3",
        unit=unit,
        first_seen_at=now,
        last_seen_at=now,
        gone_from_pms_at=now if gone else None,
    )


def run_action(client: Client, action: str, *integrations: PMSIntegration) -> list[str]:
    """Run an admin action on the integrations; the messages support sees."""
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [i.id for i in integrations]},
    )
    assert response.status_code == 302, response.content[:500]
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    client.get(response.url)  # the changelist shows them (and uses them up)
    return messages


def setting_events() -> list[tuple[str, object]]:
    return list(
        AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED)
        .order_by("id")
        .values_list("subject", "actor__username")
    )


def mapping(integration) -> dict[str, str | None]:
    return dict(
        PMSUnit.objects.filter(integration=integration).values_list("external_id", "unit__name")
    )


# --- Unit Sync off / on ---------------------------------------------------------------


def test_unit_sync_off_is_audited(support_client, support, integration, prop_a):
    messages = run_action(support_client, "unit_sync_off", integration)

    assert messages == ["Harborview: Unit Sync off."]
    integration.refresh_from_db()
    assert integration.unit_sync_enabled is False
    assert integration.user_sync_enabled is True  # User Sync is left alone
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert (event.subject, event.actor, event.property) == (
        "Unit Sync turned off (support)",
        support,
        prop_a,
    )
    assert event.data == {"unit_sync_enabled": False}


def test_unit_sync_off_twice_records_once(support_client, integration):
    run_action(support_client, "unit_sync_off", integration)
    run_action(support_client, "unit_sync_off", integration)

    assert setting_events() == [("Unit Sync turned off (support)", "support")]


def test_unit_sync_back_on_is_audited_and_reassigns_on_the_next_sync(
    support_client, integration, unit_a
):
    # Given Unit Sync off, and a record last synced in mapped PMS unit 12B
    add_pms_unit(integration, "P12B", "12B", unit=unit_a)
    PMSRecord.objects.create(
        integration=integration,
        external_id="R1",
        pms_property_id="1001",
        pms_unit_id="P12B",
        data_hash="abc",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    run_action(support_client, "unit_sync_off", integration)

    messages = run_action(support_client, "unit_sync_on", integration)

    assert messages == ["Harborview: Unit Sync on."]
    integration.refresh_from_db()
    assert integration.unit_sync_enabled is True
    assert setting_events() == [
        ("Unit Sync turned off (support)", "support"),
        ("Unit Sync turned on (support)", "support"),
    ]
    # the record is looked at again by the next sync, which assigns its unit
    assert PMSRecord.objects.values_list("pms_unit_id", "data_hash").get() == ("", "")


def test_unit_sync_off_for_several_integrations_at_once(support_client, integration, prop_a2):
    other = PMSIntegration.objects.create(property=prop_a2, user_sync_enabled=True)

    messages = run_action(support_client, "unit_sync_off", integration, other)

    assert sorted(messages) == ["Harborview: Unit Sync off.", "Maple Court: Unit Sync off."]
    assert not PMSIntegration.objects.filter(unit_sync_enabled=True).exists()


# --- create units from unmapped PMS units ---------------------------------------------


def test_create_units_from_unmapped_pms_units(support_client, support, integration, prop_a):
    mapped_unit = unit_create(property=prop_a, name="12B", building="A", actor=None)
    add_pms_unit(integration, "P12B", "12B", unit=mapped_unit)
    add_pms_unit(integration, "P14C", "14C")
    add_pms_unit(integration, "P15D", " 15D ", building="B")
    add_pms_unit(integration, "P16E", "16E", gone=True)  # gone from the PMS: left alone
    units_before = Unit.objects.count()

    messages = run_action(support_client, "create_units_from_unmapped", integration)

    assert messages == ["Harborview: 2 units created and mapped."]
    assert Unit.objects.count() == units_before + 2
    # each mapped to its new unit, with name, building and floor from the PMS
    new = {u.name: u for u in Unit.objects.filter(property=prop_a).exclude(id=mapped_unit.id)}
    assert {n: (u.building, u.floor) for n, u in new.items()} == {
        "14C": ("A", "3"),
        "15D": ("B", "3"),
    }
    assert mapping(integration) == {"P12B": "12B", "P14C": "14C", "P15D": "15D", "P16E": None}
    assert PMSUnit.objects.get(external_id="P14C").mapped_at is not None
    # each with its entry door and its unit key opening that door
    for label, unit in (("A 14C", new["14C"]), ("B 15D", new["15D"])):
        door = Door.objects.get(property=prop_a, name=f"Unit {label} entry")
        key = Key.objects.get(property=prop_a, name=f"Unit {label}")
        assert (key.kind, key.unit) == (Key.Kind.UNIT, unit)
        assert list(key.doors.all()) == [door]
    event = AccessEvent.objects.get(action=AccessEvent.Action.UNITS_IMPORTED, actor=support)
    assert event.subject == "2 units created from PMS units and mapped (support)"


def test_create_units_twice_creates_nothing_more(support_client, integration, prop_a):
    add_pms_unit(integration, "P14C", "14C")
    add_pms_unit(integration, "P15D", "15D")
    run_action(support_client, "create_units_from_unmapped", integration)
    counts = (Unit.objects.count(), Door.objects.count(), Key.objects.count())

    messages = run_action(support_client, "create_units_from_unmapped", integration)

    assert messages == ["Harborview: 0 units created and mapped."]
    assert (Unit.objects.count(), Door.objects.count(), Key.objects.count()) == counts
    assert AccessEvent.objects.filter(action=AccessEvent.Action.UNITS_IMPORTED).count() == 1


def test_create_units_skips_names_already_taken_and_says_which(support_client, integration, prop_a):
    # Given a unit "14c" already made by the manager (not mapped)
    ours = unit_create(property=prop_a, name="14c", actor=None)
    add_pms_unit(integration, "P14C", "14C")
    add_pms_unit(integration, "P15D", "15D")

    messages = run_action(support_client, "create_units_from_unmapped", integration)

    assert messages == [
        "Harborview: 1 unit created and mapped.",
        "Harborview: 1 PMS unit skipped because a unit of that name already exists: "
        "A 14C. Map them on the manager's Unit Mapping tab (or use Map identical names).",
    ]
    assert Unit.objects.filter(name__iexact="14c").get() == ours
    created = mapping(integration)
    assert created["P14C"] is None  # left for Unit Mapping (or map identical names)
    assert created["P15D"] == "15D"


def test_create_units_names_a_unit_numbered_per_building_with_its_building(
    support_client, integration, prop_a
):
    # MRI numbers units per building: unit 101 of building 1 and unit 101 of building 2.
    # Unit names are unique per property, so each gets its building in its name.
    add_pms_unit(integration, "1-101", "101", building="1")
    add_pms_unit(integration, "2-101", "101", building="2")
    add_pms_unit(integration, "2-102", "102", building="2")

    messages = run_action(support_client, "create_units_from_unmapped", integration)

    assert messages == ["Harborview: 3 units created and mapped."]
    assert mapping(integration) == {"1-101": "1 101", "2-101": "2 101", "2-102": "102"}
    assert Key.objects.filter(property=prop_a, name="Unit 2 101").exists()


def test_create_units_refused_when_door_or_key_names_clash(support_client, integration, prop_a):
    # Given a door already called what the new unit's entry door would be
    DoorFactory(property=prop_a, name="Unit A 14C entry")
    add_pms_unit(integration, "P14C", "14C")
    add_pms_unit(integration, "P15D", "15D")

    messages = run_action(support_client, "create_units_from_unmapped", integration)

    assert messages == [
        "Harborview: These door or key names already exist: Unit A 14C entry. Rename them on "
        "the Doors or Keys page, then try again."
    ]
    assert Unit.objects.count() == 0  # nothing created, the good one included
    assert set(mapping(integration).values()) == {None}


# --- map identical names --------------------------------------------------------------


def test_map_identical_names(support_client, support, integration, prop_a):
    units = {
        n: unit_create(property=prop_a, name=n, building="A", actor=None)
        for n in ("12B", "14C", "15D")
    }
    add_pms_unit(integration, "P12B", "12b ")  # case and spaces ignored
    add_pms_unit(integration, "P14C", "14C")
    add_pms_unit(integration, "P99", "99Z")  # no such unit
    add_pms_unit(integration, "P15D", "15D", unit=units["15D"])  # already mapped
    add_pms_unit(integration, "Punit14C", "Unit 14C")  # not identical: left alone

    messages = run_action(support_client, "map_identical_names", integration)

    assert messages == ["Harborview: 2 PMS units mapped."]
    assert mapping(integration) == {
        "P12B": "12B",
        "P14C": "14C",
        "P99": None,
        "P15D": "15D",
        "Punit14C": None,
    }
    assert setting_events() == [
        ("Unit Mapping: 2 PMS units mapped by identical name (support)", "support")
    ]
    # again: nothing left to map, nothing recorded
    assert run_action(support_client, "map_identical_names", integration) == [
        "Harborview: 0 PMS units mapped."
    ]
    assert len(setting_events()) == 1


def test_map_identical_names_never_takes_a_unit_already_mapped(support_client, integration, prop_a):
    unit = unit_create(property=prop_a, name="12B", actor=None)
    add_pms_unit(integration, "OLD", "Old 12B", unit=unit)
    add_pms_unit(integration, "P12B", "12B")

    assert run_action(support_client, "map_identical_names", integration) == [
        "Harborview: 0 PMS units mapped."
    ]
    assert mapping(integration) == {"OLD": "12B", "P12B": None}


def test_map_identical_names_leaves_pms_units_gone_from_the_pms(
    support_client, integration, prop_a
):
    # Given PMS unit 12B renumbered: the old one gone, the new one live, same name
    unit_create(property=prop_a, name="12B", actor=None)
    add_pms_unit(integration, "A-OLD", "12B", gone=True)
    add_pms_unit(integration, "Z-NEW", "12B")

    run_action(support_client, "map_identical_names", integration)

    assert mapping(integration) == {"A-OLD": None, "Z-NEW": "12B"}


def test_the_actions_are_for_support_only(alice_client, integration):
    add_pms_unit(integration, "P14C", "14C")

    response = alice_client.post(
        reverse(CHANGELIST),
        {"action": "create_units_from_unmapped", "_selected_action": [integration.id]},
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Unit.objects.count() == 0
    integration.refresh_from_db()
    assert integration.unit_sync_enabled is True
