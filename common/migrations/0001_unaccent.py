"""PostgreSQL's unaccent extension, for accent-insensitive search (common/search.py).

A no-op on SQLite, where the function is registered on each connection instead. unaccent
is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from __future__ import annotations

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [UnaccentExtension()]
