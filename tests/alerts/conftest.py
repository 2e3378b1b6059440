from __future__ import annotations

import pytest
from django.utils import timezone

from access.models import AccessSuggestion, Key, KeyGrant
from residents.models import ResidentStatus
from tests.factories import KeyFactory, ResidentFactory


def suggest(prop, kind: str, label: str, n: int, *, key: Key | None = None) -> list[int]:
    """n pending suggestions of one kind and transition, one resident each."""
    key = key or KeyFactory(property=prop)
    residents = [
        ResidentFactory(
            property=prop,
            status=ResidentStatus.PAST if kind == "revoke" else ResidentStatus.CURRENT,
        )
        for _ in range(n)
    ]
    # A revoke takes back a key the resident holds.
    grants = (
        {
            g.resident_id: g
            for g in KeyGrant.objects.bulk_create(
                [KeyGrant(key=key, resident=r, starts_at=timezone.now()) for r in residents]
            )
        }
        if kind == "revoke"
        else {}
    )
    return [
        s.id
        for s in AccessSuggestion.objects.bulk_create(
            [
                AccessSuggestion(
                    property=prop,
                    resident=r,
                    kind=kind,
                    key=None if kind == "none" else key,
                    grant=grants.get(r.id),
                    transition_key=f"{r.id}|{label}",
                    transition_label=label,
                    reason="From the PMS",
                    detected_at=timezone.now(),
                    starts_at=timezone.now() if kind == "grant" else None,
                )
                for r in residents
            ]
        )
    ]


@pytest.fixture
def first_sync(prop_a):
    """What a first sync leaves: grants for current residents, revokes, no-change rows."""
    return {
        "grants": suggest(prop_a, "grant", "Future → Current", 12),
        "revokes": suggest(prop_a, "revoke", "Current → Past", 3),
        "none": suggest(prop_a, "none", "Future → Current", 5),
    }
