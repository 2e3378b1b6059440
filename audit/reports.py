"""The DOOR-style reports (Manage Settings → Reports): Assigned Access and Admin Actions.

Each report is one query over the property's rows, read as plain values so 100,000 rows
stream as CSV without building a model object per row; the page shows the same rows 50 at
a time. Filters: a date range in the property's own time zone, a resident (name or email,
without accents), a key, and who acted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from access.models import KeyGrant
from audit.models import AccessEvent
from audit.services import AUTOMATION
from common.search import search_terms
from properties.models import Property
from units.labels import unit_label

# How a change was made, as the reports say it.
MANUAL = "Manual"
APPROVED = "Approved suggestion"
AUTOMATIC = "Automatic"
BY_API = "API token"


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None
    date_to: date | None = None
    resident: str = ""
    key_id: int | None = None
    actor: str = ""
    action: str = ""


def _bounds(flt: ReportFilter, prop: Property) -> tuple[datetime | None, datetime | None]:
    """The date range as instants: from the start of `date_from` to the end of `date_to`,
    in the property's own zone (a manager's "Dec 1" is their Dec 1)."""
    zone = prop.zone
    start = datetime.combine(flt.date_from, time.min, zone) if flt.date_from else None
    end = datetime.combine(flt.date_to + timedelta(days=1), time.min, zone) if flt.date_to else None
    return start, end


def _resident_q(prefix: str, typed: str) -> Q:
    words = Q()
    for term in search_terms(typed):
        words &= (
            Q(**{f"{prefix}first_name__unaccent__icontains": term})
            | Q(**{f"{prefix}last_name__unaccent__icontains": term})
            | Q(**{f"{prefix}email__icontains": term})
        )
    return words


def how_made(
    *, actor_id: int | None, data: dict[str, Any] | None, api_token_id: int | None = None
) -> str:
    """Manual (a person, directly), Approved suggestion, API token (an integrator's
    program), or Automatic (a rule, no person)."""
    data = data or {}
    if "suggestion" in data:
        return APPROVED
    if api_token_id is not None:
        return BY_API
    if actor_id is None or data.get("mode") == "automatic":
        return AUTOMATIC
    return MANUAL


# --- Assigned Access: who holds which key now -------------------------------------------

ASSIGNED_ACCESS_COLUMNS = [
    "Resident",
    "Email",
    "Unit",
    "Status",
    "Key",
    "Holds since",
    "Until",
    "Granted by",
    "How",
    "Why",
]


def _grant_events(property: Property) -> QuerySet[AccessEvent, Any]:
    """The audit rows written with grants: data["grant"] is the grant's id
    (access/grants.py), compared as a number on PostgreSQL and SQLite alike."""
    return AccessEvent.objects.filter(
        property_id=property.id, action=AccessEvent.Action.KEY_GRANTED
    ).annotate(grant_ref=Cast(KeyTextTransform("grant", "data"), BigIntegerField()))


def assigned_access_rows(*, property: Property, flt: ReportFilter) -> QuerySet[KeyGrant, Any]:
    """Every key held now (not revoked), with when it started. Who or which rule gave it
    is read from the grant's audit row, a chunk of rows at a time (`assigned_access_with_why`)
    — not a subquery per row, which made 100,000 rows five times slower."""
    qs = KeyGrant.objects.filter(key__property=property, revoked_at__isnull=True)
    start, end = _bounds(flt, property)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if flt.resident.strip():
        qs = qs.filter(_resident_q("resident__", flt.resident))
    if flt.key_id is not None:
        qs = qs.filter(key_id=flt.key_id)
    if flt.actor:
        qs = qs.filter(
            Exists(
                _grant_events(property).filter(
                    grant_ref=OuterRef("id"),  # type: ignore[misc]  # annotated in _grant_events
                    actor_label=flt.actor,
                )
            )
        )
    return qs.values(
        "id",
        "resident_id",
        "resident__first_name",
        "resident__last_name",
        "resident__email",
        "resident__status",
        "resident__unit__name",
        "resident__unit__building",
        "key__name",
        "starts_at",
        "ends_at",
        "granted_by_id",
        "granted_by__first_name",
        "granted_by__last_name",
    ).order_by("resident__last_name", "resident__first_name", "resident_id", "key__name", "id")


def assigned_access_with_why(
    rows: Iterable[dict[str, Any]], *, property: Property, chunk: int = 2000
) -> Iterator[dict[str, Any]]:
    """The rows, each with the actor, data and reason of the audit row that granted it:
    one query per chunk of rows."""
    it = iter(rows)
    while batch := list(islice(it, chunk)):
        found = {
            e["grant_ref"]: e
            for e in _grant_events(property)
            # By resident first: that column is indexed, the grant id inside the JSON is not.
            .filter(resident_id__in={r["resident_id"] for r in batch})
            .filter(grant_ref__in=[r["id"] for r in batch])  # type: ignore[misc]  # as above
            .order_by("created_at")
            .values("grant_ref", "actor_label", "data", "reason", "api_token_id")
        }
        for row in batch:
            event = found.get(row["id"], {})
            yield {
                **row,
                "granted_label": event.get("actor_label")
                or f"{row['granted_by__first_name'] or ''} {row['granted_by__last_name'] or ''}".strip()
                or AUTOMATION,
                "granted_data": event.get("data"),
                "granted_reason": event.get("reason", ""),
                "granted_token": event.get("api_token_id"),
            }


def assigned_access_row(row: dict[str, Any], prop: Property) -> list[str]:
    unit = row["resident__unit__name"]
    return [
        f"{row['resident__first_name']} {row['resident__last_name']}".strip(),
        row["resident__email"],
        unit_label(unit, row["resident__unit__building"] or "") if unit else "",
        str(row["resident__status"]).title(),
        row["key__name"],
        _local(row["starts_at"], prop),
        _local(row["ends_at"], prop),
        row["granted_label"],
        how_made(
            actor_id=row["granted_by_id"],
            data=_json(row["granted_data"]),
            api_token_id=row["granted_token"],
        ),
        row["granted_reason"] or "",
    ]


# --- Admin Actions: every access change, by whom and why ---------------------------------

ADMIN_ACTIONS_COLUMNS = ["When", "Who", "How", "Action", "Resident", "Key", "What", "Why"]


def admin_action_rows(*, property: Property, flt: ReportFilter) -> QuerySet[AccessEvent, Any]:
    """Every audited change at the property, newest first: manual, approved and automatic."""
    qs = AccessEvent.objects.filter(property=property)
    start, end = _bounds(flt, property)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    if flt.resident.strip():
        qs = qs.filter(_resident_q("resident__", flt.resident))
    if flt.key_id is not None:
        qs = qs.filter(key_id=flt.key_id)
    if flt.actor:
        qs = qs.filter(actor_label=flt.actor)
    if flt.action:
        qs = qs.filter(action=flt.action)
    return qs.values(
        "id",
        "created_at",
        "actor_id",
        "api_token_id",
        "actor_label",
        "action",
        "resident__first_name",
        "resident__last_name",
        "key__name",
        "subject",
        "reason",
        "data",
    ).order_by("-created_at", "-id")


def admin_action_row(row: dict[str, Any], prop: Property) -> list[str]:
    try:
        action = str(AccessEvent.Action(row["action"]).label)
    except ValueError:
        action = row["action"]
    resident = f"{row['resident__first_name'] or ''} {row['resident__last_name'] or ''}".strip()
    return [
        _local(row["created_at"], prop),
        row["actor_label"],
        how_made(
            actor_id=row["actor_id"], data=_json(row["data"]), api_token_id=row["api_token_id"]
        ),
        action,
        resident,
        row["key__name"] or "",
        row["subject"],
        row["reason"],
    ]


def report_actors(*, property: Property) -> list[str]:
    """Who has acted at the property, for the "Who" filter: people by name, "automation",
    "PMS sync"."""
    return list(
        AccessEvent.objects.filter(property=property)
        .order_by("actor_label")
        .values_list("actor_label", flat=True)
        .distinct()
    )


def rows_streamed(rows: QuerySet[Any, Any], *, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    # A server-side cursor on PostgreSQL: memory stays flat however many rows there are.
    return rows.iterator(chunk_size=chunk)


def _local(moment: datetime | None, prop: Property) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment, prop.zone).strftime("%Y-%m-%d %H:%M %Z")


def _json(value: Any) -> dict[str, Any]:
    # JSON from a Subquery arrives as text on some databases, parsed on others.
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        parsed = json.loads(value)
        return parsed if isinstance(parsed, dict) else {}
    return {}
