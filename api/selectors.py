"""Who manages API tokens, and what a request through the API may reach."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from api.models import ApiToken
from integrations.credentials.ownership import manages_whole_organization
from properties.models import Organization, Property
from properties.selectors import properties_for_user


def manages_api_tokens(*, user: Any, organization: Organization) -> bool:
    """Portfolio managers only (a membership for the whole organization).

    A token is the organization's and may reach every property, as a shared PMS
    credential does (integrations/credentials/ownership.py): a property-scoped manager
    could otherwise mint a key to properties they do not manage."""
    return bool(getattr(user, "is_authenticated", False)) and manages_whole_organization(
        user=user, organization_id=organization.id
    )


def api_tokens_for_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(organization=organization)
        .select_related("created_by", "revoked_by")
        .prefetch_related("properties")
        .order_by("revoked_at", "-created_at", "-id")
    )


def properties_for_token(*, token: ApiToken) -> QuerySet[Property]:
    props = Property.objects.filter(organization_id=token.organization_id)
    # One query: a restricted token names its properties in the M2M.
    restricted = ApiToken.properties.through.objects.filter(apitoken_id=token.id)
    if restricted.exists():
        props = props.filter(id__in=restricted.values("property_id"))
    return props.select_related("organization")


def properties_for_api(*, user: Any, token: ApiToken | None) -> QuerySet[Property]:
    """The properties an API request reaches: the token's, or a signed-in manager's."""
    if token is not None:
        return properties_for_token(token=token)
    return properties_for_user(user=user)


def property_get_for_api(*, user: Any, token: ApiToken | None, property_id: int) -> Property:
    """Another organization's property, or one outside the token's restriction: 404."""
    if token is not None:
        props = Property.objects.filter(
            organization_id=token.organization_id, id=property_id
        ).select_related("organization")
        restricted = ApiToken.properties.through.objects.filter(apitoken_id=token.id)
        # A restricted token must name the property (two EXISTS, in the same query).
        props = props.filter(
            ~Exists(restricted) | Exists(restricted.filter(property_id=OuterRef("pk")))
        )
        prop = props.first()
    else:
        prop = properties_for_user(user=user).filter(id=property_id).first()
    if prop is None:
        raise Http404("No such property.")
    return prop
