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
]
