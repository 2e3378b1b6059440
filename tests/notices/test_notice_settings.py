"""Manage Settings → Email notices: each manager chooses what they get."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import PMSIntegration
from notices.models import NoticeKind, NoticeOptOut
from notices.services import notice_recipients, notices_hourly

pytestmark = pytest.mark.django_db


def test_every_notice_is_on_until_the_manager_turns_it_off(alice_client, alice, prop_a):
    url = reverse("notices-settings", kwargs={"property_id": prop_a.id})
    page = alice_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["receive"] == NoticeKind.values
    assert "alice@example.com" in page.content.decode()

    response = alice_client.post(
        url, {"receive": [NoticeKind.SYNC_FAILING, NoticeKind.SYNC_STALE]}, follow=True
    )

    assert "Your email notice choices are saved." in response.content.decode()
    assert set(NoticeOptOut.objects.filter(user=alice).values_list("kind", flat=True)) == {
        NoticeKind.ALERT_OPENED,
        NoticeKind.SUGGESTION_DIGEST,
    }
    # Back on: the opt-out goes
    alice_client.post(url, {"receive": NoticeKind.values})
    assert not NoticeOptOut.objects.filter(user=alice).exists()


def test_an_unknown_kind_is_refused_and_changes_nothing(alice_client, alice, prop_a):
    url = reverse("notices-settings", kwargs={"property_id": prop_a.id})
    response = alice_client.post(url, {"receive": ["sync_failing", "everything"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not NoticeOptOut.objects.exists()


def test_another_organizations_property_answers_404(alice_client, prop_b):
    url = reverse("notices-settings", kwargs={"property_id": prop_b.id})
    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url, {"receive": []}).status_code == 404


def test_opted_out_and_address_less_managers_get_nothing(integration, prop_a, alice, carol, outbox):
    NoticeOptOut.objects.create(user=carol, kind=NoticeKind.SYNC_STALE)
    alice.email = ""
    alice.save(update_fields=["email"])
    assert notice_recipients(property=prop_a, kind=NoticeKind.SYNC_STALE) == []
    assert notice_recipients(property=prop_a, kind=NoticeKind.SYNC_FAILING) == [carol]

    # A stale spell with nobody to tell is still recorded (support sees it), and sent once
    PMSIntegration.objects.filter(id=integration.id).update(
        last_successful_sync_at=timezone.now() - timedelta(days=2)
    )
    assert notices_hourly() == 1
    assert outbox == []
