"""Doors, keys, key grants, access suggestions and the audit feed, through the API.

Writes call the console's services — ``key_grant`` / ``key_grant_revoke`` (access/grants.py
writes them), ``suggestions_approve`` (Update Access) and ``suggestion_discard`` — with the
token as the actor, so each is audited as "API token <name>"."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from access.automation import suggestion_discard, suggestions_approve
from access.models import AccessSuggestion, Door, Key, KeyGrant
from access.selectors import doors_for_property
from access.services import key_grant, key_grant_revoke
from api.idempotency import idempotent
from audit.models import AccessEvent
from common.api_views import PropertyApiView, PropertyListApiView, UpdatedSince
from common.pagination import KeysetCursorPagination
from residents.models import Resident

MAX_IDS = 500


def _id(**kwargs: object) -> serializers.IntegerField:
    # Bounded: an id past bigint would be a database error (a 500), not a 400.
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1, **kwargs)  # type: ignore[arg-type]


class Ids(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MAX_IDS,
        help_text=f"Suggestion ids, 1 to {MAX_IDS}.",
    )


# --- doors and keys ----------------------------------------------------------------------


@extend_schema_serializer(component_name="Door")
class DoorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DoorListApi(PropertyListApiView):
    pagination_class = KeysetCursorPagination

    @extend_schema(parameters=[UpdatedSince], responses=DoorOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = UpdatedSince(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = doors_for_property(property=self.property)
        return self.page(request, qs, DoorOutput, filters.validated_data.get("updated_since"))


@extend_schema_serializer(component_name="Key")
class KeyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Key.Kind.choices)
    unit_id = serializers.IntegerField(allow_null=True)
    door_ids = serializers.SerializerMethodField()
    shareable = serializers.BooleanField()
    share_with_current_residents = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_door_ids(self, key: Key) -> list[int]:
        return [d.id for d in key.doors.all()]


class KeyListApi(PropertyListApiView):
    pagination_class = KeysetCursorPagination

    @extend_schema(parameters=[UpdatedSince], responses=KeyOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = UpdatedSince(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Key.objects.filter(property=self.property).prefetch_related(
            Prefetch("doors", queryset=Door.objects.only("id").order_by("id"))
        )
        return self.page(request, qs, KeyOutput, filters.validated_data.get("updated_since"))


# --- key grants --------------------------------------------------------------------------


@extend_schema_serializer(component_name="KeyGrant")
class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key_id = serializers.IntegerField()
    key = serializers.CharField(source="key.name")
    resident_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    # Shadows Field.source on the class only; the metaclass moves it into the fields.
    source = serializers.ChoiceField(choices=KeyGrant.Source.choices)  # type: ignore[assignment]
    shareable = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()


class KeyGrantListApi(PropertyListApiView):
    """Key grants, live and revoked (``active=true``: live only). ``updated_since``
    matches grants made or revoked since."""

    pagination_class = KeysetCursorPagination
    ordering = ("created_at", "id")
    updated_fields = ("created_at", "revoked_at")

    class FilterSerializer(UpdatedSince):
        resident = _id(required=False)
        key = _id(required=False)
        active = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="KeyGrantInput")
    class InputSerializer(serializers.Serializer):
        resident = _id(help_text="A resident id.")
        key = _id(help_text="A key id.")
        starts_at = serializers.DateTimeField(required=False, help_text="Default: now.")
        ends_at = serializers.DateTimeField(required=False, allow_null=True)
        reason = serializers.CharField(required=False, max_length=300, allow_blank=True)

    @extend_schema(parameters=[FilterSerializer], responses=GrantOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = KeyGrant.objects.filter(key__property=self.property).select_related("key")
        if "resident" in data:
            qs = qs.filter(resident_id=data["resident"])
        if "key" in data:
            qs = qs.filter(key_id=data["key"])
        if data.get("active") is not None:
            qs = qs.filter(revoked_at__isnull=data["active"])
        return self.page(request, qs, GrantOutput, data.get("updated_since"))

    @extend_schema(request=InputSerializer, responses={201: GrantOutput})
    @idempotent
    def post(self, request: Request, property_id: int) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # Another property's (or organization's) id reads as no such id: nothing revealed.
        resident = Resident.objects.filter(property=self.property, id=data["resident"]).first()
        key = Key.objects.filter(property=self.property, id=data["key"]).first()
        missing = {}
        if resident is None:
            missing["resident"] = ["No resident with this id at this property."]
        if key is None:
            missing["key"] = ["No key with this id at this property."]
        if missing or resident is None or key is None:
            raise serializers.ValidationError(missing)
        grant = key_grant(
            key=key,
            resident=resident,
            actor=request.user,
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            reason=data.get("reason") or "Granted through the API",
        )
        return Response(GrantOutput(grant).data, status=status.HTTP_201_CREATED)


class KeyGrantRevokeApi(PropertyApiView):
    @extend_schema_serializer(component_name="KeyGrantRevokeInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, help_text="Why, for the audit log.")

    @extend_schema(request=InputSerializer, responses=GrantOutput)
    @idempotent
    def post(self, request: Request, property_id: int, grant_id: int) -> Response:
        grant = (
            KeyGrant.objects.select_related("key")
            .filter(key__property=self.property, id=grant_id)
            .first()
        )
        if grant is None:
            raise NotFound("No such key grant at this property.")
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revoked = key_grant_revoke(
            grant=grant, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(GrantOutput(revoked).data)


# --- access suggestions ------------------------------------------------------------------


@extend_schema_serializer(component_name="AccessSuggestion")
class SuggestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    resident_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AccessSuggestion.Kind.choices)
    key_id = serializers.IntegerField(allow_null=True)
    key = serializers.CharField(source="key.name", default=None, allow_null=True)
    transition = serializers.CharField(source="transition_label")
    reason = serializers.CharField()
    state = serializers.ChoiceField(choices=AccessSuggestion.State.choices)
    detected_at = serializers.DateTimeField()
    starts_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class SuggestionListApi(PropertyListApiView):
    """Access suggestions, pending ones by default (``state``), oldest first."""

    pagination_class = KeysetCursorPagination
    ordering = ("id",)
    updated_fields = ("detected_at", "decided_at")

    class FilterSerializer(UpdatedSince):
        state = serializers.ChoiceField(
            choices=AccessSuggestion.State.choices, default=AccessSuggestion.State.PENDING
        )
        kind = serializers.ChoiceField(choices=AccessSuggestion.Kind.choices, required=False)
        resident = _id(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=SuggestionOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = AccessSuggestion.objects.filter(property=self.property, state=data["state"])
        if "kind" in data:
            qs = qs.filter(kind=data["kind"])
        if "resident" in data:
            qs = qs.filter(resident_id=data["resident"])
        qs = qs.select_related("key")
        return self.page(request, qs, SuggestionOutput, data.get("updated_since"))


@extend_schema_serializer(component_name="SuggestionsApproved")
class ApproveOutput(serializers.Serializer):
    granted = serializers.IntegerField()
    revoked = serializers.IntegerField()
    acknowledged = serializers.IntegerField(help_text="No-change suggestions cleared.")
    refused = serializers.ListField(child=serializers.CharField())


class SuggestionApproveApi(PropertyApiView):
    """Update Access: approve these suggestions, each re-checked against the present (a
    stale one is refused with the reason, never applied twice)."""

    @extend_schema(request=Ids, responses=ApproveOutput)
    @idempotent
    def post(self, request: Request, property_id: int) -> Response:
        body = Ids(data=request.data)
        body.is_valid(raise_exception=True)
        result = suggestions_approve(
            property=self.property, suggestion_ids=body.validated_data["ids"], actor=request.user
        )
        return Response(ApproveOutput(result).data)


@extend_schema_serializer(component_name="SuggestionsDiscarded")
class DiscardOutput(serializers.Serializer):
    discarded = serializers.ListField(child=serializers.IntegerField())
    refused = serializers.ListField(child=serializers.CharField())


class SuggestionDiscardApi(PropertyApiView):
    """Discard these suggestions (the alert window's X), each on its own."""

    @extend_schema(request=Ids, responses=DiscardOutput)
    @idempotent
    def post(self, request: Request, property_id: int) -> Response:
        body = Ids(data=request.data)
        body.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(body.validated_data["ids"]))
        found = {
            s.id: s for s in AccessSuggestion.objects.filter(property=self.property, id__in=ids)
        }
        discarded: list[int] = []
        refused: list[str] = []
        for sid in ids:
            suggestion = found.get(sid)
            if suggestion is None:
                refused.append(f"Suggestion {sid}: no such suggestion at this property.")
                continue
            try:
                suggestion_discard(suggestion=suggestion, actor=request.user)
            except ValidationError as exc:
                refused.append(f"Suggestion {sid}: {' '.join(exc.messages)}")
            else:
                discarded.append(sid)
        return Response({"discarded": discarded, "refused": refused})


