"""API tokens: create (the secret once), authenticate, revoke.

A token reads ``ds_<prefix>_<secret>``. The prefix is public and unique: it finds the
row (and tells a manager which token a leaked string was); the whole string is hashed
with SHA-256 and compared in constant time. A random 32-byte secret needs no slow,
salted hash: there is nothing to guess at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import ApiToken
from properties.models import Organization, Property

TOKEN_START = "ds_"  # noqa: S105 (the public start of every token, not a secret)
# last_used_at is written at most this often: not a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenCreated:
    token: ApiToken
    # Shown to the manager once, never stored.
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *,
    organization: Organization,
    name: str,
    scopes: Iterable[str],
    properties: Iterable[Property] = (),
    created_by: Any,
) -> TokenCreated:
    name = " ".join(name.split())
    scopes = sorted(set(scopes))
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the integrator's."})
    if not scopes or not set(scopes) <= set(ApiToken.Scope.values):
        raise ValidationError({"scopes": "Choose Read, Write or both."})
    chosen = list(properties)
    if any(p.organization_id != organization.id for p in chosen):
        raise ValidationError({"properties": "Choose properties of this organization."})
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                organization=organization,
                name=name,
                scopes=scopes,
                prefix=prefix,
                secret_hash=_hash(secret),
                created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            )
            token.properties.set(chosen)
    except IntegrityError as exc:
        raise ValidationError(
            {"name": f"A token named “{name}” already exists; choose another name."}
        ) from exc
    return TokenCreated(token=token, secret=secret)


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token ``secret`` names, or None. Touches last_used_at once a minute."""
    if not secret.startswith(TOKEN_START):
        return None
    prefix, _, rest = secret[len(TOKEN_START) :].partition("_")
    if not prefix or not rest:
        return None
    token = (
        ApiToken.objects.select_related("organization")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # Conditional, so concurrent requests of one token write once.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY), id=token.id
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: ApiToken, actor: Any) -> bool:
    """Revoke at once (the next request with it is a 401). False: it already was."""
    done = ApiToken.objects.filter(id=token.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return done == 1
