from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from common.api_views import PropertyApiView, PropertyListApiView
from common.pagination import KeysetCursorPagination
from residents.models import Resident, ResidentStatus
from residents.selectors import residents_for_property


@extend_schema_serializer(component_name="Resident")
class ResidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    unit = serializers.CharField(source="unit.name", default=None, allow_null=True)
    unit_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ResidentStatus.choices)
    pms_status = serializers.CharField()
    lease_start = serializers.DateField(allow_null=True)
    lease_end = serializers.DateField(allow_null=True)
    move_in = serializers.DateField(allow_null=True)
    move_out = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ResidentListApi(PropertyListApiView):
    """People of the property, oldest change first: follow ``next``, then keep ``resume``
    (or pass ``updated_since``) to read only what changed later."""

    pagination_class = KeysetCursorPagination
    ordering = ("updated_at", "id")

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
        unit = serializers.IntegerField(
            required=False, min_value=1, max_value=2**63 - 1, help_text="A unit id."
        )
        search = serializers.CharField(required=False, max_length=100)
        updated_since = serializers.DateTimeField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=ResidentOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = residents_for_property(
            property=self.property,
            status=data.get("status", ""),
            search=data.get("search", ""),
            unit_id=data.get("unit"),
        )
        return self.page(request, qs, ResidentOutput, data.get("updated_since"))


class ResidentDetailApi(PropertyApiView):
    @extend_schema(responses=ResidentOutput)
    def get(self, request: Request, property_id: int, resident_id: int) -> Response:
        resident = (
            Resident.objects.select_related("unit")
            .filter(property=self.property, id=resident_id)
            .first()
        )
        if resident is None:
            raise NotFound("No such resident at this property.")
        return Response(ResidentOutput(resident).data)
