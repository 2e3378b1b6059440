"""The API's error answers (RFC 9457 problem details) and its browsable renderer."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from csp.constants import UNSAFE_INLINE
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, renderers
from rest_framework.response import Response

PROBLEM_JSON = "application/problem+json"
# A stable URI per kind of problem; documented in the README's API section.
PROBLEM_BASE = "https://doorsync.example/problems/"
NON_FIELD = "non_field_errors"


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """DRF's nested error detail flattened to ``[{field, message}]``; the field is a
    dotted path (``ids.3``), null for an error about the request as a whole."""
    errors: list[dict[str, str | None]] = []
    if isinstance(detail, Mapping):
        for name, value in detail.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            if name in (NON_FIELD, "__all__"):
                path = prefix
            errors.extend(_field_errors(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(v, Mapping | list) for v in detail):
            errors.extend({"field": prefix or None, "message": str(v)} for v in detail)
        else:
            for i, value in enumerate(detail):
                if value:
                    errors.extend(_field_errors(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        errors.append({"field": prefix or None, "message": str(detail)})
    return errors


def problem_body(
    *, status: int, detail: str, code: str, errors: list[dict[str, str | None]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.replace("_", "-"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    *,
    status: int,
    detail: str,
    code: str,
    errors: list[dict[str, str | None]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status=status, detail=detail, code=code, errors=errors)
    return Response(body, status=status, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _problem_for(exc)
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if response is not None and (renderer is None or isinstance(renderer, renderers.JSONRenderer)):
        response.content_type = PROBLEM_JSON
    return response


def _problem_for(exc: Exception) -> Response | None:
    """Every API error as problem details: ``type``, ``title``, ``status``, ``detail`` and,
    for bad input, ``errors: [{field, message}]`` naming each field.

    Service-layer ValidationErrors (the console's rules, raised by the same services)
    become 400s with the service's own sentence."""
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    # Set by APIView.handle_exception for a 401 (a 403 when no scheme could be named).
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        named = [str(e["field"]) for e in errors if e["field"]]
        detail_text = (
            "The request has invalid fields: " + ", ".join(dict.fromkeys(named)) + "."
            if named
            else " ".join(str(e["message"]) for e in errors) or "The request is invalid."
        )
        return problem_response(
            status=exc.status_code,
            detail=detail_text,
            code="invalid_request",
            errors=errors,
            headers=headers,
        )
    if isinstance(exc, exceptions.Throttled):
        text = f"Too many requests for this token; retry after {headers.get('Retry-After', '1')} seconds."
    else:
        text = str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc)
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    return problem_response(status=exc.status_code, detail=text, code=str(code), headers=headers)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML view of the API, under the Content-Security-Policy.

    Its template carries inline styles (pygments' code colours, a few style attributes)
    and no inline script, so its pages alone may use inline styles; everything else of
    the policy (settings.CONTENT_SECURITY_POLICY) holds. JSON responses are unaffected."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
