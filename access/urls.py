from __future__ import annotations

from django.urls import path

from access import views

urlpatterns = [
    path("access/keys/", views.keys_list, name="keys"),
    path("access/keys/new/", views.key_create, name="keys-create"),
    path("access/keys/<int:key_id>/", views.key_edit, name="keys-edit"),
    path("access/doors/", views.doors_list, name="doors"),
    path("access/doors/<int:door_id>/", views.door_edit, name="doors-edit"),
]
