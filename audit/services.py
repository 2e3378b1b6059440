"""The audit log: who changed who can open which door, and why.

Append-only rows (``AccessEvent``); every writer builds them here so the actor is
named the same way everywhere ("automation" when nobody is logged in).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from access.models import Key
from audit.models import AccessEvent
from properties.models import Property
from residents.models import Resident

Actor = AbstractBaseUser | AnonymousUser | None

AUTOMATION = "automation"


def actor_label(actor: Actor) -> str:
    if actor is None or not actor.is_authenticated:
        return AUTOMATION
    full = getattr(actor, "get_full_name", lambda: "")()
    return str(full or actor.get_username())


def _actor_user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def access_event_build(
    *,
    property: Property,
    actor: Actor,
    action: str,
    subject: str,
    resident: Resident | None = None,
    key: Key | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    label: str | None = None,
    at: datetime | None = None,
) -> AccessEvent:
    """An unsaved audit row, for callers that write many with bulk_create."""
    if action not in AccessEvent.Action.values:
        # Names are checked here rather than by the database: a new action is a line in
        # AccessEvent.Action, no migration.
        raise ValueError(f"Unknown audit action {action!r}: add it to AccessEvent.Action.")
    return AccessEvent(
        property=property,
        actor=_actor_user(actor),
        actor_label=label or actor_label(actor),
        action=action,
        subject=subject[:300],
        resident=resident,
        key=key,
        reason=reason[:500],
        data=data or {},
        created_at=at or timezone.now(),
    )


def access_event_record(**kwargs: Any) -> AccessEvent:
    event = access_event_build(**kwargs)
    event.save()
    return event
