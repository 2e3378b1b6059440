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


# --- finding one resident's suggestions among hundreds -----------------------------------


def _many(prop, n: int, *, last_name: str = "Mover") -> list[AccessSuggestion]:
    key = Key.objects.get(property=prop, name="Resident Entrances")
    now = timezone.now()
    made = []
    for i in range(n):
        resident = ResidentFactory(
            property=prop, first_name=f"P{i:03d}", last_name=last_name, status="current"
        )
        made.append(
            AccessSuggestion.objects.create(
                property=prop,
                resident=resident,
                kind=AccessSuggestion.Kind.GRANT,
                key=key,
                transition_label="Future → Current",
                reason="Lease is current in the PMS",
                transition_key=f"{last_name}{i}|future>current",
                detected_at=now,
                starts_at=now + timedelta(minutes=15),
            )
        )
    return made


def _shown(html: str) -> int:
    return html.count('data-testid="suggestion"')


def test_the_window_pages_through_every_suggestion(alice_client, prop_a):
    _many(prop_a, 230)
    url = reverse("alerts", args=[prop_a.id])

    # Pages of 50: what "Select this page" may send at once
    first = alice_client.get(url).content.decode()
    assert _shown(first) == 50
    assert "Showing 1–50 of 230" in first
    last = alice_client.get(url, {"page": 5}).content.decode()
    assert _shown(last) == 30
    assert "Showing 201–230 of 230" in last
    assert "Next</a>" not in last
    # A page past the end shows the last one
    assert _shown(alice_client.get(url, {"page": 99}).content.decode()) == 30


def test_the_resident_page_opens_the_window_on_that_residents_suggestions(
    alice_client, alice, prop_a
):
    others = _many(prop_a, 150)
    [hers] = _many(prop_a, 1, last_name="Yilmaz")
    page = alice_client.get(reverse("resident-detail", args=[prop_a.id, hers.resident_id]))
    url = reverse("alerts", args=[prop_a.id])
    assert f'hx-get="{url}?resident={hers.resident_id}"' in page.content.decode()

    window = alice_client.get(url, {"resident": hers.resident_id}).content.decode()

    assert _shown(window) == 1
    assert "P000 Yilmaz's suggestions" in window
    # "Select all matching" there applies hers only
    alice_client.post(
        reverse("suggestions-update-access", args=[prop_a.id]),
        {"all_matching": "1", "resident": hers.resident_id},
        HTTP_HX_REQUEST="true",
    )
    hers.refresh_from_db()
    assert hers.state == AccessSuggestion.State.APPROVED
    assert (
        AccessSuggestion.objects.filter(
            id__in=[o.id for o in others], state=AccessSuggestion.State.PENDING
        ).count()
        == 150
    )


def test_searching_the_window_narrows_it_and_select_all_matching_follows(alice_client, prop_a):
    _many(prop_a, 120)
    _many(prop_a, 2, last_name="Garcia")
    url = reverse("alerts", args=[prop_a.id])

    window = alice_client.get(url, {"q": "garcia"}).content.decode()

    assert _shown(window) == 2
    assert "2 matching “garcia”" in window
    assert 'data-confirm="Apply all 2 suggestions matching “garcia”?"' in window
    alice_client.post(
        reverse("suggestions-update-access", args=[prop_a.id]),
        {"all_matching": "1", "q": "garcia"},
        HTTP_HX_REQUEST="true",
    )
    assert AccessSuggestion.objects.filter(state="approved").count() == 2
    assert AccessSuggestion.objects.filter(state="pending").count() == 120


def test_another_propertys_resident_id_shows_nothing_of_theirs(alice_client, prop_a, prop_a2):
    [theirs] = _many(prop_a2, 1)
    window = alice_client.get(
        reverse("alerts", args=[prop_a.id]), {"resident": theirs.resident_id}
    ).content.decode()
    assert _shown(window) == 0
