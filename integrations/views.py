from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from properties.console import console_view
from properties.models import Property


@console_view
def integrations_page(request: HttpRequest, prop: Property) -> HttpResponse:
    return render(request, "integrations/integrations.html", {})
