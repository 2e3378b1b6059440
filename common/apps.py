from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        import common.search  # noqa: F401 - registers the __unaccent lookup

        connection_created.connect(_sqlite_unaccent)


def _sqlite_unaccent(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite has no unaccent(); PostgreSQL's comes from its extension (migration 0001)."""
    if connection.vendor == "sqlite":
        from common.search import unaccent

        connection.connection.create_function("UNACCENT", 1, unaccent, deterministic=True)
