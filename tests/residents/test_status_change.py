"""Manual status changes and their key effects, through residents.services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from access.models import Key, KeyGrant
from access.services import key_grant
from audit.models import AccessEvent
from residents.models import ResidentStatus, StatusSource
from residents.services import resident_status_change
from tests.factories import KeyFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def active_key_names(resident):
    return sorted(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "key__name", flat=True
        )
    )


def test_future_to_current_assigns_unit_key_and_common_area_keys(prop_a, unit_a, alice):
    resident = ResidentFactory(property=prop_a, unit=unit_a)

    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)

    resident.refresh_from_db()
    assert resident.status == ResidentStatus.CURRENT
    assert resident.status_source == StatusSource.MANUAL
    assert active_key_names(resident) == ["Resident Amenities", "Resident Entrances", "Unit A 12B"]
    grants = KeyGrant.objects.filter(resident=resident)
    assert {g.granted_by_id for g in grants} == {alice.id}


def test_any_key_flagged_share_with_current_residents_is_given(prop_a, unit_a, alice):
    KeyFactory(
        property=prop_a, name="Pool", kind=Key.Kind.COMMON, share_with_current_residents=True
    )
    KeyFactory(property=prop_a, name="Storage", kind=Key.Kind.OTHER)
    resident = ResidentFactory(property=prop_a, unit=unit_a)

    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)

    assert "Pool" in active_key_names(resident)
    assert "Storage" not in active_key_names(resident)


def test_shareable_flag_is_kept_on_the_grant(prop_a, unit_a, alice):
    Key.objects.filter(property=prop_a, name="Resident Amenities").update(shareable=True)
    resident = ResidentFactory(property=prop_a, unit=unit_a)

    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)

    grant = KeyGrant.objects.get(resident=resident, key__name="Resident Amenities")
    assert grant.shareable is True
    assert KeyGrant.objects.get(resident=resident, key__name="Unit A 12B").shareable is False


@pytest.mark.parametrize("new_status", [ResidentStatus.PAST, ResidentStatus.FUTURE])
def test_leaving_current_revokes_every_key_manual_and_automatic(prop_a, unit_a, alice, new_status):
    # Given a current resident with their keys plus a manually granted extra key
    resident = ResidentFactory(property=prop_a, unit=unit_a)
    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)
    gym = KeyFactory(property=prop_a, name="Gym")
    key_grant(key=gym, resident=resident, actor=alice)
    automated = KeyFactory(property=prop_a, name="Garage")
    key_grant(key=automated, resident=resident, actor=None, source=KeyGrant.Source.AUTOMATED)

    # When the manager changes their status away from Current
    resident_status_change(
        resident=resident, new_status=new_status, actor=alice, reason="Lease ended"
    )

    # Then no key is left, each revocation audited with the reason
    assert active_key_names(resident) == []
    revoked = KeyGrant.objects.filter(resident=resident)
    assert all(g.revoked_by_id == alice.id and g.revoke_reason == "Lease ended" for g in revoked)
    events = AccessEvent.objects.filter(resident=resident, action=AccessEvent.Action.KEY_REVOKED)
    assert events.count() == 5


def test_every_change_is_audited_with_actor_and_reason(prop_a, unit_a, alice):
    resident = ResidentFactory(property=prop_a, unit=unit_a, first_name="Dana", last_name="Reyes")

    resident_status_change(
        resident=resident, new_status=ResidentStatus.CURRENT, actor=alice, reason="Keys handed over"
    )

    status_event = AccessEvent.objects.get(
        resident=resident, action=AccessEvent.Action.STATUS_CHANGED
    )
    assert status_event.subject == "Dana Reyes: Future → Current"
    assert status_event.actor == alice
    assert status_event.actor_label == "Alice Ames"
    assert status_event.reason == "Keys handed over"
    grants = AccessEvent.objects.filter(resident=resident, action=AccessEvent.Action.KEY_GRANTED)
    assert grants.count() == 3


def test_same_status_changes_nothing(prop_a, unit_a, alice):
    resident = ResidentFactory(property=prop_a, unit=unit_a, status=ResidentStatus.CURRENT)

    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)

    assert not AccessEvent.objects.filter(resident=resident).exists()
    assert not KeyGrant.objects.filter(resident=resident).exists()


def test_current_without_unit_gets_common_keys_only(prop_a, alice):
    resident = ResidentFactory(property=prop_a, unit=None)

    change = resident_status_change(
        resident=resident, new_status=ResidentStatus.CURRENT, actor=alice
    )

    assert active_key_names(resident) == ["Resident Amenities", "Resident Entrances"]
    assert change.no_change_reasons == ("No unit is assigned, so no unit key was granted.",)


def test_unknown_status_is_refused_and_changes_nothing(prop_a, alice):
    resident = ResidentFactory(property=prop_a)

    with pytest.raises(ValidationError, match="is not a status"):
        resident_status_change(resident=resident, new_status="evicted", actor=alice)

    resident.refresh_from_db()
    assert resident.status == ResidentStatus.FUTURE


def test_back_to_current_after_past_grants_again(prop_a, unit_a, alice):
    resident = ResidentFactory(property=prop_a, unit=unit_a)
    for status in (ResidentStatus.CURRENT, ResidentStatus.PAST, ResidentStatus.CURRENT):
        resident_status_change(resident=resident, new_status=status, actor=alice)

    assert len(active_key_names(resident)) == 3
    assert KeyGrant.objects.filter(resident=resident).count() == 6
