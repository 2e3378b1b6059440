from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from access import selectors, services
from access.automation import (
    MAX_SELECTION,
    suggestion_counts,
    suggestion_discard,
    suggestions_approve,
    suggestions_pending,
)
from access.forms import DoorForm, KeyForm
from access.models import AccessSuggestion, Door, Key
from common.forms import form_add_service_errors
from common.text import plural
from properties.console import console_view
from properties.models import Property
from residents.models import Resident
from units.selectors import unit_choices

PAGE_SIZE = 100


def _door_choices(prop: Property) -> list[tuple[int, str]]:
    return list(Door.objects.filter(property=prop).order_by("name").values_list("id", "name"))


@console_view
def keys_list(request: HttpRequest, prop: Property) -> HttpResponse:
    kind = request.GET.get("kind", "")
    keys = selectors.keys_for_property(property=prop)
    if kind in Key.Kind.values:
        keys = keys.filter(kind=kind)
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "access/keys_list.html", {"page": page, "kind": kind, "kinds": Key.Kind.choices}
    )


def _key_form_view(request: HttpRequest, prop: Property, key: Key | None) -> HttpResponse:
    initial = {}
    if key is not None:
        initial = {
            "name": key.name,
            "kind": key.kind,
            "unit": key.unit_id,
            "doors": list(key.doors.values_list("id", flat=True)),
            "shareable": key.shareable,
            "share_with_current_residents": key.share_with_current_residents,
        }
    form = KeyForm(
        request.POST or None,
        initial=initial,
        unit_choices=unit_choices(property=prop),
        door_choices=_door_choices(prop),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = {
            "name": d["name"],
            "kind": d["kind"],
            "unit_id": d["unit"],
            "door_ids": d["doors"],
            "shareable": d["shareable"],
            "share_with_current_residents": d["share_with_current_residents"],
            "actor": request.user,
        }
        try:
            if key is None:
                key = services.key_create(property=prop, **fields)
                messages.success(request, f"Key “{key.name}” created.")
            else:
                key = services.key_update(key=key, **fields)
                messages.success(request, f"Key “{key.name}” saved.")
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("keys", property_id=prop.id)
    return render(request, "access/key_form.html", {"form": form, "key": key})


@console_view
def key_create(request: HttpRequest, prop: Property) -> HttpResponse:
    return _key_form_view(request, prop, None)


@console_view
def key_edit(request: HttpRequest, prop: Property, key_id: int) -> HttpResponse:
    return _key_form_view(request, prop, get_object_or_404(Key, property=prop, id=key_id))


@console_view
def doors_list(request: HttpRequest, prop: Property) -> HttpResponse:
    form = DoorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            door = services.door_create(property=prop, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Door “{door.name}” added.")
            return redirect("doors", property_id=prop.id)
    page = Paginator(selectors.doors_for_property(property=prop), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "access/doors_list.html", {"page": page, "form": form})


@console_view
def door_edit(request: HttpRequest, prop: Property, door_id: int) -> HttpResponse:
    door = get_object_or_404(Door, property=prop, id=door_id)
    form = DoorForm(request.POST or None, initial={"name": door.name, "location": door.location})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.door_update(door=door, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Door “{door.name}” saved." if changed else "Nothing changed."
            )
            return redirect("doors", property_id=prop.id)
    return render(request, "access/door_form.html", {"form": form, "door": door})


# --- Access suggestions (the alert window) -----------------------------------------------

SUGGESTIONS_SHOWN = 100  # per page of the alert window


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
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def pending(self, prop: Property) -> QuerySet[AccessSuggestion]:
        return suggestions_pending(
            property=prop, kind=self.kind, search=self.search, resident_id=self.resident_id
        )

    def query(self, **changes: object) -> str:
        """The window's URL query for this filter with ``changes`` (kind, page), page 1
        unless said."""
        values: dict[str, object] = {
            "kind": self.kind,
            "q": self.search,
            "resident": self.resident_id or "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def suggestions_context(prop: Property, flt: SuggestionFilter | None = None) -> dict[str, object]:
    flt = flt or SuggestionFilter()
    pending = flt.pending(prop)
    counts = suggestion_counts(property=prop)
    narrowed = bool(flt.search or flt.resident_id)
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
            "all": flt.query(kind=""),
            **{k: flt.query(kind=k) for k in AccessSuggestion.Kind.values},
        },
        "max_selection": MAX_SELECTION,
    }


def _alert_window(
    request: HttpRequest, prop: Property, *, flash: str = "", ok: bool = True
) -> HttpResponse:
    from properties.views import alert_window_context

    return render(
        request,
        "properties/alerts_panel.html",
        {
            **alert_window_context(prop, SuggestionFilter.of(request)),
            "flash": flash,
            "flash_ok": ok,
            "oob_count": True,
        },
    )


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
            return _alert_window(
                request,
                prop,
                flash=f"Select up to {MAX_SELECTION} suggestions at a time, or use "
                "“Select all matching”. Nothing was changed.",
                ok=False,
            )
    if not ids:
        return _alert_window(request, prop, flash="Select at least one suggestion first.", ok=False)
    result = suggestions_approve(property=prop, suggestion_ids=ids, actor=request.user)
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
    if getattr(request, "htmx", False):
        return _alert_window(request, prop, flash=message, ok=not result.refused)
    (messages.success if not result.refused else messages.warning)(request, message)
    return redirect("people", property_id=prop.id)


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
        return _alert_window(request, prop, flash=" ".join(exc.messages), ok=False)
    return _alert_window(request, prop, flash="Suggestion discarded.")
