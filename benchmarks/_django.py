"""Run a benchmark against a throw-away test database (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import django


@contextmanager
def benchmark_database(name: str = "bench_doorsync") -> Iterator[None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    # Its own database name, so a benchmark never clobbers a test run's database (and
    # benchmarks that may run at the same time pass names of their own).
    connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
