from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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


def alert_count(*, property: Property) -> int:
    """What the alert icon counts: pending access suggestions and open sync alerts (one query)."""
    from access.models import AccessSuggestion
    from integrations.models import SyncAlert

    pending = (
        AccessSuggestion.objects.filter(
            property=OuterRef("pk"), state=AccessSuggestion.State.PENDING
        )
        .order_by()
        .values("property")
        .annotate(n=Count("id"))
        .values("n")
    )
    alerts = (
        SyncAlert.objects.filter(integration__property=OuterRef("pk"), state=SyncAlert.State.OPEN)
        .order_by()
        .values("integration")
        .annotate(n=Count("id"))
        .values("n")
    )
    row = (
        Property.objects.filter(pk=property.pk)
        .annotate(
            pending=Coalesce(Subquery(pending, output_field=IntegerField()), 0),
            alerts=Coalesce(Subquery(alerts, output_field=IntegerField()), 0),
        )
        .values_list("pending", "alerts")
        .first()
    )
    return sum(row) if row else 0
