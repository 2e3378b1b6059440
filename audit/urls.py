from __future__ import annotations

from django.urls import path

from audit import views

urlpatterns = [
    path(
        "settings/reports/assigned-access/",
        views.report_assigned_access,
        name="report-assigned-access",
    ),
    path(
        "settings/reports/admin-actions/", views.report_admin_actions, name="report-admin-actions"
    ),
]
