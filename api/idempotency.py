"""``Idempotency-Key`` on POST: a retried request gets the first answer, not a second run.

The same key with the same body (method, path and bytes) answers what the first request
answered, with ``Idempotent-Replayed: true``; the same key with another body is a 409,
as is a retry arriving while the first is still running. Keys are per token (per user
for the console's session) and remembered for ``IDEMPOTENCY_KEY_HOURS``. A request that
failed (an exception: a 4xx or 5xx problem) is not remembered: fixing the body and
sending it again with the same key runs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 255
# A first request that has not answered in this long died (its worker was killed).
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    try:
        body = request._request.body
    except RawPostDataException:
        # Already parsed (a form read by the CSRF check): its data, canonically.
        body = json.dumps(request.data, sort_keys=True, default=str).encode()
    digest.update(body)
    return digest.hexdigest()


def _owner(request: Request) -> dict[str, Any]:
    if isinstance(request.auth, ApiToken):
        return {"token": request.auth, "user": None}
    return {"token": None, "user": request.user}


def _claim(request: Request, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    owner = _owner(request)
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    key=key, fingerprint=fingerprint, created_at=now, **owner
                )
        except IntegrityError:
            pass
        first = IdempotencyRecord.objects.filter(key=key, **owner).first()
        if first is None:
            continue  # expired and deleted meanwhile: claim again
        expired = first.created_at < now - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
        abandoned = first.status is None and first.created_at < now - ABANDONED_AFTER
        if expired or abandoned:
            IdempotencyRecord.objects.filter(id=first.id).delete()
            continue
        if first.fingerprint != fingerprint:
            raise IdempotencyConflict(
                f"This {HEADER} was used with another request body or URL. Use a new key "
                "for a new request."
            )
        if first.status is None:
            raise IdempotencyConflict(
                f"The first request with this {HEADER} is still running; retry shortly."
            )
        return Response(first.body, status=first.status, headers={"Idempotent-Replayed": "true"})
    raise IdempotencyConflict(f"This {HEADER} is busy; retry shortly.")


def idempotent(post: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an API view's ``post``."""

    @wraps(post)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return post(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            raise exceptions.ValidationError(
                {HEADER: [f"Must be 1 to {MAX_KEY} printable characters, e.g. a UUID."]}
            )
        claimed = _claim(request, key, _fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            response = post(self, request, *args, **kwargs)
        except BaseException:
            IdempotencyRecord.objects.filter(id=claimed.id).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(id=claimed.id).delete()
        else:
            IdempotencyRecord.objects.filter(id=claimed.id).update(
                status=response.status_code, body=response.data
            )
        return response

    return wrapper


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Forget answers older than IDEMPOTENCY_KEY_HOURS (beat, hourly). Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
