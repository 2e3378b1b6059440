"""The API's one page style: a keyset cursor, with a capped page size.

A page is ``{"next": url | null, "resume": cursor, "results": [...]}``, ordered by a
view's ``ordering`` (e.g. ``("updated_at", "id")``, ascending). The cursor is the last
row's values of those fields, so the next page is ``WHERE (updated_at, id) > (…)`` on
an index, not an OFFSET: a page costs the same at row 100,000 as at row 1, and rows
inserted, deleted or changed meanwhile never shift a page (a row changed after it was
read moves past the cursor and is read again — what a client following changes wants).
``next`` is null once the last row has been read; ``resume`` is the cursor to come back
with later for whatever changed since.

Limits: ``limit`` 1 to 500 (default 100); a limit that is no such whole number, or a
cursor this API did not make, is a 400 naming it. (Once limit/offset, whose offset cost
grew with the page number and whose pages shifted when rows changed.)
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_LIMIT = re.compile(r"[0-9]{1,6}")
MAX_CURSOR = 200


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps(
        [v.isoformat() if isinstance(v, dt.datetime) else v for v in values],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class KeysetCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    limit_query_param = "limit"

    def __init__(self, ordering: Sequence[str] = ("id",)) -> None:
        self.ordering = tuple(ordering)
        self.request: Request | None = None
        self.next_values: list[Any] | None = None
        self.resume = ""

    # --- parsing ---------------------------------------------------------------------------

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return DEFAULT_LIMIT
        limit = int(raw) if _LIMIT.fullmatch(raw) else None
        if limit is None or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError(
                {
                    self.limit_query_param: [
                        f"Must be a whole number from 1 to {MAX_LIMIT}; follow “next” for "
                        "more results."
                    ]
                }
            )
        return limit

    def _bad_cursor(self) -> ValidationError:
        return ValidationError(
            {
                self.cursor_query_param: [
                    "Not a cursor of this list: use the “next” or “resume” value of a page "
                    "exactly as given."
                ]
            }
        )

    def get_position(self, request: Request, model: type[Model]) -> list[Any] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        if not raw or len(raw) > MAX_CURSOR:
            raise self._bad_cursor()
        try:
            values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise self._bad_cursor() from exc
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise self._bad_cursor()
        position: list[Any] = []
        for name, value in zip(self.ordering, values, strict=True):
            field = model._meta.get_field(name)
            internal = field.get_internal_type()
            try:
                if internal == "DateTimeField":
                    parsed: Any = dt.datetime.fromisoformat(value)
                    if parsed.tzinfo is None:
                        raise ValueError(value)
                elif internal in ("AutoField", "BigAutoField", "IntegerField"):
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise ValueError(value)
                    if not 0 <= value < 2**63:
                        raise ValueError(value)
                    parsed = value
                else:
                    raise ValueError(value)
            except (TypeError, ValueError) as exc:
                raise self._bad_cursor() from exc
            position.append(parsed)
        return position

    # --- the page --------------------------------------------------------------------------

    def _after(self, position: Sequence[Any]) -> Q:
        """(f1, f2, …) > (v1, v2, …), spelled for the ORM.

        The leading ``f1 >= v1`` says nothing new, but it is what lets the database start
        an index range scan at the cursor: the OR alone would be read as a filter on every
        row before it, and a late page would cost as much as reading all earlier ones."""
        condition = Q()
        for i in reversed(range(len(self.ordering))):
            equal = {name: position[j] for j, name in enumerate(self.ordering[:i])}
            step = Q(**equal, **{f"{self.ordering[i]}__gt": position[i]})
            condition = step if i == len(self.ordering) - 1 else step | condition
        if len(self.ordering) > 1:
            condition &= Q(**{f"{self.ordering[0]}__gte": position[0]})
        return condition

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        limit = self.get_limit(request)
        position = self.get_position(request, queryset.model)
        qs = queryset.order_by(*self.ordering)
        if position is not None:
            qs = qs.filter(self._after(position))
        rows = list(qs[: limit + 1])
        page = rows[:limit]
        last = [_value(page[-1], name) for name in self.ordering] if page else None
        self.next_values = last if len(rows) > limit else None
        self.resume = (
            _encode(last)
            if last is not None
            else (request.query_params.get(self.cursor_query_param) or "")
        )
        return page

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "resume": self.resume, "results": data})

    def get_next_link(self) -> str | None:
        if self.next_values is None or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, _encode(self.next_values))

    # --- the OpenAPI document ---------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "resume", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page; null once the last row was read.",
                },
                "resume": {
                    "type": "string",
                    "description": "A cursor after the last row read: come back with it "
                    "(?cursor=…) for rows changed or added since.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A page's “next” or “resume” value.",
                "schema": {"type": "string", "maxLength": MAX_CURSOR},
            },
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
        ]


def _value(row: Any, name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    return value
