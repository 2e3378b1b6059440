"""What Update Access writes: each batch's outcomes with plain UPDATEs, not a CASE per
row, and an audit that says what was decided.

Django's bulk_update builds a CASE WHEN id = … branch per row and field; approving
3,000 suggestions spent most of its ~5 s there (benchmarks/access.py). Every suggestion
of a batch gets the same decider and time, so one UPDATE per outcome does the same.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.automation import DetectedTransition, suggestions_approve, transitions_suggest
from access.models import AccessSuggestion, Key
from access.policy import PMSTransition
from access.services import key_grant
from audit.models import AccessEvent
from residents.models import ResidentStatus
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _move_ins(prop, unit, count: int) -> list:
    """Residents moved into ``unit`` in the PMS, suggested: unit key + 2 common-area keys."""
    residents = [
        ResidentFactory(property=prop, unit=unit, status=ResidentStatus.CURRENT)
        for _ in range(count)
    ]
    transitions_suggest(
        property=prop,
        detected=[
            DetectedTransition(
                resident=r,
                transition=PMSTransition("future", "current", None, unit.id),
                transition_key=f"R{r.id}|future>current",
            )
            for r in residents
        ],
        now=timezone.now(),
    )
    return residents


def test_approving_writes_approved_and_stale_outcomes_without_a_case_per_row(prop_a, unit_a, alice):
    # Given five move-ins into 12B suggested (unit key + 2 common-area keys each)
    residents = _move_ins(prop_a, unit_a, 5)
    # and the first resident given the unit key by hand meanwhile: that one is stale
    unit_key = Key.objects.get(unit=unit_a)
    key_grant(key=unit_key, resident=residents[0], actor=alice)
    ids = list(AccessSuggestion.objects.filter(property=prop_a).values_list("id", flat=True))
    assert len(ids) == 15

    # When alice approves them all
    with CaptureQueriesContext(connection) as queries:
        result = suggestions_approve(property=prop_a, suggestion_ids=ids, actor=alice)

    # Then 14 are approved, the one already held no longer applies, all decided by her
    assert (result.granted, len(result.refused)) == (14, 1)
    rows = AccessSuggestion.objects.filter(id__in=ids)
    assert sorted(rows.values_list("state", flat=True)) == ["approved"] * 14 + ["stale"]
    stale = rows.get(state=AccessSuggestion.State.STALE)
    assert (stale.resident_id, stale.key_id) == (residents[0].id, unit_key.id)
    assert set(rows.values_list("decided_by", flat=True)) == {alice.id}
    assert len(set(rows.values_list("decided_at", flat=True))) == 1
    # with one UPDATE per outcome, never a CASE branch per row
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "access_accesssuggestion"')]
    assert len(updates) == 2
    assert not any("CASE" in sql for sql in updates)


def test_the_audit_says_each_suggestion_was_approved(prop_a, unit_a, alice):
    # Given a move-in into 12B suggested, and its unit key already given by hand
    (resident,) = _move_ins(prop_a, unit_a, 1)
    unit_key = Key.objects.get(unit=unit_a)
    key_grant(key=unit_key, resident=resident, actor=alice)
    ids = AccessSuggestion.objects.filter(property=prop_a).values_list("id", flat=True)

    # When alice approves the three
    suggestions_approve(property=prop_a, suggestion_ids=list(ids), actor=alice)

    # Then the resident's timeline says which were approved and which no longer applied
    subjects = set(
        AccessEvent.objects.filter(
            resident=resident,
            action__in=[
                AccessEvent.Action.SUGGESTION_APPROVED,
                AccessEvent.Action.SUGGESTION_DISCARDED,
            ],
        ).values_list("action", "subject")
    )
    name = resident.full_name
    assert subjects == {
        ("suggestion_approved", f"Grant suggestion for {name}: “Resident Entrances” approved"),
        ("suggestion_approved", f"Grant suggestion for {name}: “Resident Amenities” approved"),
        (
            "suggestion_discarded",
            f"Grant suggestion for {name}: “{unit_key.name}” (no longer applies)",
        ),
    }
