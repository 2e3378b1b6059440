"""The alert window as a property manager reads it: times in the property's own zone, and
an alert icon that follows a Sync Now without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessSuggestion, Key
from integrations.models import PMSIntegration, SyncAlert
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _suggestion(prop, **fields) -> AccessSuggestion:
    detected = fields.pop("detected_at", timezone.now())
    return AccessSuggestion.objects.create(
        property=prop,
        resident=ResidentFactory(property=prop, first_name="Maya", last_name="Mover"),
        kind=AccessSuggestion.Kind.GRANT,
        key=Key.objects.get(property=prop, name="Resident Entrances"),
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        detected_at=detected,
        starts_at=detected + timedelta(minutes=15),
        **{"transition_key": "R1|future>current", **fields},
    )


def test_a_grant_suggestion_starts_in_the_property_time_zone(alice_client, prop_a, prop_a2):
    # Given a move-in detected at 19:00 UTC at Harborview (New York) and Maple Court
    # (Chicago): access starts 15 minutes later
    detected = datetime(2025, 3, 1, 19, 0, tzinfo=UTC)
    for prop in (prop_a, prop_a2):
        _suggestion(prop, detected_at=detected)

    # When alice opens each property's alert window
    ny = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    chicago = alice_client.get(reverse("alerts", args=[prop_a2.id])).content.decode()

    # Then the start is shown in that property's time, as on the resident page — not UTC
    assert "from Mar 1, 2:15 PM" in ny
    assert "from Mar 1, 1:15 PM" in chicago
    assert "7:15 PM" not in ny + chicago


def test_the_sync_panel_brings_the_alert_icon_count_along(alice_client, prop_a):
    # Given User Sync on, and a sync that has just left two access suggestions
    PMSIntegration.objects.create(
        property=prop_a,
        pms_property_ids=["1001"],
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    _suggestion(prop_a)
    _suggestion(prop_a, transition_key="R2|future>current")

    # When the People page polls the sync panel (htmx), the icon's count comes with it
    panel = alice_client.get(
        reverse("people-sync-status", args=[prop_a.id]), HTTP_HX_REQUEST="true"
    )
    html = panel.content.decode()
    assert '<span id="alert-count-slot" hx-swap-oob="true">' in html
    assert '<span class="badge" data-testid="alert-count">2</span>' in html

    # But the full People page, which includes the panel, has the icon's slot once
    page = alice_client.get(reverse("people", args=[prop_a.id])).content.decode()
    assert page.count('id="alert-count-slot"') == 1


def test_grey_suggestions_point_to_unit_mapping_and_the_legend_explains_the_colours(
    alice_client, prop_a
):
    _suggestion(prop_a)
    html = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    assert 'data-testid="suggestion-legend"' in html
    assert 'data-testid="unmapped-hint"' not in html  # no grey row, no hint

    AccessSuggestion.objects.create(
        property=prop_a,
        resident=ResidentFactory(property=prop_a),
        kind=AccessSuggestion.Kind.NONE,
        transition_key="R2|new>current",
        transition_label="New → Current",
        reason="PMS unit A 15D is not mapped: no unit key",
        detected_at=timezone.now(),
    )
    html = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    unit_mapping = reverse("integrations-manage", args=[prop_a.id, "unit-mapping"])
    assert f'<a href="{unit_mapping}?state=unmapped">map PMS units</a>' in html


def test_sync_alerts_come_first_with_a_summary_linking_both_sections(alice_client, prop_a):
    # Given 60 move-in suggestions and one Email Mismatch, which holds the resident's sync
    integration = PMSIntegration.objects.create(property=prop_a, user_sync_enabled=True)
    for i in range(60):
        _suggestion(prop_a, transition_key=f"R{i}|future>current")
    SyncAlert.objects.create(
        integration=integration,
        kind=SyncAlert.Kind.EMAIL_MISMATCH,
        external_id="R900",
        resident=ResidentFactory(property=prop_a, first_name="Eve", last_name="Early"),
        pms_email="eve.new@example.com",
        pms_name="Eve Early",
    )

    html = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()

    # Then the alert is not buried under the suggestions, and the top says what is there
    assert html.index('data-testid="sync-alert"') < html.index('data-testid="suggestion"')
    assert (
        '<a href="#sync-alerts">1 sync alert</a> · '
        '<a href="#access-suggestions">60 access suggestions</a>'
    ) in html
    assert 'id="sync-alerts"' in html and 'id="access-suggestions"' in html


def test_no_summary_when_there_is_one_kind_of_alert(alice_client, prop_a):
    _suggestion(prop_a)
    html = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    assert 'data-testid="alert-summary"' not in html
