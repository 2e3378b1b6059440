from __future__ import annotations

from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = "People"
