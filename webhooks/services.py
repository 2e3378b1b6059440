"""Webhook endpoints and deliveries: the writes the console and admin make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.credentials.crypto import secrets_encrypt
from integrations.pms.egress import host_allowed, ip_of, public
from properties.models import Organization, Property
from webhooks.delivery import endpoint_disable
from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.models import (
    TEST_EVENT,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from webhooks.signing import secret_generate

URL_MAX = 500


def endpoint_url_clean(url: str) -> str:
    """The URL, stripped; raises ValidationError naming the problem and what to do.

    HTTPS only in production (the payload names residents' ids; TLS keeps it private).
    A private address written out is refused here with words for the person typing; a
    name that resolves to one is refused on every connection (integrations/pms/egress.py).
    """
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the URL that should receive the webhooks."})
    if len(url) > URL_MAX:
        raise ValidationError({"url": f"Use a URL of at most {URL_MAX} characters."})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError({"url": "That is not a URL: use https://host/path."}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Use a full URL starting with https://."})
    if parts.username or parts.password:
        raise ValidationError(
            {"url": "Leave the user name and password out of the URL; verify the signature."}
        )
    host = parts.hostname
    allowed = host_allowed(host, port or (443 if parts.scheme == "https" else 80))
    if parts.scheme != "https" and not settings.DEBUG and not allowed:
        raise ValidationError({"url": "Use an https:// URL: webhooks are sent over TLS only."})
    try:
        literal_public = public(str(ip_of(host)))
    except ValueError:
        literal_public = True  # a name: checked after DNS on every connection
    if not literal_public and not allowed:
        raise ValidationError(
            {"url": f"{host} is a private or reserved address; use the receiver's public URL."}
        )
    return url


def _events_clean(events: Iterable[str]) -> list[str]:
    chosen = [e for e in EventType.values if e in set(events)]
    unknown = sorted(set(events) - set(EventType.values))
    if unknown:
        raise ValidationError({"events": f"Unknown event type: {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event to receive."})
    return chosen


@dataclass(frozen=True)
class EndpointCreated:
    endpoint: WebhookEndpoint
    secret: str  # shown once, never again


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    url: str,
    events: Iterable[str],
    properties: Sequence[Property] = (),
    description: str = "",
    actor: Any = None,
) -> EndpointCreated:
    cleaned = endpoint_url_clean(url)
    chosen = _events_clean(events)
    if any(p.organization_id != organization.id for p in properties):
        raise ValidationError({"properties": "Choose properties of this organization only."})
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=cleaned,
        events=chosen,
        description=description.strip()[:200],
        secret_encrypted=secrets_encrypt({"secret": secret}),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if properties:
        endpoint.properties.set(properties)
    return EndpointCreated(endpoint=endpoint, secret=secret)


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Send again from now on; what was cancelled stays cancelled (Replay resends it)."""
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        disabled_at=None, disabled_reason="", updated_at=timezone.now()
    )
    endpoint.disabled_at, endpoint.disabled_reason = None, ""


def endpoint_disable_by(*, endpoint: WebhookEndpoint, actor: Any) -> None:
    who = getattr(actor, "get_username", lambda: "a manager")()
    endpoint_disable(endpoint=endpoint, reason=f"Disabled by {who}.")


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()  # its deliveries and attempts go with it; messages stay for others


def endpoint_test_send(*, endpoint: WebhookEndpoint, actor: Any) -> int:
    """A ``webhook.test`` event to this endpoint alone, whatever events it asked for."""
    if not endpoint.enabled:
        raise ValidationError("Enable the endpoint before sending it a test event.")
    event = WebhookEvent(
        organization_id=endpoint.organization_id,
        type=TEST_EVENT,
        data={"endpoint_id": endpoint.id, "requested_by": getattr(actor, "username", "")},
    )
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [endpoint])])
    return delivery_id


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same message (same ``webhook-id``, same body) again, as a new delivery
    with its own attempts; the original's log stays as it was."""
    if not delivery.endpoint.enabled:
        raise ValidationError("Enable the endpoint before replaying a delivery to it.")
    now = timezone.now()
    replay = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        message=delivery.message,
        next_attempt_at=now,
        created_at=now,
        replay_of=delivery,
    )
    from webhooks.emit import deliveries_enqueue

    transaction.on_commit(lambda: deliveries_enqueue([replay.id]))
    return replay


def webhook_messages_prune(*, now: datetime | None = None) -> int:
    """Messages older than WEBHOOK_MESSAGE_DAYS go, with their deliveries and attempts
    (the delivery log keeps that long); one still being retried stays until it ends."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_MESSAGE_DAYS)
    busy = WebhookDelivery.objects.filter(
        message=OuterRef("pk"),
        state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.SENDING],
    )
    deleted, _ = WebhookMessage.objects.filter(created_at__lt=cutoff).exclude(Exists(busy)).delete()
    return deleted
