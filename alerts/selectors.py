"""The alert window, in one module: what the alert icon counts and what the window shows —
a sync that failed or went stale, open sync alerts, and pending access suggestions, with
the triage of a first sync (categories counted before anything is applied).

Before, properties/, access/ and integrations/ views imported each other to build it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from access.automation import MAX_SELECTION, suggestion_counts, suggestions_pending
from access.models import AccessSuggestion
from integrations.models import PMSIntegration, SyncAlert, SyncRun
from integrations.selectors import open_alerts_for_property, staleness
from integrations.sync.alerts import RESOLUTIONS
from properties.models import Property
from residents.models import Resident

SUGGESTIONS_SHOWN = MAX_SELECTION  # a page of the window is what "Select this page" may take


# --- The alert icon ---------------------------------------------------------------------


@dataclass(frozen=True)
class SyncProblem:
    """The property's sync needs a look: its last run failed, or it has gone stale."""

    failed: bool
    stale: str  # "", "warning" (2 hours), "critical" (a day) — integrations.selectors
    error: str = ""
    last_success_at: datetime | None = None


def alert_count(*, property: Property) -> int:
    """What the alert icon counts, in one query: pending access suggestions, open sync
    alerts, and one for a sync that failed or went stale (the window says which)."""
    row = _alert_row(property)
    if row is None:
        return 0
    return row["pending"] + row["alerts"] + int(_problem(row) is not None)


def sync_problem(*, property: Property) -> SyncProblem | None:
    row = _alert_row(property)
    return _problem(row) if row is not None else None


def _alert_row(prop: Property) -> dict[str, Any] | None:
    pending = (
        AccessSuggestion.objects.filter(
            property=OuterRef("pk"), state=AccessSuggestion.State.PENDING
        )
        .order_by()
        .values("property")
        .annotate(n=Count("id"))
        .values("n")
    )
    alerts = (
        SyncAlert.objects.filter(integration__property=OuterRef("pk"), state=SyncAlert.State.OPEN)
        .order_by()
        .values("integration")
        .annotate(n=Count("id"))
        .values("n")
    )
    synced = PMSIntegration.objects.filter(
        property=OuterRef("pk"), user_sync_enabled=True, setup_completed_at__isnull=False
    )
    last_finished = SyncRun.objects.filter(
        integration__property=OuterRef("pk"),
        state__in=[SyncRun.State.SUCCEEDED, SyncRun.State.FAILED],
    ).order_by("-created_at", "-id")
    row = (
        Property.objects.filter(pk=prop.pk)
        .annotate(
            pending=Coalesce(Subquery(pending, output_field=IntegerField()), 0),
            alerts=Coalesce(Subquery(alerts, output_field=IntegerField()), 0),
            sync_on=Exists(synced),
            last_ok=Subquery(synced.values("last_successful_sync_at")[:1]),
            set_up=Subquery(synced.values("setup_completed_at")[:1]),
            last_state=Subquery(last_finished.values("state")[:1]),
            last_error=Subquery(last_finished.values("error")[:1]),
        )
        .values("pending", "alerts", "sync_on", "last_ok", "set_up", "last_state", "last_error")
        .first()
    )
    return dict(row) if row is not None else None


def _problem(row: dict[str, Any]) -> SyncProblem | None:
    if not row["sync_on"]:
        return None
    # The staleness rule itself stays in integrations (the People page's banner uses it).
    stale = staleness(
        integration=PMSIntegration(
            user_sync_enabled=True,
            last_successful_sync_at=row["last_ok"],
            setup_completed_at=row["set_up"],
        ),
        now=timezone.now(),
    )
    failed = row["last_state"] == SyncRun.State.FAILED
    if not failed and not stale:
        return None
    return SyncProblem(
        failed=failed, stale=stale, error=row["last_error"] or "", last_success_at=row["last_ok"]
    )


# --- Access suggestions -----------------------------------------------------------------


@dataclass
class SuggestionGroup:
    resident: Resident
    items: list[AccessSuggestion] = field(default_factory=list)


