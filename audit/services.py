"""The audit log: who changed who can open which door, and why.

Append-only rows (``AccessEvent``); every writer builds them here so the actor is
named the same way everywhere ("automation" when nobody is logged in, "API token <name>"
when an integrator's token made the change).
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


class TokenActor(AnonymousUser):
    """An integrator's API token acting (the REST API's ``request.user``).

    Deliberately not a user: every service that records a user (``granted_by``,
    ``decided_by``, ``requested_by``…) asks ``is_authenticated`` or ``isinstance(…, User)``
    and records nobody, and the audit row names the token instead — the manager who
    created it may have left, and did not make the change."""

    def __init__(self, *, token_id: int, name: str) -> None:
        super().__init__()
        self.token_id = token_id
        self.name = name

    def __str__(self) -> str:
        return f"API token {self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenActor) and other.token_id == self.token_id

    def __hash__(self) -> int:
        return hash(("api-token", self.token_id))


def actor_label(actor: Actor) -> str:
    if isinstance(actor, TokenActor):
        return str(actor)[:150]
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
        api_token_id=actor.token_id if isinstance(actor, TokenActor) else None,
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
