from __future__ import annotations

from django.urls import path

from notices import views

urlpatterns = [
    path("settings/notices/", views.notices_settings, name="notices-settings"),
]
