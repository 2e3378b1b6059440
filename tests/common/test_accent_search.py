"""Names are searched without their accents everywhere (common/search.py's __unaccent),
on PostgreSQL (the unaccent extension) and SQLite (a function on each connection)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from access.automation import suggestions_pending
from access.models import AccessSuggestion, Key
from common.search import unaccent
from residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_the_alert_window_search_finds_garcia_as_garcia(prop_a):
    jose = ResidentFactory(property=prop_a, first_name="José", last_name="García")
    AccessSuggestion.objects.create(
        property=prop_a,
        resident=jose,
        kind=AccessSuggestion.Kind.GRANT,
        key=Key.objects.filter(property=prop_a).first(),
        transition_key="t|future>current",
        detected_at=timezone.now(),
    )
    for typed in ("garcia", "García", "Garcia, Jose"):
        assert [s.resident_id for s in suggestions_pending(property=prop_a, search=typed)] == [
            jose.id
        ]


def test_the_lookup_compares_without_accents_on_this_database(prop_a):
    ResidentFactory(property=prop_a, first_name="Ángel", last_name="Nuñez")
    assert Resident.objects.filter(last_name__unaccent__icontains="NUNEZ").count() == 1
    assert Resident.objects.filter(first_name__unaccent__iexact="angel").count() == 1


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Mn", "Nd", "Zs"]), max_size=30))
def test_unaccent_keeps_plain_text_and_drops_only_marks(text):
    out = unaccent(text)
    assert out is not None
    assert unaccent(out) == out  # idempotent
    plain = "".join(c for c in text if c.isascii())
    assert all(c in out for c in plain)
