from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from common.search import search_terms
from integrations.models import (
    PMSIntegration,
    PMSRecord,
    PMSUnit,
    SyncAlert,
    SyncOutcome,
    SyncRun,
)
from properties.models import Property

STALE_WARNING = timedelta(hours=2)
STALE_CRITICAL = timedelta(days=1)


def integration_for_property(*, property: Property) -> PMSIntegration | None:
    return PMSIntegration.objects.select_related("credential").filter(property=property).first()


@dataclass(frozen=True)
class SyncStatus:
    integration: PMSIntegration
    active_run: SyncRun | None
    last_run: SyncRun | None
    last_success_at: datetime | None
    stale: str  # "", "warning" (> 2 h) or "critical" (> 1 day)


def staleness(*, integration: PMSIntegration, now: datetime | None = None) -> str:
    """ "" when fine, "warning" past 2 hours without a successful sync, "critical" past a day."""
    if not integration.user_sync_enabled:
        return ""
    now = now or timezone.now()
    # Never synced counts from set-up, so a new integration is not flagged at once.
    since = integration.last_successful_sync_at or integration.setup_completed_at
    if since is not None and now - since > STALE_CRITICAL:
        return "critical"
    if since is not None and now - since > STALE_WARNING:
        return "warning"
    return ""


def sync_status(*, integration: PMSIntegration, now: datetime | None = None) -> SyncStatus:
    last_run = SyncRun.objects.filter(integration=integration).order_by("-id").first()
    active = last_run if last_run is not None and last_run.is_active else None
    return SyncStatus(
        integration,
        active,
        last_run,
        integration.last_successful_sync_at,
        staleness(integration=integration, now=now),
    )


def runs_for_integration(*, integration: PMSIntegration) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(integration=integration).select_related("requested_by")


def outcomes_for_run(*, run: SyncRun, outcome: str = "", search: str = "") -> QuerySet[SyncOutcome]:
    qs = SyncOutcome.objects.filter(run=run)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if search:
        qs = qs.filter(
            Q(name__unaccent__icontains=search) | Q(email__icontains=search) | Q(external_id=search)
        )
    return qs.order_by("id")


def pms_records_lookup(
    *, integration: PMSIntegration, query: str, limit: int = 20
) -> list[PMSRecord]:
    """ "Why isn't this resident syncing?": the records matching an email or a name."""
    query = query.strip()
    if not query:
        return []
    qs = PMSRecord.objects.filter(integration=integration).select_related(
        "resident", "last_seen_run"
    )
    if "@" in query:
        # The email doorsync shows counts too: a record held back for an Email Mismatch
        # stores the PMS's new email, so the one the manager knows found nothing.
        qs = qs.filter(Q(email__iexact=query) | Q(resident__email__iexact=query))
    else:
        for term in search_terms(query, limit=4):  # "Schmidt, Wen" as lists show names
            qs = qs.filter(
                Q(first_name__unaccent__icontains=term)
                | Q(last_name__unaccent__icontains=term)
                | Q(external_id=term)
            )
    return list(qs.order_by("last_name", "first_name")[:limit])


def open_alerts_for_property(*, property: Property) -> QuerySet[SyncAlert]:
    return (
        SyncAlert.objects.filter(integration__property=property, state=SyncAlert.State.OPEN)
        .select_related("resident")
        .order_by("kind", "created_at")
    )


def open_alert_count(*, property: Property) -> int:
    return SyncAlert.objects.filter(
        integration__property=property, state=SyncAlert.State.OPEN
    ).count()


def stale_integrations(*, now: datetime | None = None) -> QuerySet[PMSIntegration]:
    """For support: enabled integrations without a successful sync for over a day."""
    cutoff = (now or timezone.now()) - STALE_CRITICAL
    return PMSIntegration.objects.filter(user_sync_enabled=True).filter(
        Q(last_successful_sync_at__lt=cutoff)
        | Q(last_successful_sync_at__isnull=True, setup_completed_at__lt=cutoff)
    )


def people_sync_status(*, property: Property) -> SyncStatus | None:
    """The People page's sync panel: only once User Sync is set up for the property."""
    integration = integration_for_property(property=property)
    if integration is None or integration.setup_completed_at is None:
        return None
    return sync_status(integration=integration)


def residents_of_pms_properties(
    *, integration: PMSIntegration, pms_property_ids: Sequence[str]
) -> int:
    """How many residents are linked to records of these PMS properties."""
    if not pms_property_ids:
        return 0
    return (
        PMSRecord.objects.filter(
            integration=integration,
            pms_property_id__in=list(pms_property_ids),
            resident__isnull=False,
        )
        .values("resident")
        .distinct()
        .count()
    )


def open_alerts_for_resident(*, resident: Any) -> list[SyncAlert]:
    """Sync alerts waiting on a manager about this resident (their sync is held)."""
    return list(
        SyncAlert.objects.filter(
            resident=resident,
            state=SyncAlert.State.OPEN,
            integration__property_id=resident.property_id,
        ).order_by("created_at")
    )


def pms_records_for_resident(*, resident: Any) -> list[PMSRecord]:
    """The PMS records linked to a resident (normally one), for the resident page."""
    return list(
        PMSRecord.objects.filter(resident=resident, integration__property_id=resident.property_id)
        .select_related("integration__credential")
        .order_by("-last_seen_at")
    )


# --- The Unit Mapping ------------------------------------------------------------------


def pms_units_for_mapping(*, integration: PMSIntegration, state: str = "", search: str = "") -> Any:
    # A PMS unit gone from the PMS is listed while it still holds a unit, so its mapping
    # can be removed: until then no other PMS unit can take that unit.
    qs = (
        PMSUnit.objects.filter(integration=integration)
        .filter(Q(gone_from_pms_at__isnull=True) | Q(unit__isnull=False))
        .select_related("unit")
    )
    if state == "mapped":
        qs = qs.filter(unit__isnull=False)
    elif state == "unmapped":
        qs = qs.filter(unit__isnull=True)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(building__icontains=search)
            | Q(unit__name__icontains=search)
        )
    # Shorter names first within a building puts "A-101" before "A-1001", the order a
    # manager reads units in, and the database can still page through it.
    return qs.order_by("building", Length("name"), "name", "id")


def pms_unit_mapping_totals(*, integration: PMSIntegration) -> dict[str, int]:
    rows = PMSUnit.objects.filter(integration=integration).filter(
        Q(gone_from_pms_at__isnull=True) | Q(unit__isnull=False)
    )
    total = rows.count()
    mapped = rows.filter(unit__isnull=False).count()
    return {"total": total, "mapped": mapped, "unmapped": total - mapped}
