"""``Authorization: Bearer ds_…``: an API token, or a 401."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken
from api.tokens import api_token_authenticate
from audit.services import TokenActor


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``request.user`` becomes a ``TokenActor`` (audited as "API token <name>"),
    ``request.auth`` the ``ApiToken``. No header: the next class (the console's
    session) is asked; a header with a bad, unknown or revoked token is a 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[TokenActor, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with no spaces in it."
            )
        try:
            secret = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("That is not a doorsync API token.") from exc
        token = api_token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "That API token is unknown or was revoked; a manager creates a new one in "
                "Manage Settings → API."
            )
        return TokenActor(token_id=token.id, name=token.name), token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="doorsync"'


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """How drf-spectacular documents the token: HTTP bearer."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from Manage Settings → API (ds_…).",
        }
