from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access import selectors as access_selectors
from access.models import Key, KeyGrant
from access.services import key_grant, key_grant_revoke
from common.text import plural
from integrations.selectors import (
    open_alerts_for_resident,
    people_sync_status,
    pms_records_for_resident,
)
from properties.console import console_view
from properties.models import Property
from residents import selectors, services
from residents.contact import phone_display
from residents.forms import (
    GrantKeyForm,
    PeopleFilterForm,
    ResidentCreateForm,
    ResidentForm,
    RevokeForm,
    StatusChangeForm,
)
from residents.models import Resident
from units.selectors import unit_choices

PAGE_SIZE = 50


@console_view
def people_list(request: HttpRequest, prop: Property) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    # Cleans what it can: the filters that make sense still apply when another does not.
    form.is_valid()
    filters = form.cleaned_data if form.is_bound else {}
    residents = selectors.residents_for_property(
        property=prop,
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        unit_name=filters.get("unit", ""),
    )
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    status_counts = selectors.resident_status_counts(
        property=prop, search=filters.get("q", ""), unit_name=filters.get("unit", "")
    )
    query = request.GET.copy()
    query.pop("page", None)
    # Status tabs keep the search and unit typed.
    tab_query = query.copy()
    tab_query.pop("status", None)
    ignored = [
        f"{form.fields[name].label or name.title()}: {' '.join(str(e) for e in errors).rstrip('.')}"
        for name, errors in form.errors.items()
    ]
    return render(
        request,
        "residents/people_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "tab_query": tab_query.urlencode(),
            "ignored_filters": ignored,
            "status_counts": status_counts,
            "status_total": sum(status_counts.values()),
            "sync": people_sync_status(property=prop),
        },
    )


@console_view
def resident_create(request: HttpRequest, prop: Property) -> HttpResponse:
    form = ResidentCreateForm(request.POST or None, unit_choices=unit_choices(property=prop))
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(
                property=prop,
                data=form.to_data(),
                status=form.cleaned_data["status"],
                actor=request.user,
                allow_shared_email=form.shared_email_confirmed(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{resident.full_name} was added.")
            return redirect("resident-detail", property_id=prop.id, resident_id=resident.id)
    return render(request, "residents/resident_form.html", {"form": form, "creating": True})


def _resident(prop: Property, resident_id: int) -> Resident:
    return get_object_or_404(Resident.objects.select_related("unit"), property=prop, id=resident_id)


@console_view
def resident_detail(request: HttpRequest, prop: Property, resident_id: int) -> HttpResponse:
    resident = _resident(prop, resident_id)
    grants = list(access_selectors.active_grants_for_resident(resident=resident))
    held = {g.key_id for g in grants}
    # Offer the shared keys and this resident's own unit key, not every unit's key.
    offered = Key.objects.filter(property=prop).filter(
        ~Q(kind=Key.Kind.UNIT) | Q(unit_id=resident.unit_id)
    )
    key_choices = [(k.id, k.name) for k in offered.order_by("kind", "name") if k.id not in held]
    return render(
        request,
        "residents/resident_detail.html",
        {
            "resident": resident,
            "phone": phone_display(resident.phone),
            "grants": grants,
            "timeline": access_selectors.access_timeline_for_resident(resident=resident),
            "pms_records": pms_records_for_resident(resident=resident),
            "open_alerts": open_alerts_for_resident(resident=resident),
            "pending_suggestions": access_selectors.pending_suggestion_count_for_resident(
                resident=resident
            ),
            "grant_form": GrantKeyForm(key_choices=key_choices),
            "status_form": StatusChangeForm(initial={"status": resident.status}),
        },
    )


@console_view
def resident_edit(request: HttpRequest, prop: Property, resident_id: int) -> HttpResponse:
    resident = _resident(prop, resident_id)
    initial = {
        "first_name": resident.first_name,
        "last_name": resident.last_name,
        "email": resident.email,
        "phone": phone_display(resident.phone),
        "unit": resident.unit_id,
        "lease_start": resident.lease_start,
        "lease_end": resident.lease_end,
        "move_in": resident.move_in,
        "move_out": resident.move_out,
    }
    form = ResidentForm(
        request.POST or None, initial=initial, unit_choices=unit_choices(property=prop)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.resident_update(
                resident=resident,
                data=form.to_data(),
                actor=request.user,
                allow_shared_email=form.shared_email_confirmed(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, "Changes saved." if changed else "Nothing changed, so nothing was saved."
            )
            return redirect("resident-detail", property_id=prop.id, resident_id=resident.id)
    return render(
        request,
        "residents/resident_form.html",
        {
            "form": form,
            "resident": resident,
            "creating": False,
            "pms_records": pms_records_for_resident(resident=resident),
        },
    )


@console_view
@require_POST
def resident_status(request: HttpRequest, prop: Property, resident_id: int) -> HttpResponse:
    resident = _resident(prop, resident_id)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Future, Current or Past, then press Change status.")
    else:
        previous = resident.get_status_display()
        try:
            change = services.resident_status_change(
                resident=resident,
                new_status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if previous == resident.get_status_display():
                messages.info(request, f"{resident.full_name} is already {previous}.")
            else:
                parts = [f"{resident.full_name} is now {resident.get_status_display()}."]
                if change.grant_key_ids:
                    parts.append(f"{plural(len(change.grant_key_ids), 'key')} granted.")
                if change.revoke_grant_ids:
                    parts.append(f"{plural(len(change.revoke_grant_ids), 'key')} revoked.")
                parts.extend(change.no_change_reasons)
                messages.success(request, " ".join(parts))
    return redirect("resident-detail", property_id=prop.id, resident_id=resident.id)


@console_view
@require_POST
def resident_grant_key(request: HttpRequest, prop: Property, resident_id: int) -> HttpResponse:
    resident = _resident(prop, resident_id)
    keys = list(Key.objects.filter(property=prop).values_list("id", "name"))
    form = GrantKeyForm(request.POST, key_choices=keys)
    if not form.is_valid():
        messages.error(request, "Choose a key of this property to grant.")
    else:
        key = Key.objects.get(property=prop, id=form.cleaned_data["key"])
        try:
            key_grant(
                key=key, resident=resident, actor=request.user, reason="Granted in the console"
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{key.name}” granted to {resident.full_name}.")
    return redirect("resident-detail", property_id=prop.id, resident_id=resident.id)


@console_view
@require_POST
def resident_revoke_grant(
    request: HttpRequest, prop: Property, resident_id: int, grant_id: int
) -> HttpResponse:
    resident = _resident(prop, resident_id)
    grant = get_object_or_404(
        KeyGrant.objects.select_related("key"), resident=resident, id=grant_id
    )
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        key_grant_revoke(grant=grant, actor=request.user, reason=reason or "Revoked in the console")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{grant.key.name}” revoked from {resident.full_name}.")
    return redirect("resident-detail", property_id=prop.id, resident_id=resident.id)
