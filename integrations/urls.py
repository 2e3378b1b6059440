from __future__ import annotations

from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/integrations/", views.integrations_page, name="integrations"),
    path(
        "settings/integrations/credentials/new/",
        views.credential_create,
        name="integrations-credential-create",
    ),
    path(
        "settings/integrations/credentials/<int:credential_id>/",
        views.credential_edit,
        name="integrations-credential-edit",
    ),
    path(
        "settings/integrations/credentials/<int:credential_id>/test/",
        views.credential_test,
        name="integrations-credential-test",
    ),
    path(
        "settings/integrations/credentials/<int:credential_id>/delete/",
        views.credential_delete,
        name="integrations-credential-delete",
    ),
    path("settings/integrations/setup/", views.integrations_setup, name="integrations-setup-start"),
    path(
        "settings/integrations/sync-preview/",
        views.integrations_sync_preview,
        name="integrations-sync-preview",
    ),
    path(
        "settings/integrations/setup/<slug:step>/",
        views.integrations_setup,
        name="integrations-setup",
    ),
    path(
        "settings/integrations/manage/", views.integrations_manage, name="integrations-manage-start"
    ),
    path(
        "settings/integrations/manage/<slug:tab>/",
        views.integrations_manage,
        name="integrations-manage",
    ),
    path(
        "settings/integrations/manage/sync-history/<int:run_id>/",
        views.sync_run_detail,
        name="integrations-sync-run",
    ),
    path(
        "settings/integrations/unit-mapping/suggest/",
        views.unit_mapping_suggest,
        name="integrations-unit-mapping-suggest",
    ),
    path(
        "settings/integrations/unit-mapping/refresh/",
        views.unit_mapping_refresh,
        name="integrations-unit-mapping-refresh",
    ),
    path(
        "settings/integrations/unit-mapping/<int:pms_unit_id>/remove/",
        views.unit_mapping_remove_view,
        name="integrations-unit-mapping-remove",
    ),
    path("people/sync-now/", views.people_sync_now, name="people-sync-now"),
    path("people/sync-status/", views.people_sync_status, name="people-sync-status"),
]
