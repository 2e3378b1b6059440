"""Bulk writes of thousands of rows: PostgreSQL COPY and UPDATE … FROM unnest.

Django's ``bulk_create`` builds a model instance per row and has psycopg quote every
value client-side; ``bulk_update`` writes a ``CASE WHEN id = … THEN …`` per row and
column, which PostgreSQL plans slower the longer it gets. Profiling the first User
Sync of 10,000 residents put over half of its time there. These helpers take plain
tuples instead, write them with one COPY (inserts) or one ``UPDATE … FROM unnest``
(updates) on PostgreSQL, and fall back to the ORM elsewhere (SQLite, the zero-set-up
default), so callers stay portable.

Every statement still passes through Django's cursor wrappers, so query counters
(``execute_wrapper``, ``django_assert_num_queries``) see a COPY like any other query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any

from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper
from django.utils import timezone


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _fields(model: type[models.Model], columns: Sequence[str]) -> list[models.Field[Any, Any]]:
    # Columns are named by attname ("resident_id"), as in the database.
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[c] for c in columns]


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column is not None  # concrete fields always have one
    return connection.ops.quote_name(field.column)


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value becomes what psycopg can COPY, when it cannot as it is."""
    if isinstance(field, models.JSONField):
        from psycopg.types.json import Jsonb

        dumps = partial(json.dumps, cls=field.encoder)
        return lambda v: None if v is None else Jsonb(v, dumps=dumps)
    return None


def _plain(value: Any) -> Any:
    # Client-side array literals: send a choices enum's value, never its name.
    return value.value if isinstance(value, Enum) else value


def _run_visibly(sql: str, work: Callable[[Any], Any]) -> Any:
    """Run ``work(psycopg_cursor)`` as if it were ``cursor.execute(sql)``: through the
    connection's execute wrappers, logged like a query when queries are being logged."""
    with connection.cursor() as cursor:

        def executor(sql: str, params: Any, many: bool, context: Any) -> Any:
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors:
                return work(cursor.cursor)

        logged = cursor.debug_sql(sql) if isinstance(cursor, CursorDebugWrapper) else nullcontext()
        with logged:
            return cursor._execute_with_wrappers(sql, None, False, executor)


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert rows of ``columns`` (attnames); one COPY on PostgreSQL.

    For tables whose new ids are not needed afterwards (or were reserved with
    ``ids_reserve``); no ON CONFLICT — a clash raises IntegrityError like an INSERT.
    """
    fields = _fields(model, columns)
    if not _is_postgresql():
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        if objs:
            model._default_manager.bulk_create(objs)
        return
    rows = list(rows) if not isinstance(rows, list) else rows
    if not rows:
        return
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(_column(f) for f in fields)}) FROM STDIN"

    def copy(cursor: Any) -> None:
        # Values go as they are: psycopg dumps a str or int choices enum (TextChoices,
        # StrEnum) by its value, and converting every value first cost a third of the COPY.
        with cursor.copy(sql) as copy:
            for row in rows:
                if adapters:
                    row = list(row)
                    for i, adapt in adapters:
                        row[i] = adapt(row[i])
                copy.write_row(row)

    _run_visibly(sql, copy)


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's own sequence (PostgreSQL), in one
    query, so rows can be COPYed with ids known up front. Never reused, like any
    sequence value; a rolled-back batch just leaves a gap."""
    if count <= 0:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [quote(model._meta.db_table), model._meta.pk.column, count],  # type: ignore[union-attr]
        )
        return [row[0] for row in cursor.fetchall()]


def objects_insert(objs: Sequence[models.Model], *, now: datetime | None = None) -> None:
    """``bulk_create`` of model instances, ids set on them; on PostgreSQL one query for
    the ids and one COPY. ``auto_now`` / ``auto_now_add`` fields get ``now``."""
    if not objs:
        return
    now = now or timezone.now()
    model = type(objs[0])
    if not _is_postgresql():
        model._default_manager.bulk_create(list(objs))
        return
    meta = model._meta
    for obj, pk in zip(objs, ids_reserve(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    fields = list(meta.concrete_fields)
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    getters = [f.attname for f in fields]
    rows_insert(model, getters, ([getattr(o, a) for a in getters] for o in objs))


def rows_update(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set ``columns`` (attnames) per row; each row is (pk, *values). One
    ``UPDATE … FROM unnest(…)`` on PostgreSQL, ``bulk_update`` elsewhere."""
    if not rows:
        return
    if not _is_postgresql():
        objs = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for name, value in zip(columns, values, strict=True):
                setattr(obj, name, value)
            objs.append(obj)
        model._default_manager.bulk_update(objs, list(columns))
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [pk, *_fields(model, columns)]
    quote = connection.ops.quote_name
    arrays = []
    for i, field in enumerate(fields):
        adapt = _adapter(field)
        values = [_plain(row[i]) for row in rows]
        arrays.append([adapt(v) for v in values] if adapt else values)
    casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    names = ", ".join(_column(f) for f in fields)
    assignments = ", ".join(f"{_column(f)} = v.{_column(f)}" for f in fields[1:])
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        # Table and column names come from the model, never from input.
        sql = (
            f"UPDATE {table} SET {assignments} FROM unnest({casts}) AS v({names}) "  # noqa: S608
            f"WHERE {table}.{_column(pk)} = v.{_column(pk)}"
        )
        cursor.execute(sql, arrays)
