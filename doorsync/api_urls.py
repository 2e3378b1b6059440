"""The REST API, /api/v1/ (tokens: Manage Settings → API; schema: /api/schema/)."""

from __future__ import annotations

from django.urls import include, path, re_path

from access.apis import (
    AccessEventListApi,
    DoorListApi,
    KeyGrantListApi,
    KeyGrantRevokeApi,
    KeyListApi,
    SuggestionApproveApi,
    SuggestionDiscardApi,
    SuggestionListApi,
)
from common.api_views import ApiNotFound
from integrations.apis import (
    SyncAlertListApi,
    SyncAlertResolveApi,
    SyncOutcomeListApi,
    SyncRunDetailApi,
    SyncRunListApi,
)
from properties.apis import PropertyDetailApi, PropertyListApi
from residents.apis import ResidentDetailApi, ResidentListApi
from units.apis import UnitListApi

per_property = [
    path("", PropertyDetailApi.as_view(), name="api-property"),
    path("residents/", ResidentListApi.as_view(), name="api-residents"),
    path("residents/<int:resident_id>/", ResidentDetailApi.as_view(), name="api-resident"),
    path("units/", UnitListApi.as_view(), name="api-units"),
    path("doors/", DoorListApi.as_view(), name="api-doors"),
    path("keys/", KeyListApi.as_view(), name="api-keys"),
    path("key-grants/", KeyGrantListApi.as_view(), name="api-key-grants"),
    path(
        "key-grants/<int:grant_id>/revoke/",
        KeyGrantRevokeApi.as_view(),
        name="api-key-grant-revoke",
    ),
    path("access-suggestions/", SuggestionListApi.as_view(), name="api-suggestions"),
    path(
        "access-suggestions/approve/",
        SuggestionApproveApi.as_view(),
        name="api-suggestions-approve",
    ),
    path(
        "access-suggestions/discard/",
        SuggestionDiscardApi.as_view(),
        name="api-suggestions-discard",
    ),
    path("sync-runs/", SyncRunListApi.as_view(), name="api-sync-runs"),
    path("sync-runs/<int:run_id>/", SyncRunDetailApi.as_view(), name="api-sync-run"),
    path(
        "sync-runs/<int:run_id>/outcomes/",
        SyncOutcomeListApi.as_view(),
        name="api-sync-run-outcomes",
    ),
    path("sync-alerts/", SyncAlertListApi.as_view(), name="api-sync-alerts"),
    path(
        "sync-alerts/<int:alert_id>/resolve/",
        SyncAlertResolveApi.as_view(),
        name="api-sync-alert-resolve",
    ),
    path("access-events/", AccessEventListApi.as_view(), name="api-access-events"),
]

urlpatterns = [
    path("properties/", PropertyListApi.as_view(), name="api-properties"),
    path("properties/<int:property_id>/", include(per_property)),
    # Any other address under /api/v1/ (a mistyped id, "null"): a 404 in problem details,
    # not the console's HTML page.
    re_path(r"^.*$", ApiNotFound.as_view()),
]
