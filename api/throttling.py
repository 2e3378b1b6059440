"""Rate limits per API token (DRF's throttle on the Django cache: Redis in production).

Over the limit the answer is a 429 with ``Retry-After`` (common/api.py). Signed-in
console users are not throttled here: the console's own pages are not."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str:
        # Read per request (not frozen at import as DRF's THROTTLE_RATES is).
        return str(settings.API_TOKEN_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.id}
