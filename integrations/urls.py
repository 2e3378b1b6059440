from __future__ import annotations

from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/integrations/", views.integrations_page, name="integrations"),
]
