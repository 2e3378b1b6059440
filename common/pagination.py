"""The API's one page style: limit/offset with a cap, and a 400 for a limit that is not one.

DRF's LimitOffsetPagination has no cap by default (``?limit=1000000`` sent a whole
property in one response) and passes any integer to the database (``?limit=10**25``
overflowed PostgreSQL's bigint: a 500); a non-number silently meant the default page.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 500
# An offset past the last row is an empty page; past this many digits it is no offset.
_LIMIT = re.compile(r"[0-9]{1,6}")
_OFFSET = re.compile(r"[0-9]{1,18}")


class CappedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT
    limit_query_description = f"Number of results to return per page (1 to {MAX_LIMIT})."

    def get_limit(self, request: Request) -> int | None:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
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

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        if not _OFFSET.fullmatch(raw):
            raise ValidationError({self.offset_query_param: ["Must be a whole number, 0 or more."]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}
        return parameters
