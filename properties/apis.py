from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import api_token_of
from api.selectors import properties_for_api
from common.api_views import ApiView, PropertyApiView, UpdatedSince
from common.pagination import KeysetCursorPagination


@extend_schema_serializer(component_name="Property")
class PropertyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    time_zone = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PropertyListApi(ApiView):
    """The properties this token (or signed-in manager) reaches."""

    pagination_class = KeysetCursorPagination

    @extend_schema(parameters=[UpdatedSince], responses=PropertyOutput(many=True))
    def get(self, request: Request) -> Response:
        filters = UpdatedSince(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = properties_for_api(user=request.user, token=api_token_of(request))
        if since := filters.validated_data.get("updated_since"):
            qs = qs.filter(updated_at__gte=since)
        paginator = KeysetCursorPagination(("updated_at", "id"))
        rows = paginator.paginate_queryset(qs, request, self)
        return paginator.get_paginated_response(PropertyOutput(rows, many=True).data)


class PropertyDetailApi(PropertyApiView):
    @extend_schema(responses=PropertyOutput)
    def get(self, request: Request, property_id: int) -> Response:
        return Response(PropertyOutput(self.property).data)
