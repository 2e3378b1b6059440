from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from properties.console import console_view
from properties.login_throttle import device_remember
from properties.models import Property
from properties.selectors import properties_for_user

if TYPE_CHECKING:
    from access.views import SuggestionFilter


class ConsoleLoginView(LoginView):
    """Django's login, remembering the browser for the per-account login limit
    (properties/login_throttle.py): a manager's own browser is never locked out by
    someone else guessing at their account."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        device_remember(response, username=form.get_user().get_username())
        return response


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    first = properties_for_user(user=request.user).order_by("name").first()
    if first is None:
        return render(request, "properties/no_properties.html", status=200)
    return redirect("people", property_id=first.id)


def alert_window_context(prop: Property, flt: SuggestionFilter | None = None) -> dict[str, object]:
    """Access suggestions and sync alerts: what the alert icon counts, in one window."""
    from access.views import suggestions_context
    from integrations.views import alerts_panel_context

    context = {**alerts_panel_context(prop), **suggestions_context(prop, flt)}
    counts = context["suggestion_counts"]
    assert isinstance(counts, dict)
    context["window_total"] = int(context["alert_total"]) + counts.get("all", 0)  # type: ignore[call-overload]
    return context


@console_view
def alerts_panel(request: HttpRequest, prop: Property) -> HttpResponse:
    """The alert window: pending access suggestions and open sync alerts."""
    from access.views import SuggestionFilter

    return render(
        request,
        "properties/alerts_panel.html",
        alert_window_context(prop, SuggestionFilter.of(request)),
    )


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (admin's pages, bookmarks, a
    plain download): the console's icon rather than a 404 in the log. Looked up per
    request, not at import: in production the name is the hashed one of collectstatic's
    manifest, which does not exist yet when `check --deploy` imports the URLs. A temporary
    redirect, as the hashed name changes with the icon."""
    return redirect(static("favicon.svg"))
