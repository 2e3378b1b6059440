"""Access suggestions in Django admin: support sees what a manager's alert window holds,
and may discard (audited) — never approve, which stays the manager's decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessSuggestion, Key
from audit.models import AccessEvent
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _suggestion(prop, n: int) -> AccessSuggestion:
    now = timezone.now()
    return AccessSuggestion.objects.create(
        property=prop,
        resident=ResidentFactory(property=prop, first_name=f"Mover{n}", last_name="Doe"),
        kind=AccessSuggestion.Kind.GRANT,
        key=Key.objects.get(property=prop, name="Resident Entrances"),
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        transition_key=f"R{n}|future>current",
        detected_at=now,
        starts_at=now + timedelta(minutes=15),
    )


def test_support_lists_and_discards_suggestions_with_an_audit(support_client, support, prop_a):
    first, second = _suggestion(prop_a, 1), _suggestion(prop_a, 2)
    url = reverse("admin:access_accesssuggestion_changelist")

    page = support_client.get(url).content.decode()
    assert "Mover1 Doe" in page and "Mover2 Doe" in page
    assert reverse("admin:access_accesssuggestion_add") not in page

    response = support_client.post(
        url, {"action": "discard", "_selected_action": [first.id]}, follow=True
    )

    assert "1 suggestion discarded." in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.decided_by) == (AccessSuggestion.State.DISCARDED, support)
    assert second.state == AccessSuggestion.State.PENDING
    event = AccessEvent.objects.get(action=AccessEvent.Action.SUGGESTION_DISCARDED)
    assert (event.actor, event.resident) == (support, first.resident)


def test_support_cannot_change_a_suggestion(support_client, prop_a):
    suggestion = _suggestion(prop_a, 1)
    url = reverse("admin:access_accesssuggestion_change", args=[suggestion.id])
    response = support_client.post(url, {"state": "approved"})
    suggestion.refresh_from_db()
    assert response.status_code == 403
    assert suggestion.state == AccessSuggestion.State.PENDING


def test_support_cannot_delete_a_suggestion(support_client, prop_a):
    suggestion = _suggestion(prop_a, 1)
    changelist = reverse("admin:access_accesssuggestion_changelist")
    assert "delete_selected" not in support_client.get(changelist).content.decode()
    delete = reverse("admin:access_accesssuggestion_delete", args=[suggestion.id])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessSuggestion.objects.filter(id=suggestion.id).exists()


def test_support_cannot_delete_a_key_grant_which_would_leave_no_audit(support_client, prop_a):
    from access.models import KeyGrant
    from tests.factories import KeyGrantFactory

    grant = KeyGrantFactory()
    delete = reverse("admin:access_keygrant_delete", args=[grant.id])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    assert KeyGrant.objects.filter(id=grant.id).exists()
