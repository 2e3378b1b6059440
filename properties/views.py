from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from properties.console import console_view
from properties.models import Property
from properties.selectors import properties_for_user


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    first = properties_for_user(user=request.user).order_by("name").first()
    if first is None:
        return render(request, "properties/no_properties.html", status=200)
    return redirect("people", property_id=first.id)


@console_view
def alerts_panel(request: HttpRequest, prop: Property) -> HttpResponse:
    """The alert window: pending access suggestions and open sync alerts."""
    from integrations.views import alerts_panel_context

    return render(request, "properties/alerts_panel.html", alerts_panel_context(prop))
