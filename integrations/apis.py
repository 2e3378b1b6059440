"""Sync runs and sync alerts through the API: Sync Now and the alert window's resolve,
by the same services as the People page and the alert window."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from access.brake import RESOLUTIONS as BRAKE_RESOLUTIONS
from api.idempotency import idempotent
from api.services import api_sync_now
from common.api_views import PropertyApiView, PropertyListApiView, UpdatedSince
from common.pagination import KeysetCursorPagination
from integrations.models import Outcome, SyncAlert, SyncOutcome, SyncRun
from integrations.selectors import integration_for_property
from integrations.sync.alerts import RESOLUTIONS, sync_alert_resolve


class SyncNeedsUserSync(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "user_sync_off"
    default_detail = "Sync Now needs User Sync: set it up in Manage Settings → Integrations."


# --- sync runs ---------------------------------------------------------------------------


@extend_schema_serializer(component_name="SyncRun")
class RunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    trigger = serializers.ChoiceField(choices=SyncRun.Trigger.choices)
    state = serializers.ChoiceField(choices=SyncRun.State.choices)
    phase = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    records_total = serializers.IntegerField()
    records_done = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    error = serializers.CharField()


@extend_schema_serializer(component_name="SyncOutcome")
class OutcomeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    resident_id = serializers.IntegerField(allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    name = serializers.CharField()
    email = serializers.CharField()
    raw_status = serializers.CharField()
    detail = serializers.CharField()


def _runs(api: PropertyApiView) -> Any:
    return SyncRun.objects.filter(integration__property=api.property)


class SyncRunListApi(PropertyListApiView):
    """Sync runs, oldest first. POST is Sync Now: it starts a run, or answers the one
    already queued or running (200 instead of 202)."""

    pagination_class = KeysetCursorPagination
    ordering = ("id",)
    updated_fields = ("created_at", "finished_at")

    @extend_schema(parameters=[UpdatedSince], responses=RunOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = UpdatedSince(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self.page(
            request, _runs(self), RunOutput, filters.validated_data.get("updated_since")
        )

    @extend_schema(request=None, responses={202: RunOutput, 200: RunOutput})
    @idempotent
    def post(self, request: Request, property_id: int) -> Response:
        integration = integration_for_property(property=self.property)
        if integration is None or not integration.user_sync_enabled:
            raise SyncNeedsUserSync()
        run, created = api_sync_now(integration=integration, actor=request.user)
        location = reverse("api-sync-run", args=[self.property.id, run.id])
        return Response(
            RunOutput(run).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": request.build_absolute_uri(location)},
        )


class SyncRunDetailApi(PropertyApiView):
    @extend_schema(responses=RunOutput)
    def get(self, request: Request, property_id: int, run_id: int) -> Response:
        run = _runs(self).filter(id=run_id).first()
        if run is None:
            raise exceptions.NotFound("No such sync run at this property.")
        return Response(RunOutput(run).data)


class SyncOutcomeListApi(PropertyListApiView):
    """What the run did with each PMS record (every outcome but "unchanged")."""

    pagination_class = KeysetCursorPagination
    ordering = ("id",)

    class FilterSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=OutcomeOutput(many=True))
    def get(self, request: Request, property_id: int, run_id: int) -> Response:
        run = _runs(self).filter(id=run_id).first()
        if run is None:
            raise exceptions.NotFound("No such sync run at this property.")
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = SyncOutcome.objects.filter(run=run)
        if "outcome" in filters.validated_data:
            qs = qs.filter(outcome=filters.validated_data["outcome"])
        return self.page(request, qs, OutcomeOutput)


# --- sync alerts -------------------------------------------------------------------------


def resolutions_for(kind: str) -> dict[str, str]:
    """The alert window's buttons for an alert of ``kind``: code → label."""
    if kind == SyncAlert.Kind.MASS_REVOKE:
        return dict(BRAKE_RESOLUTIONS)
    return dict(RESOLUTIONS.get(kind, {}))


@extend_schema_serializer(component_name="SyncAlert")
class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SyncAlert.Kind.choices)
    state = serializers.ChoiceField(choices=SyncAlert.State.choices)
    external_id = serializers.CharField()
    resident_id = serializers.IntegerField(allow_null=True)
    pms_name = serializers.CharField()
    pms_email = serializers.CharField()
    resolutions = serializers.SerializerMethodField(
        help_text="The choices for resolve: code → what it does (none: support settles it)."
    )
    resolution = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def get_resolutions(self, alert: SyncAlert) -> dict[str, str]:
        return resolutions_for(alert.kind) if alert.state == SyncAlert.State.OPEN else {}


class SyncAlertListApi(PropertyListApiView):
    """Sync alerts, open ones by default (``state``)."""

    pagination_class = KeysetCursorPagination

    class FilterSerializer(UpdatedSince):
        state = serializers.ChoiceField(
            choices=SyncAlert.State.choices, default=SyncAlert.State.OPEN
        )
        kind = serializers.ChoiceField(choices=SyncAlert.Kind.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=AlertOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = SyncAlert.objects.filter(integration__property=self.property, state=data["state"])
        if "kind" in data:
            qs = qs.filter(kind=data["kind"])
        return self.page(request, qs, AlertOutput, data.get("updated_since"))


@extend_schema_serializer(component_name="SyncAlertResolved")
class ResolvedOutput(serializers.Serializer):
    message = serializers.CharField(help_text="What happened, as the alert window says it.")
    alert = AlertOutput()


class SyncAlertResolveApi(PropertyApiView):
    @extend_schema_serializer(component_name="SyncAlertResolveInput")
    class InputSerializer(serializers.Serializer):
        resolution = serializers.CharField(
            max_length=32, help_text="One of the alert's ``resolutions`` codes."
        )

    @extend_schema(request=InputSerializer, responses=ResolvedOutput)
    @idempotent
    def post(self, request: Request, property_id: int, alert_id: int) -> Response:
        alert = SyncAlert.objects.filter(integration__property=self.property, id=alert_id).first()
        if alert is None:
            raise exceptions.NotFound("No such sync alert at this property.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolution = body.validated_data["resolution"]
        choices = resolutions_for(alert.kind)
        if alert.state == SyncAlert.State.OPEN and choices and resolution not in choices:
            raise serializers.ValidationError(
                {"resolution": [f"Choose one of: {', '.join(choices)}."]}
            )
        with transaction.atomic():
            message = sync_alert_resolve(alert=alert, resolution=resolution, actor=request.user)
        alert.refresh_from_db()
        return Response({"message": message, "alert": AlertOutput(alert).data})
