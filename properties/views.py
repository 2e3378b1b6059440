from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
