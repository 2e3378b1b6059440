from __future__ import annotations

from django.urls import path

from units import views

urlpatterns = [
    path("access/units/", views.units_list, name="units"),
    path("access/units/new/", views.unit_create, name="units-create"),
    path("access/units/import/", views.unit_import_upload, name="units-import"),
    path(
        "access/units/import/template.csv", views.unit_import_template, name="units-import-template"
    ),
    path(
        "access/units/import/<int:import_id>/",
        views.unit_import_preview,
        name="units-import-preview",
    ),
    path(
        "access/units/import/<int:import_id>/errors.csv",
        views.unit_import_errors,
        name="units-import-errors",
    ),
]
