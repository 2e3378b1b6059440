from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from access import selectors, services
from access.forms import DoorForm, KeyForm
from access.models import Door, Key
from common.forms import form_add_service_errors
from properties.console import console_view
from properties.models import Property
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
