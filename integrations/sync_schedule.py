"""Manage Settings → Sync Schedule: how often an integration syncs, checked against the
vendor's rate limit (integrations/cadence.py does the sums), and when the next sync is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.cadence import (
    CADENCE_CHOICES,
    CADENCE_SHARE,
    BudgetUse,
    Scheduled,
    SyncSize,
    budget_use,
    limit_phrase,
    next_sync_due,
    sync_calls,
)
from integrations.models import PMSIntegration


@dataclass(frozen=True, slots=True)
class CadenceOption:
    minutes: int
    use: BudgetUse

    @property
    def label(self) -> str:
        return "every hour" if self.minutes == 60 else f"every {self.minutes} minutes"


@dataclass(frozen=True, slots=True)
class SyncSchedule:
    integration: PMSIntegration
    vendor: str
    vendor_name: str
    size: SyncSize
    # The credential's other integrations with User Sync on, as beat runs them.
    others: tuple[Scheduled, ...]
    options: tuple[CadenceOption, ...]
    current: BudgetUse
    next_due: datetime | None

    @property
    def limit_phrase(self) -> str:
        return limit_phrase(self.current.limit)

    @property
    def allowed_minutes(self) -> list[int]:
        return [option.minutes for option in self.options if option.use.allowed]


def _credential_load(integration: PMSIntegration) -> tuple[SyncSize, tuple[Scheduled, ...]]:
    """This integration's size and the credential's other scheduled integrations: one query
    (every integration of the credential, with its record count)."""
    assert integration.credential is not None
    vendor = integration.credential.vendor
    size = SyncSize(
        properties=len(integration.pms_property_ids),
        records=0,
        units=integration.unit_sync_enabled,
    )
    others: list[Scheduled] = []
    rows = (
        PMSIntegration.objects.filter(credential_id=integration.credential_id)
        .annotate(record_count=Count("records"))
        .values_list(
            "id",
            "pms_property_ids",
            "unit_sync_enabled",
            "user_sync_enabled",
            "sync_interval_minutes",
            "record_count",
        )
    )
    for row_id, ids, units, enabled, minutes, records in rows:
        row_size = SyncSize(properties=len(ids or []), records=records, units=units)
        if row_id == integration.id:
            size = row_size
        elif enabled:
            others.append(
                Scheduled(calls=sync_calls(vendor=vendor, size=row_size), interval_minutes=minutes)
            )
    return size, tuple(others)


def sync_schedule_for(*, integration: PMSIntegration, now: datetime | None = None) -> SyncSchedule:
    """The Sync Schedule tab: each cadence with its share of the vendor's limit, and the
    next sync due. Two queries (the credential's integrations; none for the time)."""
    assert integration.credential is not None
    now = now or timezone.now()
    vendor = integration.credential.vendor
    size, others = _credential_load(integration)
    minutes = sorted({*CADENCE_CHOICES, integration.sync_interval_minutes})
    options = tuple(
        CadenceOption(
            minutes=m,
            use=budget_use(vendor=vendor, size=size, interval_minutes=m, others=others),
        )
        for m in minutes
    )
    current = next(o.use for o in options if o.minutes == integration.sync_interval_minutes)
    due = (
        next_sync_due(
            integration_id=integration.id,
            interval_minutes=integration.sync_interval_minutes,
            last_started=integration.last_sync_started_at,
            now=now,
        )
        if integration.user_sync_enabled
        else None
    )
    return SyncSchedule(
        integration=integration,
        vendor=vendor,
        vendor_name=integration.credential.get_vendor_display(),
        size=size,
        others=others,
        options=options,
        current=current,
        next_due=due,
    )


def cadence_refusal(*, schedule: SyncSchedule, minutes: int) -> str:
    """Why a cadence cannot be chosen, or "" when it can."""
    option = next((o for o in schedule.options if o.minutes == minutes), None)
    if option is None:
        choices = ", ".join(str(m) for m in CADENCE_CHOICES)
        return f"Choose how often to sync: every {choices} minutes."
    if option.use.allowed:
        return ""
    shared = " with this credential's other properties" if schedule.others else ""
    longer = [m for m in schedule.allowed_minutes if m > minutes]
    advice = (
        f"Choose every {longer[0]} minutes or longer"
        if longer
        else "Attach fewer PMS properties to this credential, or ask the vendor to raise it"
    )
    return (
        f"Syncing {option.label} would use {option.use.percent}% of {schedule.vendor_name}'s "
        f"rate limit ({limit_phrase(option.use.limit)}){shared}; scheduled syncs may use at "
        f"most {round(CADENCE_SHARE * 100)}%, leaving the rest for Sync Now. {advice}."
    )


def integration_set_sync_interval(
    *, integration: PMSIntegration, minutes: str | int, actor: Actor
) -> PMSIntegration:
    """Sync Schedule tab: how often beat syncs this integration, within the vendor's rate
    limit (audited). Bad input changes nothing and says why."""
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        value = -1
    schedule = sync_schedule_for(integration=integration)
    refusal = cadence_refusal(schedule=schedule, minutes=value)
    if refusal:
        raise ValidationError(refusal)
    if integration.sync_interval_minutes == value:
        return integration
    previous = integration.sync_interval_minutes
    integration.sync_interval_minutes = value
    integration.save(update_fields=["sync_interval_minutes", "updated_at"])
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.SETTING_CHANGED,
        subject=f"Sync schedule: every {previous} → every {value} minutes",
        data={"sync_interval_minutes": value},
    )
    return integration
