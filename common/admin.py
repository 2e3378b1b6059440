"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


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
