"""The nightly access check: keys no rule justifies become one sync alert per resident in the
alert window — never a silent revoke; the manager revokes them (audited) or keeps them,
and a kept key is not raised again. Beat runs it nightly, one task per property."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from access.models import Key, KeyGrant
from audit.models import AccessEvent
from integrations.access_check import access_invariant_alerts_raise, residents_unplaced
from integrations.models import PMSIntegration, PMSRecord, PMSUnit, SyncAlert
from integrations.tasks import access_invariant_check_task, access_invariant_checks_enqueue
from residents.models import ResidentStatus
from residents.services import resident_status_change
from tests.factories import PropertyFactory, ResidentFactory
from units.services import unit_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop_a,
        pms_property_ids=["1001"],
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


@pytest.fixture
def unit_b(prop_a):
    return unit_create(property=prop_a, name="14C", building="B", actor=None)


def key(prop, name: str) -> Key:
    return Key.objects.get(property=prop, name=name)


@pytest.fixture
def ben(prop_a, unit_b, alice):
    """Past, but still holding B 14C's key and the entrances (a move-out synced while
    Automated Access was Off, say)."""
    ben = ResidentFactory(property=prop_a, unit=unit_b, first_name="Ben", last_name="Bell")
    resident_status_change(resident=ben, new_status=ResidentStatus.CURRENT, actor=alice)
    ben.status = ResidentStatus.PAST
    ben.save(update_fields=["status"])
    return ben


def open_alerts(integration) -> list[SyncAlert]:
    return list(
        SyncAlert.objects.filter(
            integration=integration,
            kind=SyncAlert.Kind.UNJUSTIFIED_KEY,
            state=SyncAlert.State.OPEN,
        )
    )


def active_keys(resident) -> list[str]:
    return sorted(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "key__name", flat=True
        )
    )


def test_a_key_no_rule_justifies_raises_an_alert_and_nothing_is_revoked(integration, ben):
    revokes_before = AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).count()

    assert access_invariant_alerts_raise(integration=integration) == 1

    [alert] = open_alerts(integration)
    assert alert.resident == ben
    assert alert.pms_name == "Ben Bell"
    assert [(k["name"], k["why"]) for k in alert.pms_data["keys"]] == [
        ("Resident Amenities", "they are a past resident"),
        ("Resident Entrances", "they are a past resident"),
        ("Unit B 14C", "they are a past resident"),
    ]
    assert active_keys(ben) == ["Resident Amenities", "Resident Entrances", "Unit B 14C"]
    assert (
        AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).count() == revokes_before
    )


def test_a_second_night_refreshes_the_alert_rather_than_adding_one(integration, ben):
    access_invariant_alerts_raise(integration=integration)
    access_invariant_alerts_raise(integration=integration)

    assert len(open_alerts(integration)) == 1


def test_an_alert_whose_keys_are_justified_since_is_settled(integration, ben, alice):
    access_invariant_alerts_raise(integration=integration)

    # When a manager makes Ben current again (his keys are then justified)
    resident_status_change(resident=ben, new_status=ResidentStatus.FUTURE, actor=alice)
    resident_status_change(resident=ben, new_status=ResidentStatus.CURRENT, actor=alice)

    assert access_invariant_alerts_raise(integration=integration) == 0
    assert open_alerts(integration) == []
    assert SyncAlert.objects.get().resolution == "settled"


def test_revoke_from_the_alert_window_revokes_each_key_audited(
    alice_client, prop_a, integration, ben, alice
):
    access_invariant_alerts_raise(integration=integration)
    [alert] = open_alerts(integration)

    response = alice_client.post(
        reverse("alerts-sync-resolve", args=[prop_a.id, alert.id]),
        {"resolution": "revoke"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "3 keys revoked from Ben Bell." in response.content.decode()
    assert active_keys(ben) == []
    assert list(
        AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED, resident=ben)
        .order_by("key__name")
        .values_list("key__name", "actor_id", "reason")
    ) == [
        (name, alice.id, "A key no rule justifies (nightly access check)")
        for name in ("Resident Amenities", "Resident Entrances", "Unit B 14C")
    ]
    alert.refresh_from_db()
    assert (alert.state, alert.resolution, alert.resolved_by) == ("resolved", "revoke", alice)


def test_kept_keys_are_not_raised_again(alice_client, prop_a, integration, ben):
    access_invariant_alerts_raise(integration=integration)
    [alert] = open_alerts(integration)

    alice_client.post(
        reverse("alerts-sync-resolve", args=[prop_a.id, alert.id]), {"resolution": "keep"}
    )

    assert active_keys(ben) == ["Resident Amenities", "Resident Entrances", "Unit B 14C"]
    assert access_invariant_alerts_raise(integration=integration) == 0
    assert open_alerts(integration) == []


def test_the_alert_window_names_the_keys_and_why(alice_client, prop_a, integration, ben):
    access_invariant_alerts_raise(integration=integration)

    html = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()

    assert "Key no rule justifies" in html
    assert "<strong>Unit B 14C</strong> (they are a past resident)" in html
    assert "Revoke these keys" in html and "Keep them" in html


def test_another_organizations_manager_cannot_resolve_it(bob_client, prop_a, integration, ben):
    access_invariant_alerts_raise(integration=integration)
    [alert] = open_alerts(integration)

    response = bob_client.post(
        reverse("alerts-sync-resolve", args=[prop_a.id, alert.id]), {"resolution": "revoke"}
    )

    assert response.status_code == 404
    assert len(active_keys(ben)) == 3


def test_a_resident_whose_pms_unit_is_not_mapped_keeps_their_own_unit_key_unflagged(
    integration, prop_a, unit_a, alice
):
    # Given Ana current in A 12B with its key, whose PMS record names a PMS unit not mapped
    ana = ResidentFactory(property=prop_a, unit=unit_a)
    resident_status_change(resident=ana, new_status=ResidentStatus.CURRENT, actor=alice)
    now = timezone.now()
    PMSUnit.objects.create(
        integration=integration, external_id="U9", pms_property_id="1001", name="9Z",
        first_seen_at=now, last_seen_at=now,
    )  # fmt: skip
    PMSRecord.objects.create(
        integration=integration, external_id="R1", pms_property_id="1001", resident=ana,
        pms_unit_id="U9", first_seen_at=now, last_seen_at=now,
    )  # fmt: skip

    assert residents_unplaced(integration=integration) == {ana.id}
    assert access_invariant_alerts_raise(integration=integration) == 0

    # With Unit Sync off, keys follow the unit the manager gives: she is placed
    PMSIntegration.objects.filter(id=integration.id).update(unit_sync_enabled=False)
    integration.refresh_from_db()
    assert residents_unplaced(integration=integration) == set()


def test_beat_runs_the_check_nightly_for_each_set_up_property(integration, ben, org_a):
    entry = settings.CELERY_BEAT_SCHEDULE["access-invariant-nightly"]
    assert entry["task"] == "integrations.tasks.access_invariant_checks_enqueue"
    assert isinstance(entry["schedule"], crontab)
    # A property whose set-up is not finished is not checked
    PMSIntegration.objects.create(property=PropertyFactory(organization=org_a))

    with mock.patch.object(access_invariant_check_task, "delay") as delay:
        assert access_invariant_checks_enqueue() == 1

    delay.assert_called_once_with(integration.id)
    assert access_invariant_check_task(integration.id) == 1
    assert access_invariant_check_task(999_999) == 0  # deleted since it was queued
    assert len(open_alerts(integration)) == 1
