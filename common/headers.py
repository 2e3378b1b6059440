"""Response headers every page gets (request checks: common/middleware.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedIn:
    """``Cache-Control: no-store`` on every response to a signed-in user.

    What a signed-in manager or support user sees carries residents' names, e-mail
    addresses, phone numbers and key holdings (People, a resident, the alert window, the
    API, admin). None of it may stay in a shared proxy or in the browser's cache after
    logging out on a shared front-desk computer. Static files never get here (whitenoise
    answers them before), and a view that sets its own Cache-Control keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
