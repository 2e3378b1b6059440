from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from properties.login_throttle import device_remember
from properties.selectors import properties_for_user

if TYPE_CHECKING:
    pass


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


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links (admin's pages, bookmarks, a
    plain download): the console's icon rather than a 404 in the log. Looked up per
    request, not at import: in production the name is the hashed one of collectstatic's
    manifest, which does not exist yet when `check --deploy` imports the URLs. A temporary
    redirect, as the hashed name changes with the icon."""
    return redirect(static("favicon.svg"))
