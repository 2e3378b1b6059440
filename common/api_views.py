"""The API's base views: who is asking, which property, one page style, no caching."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import api_token_of
from api.selectors import property_get_for_api
from common.pagination import KeysetCursorPagination
from properties.models import Property

UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    OpenApiTypes.DATETIME,
    description="Only rows created or changed at or after this time (ISO 8601 with a zone, "
    "e.g. 2026-01-31T09:00:00Z).",
)


class UpdatedSince(serializers.Serializer):
    updated_since = serializers.DateTimeField(required=False)


class ApiView(APIView):
    """Every API view: token or session (settings.REST_FRAMEWORK), and ``no-store``
    whoever asks — a token's answers carry residents' details as a manager's do."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class PropertyApiView(ApiView):
    """An API view under /properties/<id>/: the property is resolved before the method.

    DRF checks authentication and permissions in ``initial``, then picks the
    handler; resolving here means another tenant's id — or a property outside the
    token's restriction — answers 404 for every method, never a 405 that would confirm
    the URL exists.
    """

    property: Property

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.property = property_get_for_api(
            user=request.user, token=api_token_of(request), property_id=kwargs["property_id"]
        )


class PropertyListApiView(PropertyApiView):
    """A list under a property: ``updated_since`` and the keyset cursor page.

    ``ordering`` is the cursor's order (ascending, ending in a unique field);
    ``updated_fields`` the times ``updated_since`` is compared with (any of them)."""

    pagination_class = KeysetCursorPagination
    ordering: Sequence[str] = ("updated_at", "id")
    updated_fields: Sequence[str] = ("updated_at",)

    def filter_updated_since(self, qs: QuerySet[Any], since: datetime | None) -> QuerySet[Any]:
        if since is None:
            return qs
        match = Q()
        for name in self.updated_fields:
            match |= Q(**{f"{name}__gte": since})
        return qs.filter(match)

    def page(
        self,
        request: Request,
        qs: QuerySet[Any],
        serializer: type[serializers.BaseSerializer[Any]],
        since: datetime | None = None,
    ) -> Response:
        paginator = KeysetCursorPagination(self.ordering)
        rows = paginator.paginate_queryset(self.filter_updated_since(qs, since), request, self)
        return paginator.get_paginated_response(serializer(rows, many=True).data)


class ApiNotFound(ApiView):
    """What /api/v1/ answers for an address it does not have, whatever the method."""

    schema = None  # not an operation of the document

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound(
            "No such address in the doorsync API (every address ends in “/”); see /api/docs/."
        )
