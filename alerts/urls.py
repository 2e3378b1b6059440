from __future__ import annotations

from django.urls import path

from alerts import views

urlpatterns = [
    path("alerts/", views.alert_window, name="alerts"),
    path(
        "alerts/suggestions/update-access/",
        views.suggestions_update_access,
        name="suggestions-update-access",
    ),
    path(
        "alerts/suggestions/approve-category/",
        views.suggestions_approve_category_view,
        name="suggestions-approve-category",
    ),
    path(
        "alerts/suggestions/<int:suggestion_id>/discard/",
        views.suggestion_discard_view,
        name="suggestion-discard",
    ),
    path(
        "alerts/sync/<int:alert_id>/resolve/",
        views.sync_alert_resolve_view,
        name="alerts-sync-resolve",
    ),
]
