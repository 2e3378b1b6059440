"""The alert window as a property manager reads it: times in the property's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from access.models import AccessSuggestion, Key
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_a_grant_suggestion_starts_in_the_property_time_zone(alice_client, prop_a, prop_a2):
    # Given a move-in detected at 19:00 UTC at Harborview (New York) and Maple Court
    # (Chicago): access starts 15 minutes later
    detected = datetime(2025, 3, 1, 19, 0, tzinfo=UTC)
    for prop in (prop_a, prop_a2):
        AccessSuggestion.objects.create(
            property=prop,
            resident=ResidentFactory(property=prop, first_name="Maya", last_name="Mover"),
            kind=AccessSuggestion.Kind.GRANT,
            key=Key.objects.get(property=prop, name="Resident Entrances"),
            transition_key="R1|future>current",
            transition_label="Future → Current",
            reason="Lease is current in the PMS",
            detected_at=detected,
            starts_at=detected + timedelta(minutes=15),
        )

    # When alice opens each property's alert window
    ny = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    chicago = alice_client.get(reverse("alerts", args=[prop_a2.id])).content.decode()

    # Then the start is shown in that property's time, as on the resident page — not UTC
    assert "from Mar 1, 2:15 PM" in ny
    assert "from Mar 1, 1:15 PM" in chicago
    assert "7:15 PM" not in ny + chicago
