"""Reading JSON answers: the parts every JSON vendor client shares."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from integrations.pms.errors import MalformedResponse
from integrations.pms.http import HttpResponse, HttpTransport


def json_object(http: HttpTransport, response: HttpResponse, call: str) -> dict[str, Any]:
    """The answer as a JSON object; MalformedResponse when it is not one."""
    try:
        payload = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise http.error(MalformedResponse, call=call, detail=f"broken JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise http.error(MalformedResponse, call=call, detail="answer is not an object")
    return payload


def json_rows(http: HttpTransport, payload: dict[str, Any], key: str, call: str) -> list[Any]:
    """`payload[key]` as a list of objects; MalformedResponse when it is anything else."""
    rows = payload.get(key)
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise http.error(MalformedResponse, call=call, detail=f"{key} is not a list of rows")
    return rows


def error_member(response: HttpResponse, statuses: Collection[int]) -> Any | None:
    """The `error` member of a JSON error answer with one of `statuses`, else None — for a
    client's classifier, which must not raise on a body it cannot read."""
    if response.status_code not in statuses:
        return None
    try:
        payload = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(payload, dict) and payload.get("error"):
        return payload["error"]
    return None
