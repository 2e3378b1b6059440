"""Reads of webhook endpoints and their delivery log, for managers of the organization."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from integrations.credentials.ownership import manages_whole_organization
from properties.models import Organization, Property
from webhooks.models import WebhookDelivery, WebhookEndpoint


def webhooks_managed_by(*, user: Any, organization: Organization) -> bool:
    """Webhooks carry every property's events, so they are the organization's: managed by
    its portfolio managers (an organization-wide membership), as API tokens are."""
    return bool(getattr(user, "is_authenticated", False)) and manages_whole_organization(
        user=user, organization_id=organization.id
    )


def endpoints_for_organization(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.filter(organization=organization)
        .annotate(
            failing=Count(
                "deliveries",
                filter=Q(
                    deliveries__state=WebhookDelivery.State.PENDING, deliveries__attempts__gt=0
                ),
            )
        )
        .prefetch_related("properties")
        .order_by("id")
    )


def endpoint_get(*, organization: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.filter(organization=organization, id=endpoint_id)
        .prefetch_related("properties")
        .first()
    )


def deliveries_for_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint).select_related("message").order_by("-id")
    )


def organization_properties(*, organization: Organization) -> QuerySet[Property]:
    return Property.objects.filter(organization=organization).order_by("name")
