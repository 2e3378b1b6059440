from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from common.forms import form_add_service_errors
from integrations.credentials import services
from integrations.credentials.crypto import SecretsUnreadable
from integrations.forms import CredentialForm
from integrations.models import PMSCredential
from integrations.pms.registry import VENDORS
from properties.console import console_view
from properties.models import Property


def _credential(prop: Property, credential_id: int) -> PMSCredential:
    # Credentials belong to the organization: another portfolio's id is a 404.
    return get_object_or_404(PMSCredential, organization_id=prop.organization_id, id=credential_id)


@console_view
def integrations_page(request: HttpRequest, prop: Property) -> HttpResponse:
    credentials = PMSCredential.objects.filter(organization_id=prop.organization_id)
    return render(
        request,
        "integrations/integrations.html",
        {"credentials": credentials, "vendors": VENDORS.values()},
    )


def _report_test(request: HttpRequest, credential: PMSCredential, *, saved: bool) -> None:
    try:
        result = services.pms_credential_test(credential=credential)
    except SecretsUnreadable as exc:
        messages.error(request, str(exc))
        return
    prefix = "Saved. " if saved else ""
    if result.ok:
        messages.success(request, f"{prefix}Test connection: {result.message}")
    else:
        messages.error(request, f"{prefix}Test connection failed: {result.message}")


@console_view
def credential_create(request: HttpRequest, prop: Property) -> HttpResponse:
    vendor_code = request.GET.get("vendor") or request.POST.get("vendor") or ""
    vendor = VENDORS.get(vendor_code)
    if vendor is None:
        return render(request, "integrations/credential_vendor.html", {"vendors": VENDORS.values()})
    form = CredentialForm(request.POST or None, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            credential = services.pms_credential_create(
                organization=prop.organization,
                vendor=vendor.code,
                label=form.cleaned_data["label"],
                values=form.values(),
                endpoint_override=form.cleaned_data["endpoint_override"] or "",
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            _report_test(request, credential, saved=True)
            return redirect("integrations", property_id=prop.id)
    return render(request, "integrations/credential_form.html", {"form": form, "vendor": vendor})


@console_view
def credential_edit(request: HttpRequest, prop: Property, credential_id: int) -> HttpResponse:
    credential = _credential(prop, credential_id)
    vendor = VENDORS.get(credential.vendor)
    if vendor is None:
        raise Http404("Unknown vendor.")
    initial = {
        "label": credential.label,
        "endpoint_override": credential.endpoint_override,
        **credential.fields,
    }
    form = CredentialForm(request.POST or None, vendor=vendor, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.pms_credential_update(
                credential=credential,
                label=form.cleaned_data["label"],
                values=form.values(),
                endpoint_override=form.cleaned_data["endpoint_override"] or "",
            )
        except (ValidationError, SecretsUnreadable) as exc:
            if isinstance(exc, ValidationError):
                form_add_service_errors(form, exc)
            else:
                form.add_error(None, str(exc))
        else:
            _report_test(request, credential, saved=True)
            return redirect("integrations", property_id=prop.id)
    return render(
        request,
        "integrations/credential_form.html",
        {"form": form, "vendor": vendor, "credential": credential},
    )


@console_view
def credential_test(request: HttpRequest, prop: Property, credential_id: int) -> HttpResponse:
    # Look the credential up before the method check: another portfolio's id is a 404.
    credential = _credential(prop, credential_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _report_test(request, credential, saved=False)
    return redirect("integrations", property_id=prop.id)
