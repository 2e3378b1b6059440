"""The console's access check, in one place (like healthchecks' _get_*_for_user)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from properties.models import Property
from properties.selectors import property_get_for_user

# HttpResponseBase: a report streams its CSV (StreamingHttpResponse).
ConsoleView = Callable[..., HttpResponseBase]


class ConsoleRequest(HttpRequest):
    property: Property


def console_view(view: ConsoleView) -> ConsoleView:
    """Log in required; the URL's property must be one of the user's, else 404.

    Put it outermost (above @require_POST) so another property's URL answers
    404 whatever the method: nothing about it is revealed.
    """

    @login_required
    @wraps(view)
    def wrapper(
        request: HttpRequest, property_id: int, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        prop = property_get_for_user(user=request.user, property_id=property_id)
        request.property = prop  # type: ignore[attr-defined]
        return view(request, prop, *args, **kwargs)

    return wrapper
