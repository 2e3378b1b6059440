from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from properties.models import Property
from residents.models import Resident, ResidentStatus
from units.labels import unit_label
from units.models import Unit


def units_for_property(
    *, property: Property, search: str = "", occupancy: str = ""
) -> QuerySet[Unit]:
    """Units with occupancy derived from residents: Occupied while a current resident lives there."""
    qs = Unit.objects.filter(property=property).annotate(
        is_occupied=Exists(
            Resident.objects.filter(unit=OuterRef("pk"), status=ResidentStatus.CURRENT)
        ),
        resident_count=Count("residents", filter=Q(residents__status=ResidentStatus.CURRENT)),
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(building__icontains=search))
    if occupancy == "occupied":
        qs = qs.filter(is_occupied=True)
    elif occupancy == "vacant":
        qs = qs.filter(is_occupied=False)
    return qs.order_by("building", "name")


def unit_choices(*, property: Property) -> list[tuple[int, str]]:
    return [
        (pk, unit_label(n, b))
        for pk, n, b in Unit.objects.filter(property=property)
        .order_by("building", "name")
        .values_list("id", "name", "building")
    ]
