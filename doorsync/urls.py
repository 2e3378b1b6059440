from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from properties import views as property_views

console = [
    path("", include("residents.urls")),
    path("", include("units.urls")),
    path("", include("access.urls")),
    path("", include("integrations.urls")),
    path("", include("properties.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("", property_views.console_home, name="console-home"),
    path(
        "accounts/login/",
        property_views.ConsoleLoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("p/<int:property_id>/", include(console)),
    path("api/v1/", include("doorsync.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
