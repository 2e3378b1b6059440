from __future__ import annotations

from django.urls import path

from residents.apis import ResidentListApi
from units.apis import UnitListApi

urlpatterns = [
    path(
        "properties/<int:property_id>/residents/", ResidentListApi.as_view(), name="api-residents"
    ),
    path("properties/<int:property_id>/units/", UnitListApi.as_view(), name="api-units"),
]
