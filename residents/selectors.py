from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat

from access.models import KeyGrant
from common.search import phone_digits, search_terms
from properties.models import Property
from residents.models import Resident


def residents_for_property(
    *,
    property: Property,
    search: str = "",
    status: str = "",
    unit_id: int | None = None,
    unit_name: str = "",
) -> QuerySet[Resident]:
    """The People list: one query for the page, whatever the number of residents.

    The key count is a correlated subquery, not a JOIN + GROUP BY: the database
    then counts keys for the 50 rows on the page, not for every resident.
    """
    active_keys = (
        KeyGrant.objects.filter(resident=OuterRef("pk"), revoked_at__isnull=True)
        .order_by()
        .values("resident")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = residents_matching(
        property=property, search=search, unit_id=unit_id, unit_name=unit_name
    ).annotate(active_key_count=Coalesce(Subquery(active_keys, output_field=IntegerField()), 0))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unit").order_by("last_name", "first_name", "id")


def residents_matching(
    *,
    property: Property,
    search: str = "",
    unit_id: int | None = None,
    unit_name: str = "",
) -> QuerySet[Resident]:
    """The property's residents matching the People page's search and unit filter — what
    the list shows and what its status tabs count."""
    qs = Resident.objects.filter(property=property)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if unit_name.strip():
        typed = unit_name.strip()
        # As units are labelled ("A 12B", "A304") or just by name ("12B").
        qs = qs.alias(
            unit_spaced=Concat("unit__building", Value(" "), "unit__name"),
            unit_joined=Concat("unit__building", "unit__name"),
        ).filter(
            Q(unit__name__iexact=typed)
            | Q(unit_spaced__iexact=typed)
            | Q(unit_joined__iexact=typed)
        )
    words = Q()
    for term in search_terms(search):
        # Names without their accents: "Garcia" finds García and back (common/search.py).
        words &= (
            Q(first_name__unaccent__icontains=term)
            | Q(last_name__unaccent__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
            | Q(unit__name__iexact=term)
        )
    digits = phone_digits(search)
    if digits:
        # A phone as the list shows it, "(617) 555-1013", or the unit "101": either.
        words |= Q(phone__contains=digits)
    if words:
        qs = qs.filter(words)
    return qs


def resident_get(*, property: Property, resident_id: int) -> Resident:
    return Resident.objects.select_related("unit", "property").get(
        property=property, id=resident_id
    )


def resident_status_counts(
    *, property: Property, search: str = "", unit_name: str = ""
) -> dict[str, int]:
    """Residents per status among those the search and unit filter match (the tabs count
    what clicking them would list)."""
    rows = (
        residents_matching(property=property, search=search, unit_name=unit_name)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    return {r["status"]: r["n"] for r in rows}
