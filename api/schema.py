"""The OpenAPI document's error answers: every operation may answer problem details.

drf-spectacular documents only each view's success; integrators (and schemathesis, which
checks every answer against the document) need the errors too, in one shape."""

from __future__ import annotations

from typing import Any

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Bad input: each field (a dotted path; null for the whole "
            "request) with what is wrong with it.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

ERRORS = {
    "400": "Bad input: `errors` names each field.",
    "401": "No token, or an unknown or revoked one.",
    "403": "The token lacks the scope this method needs.",
    "404": "No such object — or another organization's, or a property the token does not reach.",
    "405": "Not a method of this URL.",
    "406": "Only JSON is served.",
    "415": "Send JSON bodies (Content-Type: application/json).",
    "429": "Too many requests for this token: wait Retry-After seconds.",
}
POST_ERRORS = {
    "409": "The Idempotency-Key was used with another body, or its first request is still "
    "running; or the action cannot run now (Sync Now without User Sync).",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and body gets the "
    "first answer; the same key with another body is a 409. Kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            errors = {**ERRORS, **(POST_ERRORS if method == "post" else {})}
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                }
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    return result
