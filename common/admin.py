"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


class NoDirectDeleteMixin:
    """No delete button, action or page for these rows, while deleting what owns them (a
    resident, a property) still cascades to them: Django's cascade checks
    has_delete_permission, so that stays as it is and only the direct ways are closed."""

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        raise PermissionDenied(self.no_delete_reason)  # type: ignore[attr-defined]

    def render_change_form(
        self, request: HttpRequest, context: Any, *args: Any, **kwargs: Any
    ) -> Any:
        context["show_delete"] = False
        return super().render_change_form(request, context, *args, **kwargs)  # type: ignore[misc]


class ZonedSplitDateTime(AdminSplitDateTime):
    """Admin's date and time inputs, followed by the zone they are read and written in.

    Admin shows times with their zone named (doorsync/formats), but a date and a time
    typed into two boxes say nothing of theirs: support answers managers who read their
    property's local time, and a time typed as local but stored as UTC is hours off."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        zone = timezone.get_current_timezone()
        short = timezone.localtime(timezone.now(), zone).strftime("%Z")
        named = str(zone) if short == str(zone) else f"{zone}, {short}"
        return format_html('{}<div class="help">Time zone: {}</div>', html, named)


# ModelAdmin.formfield_overrides for admins whose forms take times.
ZONED_TIMES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.DateTimeField: {"widget": ZonedSplitDateTime},
}
