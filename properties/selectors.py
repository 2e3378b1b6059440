from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from properties.models import Membership, Property


def properties_for_user(*, user: Any) -> QuerySet[Property]:
    """Properties the user may open: their organizations', narrowed where a membership is."""
    if not user.is_authenticated:
        return Property.objects.none()
    memberships = Membership.objects.filter(
        user=user, organization=OuterRef("organization")
    ).filter(Q(property__isnull=True) | Q(property=OuterRef("pk")))
    return Property.objects.filter(Exists(memberships)).select_related("organization")


def property_get_for_user(*, user: Any, property_id: int) -> Property:
    """The one place console access is decided: not a member → 404, never 403."""
    prop = properties_for_user(user=user).filter(id=property_id).first()
    if prop is None:
        raise Http404("No such property.")
    return prop
