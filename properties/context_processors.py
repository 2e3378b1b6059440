from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from alerts.selectors import alert_count
from properties.selectors import properties_for_user

# Where the property switcher lands: the same section of the other property.
SECTION_FOR_URL = {
    "people": "people",
    "resident": "people",
    "units": "units",
    "keys": "keys",
    "doors": "doors",
    "integrations": "integrations",
}


def console(request: HttpRequest) -> dict[str, Any]:
    prop = getattr(request, "property", None)
    if prop is None or not request.user.is_authenticated:
        return {}
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    section = "people"
    for prefix, target in SECTION_FOR_URL.items():
        if url_name and url_name.startswith(prefix):
            section = target
            break
    return {
        "current_property": prop,
        "switcher_properties": list(
            properties_for_user(user=request.user).order_by("name").values("id", "name")
        ),
        "switcher_section": section,
        "alert_count": alert_count(property=prop),
    }
