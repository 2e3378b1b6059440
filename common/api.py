from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from csp.constants import UNSAFE_INLINE
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, renderers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map service-layer validation errors to 400s with the service's message."""
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


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
