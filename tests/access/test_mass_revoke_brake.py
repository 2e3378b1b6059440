"""The mass-revoke brake, through the real User Sync (AccessPMS: FakePMS with Unit Sync
mapped) in Automatic mode: a sync that would take the keys of more than the integration's
share of current residents (10 % by default, and at least 5) holds those revokes behind
one sync alert; the manager revokes them all or keeps their keys in the alert window.

PMS unit 12B → unit "A 12B" (key "Unit A 12B"); every resident lives there, so each holds
the unit key and the two common-area keys after the first sync.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.automation import suggestion_discard, suggestions_pending
from access.brake import brake_resolve, brake_trips
from access.models import AccessSuggestion, KeyGrant
from audit.models import AccessEvent
from integrations.models import AccessMode, PMSIntegration, SyncAlert
from integrations.pms.types import Lifecycle
from residents.models import Resident, ResidentStatus
from residents.services import resident_status_change
from tests.access.pms_access import P12B, P14C, AccessPMS, integration_create, units_map
from tests.integrations.sync.fake_pms import pms_resident
from tests.integrations.test_integration_admin_settings import form_data
from units.models import Unit
from units.services import unit_create

pytestmark = pytest.mark.django_db

PAST = {"lifecycle": Lifecycle.PAST, "raw_status": "Past"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    integration = integration_create(prop_a)
    integration.access_mode = AccessMode.AUTOMATIC
    integration.save(update_fields=["access_mode"])
    return integration


@pytest.fixture
def unit_b(prop_a) -> Unit:
    return unit_create(property=prop_a, name="14C", building="A", floor="14", actor=None)


@pytest.fixture
def pms(integration, monkeypatch, alice, unit_a, unit_b) -> AccessPMS:
    units_map(integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    return AccessPMS(integration, monkeypatch)


def living(pms: AccessPMS, count: int) -> list[str]:
    """Given ``count`` current residents in 12B, each holding their three keys."""
    ids = [f"R{n:03d}" for n in range(count)]
    pms.put(
        *(
            pms_resident(ext, first_name=f"First{n}", last_name=f"Last{n}", unit_id=P12B)
            for n, ext in enumerate(ids)
        )
    )
    pms.sync()
    assert KeyGrant.objects.filter(revoked_at=None).count() == 3 * count
    return ids


def move_out(pms: AccessPMS, ids: list[str]) -> None:
    for ext in ids:
        pms.change(ext, **PAST)
    pms.sync()


def live_keys() -> int:
    return KeyGrant.objects.filter(revoked_at=None).count()


def open_brake_alert() -> SyncAlert | None:
    return SyncAlert.objects.filter(
        kind=SyncAlert.Kind.MASS_REVOKE, state=SyncAlert.State.OPEN
    ).first()


# --- The rule -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revoking", "current", "percent", "trips"),
    [
        (180, 200, 10, True),  # the PMS reporting nearly everyone Past
        (4, 10, 10, False),  # 40 %, but fewer than 5 residents
        (5, 10, 10, True),  # the minimum, well over 10 %
        (5, 50, 10, False),  # exactly 10 %: not more than
        (6, 50, 10, True),
        (10, 20, 50, False),  # a support-raised threshold
        (20, 20, 100, False),  # 100 % never holds
    ],
)
def test_the_brake_trips_over_the_share_and_from_five_residents(revoking, current, percent, trips):
    assert brake_trips(revoking=revoking, current=current, percent=percent) is trips


# --- Through the real sync --------------------------------------------------------------


def test_a_sync_moving_most_residents_out_holds_their_revokes_and_says_why(pms, prop_a):
    ids = living(pms, 20)

    # When the PMS suddenly reports 18 of 20 as Past
    move_out(pms, ids[:18])

    # Then no key was taken; the 54 revokes wait as suggestions held by the brake
    assert live_keys() == 60
    held = AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING, brake=True)
    assert held.count() == 54
    assert held.values("resident").distinct().count() == 18
    # The residents' status follows the PMS: only their keys wait
    assert Resident.objects.filter(status=ResidentStatus.PAST).count() == 18
    alert = open_brake_alert()
    assert alert is not None
    assert alert.pms_data["detail"].startswith(
        "This sync would revoke 18 of 20 residents' keys (54 keys). That is more than the "
        "10 % a sync may revoke on its own"
    )
    assert "reported everyone as Past" in alert.pms_data["detail"]
    # Nothing was revoked by automation, nothing audited as revoked
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).exists()


def test_a_few_move_outs_are_revoked_at_once_as_before(pms):
    ids = living(pms, 20)

    move_out(pms, ids[:2])  # 10 %, and fewer than 5

    assert live_keys() == 54
    assert open_brake_alert() is None
    assert not AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING).exists()
    revoked = KeyGrant.objects.exclude(revoked_at=None)
    assert {g.revoke_reason for g in revoked} == {"Automated Access: lease change in the PMS"}
    assert set(
        AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED).values_list(
            "actor_label", "reason"
        )
    ) == {("automation", "Current → Past: Lease is past in the PMS")}
    # The held rows were settled: applied, nothing left held
    assert set(AccessSuggestion.objects.values_list("state", flat=True)) == {"approved"}


def test_the_threshold_is_the_integrations(pms, integration):
    ids = living(pms, 20)
    integration.mass_revoke_percent = 50
    integration.save(update_fields=["mass_revoke_percent"])

    move_out(pms, ids[:10])  # exactly 50 %

    assert live_keys() == 30
    assert open_brake_alert() is None


def test_approving_in_bulk_revokes_every_held_key(pms, prop_a, alice):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None

    message = brake_resolve(alert=alert, decision="approve", actor=alice)

    assert message == "Revoked 24 keys of 8 residents."
    assert live_keys() == 6
    alert.refresh_from_db()
    assert (alert.state, alert.resolution, alert.resolved_by) == ("resolved", "approve", alice)
    assert not suggestions_pending(property=prop_a).exists()
    revokes = AccessEvent.objects.filter(action=AccessEvent.Action.KEY_REVOKED)
    assert revokes.count() == 24
    assert set(revokes.values_list("actor_label", flat=True)) == {alice.get_full_name()}
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.SYNC_ALERT_RESOLVED, subject="Mass revoke held: Revoke them all"
    ).exists()


def test_discarding_in_bulk_keeps_their_keys(pms, prop_a, alice):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None

    message = brake_resolve(alert=alert, decision="discard", actor=alice)

    assert message == "Kept the keys of 8 residents: 24 revokes discarded."
    assert live_keys() == 30
    assert AccessSuggestion.objects.filter(state="discarded", decided_by=alice).count() == 24
    alert.refresh_from_db()
    assert (alert.state, alert.resolution) == ("resolved", "discard")
    # A later sync of the same data does not suggest them again
    pms.sync()
    assert live_keys() == 30
    assert open_brake_alert() is None


def test_an_alert_resolved_twice_is_refused(pms, alice):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None
    brake_resolve(alert=alert, decision="discard", actor=alice)

    with pytest.raises(Exception, match="already resolved"):
        brake_resolve(alert=alert, decision="approve", actor=alice)
    assert live_keys() == 30


def test_held_revokes_decided_one_by_one_close_the_alert(pms, prop_a, alice):
    ids = living(pms, 6)
    move_out(pms, ids[:5])
    held = list(AccessSuggestion.objects.filter(state="pending", brake=True))
    assert len(held) == 15 and open_brake_alert() is not None

    for s in held[:-1]:
        suggestion_discard(suggestion=s, actor=alice)
    assert open_brake_alert() is not None  # one still waits
    suggestion_discard(suggestion=held[-1], actor=alice)

    assert open_brake_alert() is None


def test_the_pms_taking_it_back_closes_the_alert_and_keeps_the_keys(pms):
    ids = living(pms, 20)
    move_out(pms, ids)  # the PMS briefly reports everyone Past
    assert open_brake_alert() is not None

    # When the next sync sees them Current again
    for ext in ids:
        pms.change(ext, lifecycle=Lifecycle.CURRENT, raw_status="Current")
    pms.sync()

    # Then what the brake held is superseded, the alert closed, every key still held
    assert open_brake_alert() is None
    assert not AccessSuggestion.objects.filter(state="pending").exists()
    assert live_keys() == 60
    alert = SyncAlert.objects.get(kind=SyncAlert.Kind.MASS_REVOKE)
    assert (alert.state, alert.resolution) == ("resolved", "settled")


def test_the_alert_counts_what_still_waits(pms, alice):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    first = AccessSuggestion.objects.filter(state="pending", brake=True).first()
    assert first is not None

    # A manager's status change settles one resident's; discarding settles one revoke
    resident_status_change(resident=first.resident, new_status=ResidentStatus.CURRENT, actor=alice)
    alert = open_brake_alert()
    assert alert is not None
    assert (alert.pms_data["revoking"], alert.pms_data["keys"]) == (7, 21)
    suggestion_discard(
        suggestion=AccessSuggestion.objects.filter(state="pending", brake=True).first(),
        actor=alice,
    )
    alert.refresh_from_db()
    assert (alert.pms_data["revoking"], alert.pms_data["keys"]) == (7, 20)
    assert alert.pms_data["detail"].startswith("This sync would revoke 7 of 10 residents' keys")


def test_a_second_mass_sync_refreshes_the_one_open_alert(pms):
    ids = living(pms, 20)
    move_out(pms, ids[:6])
    move_out(pms, ids[6:12])

    alerts = SyncAlert.objects.filter(kind=SyncAlert.Kind.MASS_REVOKE)
    assert alerts.count() == 1
    assert alerts.get().pms_data["revoking"] == 12
    assert live_keys() == 60


def test_revokes_held_by_a_sync_that_died_are_settled_by_the_next(pms, monkeypatch):
    ids = living(pms, 20)
    # Given a sync that wrote its batches and died before settling them
    with monkeypatch.context() as patch:
        patch.setattr("integrations.sync.service.automatic_revokes_settle", lambda **kw: None)
        move_out(pms, ids[:1])
    assert AccessSuggestion.objects.filter(state=AccessSuggestion.State.HELD).count() == 3
    assert live_keys() == 60  # held, not lost

    # When the next sync runs (nothing new in the PMS)
    pms.sync()

    assert live_keys() == 57
    assert not AccessSuggestion.objects.filter(state=AccessSuggestion.State.HELD).exists()


def test_held_revokes_become_suggestions_when_the_mode_changed_meanwhile(
    pms, integration, monkeypatch
):
    ids = living(pms, 20)
    with monkeypatch.context() as patch:
        patch.setattr("integrations.sync.service.automatic_revokes_settle", lambda **kw: None)
        move_out(pms, ids[:1])
    integration.access_mode = AccessMode.APPROVAL_REQUIRED
    integration.save(update_fields=["access_mode"])

    pms.sync()

    assert live_keys() == 60
    assert AccessSuggestion.objects.filter(state="pending", kind="revoke").count() == 3


def test_approval_required_mode_never_holds_anything(pms, integration):
    ids = living(pms, 10)
    integration.access_mode = AccessMode.APPROVAL_REQUIRED
    integration.save(update_fields=["access_mode"])

    move_out(pms, ids[:8])

    assert open_brake_alert() is None
    assert AccessSuggestion.objects.filter(state="pending", brake=False).count() == 24


# --- The alert window -------------------------------------------------------------------


def resolve_url(prop, alert) -> str:
    return reverse("alerts-sync-resolve", args=[prop.id, alert.id])


def test_the_alert_window_shows_the_brake_and_resolves_it(pms, prop_a, alice_client):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None

    page = alice_client.get(reverse("alerts", args=[prop_a.id]), headers=HTMX)
    body = page.content.decode()
    assert 'data-testid="mass-revoke-alert"' in body
    assert "This sync would revoke 8 of 10 residents&#x27; keys" in body
    assert "Revoke them all" in body and "Keep their keys" in body

    response = alice_client.post(
        resolve_url(prop_a, alert), {"resolution": "approve"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Revoked 24 keys of 8 residents." in response.content.decode()
    assert live_keys() == 6


def test_an_unknown_decision_is_refused_and_changes_nothing(pms, prop_a, alice_client):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None

    response = alice_client.post(resolve_url(prop_a, alert), {"resolution": "maybe"}, headers=HTMX)

    assert "Choose one of: Revoke them all, Keep their keys." in response.content.decode()
    assert live_keys() == 30 and open_brake_alert() is not None


def test_another_organizations_manager_cannot_resolve_it(pms, prop_a, prop_b, bob_client):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None

    theirs = bob_client.post(resolve_url(prop_a, alert), {"resolution": "approve"})
    through_own = bob_client.post(resolve_url(prop_b, alert), {"resolution": "approve"})

    assert theirs.status_code == 404 and through_own.status_code == 404
    assert live_keys() == 30 and open_brake_alert() is not None


def test_resolving_needs_post(pms, prop_a, alice_client):
    ids = living(pms, 10)
    move_out(pms, ids[:8])
    alert = open_brake_alert()
    assert alert is not None
    assert alice_client.get(resolve_url(prop_a, alert)).status_code == 405


# --- Support's admin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"), [("0", False), ("101", False), ("x", False), ("-5", False), ("25", True)]
)
def test_support_sets_the_threshold_in_the_admin_validated(support_client, integration, value, ok):
    url = reverse("admin:integrations_pmsintegration_change", args=[integration.id])

    response = support_client.post(url, form_data(integration, mass_revoke_percent=value))

    integration.refresh_from_db()
    if ok:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert integration.mass_revoke_percent == 25
    else:
        assert response.status_code == 200
        assert "mass_revoke_percent" in response.context["adminform"].form.errors
        assert integration.mass_revoke_percent == 10
