from __future__ import annotations

from django.urls import path

from webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.webhooks_page, name="webhooks"),
    path("settings/webhooks/<int:endpoint_id>/", views.endpoint_detail, name="webhooks-endpoint"),
    path(
        "settings/webhooks/<int:endpoint_id>/test/",
        views.endpoint_test,
        name="webhooks-endpoint-test",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/toggle/",
        views.endpoint_toggle,
        name="webhooks-endpoint-toggle",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/delete/",
        views.endpoint_delete,
        name="webhooks-endpoint-delete",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        views.delivery_replay,
        name="webhooks-delivery-replay",
    ),
]
