"""Receiving a push: verify, log, and enqueue the targeted sync — quickly.

Buildium counts a callback that takes over 10 seconds as failed, so the endpoint only
checks the signature, writes the event log and enqueues; the sync runs in a worker
(integrations.tasks.targeted_sync_task). A request that fails verification changes
nothing but its own log line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.credentials.crypto import (
    SecretsUnreadable,
    secrets_decrypt,
    secrets_encrypt,
    secrets_rotate,
)
from integrations.inbound.models import InboundEvent, InboundHook
from integrations.models import PMSIntegration
from integrations.pms.push import PushEvent, PushRejected, push_verifier

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
# What is kept of a body in the log: Buildium's events are a few ids.
KEPT_BODY_CHARS = 4000
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class Received:
    # The HTTP status to answer: 200 accepted or duplicate, 401 rejected, 404 unknown.
    status: int
    verdict: str
    event_id: int | None = None


def inbound_hook_for(*, integration: PMSIntegration) -> InboundHook:
    """The integration's push endpoint, created on first use."""
    hook, _ = InboundHook.objects.get_or_create(integration=integration)
    return hook


def inbound_hook_secret_set(*, hook: InboundHook, secret: str) -> None:
    """Store the vendor's signing secret, encrypted; it is never shown again."""
    cleaned = secret.strip()
    if len(cleaned) < MIN_SECRET_LENGTH or any(c.isspace() for c in cleaned):
        from django.core.exceptions import ValidationError

        raise ValidationError(
            f"Paste the whole signing secret from your PMS (at least {MIN_SECRET_LENGTH} "
            "characters, no spaces); nothing was changed."
        )
    hook.secret_encrypted = secrets_encrypt({"secret": cleaned})
    hook.secret_set_at = timezone.now()
    hook.save(update_fields=["secret_encrypted", "secret_set_at"])


def _secret(hook: InboundHook) -> str:
    if not hook.secret_encrypted:
        return ""
    try:
        return secrets_decrypt(hook.secret_encrypted).get("secret", "")
    except SecretsUnreadable:
        return ""


def inbound_push_receive(
    *, token: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> Received:
    """Verify one push to the endpoint `token`, log it, and enqueue what it names."""
    now = now or timezone.now()
    hook = InboundHook.objects.select_related("integration__credential").filter(token=token).first()
    if hook is None:
        return Received(404, "unknown")
    integration = hook.integration
    log = InboundEvent(
        integration=integration,
        received_at=now,
        body=body[:KEPT_BODY_CHARS].decode("utf-8", "replace"),
    )
    try:
        event = _verify(hook, headers, body, now)
    except PushRejected as exc:
        log.verdict, log.reason = InboundEvent.Verdict.REJECTED, exc.reason[:300]
        log.triggered = "nothing"
        log.save()
        logger.info("Push to integration %s rejected: %s", integration.id, exc.reason)
        return Received(401, log.verdict, log.id)
    log.event_key, log.event_name = event.key[:200], event.name
    log.lease_ids, log.tenant_ids = list(event.lease_ids), list(event.tenant_ids)
    log.verdict = InboundEvent.Verdict.ACCEPTED
    log.triggered = (
        "targeted sync queued"
        if event.targets_residents
        else f"nothing: {event.name} is not about residents"
    )
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        # The same event accepted before: a replay (or the vendor's duplicate delivery).
        log.pk = None
        log.verdict, log.reason, log.triggered = (
            InboundEvent.Verdict.DUPLICATE,
            "this event was received and accepted before",
            "nothing",
        )
        log.save()
        return Received(200, log.verdict, log.id)
    if event.targets_residents:
        from integrations.tasks import targeted_sync_task

        event_id = log.id
        transaction.on_commit(lambda: targeted_sync_task.delay(event_id))
    return Received(200, log.verdict, log.id)


def _verify(hook: InboundHook, headers: Mapping[str, str], body: bytes, now: datetime) -> PushEvent:
    credential = hook.integration.credential
    if credential is None:
        raise PushRejected("the integration has no PMS credential")
    verify = push_verifier(credential.vendor)
    if verify is None:
        raise PushRejected(f"{credential.get_vendor_display()} cannot push changes")
    if len(body) > MAX_BODY_BYTES:
        raise PushRejected(f"body larger than {MAX_BODY_BYTES} bytes")
    secret = _secret(hook)
    if not secret:
        raise PushRejected("no signing secret is set (Manage Settings → Instant updates)")
    return verify(
        headers={k.lower(): v for k, v in headers.items()}, body=body, secret=secret, now=now
    )


def inbound_events_recent(*, integration: PMSIntegration, limit: int = 20) -> list[InboundEvent]:
    return list(
        InboundEvent.objects.filter(integration=integration)
        .select_related("sync_run")
        .order_by("-received_at", "-id")[:limit]
    )


def inbound_hook_secrets_rotate() -> int:
    """Re-encrypt every signing secret under the newest FERNET_KEYS key; returns the count."""
    count = 0
    for hook in InboundHook.objects.exclude(secret_encrypted="").only("id").iterator():
        with transaction.atomic():
            locked = InboundHook.objects.select_for_update().get(id=hook.id)
            locked.secret_encrypted = secrets_rotate(locked.secret_encrypted)
            locked.save(update_fields=["secret_encrypted"])
        count += 1
    return count
