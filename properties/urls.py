from __future__ import annotations

from django.urls import path

from properties import views

urlpatterns = [
    path("alerts/", views.alerts_panel, name="alerts"),
]
