"""Email notices: who gets them, when each is due, and sending each occurrence once.

Every check here is safe to run again and from several workers at once: a notice is
recorded (NoticeSent, unique per property, kind and occurrence key) in the same
transaction that sends it, so a second check finds it sent — and a failed send rolls the
record back, so the next check tries again instead of losing the notice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from access.models import AccessSuggestion
from integrations.models import PMSIntegration, SyncAlert, SyncRun
from notices.models import NoticeKind, NoticeOptOut, NoticeSent
from properties.models import Property

logger = logging.getLogger(__name__)

# The alerts a manager must act on for the sync to go on with that person.
ALERT_KINDS_NOTIFIED = (SyncAlert.Kind.EMAIL_MISMATCH, SyncAlert.Kind.DUPLICATE)
DIGEST_LABELS = (
    (AccessSuggestion.Kind.REVOKE, "keys to take back (red)"),
    (AccessSuggestion.Kind.GRANT, "keys to give (green)"),
    (AccessSuggestion.Kind.NONE, "changes with no key to change"),
)


def notice_recipients(*, property: Property, kind: str) -> list[Any]:
    """The property's managers (organization-wide or of this property) with an email
    address, less those who opted out of this kind."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(memberships__organization_id=property.organization_id, memberships__property=None)
            | Q(memberships__property=property)
        )
        .exclude(notice_opt_outs__kind=kind)
        .distinct()
        .order_by("id")
    )
    return list(users)


def page_url(name: str, *, property: Property, **kwargs: Any) -> str:
    """An absolute link into the console for an email (SITE_URL: the console's address)."""
    path = reverse(name, kwargs={"property_id": property.id, **kwargs})
    return settings.SITE_URL.rstrip("/") + path


def notice_send(
    *, property: Property, kind: str, key: str, subject: str, template: str, context: dict[str, Any]
) -> bool:
    """Send one occurrence of a notice to the property's managers, once. True if sent now."""
    recipients = notice_recipients(property=property, kind=kind)
    try:
        with transaction.atomic():
            NoticeSent.objects.create(
                property=property,
                kind=kind,
                key=key,
                subject=subject[:200],
                recipients=[user.email for user in recipients],
            )
            if recipients:
                _send(recipients, subject=subject, template=template, context=context)
    except IntegrityError:
        return False  # already sent for this occurrence (by this check or another worker)
    return True


def _send(
    recipients: Sequence[Any], *, subject: str, template: str, context: dict[str, Any]
) -> None:
    # One message per manager (never a To: list showing everyone's address), all over one
    # connection; an error raises so the caller's transaction forgets the notice was sent.
    settings_url = settings.SITE_URL.rstrip("/")
    messages = []
    for user in recipients:
        body = render_to_string(
            template,
            {
                **context,
                "user": user,
                "name": user.get_full_name() or user.get_username(),
                "opt_out_url": settings_url
                + reverse("notices-settings", kwargs={"property_id": context["property"].id}),
            },
        )
        messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))
    with get_connection() as connection:
        connection.send_messages(messages)


def _local(moment: datetime | None, property: Property) -> str:
    if moment is None:
        return "never"
    return timezone.localtime(moment, property.zone).strftime("%b %-d, %Y %-I:%M %p %Z")


# --- After a sync run ---------------------------------------------------------------------


def notices_after_sync_run(*, run_id: int) -> int:
    """Notices a finished run may call for: a failure streak, alerts it opened."""
    run = (
        SyncRun.objects.select_related("integration__property__organization")
        .filter(id=run_id)
        .first()
    )
    if run is None:
        return 0
    sent = 0
    if run.state == SyncRun.State.FAILED:
        sent += int(notice_sync_failing(integration=run.integration))
    elif run.state == SyncRun.State.SUCCEEDED:
        sent += int(notice_alerts_opened(run=run))
    return sent


def notice_sync_failing(*, integration: PMSIntegration) -> bool:
    """After NOTICE_FAILURES_IN_A_ROW failed runs since the last success: one notice per
    streak (keyed by the streak's first failed run)."""
    last_ok = integration.runs.filter(state=SyncRun.State.SUCCEEDED).order_by("-created_at").first()
    failed = integration.runs.filter(state=SyncRun.State.FAILED)
    if last_ok is not None:
        failed = failed.filter(created_at__gt=last_ok.created_at)
    streak = list(failed.order_by("created_at").values("id", "error", "finished_at"))
    if len(streak) < settings.NOTICE_FAILURES_IN_A_ROW:
        return False
    prop = integration.property
    latest = streak[-1]
    return notice_send(
        property=prop,
        kind=NoticeKind.SYNC_FAILING,
        key=f"failing-since-run:{streak[0]['id']}",
        subject=f"PMS sync failing at {prop.name}: {len(streak)} runs in a row",
        template="notices/email/sync_failing.txt",
        context={
            "property": prop,
            "failures": len(streak),
            "error": latest["error"] or "No reason was recorded.",
            "last_success": _local(last_ok.finished_at if last_ok else None, prop),
            "history_url": page_url("integrations-manage", property=prop, tab="sync-history"),
            "integrations_url": page_url("integrations", property=prop),
            "people_url": page_url("people", property=prop),
        },
    )