# --- the audit feed ----------------------------------------------------------------------


@extend_schema_serializer(component_name="AccessEvent")
class EventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=AccessEvent.Action.choices)
    actor = serializers.CharField(source="actor_label")
    actor_type = serializers.SerializerMethodField()
    api_token_id = serializers.IntegerField(allow_null=True)
    resident_id = serializers.IntegerField(allow_null=True)
    key_id = serializers.IntegerField(allow_null=True)
    subject = serializers.CharField()
    reason = serializers.CharField()

    def get_actor_type(self, event: AccessEvent) -> str:
        if event.api_token_id is not None:
            return "api_token"
        return "user" if event.actor_id is not None else "automation"


class AccessEventListApi(PropertyListApiView):
    """The audit feed, oldest first: follow ``next`` to the end, keep ``resume``, and ask
    again with it for events recorded since. (An event is stamped when written and
    visible when its transaction commits, a moment later: a client following the feed
    closely re-reads the last few seconds with ``updated_since`` to be sure.)"""

    pagination_class = KeysetCursorPagination
    ordering = ("created_at", "id")
    updated_fields = ("created_at",)

    class FilterSerializer(UpdatedSince):
        action = serializers.ChoiceField(choices=AccessEvent.Action.choices, required=False)
        resident = _id(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=EventOutput(many=True))
    def get(self, request: Request, property_id: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = AccessEvent.objects.filter(property=self.property)
        if "action" in data:
            qs = qs.filter(action=data["action"])
        if "resident" in data:
            qs = qs.filter(resident_id=data["resident"])
        return self.page(request, qs, EventOutput, data.get("updated_since"))
