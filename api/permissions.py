from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from api.models import ApiToken


class ApiAccess(permissions.BasePermission):
    """A token with the scope the method needs (GET: read; POST: write), or a signed-in
    manager of the console (the session), who may do here what the console lets them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken):
            scope = (
                ApiToken.Scope.READ
                if request.method in permissions.SAFE_METHODS
                else ApiToken.Scope.WRITE
            )
            if not token.allows(scope):
                raise exceptions.PermissionDenied(
                    f"This token has no {scope} scope. A manager creates a token with "
                    f"“{ApiToken.Scope(scope).label}” in Manage Settings → API."
                )
            return True
        return bool(request.user and request.user.is_authenticated)


def api_token_of(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None
