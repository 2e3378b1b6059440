"""Issue 15, the urgent path: a move-out reaches the keys in the sync that sees it.

Through the real sync task against the simulator (wire format, connector, engine,
Automated Access): in Automatic mode the keys are revoked within that one run; in Approval
Required the red revoke suggestions are counted on the alert icon the moment the run has
written them — the icon counts the suggestion table on every page, and the Sync Now panel
swaps the count in as the run finishes — with no later recount."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from access.automation import suggestions_approve
from access.models import AccessSuggestion, KeyGrant
from alerts.selectors import alert_count
from integrations.models import AccessMode, SyncRun
from integrations.tasks import user_sync_task
from tests.integrations.sync.simulated import SimulatedProperty, any_keys_held, simulated_property

pytestmark = pytest.mark.django_db


def scheduled_sync(world: SimulatedProperty) -> SyncRun:
    """One scheduled run through the Celery task, as beat starts it."""
    run = SyncRun.objects.create(integration=world.integration, trigger=SyncRun.Trigger.SCHEDULE)
    assert user_sync_task.apply(args=(run.id,)).get() == SyncRun.State.SUCCEEDED
    run.refresh_from_db()
    return run


def moved_in(world: SimulatedProperty) -> int:
    [unit] = world.free_units(1)
    world.unit_key(unit)
    [ana] = world.lease_create(
        unit, {"first_name": "Ana", "last_name": "Urgent", "email": "ana.urgent@example.com"}
    )
    return ana


def move_out(world: SimulatedProperty, ana: int) -> None:
    """The PMS user records Ana's move-out today: her lease is Past."""
    world.edit(ana, lifecycle="past", move_out=world.today.isoformat())


def test_automatic_a_move_out_is_revoked_within_the_sync_that_sees_it(sim, org_a, prop_a):
    # Given Ana, Current with her unit key and the common-area keys (Automatic)
    world = simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)
    ana_id = moved_in(world)
    scheduled_sync(world)
    ana = world.resident_of(ana_id)
    held = any_keys_held(ana)
    assert len(held) >= 2

    # When the PMS records her move-out and the next scheduled sync runs
    move_out(world, ana_id)
    run = scheduled_sync(world)

    # Then that same run took every key back: nothing left, nothing waiting for later
    assert any_keys_held(ana) == set()
    revoked = KeyGrant.objects.filter(resident=ana, key_id__in=held)
    assert all(run.started_at <= g.revoked_at <= run.finished_at for g in revoked)
    assert not AccessSuggestion.objects.filter(
        resident=ana, state=AccessSuggestion.State.PENDING
    ).exists()


def test_approval_required_a_move_out_is_counted_on_the_alert_icon_at_once(
    sim, org_a, prop_a, alice, alice_client
):
    # Given Ana, Current with her keys after a manager approved the move-in
    world = simulated_property(sim, org_a, prop_a, mode=AccessMode.APPROVAL_REQUIRED)
    ana_id = moved_in(world)
    scheduled_sync(world)
    grants = AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING)
    suggestions_approve(
        property=prop_a, suggestion_ids=list(grants.values_list("id", flat=True)), actor=alice
    )
    ana = world.resident_of(ana_id)
    held = any_keys_held(ana)
    before = alert_count(property=prop_a)

    # When the PMS records her move-out and the next scheduled sync runs
    move_out(world, ana_id)
    run = scheduled_sync(world)

    # Then the run wrote one red suggestion per key she holds, and they are counted now
    red = AccessSuggestion.objects.filter(
        resident=ana, kind=AccessSuggestion.Kind.REVOKE, state=AccessSuggestion.State.PENDING
    )
    assert set(red.values_list("key_id", flat=True)) == held
    assert all(s.detected_at <= run.finished_at + timedelta(seconds=1) for s in red)
    assert alert_count(property=prop_a) == before + len(held)
    # ...on the icon of the next page she opens
    page = alice_client.get(reverse("people", args=[prop_a.id]))
    assert f'data-testid="alert-count">{before + len(held)}<' in page.content.decode()
    # ...and on the open People page watching the sync: the Sync Now panel's last poll
    # swaps the new count into the icon
    panel = alice_client.get(
        reverse("people-sync-status", args=[prop_a.id]), headers={"HX-Request": "true"}
    )
    body = panel.content.decode()
    assert 'id="alert-count-slot" hx-swap-oob="true"' in body
    assert f'data-testid="alert-count">{before + len(held)}<' in body
    # The keys stay until a manager approves the revokes
    assert any_keys_held(ana) == held
