from __future__ import annotations

from django.urls import path

from api import views

urlpatterns = [
    path("settings/api/", views.api_tokens, name="api-tokens"),
    path(
        "settings/api/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
