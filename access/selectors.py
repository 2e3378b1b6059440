from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from access.models import AccessSuggestion, Door, Key, KeyGrant
from audit.models import AccessEvent
from properties.models import Property
from residents.models import Resident


def doors_for_property(*, property: Property) -> QuerySet[Door]:
    return Door.objects.filter(property=property).annotate(key_count=Count("keys")).order_by("name")


def keys_for_property(*, property: Property) -> QuerySet[Key]:
    return (
        Key.objects.filter(property=property)
        .select_related("unit")
        .prefetch_related(Prefetch("doors", queryset=Door.objects.order_by("name")))
        .annotate(
            active_grant_count=Count("grants", filter=Q(grants__revoked_at__isnull=True)),
        )
        .order_by("kind", "name")
    )


def key_get(*, property: Property, key_id: int) -> Key:
    return Key.objects.select_related("unit").get(property=property, id=key_id)


def active_grants_for_resident(*, resident: Resident) -> QuerySet[KeyGrant]:
    return (
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True)
        .select_related("key", "granted_by")
        .prefetch_related("key__doors")
        .order_by("key__kind", "key__name")
    )


def access_timeline_for_resident(*, resident: Resident, limit: int = 200) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.filter(resident=resident).select_related("key")[:limit]


def unit_key_ids(*, unit_id: int | None) -> list[int]:
    if unit_id is None:
        return []
    return list(
        Key.objects.filter(unit_id=unit_id, kind=Key.Kind.UNIT).values_list("id", flat=True)
    )


def common_area_key_ids(*, property: Property) -> list[int]:
    return list(
        Key.objects.filter(property=property, share_with_current_residents=True).values_list(
            "id", flat=True
        )
    )


def pending_suggestion_count_for_resident(*, resident: Resident) -> int:
    return AccessSuggestion.objects.filter(
        resident=resident, state=AccessSuggestion.State.PENDING
    ).count()
