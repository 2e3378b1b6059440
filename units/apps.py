from __future__ import annotations

from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "Units"
