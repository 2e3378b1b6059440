from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import ApiDocsView
from integrations.inbound import views as inbound_views
from properties import views as property_views

console = [
    path("", include("residents.urls")),
    path("", include("units.urls")),
    path("", include("access.urls")),
    path("", include("integrations.urls")),
    path("", include("alerts.urls")),
    path("", include("notices.urls")),
    path("", include("audit.urls")),
    path("", include("api.urls")),
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
    # A PMS's signed pushes: authenticated by signature, not by session (inbound/).
    path("hooks/pms/<str:token>/", inbound_views.pms_push, name="pms-push"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("favicon.ico", property_views.favicon, name="favicon"),
]
