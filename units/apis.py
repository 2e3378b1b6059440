from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.api_views import PropertyListApiView, UpdatedSince
from common.pagination import KeysetCursorPagination
from units.selectors import units_for_property


# Its own component name: every API's serializer is called OutputSerializer, and two
# components named "Output" make the schema document one endpoint with the other's fields.
@extend_schema_serializer(component_name="Unit")
class UnitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    building = serializers.CharField()
    floor = serializers.CharField()
    occupied = serializers.BooleanField(source="is_occupied")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class UnitListApi(PropertyListApiView):
    # Declared, not only used: drf-spectacular documents the page and its parameters
    # from this attribute.
    pagination_class = KeysetCursorPagination

    @extend_schema(parameters=[UpdatedSince], responses=UnitOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = UpdatedSince(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = units_for_property(property=self.property)
        return self.page(request, qs, UnitOutput, filters.validated_data.get("updated_since"))
