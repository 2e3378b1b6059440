from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from common.csv_export import SafeCSVWriter
from common.forms import form_add_service_errors
from properties.console import console_view
from properties.models import Property
from units import selectors, services
from units.csv_import import CSVFileError
from units.forms import UnitFilterForm, UnitForm, UnitUploadForm
from units.models import UnitImport

PAGE_SIZE = 100
PREVIEW_ROWS = 200


@console_view
def units_list(request: HttpRequest, prop: Property) -> HttpResponse:
    form = UnitFilterForm(request.GET or None)
    form.is_valid()
    # Keep the valid filters when another is bad (an unknown occupancy keeps the search).
    filters = getattr(form, "cleaned_data", {})
    units = selectors.units_for_property(
        property=prop, search=filters.get("q", ""), occupancy=filters.get("occupancy", "")
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "units/units_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@console_view
def unit_create(request: HttpRequest, prop: Property) -> HttpResponse:
    form = UnitForm(request.POST or None)
    upload_form = UnitUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(property=prop, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Unit {unit} was added with its entry door and unit key.")
            if "add_another" in request.POST:
                return redirect("units-create", property_id=prop.id)
            return redirect("units", property_id=prop.id)
    return render(request, "units/unit_add.html", {"form": form, "upload_form": upload_form})


@console_view
def unit_import_upload(request: HttpRequest, prop: Property) -> HttpResponse:
    upload_form = UnitUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload_form.is_valid():
        f = upload_form.cleaned_data["file"]
        try:
            # Read one byte past the limit so an oversized file is caught without loading it all.
            raw = f.read(settings.UNIT_CSV_MAX_BYTES + 1)
            upload, _ = services.unit_import_preview(
                property=prop, filename=f.name, raw=raw, actor=request.user, size=f.size
            )
        except CSVFileError as exc:
            upload_form.add_error("file", str(exc))
        else:
            return redirect("units-import-preview", property_id=prop.id, import_id=upload.id)
    return render(
        request,
        "units/unit_add.html",
        {"form": UnitForm(), "upload_form": upload_form, "tab": "csv"},
    )


@console_view
def unit_import_preview(request: HttpRequest, prop: Property, import_id: int) -> HttpResponse:
    upload = get_object_or_404(UnitImport, property=prop, id=import_id)
    if upload.state == UnitImport.State.APPLIED:
        messages.info(request, f"{upload.filename} was already imported.")
        return redirect("units", property_id=prop.id)
    if request.method == "POST":
        try:
            units = services.unit_import_apply(upload=upload, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{len(units):,} units imported, each with its entry door and unit key."
            )
            return redirect("units", property_id=prop.id)
    parsed = services.unit_import_parse(upload=upload)
    return render(
        request,
        "units/unit_import_preview.html",
        {
            "upload": upload,
            "rows": parsed.rows[:PREVIEW_ROWS],
            "row_total": len(parsed.rows),
            "errors": parsed.errors,
        },
    )


@console_view
def unit_import_errors(request: HttpRequest, prop: Property, import_id: int) -> HttpResponse:
    """The per-row error report as CSV, to fix the file line by line."""
    upload = get_object_or_404(UnitImport, property=prop, id=import_id)
    if upload.state == UnitImport.State.APPLIED:
        # Re-checked now, every row would "already exist": the file had no errors.
        messages.info(request, f"{upload.filename} was imported without errors.")
        return redirect("units", property_id=prop.id)
    parsed = services.unit_import_parse(upload=upload)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="unit-import-{upload.id}-errors.csv"'
    # Names are the manager's own typing: a unit named =HYPERLINK(…) must not run in Excel.
    writer = SafeCSVWriter(response)
    writer.writerow(["line", "name", "problem"])
    for e in parsed.errors:
        writer.writerow([e.line, e.name, e.message])
    return response


@console_view
def unit_import_template(request: HttpRequest, prop: Property) -> HttpResponse:
    response = HttpResponse("name,building,floor\n101,A,1\n102,A,1\n", content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="units-template.csv"'
    return response