def notice_alerts_opened(*, run: SyncRun) -> bool:
    """Email Mismatch and Duplicate alerts this run opened: one notice listing them."""
    if run.started_at is None:
        return False
    alerts = list(
        SyncAlert.objects.filter(
            integration_id=run.integration_id,
            kind__in=ALERT_KINDS_NOTIFIED,
            state=SyncAlert.State.OPEN,
            created_at__gte=run.started_at,
        ).order_by("kind", "pms_name")[:51]
    )
    if not alerts:
        return False
    prop = run.integration.property
    shown = alerts[:50]
    return notice_send(
        property=prop,
        kind=NoticeKind.ALERT_OPENED,
        key=f"run:{run.id}",
        subject=(
            f"{len(alerts) if len(alerts) <= 50 else 'Over 50'} PMS alert"
            f"{'' if len(alerts) == 1 else 's'} to review at {prop.name}"
        ),
        template="notices/email/alerts_opened.txt",
        context={
            "property": prop,
            "alerts": shown,
            "more": len(alerts) > 50,
            "people_url": page_url("people", property=prop),
        },
    )


# --- Hourly ---------------------------------------------------------------------------


def notices_hourly(*, now: datetime | None = None) -> int:
    """Beat, hourly: stale syncs, failure streaks the reaper ended, the morning digest."""
    now = now or timezone.now()
    sent = 0
    integrations = PMSIntegration.objects.filter(
        user_sync_enabled=True, setup_completed_at__isnull=False
    ).select_related("property__organization")
    for integration in integrations:
        sent += int(notice_sync_stale(integration=integration, now=now))
        sent += int(notice_sync_failing(integration=integration))
    sent += notices_suggestion_digest(now=now)
    return sent


def notice_sync_stale(*, integration: PMSIntegration, now: datetime) -> bool:
    """No successful sync for NOTICE_STALE_HOURS: one notice per stale spell (keyed by the
    last success, or the set-up when there was none)."""
    since = integration.last_successful_sync_at or integration.setup_completed_at
    if since is None or now - since < timedelta(hours=settings.NOTICE_STALE_HOURS):
        return False
    prop = integration.property
    last_run = integration.runs.order_by("-created_at").first()
    return notice_send(
        property=prop,
        kind=NoticeKind.SYNC_STALE,
        key=f"stale-since:{since.isoformat()}",
        subject=f"No PMS sync has succeeded at {prop.name} for {settings.NOTICE_STALE_HOURS} hours",
        template="notices/email/sync_stale.txt",
        context={
            "property": prop,
            "hours": settings.NOTICE_STALE_HOURS,
            "since": _local(since, prop),
            "never": integration.last_successful_sync_at is None,
            "last_error": last_run.error if last_run and last_run.error else "",
            "history_url": page_url("integrations-manage", property=prop, tab="sync-history"),
            "integrations_url": page_url("integrations", property=prop),
            "people_url": page_url("people", property=prop),
        },
    )


def notices_suggestion_digest(*, now: datetime) -> int:
    """Once a day, at NOTICE_DIGEST_HOUR in each property's own time zone: the access
    suggestions waiting there, counted by kind."""
    pending = (
        AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING)
        .values("property_id", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in pending:
        counts.setdefault(row["property_id"], {})[row["kind"]] = row["n"]
    sent = 0
    for prop in Property.objects.filter(id__in=counts).select_related("organization"):
        local = timezone.localtime(now, prop.zone)
        if local.hour != settings.NOTICE_DIGEST_HOUR:
            continue
        by_kind = counts[prop.id]
        total = sum(by_kind.values())
        sent += int(
            notice_send(
                property=prop,
                kind=NoticeKind.SUGGESTION_DIGEST,
                key=f"digest:{local.date().isoformat()}",
                subject=f"{total} access suggestion{'' if total == 1 else 's'} waiting at {prop.name}",
                template="notices/email/suggestion_digest.txt",
                context={
                    "property": prop,
                    "total": total,
                    "by_kind": [
                        (label, by_kind[kind]) for kind, label in DIGEST_LABELS if kind in by_kind
                    ],
                    "people_url": page_url("people", property=prop),
                },
            )
        )
    return sent


# --- Preferences ------------------------------------------------------------------------


def notice_preferences_set(*, user: Any, receive: Sequence[str]) -> None:
    """Opt the user out of every kind not in `receive` (and back into those in it)."""
    wanted = set(receive)
    unknown = wanted - set(NoticeKind.values)
    if unknown:
        raise ValueError(f"Unknown notice kinds: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        NoticeOptOut.objects.filter(user=user, kind__in=wanted).delete()
        existing = set(NoticeOptOut.objects.filter(user=user).values_list("kind", flat=True))
        NoticeOptOut.objects.bulk_create(
            [
                NoticeOptOut(user=user, kind=kind)
                for kind in NoticeKind.values
                if kind not in wanted and kind not in existing
            ]
        )
