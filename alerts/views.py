"""The alert window's views: the window itself, Update Access, discard, resolving a sync
alert, and approving a triage category. Each answers with the window redrawn (htmx) or,
without JavaScript, a redirect to People with a message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from access.automation import (
    MAX_SELECTION,
    ApproveResult,
    suggestion_discard,
    suggestions_approve,
    suggestions_approve_category,
)
from access.models import AccessSuggestion
from alerts.selectors import SuggestionFilter, alert_window_context
from common.text import plural
from integrations.models import SyncAlert
from integrations.sync.alerts import sync_alert_resolve
from properties.console import console_view
from properties.models import Property


@console_view
def alert_window(request: HttpRequest, prop: Property) -> HttpResponse:
    """The alert window: a sync needing a look, open sync alerts, pending suggestions."""
    return render(
        request, "alerts/window.html", alert_window_context(prop, SuggestionFilter.of(request))
    )


def _window(
    request: HttpRequest, prop: Property, *, flash: str = "", ok: bool = True
) -> HttpResponse:
    return render(
        request,
        "alerts/window.html",
        {
            **alert_window_context(prop, SuggestionFilter.of(request)),
            "flash": flash,
            "flash_ok": ok,
            "oob_count": True,
        },
    )


def _answer(request: HttpRequest, prop: Property, message: str, *, ok: bool) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _window(request, prop, flash=message, ok=ok)
    (messages.success if ok else messages.warning)(request, message)
    return redirect("people", property_id=prop.id)


def _applied(result: ApproveResult) -> tuple[str, bool]:
    parts = []
    if result.granted:
        parts.append(f"{plural(result.granted, 'key')} granted")
    if result.revoked:
        parts.append(f"{plural(result.revoked, 'key')} revoked")
    if result.acknowledged:
        parts.append(f"{plural(result.acknowledged, 'no-change suggestion')} cleared")
    message = ("Access updated: " + ", ".join(parts) + ".") if parts else "Nothing was applied."
    if result.refused:
        message += " Not applied: " + " ".join(result.refused[:5])
        if len(result.refused) > 5:
            message += f" …and {len(result.refused) - 5} more."
    return message, not result.refused


@console_view
def suggestions_update_access(request: HttpRequest, prop: Property) -> HttpResponse:
    """Update Access: approve the selected suggestions (≤ 50), or all matching in batches."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("all_matching") == "1":
        # All that the window's filters match (kind, search, resident), as it said.
        ids = list(SuggestionFilter.of(request).pending(prop).values_list("id", flat=True))
    else:
        ids = [int(v) for v in request.POST.getlist("suggestion") if v.isdigit()]
        if len(ids) > MAX_SELECTION:
            return _window(
                request,
                prop,
                flash=f"Select up to {MAX_SELECTION} suggestions at a time, or use "
                "“Select all matching”. Nothing was changed.",
                ok=False,
            )
    if not ids:
        return _window(request, prop, flash="Select at least one suggestion first.", ok=False)
    message, ok = _applied(
        suggestions_approve(property=prop, suggestion_ids=ids, actor=request.user)
    )
    return _answer(request, prop, message, ok=ok)


@console_view
def suggestions_approve_category_view(request: HttpRequest, prop: Property) -> HttpResponse:
    """Triage: approve a whole category ("380 grants — Future → Current") at the count the
    manager was shown."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    expected = request.POST.get("expected", "")
    try:
        if not expected.isdigit():
            raise ValidationError("The count you were shown is missing; open the window again.")
        result = suggestions_approve_category(
            property=prop,
            kind=request.POST.get("kind", ""),
            transition_label=request.POST.get("label", ""),
            expected=int(expected),
            actor=request.user,
        )
    except ValidationError as exc:
        return _answer(request, prop, " ".join(exc.messages), ok=False)
    message, ok = _applied(result)
    return _answer(request, prop, message, ok=ok)


@console_view
def suggestion_discard_view(
    request: HttpRequest, prop: Property, suggestion_id: int
) -> HttpResponse:
    suggestion = get_object_or_404(AccessSuggestion, property=prop, id=suggestion_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        suggestion_discard(suggestion=suggestion, actor=request.user)
    except ValidationError as exc:
        return _window(request, prop, flash=" ".join(exc.messages), ok=False)
    return _window(request, prop, flash="Suggestion discarded.")


@console_view
def sync_alert_resolve_view(request: HttpRequest, prop: Property, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(SyncAlert, integration__property=prop, id=alert_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        message = sync_alert_resolve(
            alert=alert, resolution=request.POST.get("resolution", ""), actor=request.user
        )
    except ValidationError as exc:
        message, ok = " ".join(exc.messages), False
    else:
        ok = True
    if getattr(request, "htmx", False):
        return render(
            request,
            "alerts/window.html",
            {**alert_window_context(prop), "flash": message, "flash_ok": ok, "oob_count": True},
        )
    (messages.success if ok else messages.error)(request, message)
    return redirect("people", property_id=prop.id)
