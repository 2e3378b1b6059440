from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from common.api_views import PropertyApiView
from common.pagination import CappedLimitOffsetPagination
from residents.models import ResidentStatus
from residents.selectors import residents_for_property


class ResidentListApi(PropertyApiView):
    # Declared so drf-spectacular documents limit/offset and the page envelope.
    pagination_class = CappedLimitOffsetPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
        search = serializers.CharField(required=False, max_length=100)

    @extend_schema_serializer(component_name="Resident")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        email = serializers.CharField()
        phone = serializers.CharField()
        unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
        status = serializers.CharField()
        pms_status = serializers.CharField()
        lease_start = serializers.DateField(allow_null=True)
        lease_end = serializers.DateField(allow_null=True)
        move_in = serializers.DateField(allow_null=True)
        move_out = serializers.DateField(allow_null=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = residents_for_property(
            property=self.property,
            status=filters.validated_data.get("status", ""),
            search=filters.validated_data.get("search", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
