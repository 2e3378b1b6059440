from __future__ import annotations

from api.tokens import TokenCreated, api_token_create


def api_token(
    organization, *, name="Acme locks", scopes=("read", "write"), properties=(), by=None
) -> TokenCreated:
    """A token made the product's way (the secret exists only in the answer)."""
    return api_token_create(
        organization=organization,
        name=name,
        scopes=scopes,
        properties=properties,
        created_by=by,
    )
