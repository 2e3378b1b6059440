from __future__ import annotations

from django.urls import path

from residents import views

urlpatterns = [
    path("people/", views.people_list, name="people"),
    path("people/new/", views.resident_create, name="resident-create"),
    path("people/<int:resident_id>/", views.resident_detail, name="resident-detail"),
    path("people/<int:resident_id>/edit/", views.resident_edit, name="resident-edit"),
    path("people/<int:resident_id>/status/", views.resident_status, name="resident-status"),
    path("people/<int:resident_id>/keys/", views.resident_grant_key, name="resident-grant-key"),
    path(
        "people/<int:resident_id>/grants/<int:grant_id>/revoke/",
        views.resident_revoke_grant,
        name="resident-revoke-grant",
    ),
]
