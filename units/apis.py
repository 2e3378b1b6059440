from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.api_views import PropertyApiView
from common.pagination import CappedLimitOffsetPagination
from units.selectors import units_for_property


class UnitListApi(PropertyApiView):
    # Declared, not only used: drf-spectacular documents limit/offset and the page envelope
    # from this attribute.
    pagination_class = CappedLimitOffsetPagination

    # Its own component name: every API's serializer is called OutputSerializer, and two
    # components named "Output" make the schema document one endpoint with the other's fields.
    @extend_schema_serializer(component_name="Unit")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        building = serializers.CharField()
        floor = serializers.CharField()
        occupied = serializers.BooleanField(source="is_occupied")

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        prop = self.property
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(units_for_property(property=prop), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
