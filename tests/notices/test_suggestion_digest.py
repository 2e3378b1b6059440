"""The daily digest of waiting access suggestions, at 8:00 in each property's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from access.models import AccessSuggestion, Key
from notices.services import notices_suggestion_digest
from tests.factories.residents import ResidentFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def suggest(prop, kind: str, n: int) -> None:
    for _ in range(n):
        resident = ResidentFactory(property=prop)
        AccessSuggestion.objects.create(
            property=prop,
            resident=resident,
            kind=kind,
            key=Key.objects.filter(property=prop).first(),
            transition_key=f"R{resident.id}|future>current|run 1",
            detected_at=timezone.now(),
        )


def test_the_digest_counts_what_waits_by_kind(prop_a, prop_a2, alice, outbox):
    suggest(prop_a, AccessSuggestion.Kind.GRANT, 3)
    suggest(prop_a, AccessSuggestion.Kind.REVOKE, 1)

    # 7:59 in New York: not yet
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 7, 59, tzinfo=NEW_YORK)) == 0
    # 8:00 — one email, counted by kind, red first
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)) == 1
    (message,) = outbox
    assert message.subject == "4 access suggestions waiting at Harborview"
    assert "- 1 keys to take back (red)\n- 3 keys to give (green)" in message.body
    assert "Update Access" in message.body
    # The same morning again: nothing; Maple Court has nothing waiting: nothing
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 8, 30, tzinfo=NEW_YORK)) == 0
    # The next morning, still waiting: again
    assert notices_suggestion_digest(now=datetime(2026, 12, 8, 8, 10, tzinfo=NEW_YORK)) == 1


def test_each_property_gets_it_in_its_own_morning(prop_a, prop_a2, alice, outbox):
    suggest(prop_a2, AccessSuggestion.Kind.GRANT, 1)  # Maple Court is in Chicago
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)) == 0
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 9, 0, tzinfo=NEW_YORK)) == 1
    assert outbox[0].subject == "1 access suggestion waiting at Maple Court"


def test_decided_suggestions_are_not_counted(prop_a, alice, outbox):
    suggest(prop_a, AccessSuggestion.Kind.GRANT, 2)
    AccessSuggestion.objects.update(state=AccessSuggestion.State.APPROVED)
    assert notices_suggestion_digest(now=datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)) == 0