@dataclass(frozen=True)
class SuggestionFilter:
    """What the alert window shows of the suggestions, read from the request (GET for the
    window, POST for its forms) — and what "Select all matching" applies to."""

    kind: str = ""
    search: str = ""
    resident_id: int | None = None
    # A triage category: the transition the suggestions came from ("Future → Current").
    label: str = ""
    page: int = 1

    @classmethod
    def of(cls, request: HttpRequest) -> SuggestionFilter:
        data = request.POST if request.method == "POST" else request.GET
        kind = data.get("kind", "")
        resident = data.get("resident", "")
        page = data.get("page", "")
        return cls(
            kind=kind if kind in AccessSuggestion.Kind.values else "",
            search=data.get("q", "").strip()[:100],
            resident_id=int(resident) if resident.isdigit() else None,
            label=data.get("label", "").strip()[:100],
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def pending(self, prop: Property) -> QuerySet[AccessSuggestion]:
        return suggestions_pending(
            property=prop,
            kind=self.kind,
            search=self.search,
            resident_id=self.resident_id,
            transition_label=self.label,
        )

    def query(self, **changes: object) -> str:
        """The window's URL query for this filter with ``changes`` (kind, page), page 1
        unless said."""
        values: dict[str, object] = {
            "kind": self.kind,
            "q": self.search,
            "resident": self.resident_id or "",
            "label": self.label,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


@dataclass(frozen=True)
class TriageCategory:
    """Pending suggestions of one kind from one transition: "380 grants — Future → Current"."""

    kind: str
    label: str
    count: int

    @property
    def query(self) -> str:
        return urlencode({"kind": self.kind, "label": self.label})


# Red first: a key that should be taken back matters most.
_KIND_ORDER: dict[str, int] = {"revoke": 0, "grant": 1}


def triage_categories(*, property: Property) -> list[TriageCategory]:
    """The pending suggestions counted by kind and transition (one query)."""
    rows = (
        AccessSuggestion.objects.filter(property=property, state=AccessSuggestion.State.PENDING)
        .values("kind", "transition_label")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = [TriageCategory(r["kind"], r["transition_label"], r["n"]) for r in rows]
    return sorted(found, key=lambda c: (_KIND_ORDER.get(c.kind, 2), -c.count, c.label))


def suggestions_context(prop: Property, flt: SuggestionFilter | None = None) -> dict[str, object]:
    flt = flt or SuggestionFilter()
    pending = flt.pending(prop)
    counts: dict[str, int] = dict(suggestion_counts(property=prop))
    narrowed = bool(flt.search or flt.resident_id or flt.label)
    matching = pending.count() if narrowed else counts.get(flt.kind or "all", 0)
    pages = max(1, -(-matching // SUGGESTIONS_SHOWN))
    page = min(flt.page, pages)
    start = (page - 1) * SUGGESTIONS_SHOWN
    shown = list(pending[start : start + SUGGESTIONS_SHOWN])
    groups: dict[int, SuggestionGroup] = {}
    for s in shown:
        groups.setdefault(s.resident_id, SuggestionGroup(s.resident)).items.append(s)
    resident = (
        Resident.objects.filter(property=prop, id=flt.resident_id).first()
        if flt.resident_id
        else None
    )
    return {
        "suggestion_groups": list(groups.values()),
        "suggestion_counts": counts,
        "suggestion_kind": flt.kind,
        "suggestion_filter": flt,
        "suggestion_resident": resident,
        "suggestions_narrowed": narrowed,
        "suggestions_matching": matching,
        "suggestions_shown": len(shown),
        "suggestions_first": start + 1,
        "suggestions_page": page,
        "suggestions_pages": pages,
        "suggestions_prev": flt.query(page=page - 1) if page > 1 else None,
        "suggestions_next": flt.query(page=page + 1) if page < pages else None,
        "tab_queries": {
            "all": flt.query(kind="", label=""),
            **{k: flt.query(kind=k, label="") for k in AccessSuggestion.Kind.values},
        },
        "triage": triage_categories(property=prop) if counts.get("all") else [],
        "max_selection": MAX_SELECTION,
    }


# --- The whole window -------------------------------------------------------------------


def alert_window_context(prop: Property, flt: SuggestionFilter | None = None) -> dict[str, object]:
    """Everything the alert icon counts, in one window."""
    alerts = list(open_alerts_for_property(property=prop)[:200])
    problem = sync_problem(property=prop)
    context: dict[str, Any] = {
        "sync_problem": problem,
        "sync_alerts": alerts,
        "resolutions": RESOLUTIONS,
        "alert_total": len(alerts),
        **suggestions_context(prop, flt),
    }
    context["window_total"] = (
        len(alerts) + context["suggestion_counts"].get("all", 0) + int(problem is not None)
    )
    return context
