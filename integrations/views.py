from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from access.automation import suggestions_pending
from common.forms import form_add_service_errors
from common.text import plural
from integrations.credentials import services
from integrations.credentials.crypto import SecretsUnreadable
from integrations.credentials.ownership import (
    credential_get_managed,
    credential_lock_managed,
    credentials_managed_by,
)
from integrations.forms import CredentialForm
from integrations.inbound.views import instant_updates_tab
from integrations.models import (
    AccessMode,
    Outcome,
    PMSCredential,
    PMSIntegration,
    PMSUnit,
    SyncRun,
)
from integrations.pms.errors import PMSError
from integrations.pms.registry import VENDORS, status_lifecycles
from integrations.selectors import (
    integration_for_property,
    outcomes_for_run,
    pms_records_lookup,
    pms_unit_mapping_totals,
    pms_units_for_mapping,
    residents_of_pms_properties,
    runs_for_integration,
    sync_status,
)
from integrations.setup import (
    integration_attach_properties,
    integration_get_or_create,
    integration_set_access_mode,
    integration_set_credential,
    integration_set_excluded_statuses,
    integration_user_sync_step_save,
    pms_lease_statuses,
    pms_properties_available,
    pms_property_ids_taken,
)
from integrations.sync.normalize import IN_SCOPE
from integrations.sync.preview import user_sync_preview
from integrations.sync.runs import sync_run_start, sync_runs_reap
from integrations.sync_schedule import integration_set_sync_interval, sync_schedule_for
from integrations.unit_mapping import pms_units_refresh, unit_mapping_remove, unit_mappings_save
from integrations.unit_matching import unit_mapping_suggestions
from properties.console import console_view
from properties.models import Property
from units.selectors import unit_choices


def _credential(request: HttpRequest, prop: Property, credential_id: int) -> PMSCredential:
    # Another organization's credential, and one this manager does not manage (it also
    # serves a property they do not manage: integrations/credentials/ownership.py), is a 404.
    credential = credential_get_managed(
        user=request.user, organization=prop.organization, credential_id=credential_id
    )
    if credential is None:
        raise Http404("No such credential.")
    return credential


@console_view
def integrations_page(request: HttpRequest, prop: Property) -> HttpResponse:
    # in_use: a credential a property syncs with offers no Delete.
    credentials = credentials_managed_by(
        user=request.user, organization=prop.organization
    ).annotate(in_use=Exists(PMSIntegration.objects.filter(credential=OuterRef("pk"))))
    integration = integration_for_property(property=prop)
    # This property's own credential when it is shared with a property this manager does
    # not manage: shown, read-only.
    shared = None
    if (
        integration
        and integration.credential_id
        and not any(c.id == integration.credential_id for c in credentials)
    ):
        shared = integration.credential
    return render(
        request,
        "integrations/integrations.html",
        {
            "credentials": credentials,
            "shared_credential": shared,
            "vendors": VENDORS.values(),
            "integration": integration,
            "sync": sync_status(integration=integration) if integration else None,
            # How often it syncs and what that costs of the vendor's limit (one query).
            "schedule": sync_schedule_for(integration=integration)
            if integration and integration.setup_completed_at and integration.credential
            else None,
        },
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


def _back_to(request: HttpRequest, prop: Property) -> str:
    """Where to go after saving a credential: the page it was added from (the wizard's or
    Manage Settings' credentials step) when that is a page of this property, else
    Integrations."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if ok and target.startswith(f"/p/{prop.id}/settings/integrations/"):
        return target
    return reverse("integrations", args=[prop.id])


@console_view
def credential_create(request: HttpRequest, prop: Property) -> HttpResponse:
    vendor_code = request.GET.get("vendor") or request.POST.get("vendor") or ""
    vendor = VENDORS.get(vendor_code)
    back = _back_to(request, prop)
    if vendor is None:
        return render(
            request,
            "integrations/credential_vendor.html",
            {"vendors": VENDORS.values(), "back": back},
        )
    form = CredentialForm(request.POST or None, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            credential = services.pms_credential_create(
                organization=prop.organization,
                vendor=vendor.code,
                label=form.cleaned_data["label"],
                values=form.values(),
                endpoint_override=form.cleaned_data.get("endpoint_override") or "",
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            _report_test(request, credential, saved=True)
            return redirect(back)
    return render(
        request,
        "integrations/credential_form.html",
        {"form": form, "vendor": vendor, "back": back},
    )


@console_view
def credential_edit(request: HttpRequest, prop: Property, credential_id: int) -> HttpResponse:
    credential = _credential(request, prop, credential_id)
    vendor = VENDORS.get(credential.vendor)
    if vendor is None:
        raise Http404("Unknown vendor.")
    initial = {
        "label": credential.label,
        "endpoint_override": credential.endpoint_override,
        **credential.fields,
    }
    form = CredentialForm(
        request.POST or None,
        vendor=vendor,
        editing=True,
        initial=initial,
        current_endpoint=credential.endpoint_override,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if (
                    credential_lock_managed(
                        user=request.user,
                        organization=prop.organization,
                        credential_id=credential.id,
                    )
                    is None
                ):
                    raise Http404("No such credential.")  # shared meanwhile
                services.pms_credential_update(
                    credential=credential,
                    label=form.cleaned_data["label"],
                    values=form.values(),
                    # Absent when managers may not set an address: the stored one stays.
                    endpoint_override=form.cleaned_data.get("endpoint_override"),
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
        {
            "form": form,
            "vendor": vendor,
            "credential": credential,
            "rebinding_fields": services.binding_phrase(
                credential.vendor, override="endpoint_override" in form.fields
            ),
        },
    )


@console_view
def credential_test(request: HttpRequest, prop: Property, credential_id: int) -> HttpResponse:
    # Look the credential up before the method check: another portfolio's id is a 404.
    credential = _credential(request, prop, credential_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _report_test(request, credential, saved=False)
    return redirect("integrations", property_id=prop.id)


@console_view
def credential_delete(request: HttpRequest, prop: Property, credential_id: int) -> HttpResponse:
    credential = _credential(request, prop, credential_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.pms_credential_delete(credential=credential)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Credential “{credential.label}” deleted.")
    return redirect("integrations", property_id=prop.id)


# --- ePMS set-up wizard and Manage Settings tabs ---------------------------------
# One handler per step: in the wizard it moves on to the next step, in Manage
# Settings it stays on its tab. The integration row holds the wizard's state, so
# Back and reload land where the manager left off.

WIZARD_STEPS = [
    ("credentials", "Enter Credentials"),
    ("property-ids", "Attach Property IDs"),
    ("excluded-statuses", "Exclude Lease Statuses"),
    ("user-sync", "User Sync Integration"),
]
STEP_FOR_STATE: dict[str, str] = {
    PMSIntegration.SetupStep.CREDENTIALS: "credentials",
    PMSIntegration.SetupStep.PROPERTY_IDS: "property-ids",
    PMSIntegration.SetupStep.EXCLUDED_STATUSES: "excluded-statuses",
    PMSIntegration.SetupStep.USER_SYNC: "user-sync",
    PMSIntegration.SetupStep.DONE: "user-sync",
}
MANAGE_TABS = [
    ("credentials", "Credentials"),
    ("property-ids", "Property IDs"),
    ("excluded-statuses", "Excluded Statuses"),
    ("user-sync", "User Sync"),
    ("sync-schedule", "Sync Schedule"),
    ("unit-mapping", "Unit Mapping"),
    ("automate-access", "Automate Access"),
    ("instant-updates", "Instant updates"),
    ("sync-history", "Sync History"),
]


def _next_url(prop: Property, mode: str, step: str) -> str:
    if mode == "manage":
        return reverse("integrations-manage", args=[prop.id, step])
    names = [s for s, _ in WIZARD_STEPS]
    index = names.index(step)
    if index + 1 < len(names):
        return reverse("integrations-setup", args=[prop.id, names[index + 1]])
    return reverse("integrations", args=[prop.id])


def _step_context(mode: str, step: str, integration: PMSIntegration) -> dict[str, object]:
    reached = STEP_FOR_STATE[integration.setup_step]
    names = [s for s, _ in WIZARD_STEPS]
    return {
        "mode": mode,
        "step": step,
        "steps": WIZARD_STEPS,
        "tabs": MANAGE_TABS,
        "reached_index": names.index(reached),
        "step_index": names.index(step) if step in names else 0,
        "integration": integration,
    }


def _pms_error_message(exc: Exception) -> str:
    if isinstance(exc, PMSError):
        return exc.setup_message
    if isinstance(exc, SecretsUnreadable):
        return str(exc)
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _step_credentials(
    request: HttpRequest, prop: Property, integration: PMSIntegration, mode: str
) -> HttpResponse:
    # Only credentials this manager manages may be chosen (ownership.py); the property's
    # current one stays listed, read-only, when it is shared beyond them.
    credentials = credentials_managed_by(user=request.user, organization=prop.organization)
    shared = None
    if integration.credential_id and not credentials.filter(id=integration.credential_id).exists():
        shared = integration.credential
    if request.method == "POST":
        raw = request.POST.get("credential", "")
        credential = credentials.filter(id=int(raw)).first() if raw.isdigit() else None
        if credential is None and shared is not None and raw == str(shared.id):
            credential = shared  # kept as it is: choosing it again changes nothing
        if credential is None:
            messages.error(request, "Choose a credential, or add one with “Add credential”.")
        else:
            changed = integration.credential_id != credential.id
            integration_set_credential(
                integration=integration, credential=credential, actor=request.user
            )
            if mode == "manage":
                # The tab said nothing, and another credential silently cleared the
                # attached PMS property IDs (User Sync left on, every run failing): say so
                # and go to Property IDs.
                if changed:
                    messages.warning(
                        request,
                        "Credential saved. Its PMS property IDs and excluded lease statuses "
                        "were cleared: attach the PMS property IDs to sync again.",
                    )
                    return redirect(_next_url(prop, mode, "property-ids"))
                messages.success(request, "Credential saved.")
            return redirect(_next_url(prop, mode, "credentials"))
    return render(
        request,
        "integrations/step_credentials.html",
        {
            **_step_context(mode, "credentials", integration),
            "credentials": credentials,
            "shared_credential": shared,
        },
    )


def _step_property_ids(
    request: HttpRequest, prop: Property, integration: PMSIntegration, mode: str
) -> HttpResponse:
    ctx = _step_context(mode, "property-ids", integration)
    try:
        available = pms_properties_available(integration=integration)
    except (PMSError, ValidationError, SecretsUnreadable) as exc:
        return render(
            request,
            "integrations/step_property_ids.html",
            {**ctx, "pms_error": _pms_error_message(exc), "rows": []},
        )
    if request.method == "POST":
        before = list(integration.pms_property_ids)
        names = dict(integration.pms_property_names or {})
        try:
            integration_attach_properties(
                integration=integration,
                pms_property_ids=request.POST.getlist("pms_property_ids"),
                available=available,
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if mode == "manage":
                messages.success(request, "Property IDs saved. The next sync uses them.")
            detached = [i for i in before if i not in integration.pms_property_ids]
            left = residents_of_pms_properties(integration=integration, pms_property_ids=detached)
            if left:
                shown = ", ".join(f"{names.get(i) or i} ({i})" for i in detached)
                messages.warning(
                    request,
                    f"{plural(left, 'resident')} came from {shown}, now detached: they stay "
                    "in doorsync with their keys and are no longer synced. Change their "
                    "status on People when they leave.",
                )
            return redirect(_next_url(prop, mode, "property-ids"))
    taken = pms_property_ids_taken(integration=integration)
    return render(
        request,
        "integrations/step_property_ids.html",
        {
            **ctx,
            # An id attached here already stays choosable, so saving keeps it.
            "rows": [
                (p, "" if p.id in integration.pms_property_ids else taken.get(p.id, ""))
                for p in available
            ],
        },
    )


def _step_excluded_statuses(
    request: HttpRequest, prop: Property, integration: PMSIntegration, mode: str
) -> HttpResponse:
    ctx = _step_context(mode, "excluded-statuses", integration)
    try:
        available = pms_lease_statuses(integration=integration)
    except (PMSError, ValidationError, SecretsUnreadable) as exc:
        return render(
            request,
            "integrations/step_excluded_statuses.html",
            {**ctx, "pms_error": _pms_error_message(exc), "available": []},
        )
    if request.method == "POST":
        try:
            integration_set_excluded_statuses(
                integration=integration,
                statuses=request.POST.getlist("statuses"),
                available=available,
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if mode == "manage":
                messages.success(request, "Excluded lease statuses saved. The next sync uses them.")
            return redirect(_next_url(prop, mode, "excluded-statuses"))
    lifecycles = status_lifecycles(integration.credential.vendor) if integration.credential else {}
    return render(
        request,
        "integrations/step_excluded_statuses.html",
        {
            **ctx,
            "available": available,
            # Statuses never pulled in anyway (applicants, past, cancelled leases): said so.
            "never": {s for s in available if s in lifecycles and lifecycles[s] not in IN_SCOPE},
        },
    )


def _step_user_sync(
    request: HttpRequest, prop: Property, integration: PMSIntegration, mode: str
) -> HttpResponse:
    if request.method == "POST":
        enabled = request.POST.get("user_sync") == "on"
        try:
            first_sync = integration_user_sync_step_save(
                integration=integration,
                enabled=enabled,
                actor=request.user,
                wizard=mode == "wizard",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if first_sync:
                messages.success(
                    request,
                    "User Sync is on. The first sync has started; residents appear on the People "
                    f"page, and the sync repeats every {integration.sync_interval_minutes} minutes "
                    "(Manage Settings → Sync Schedule). Next, map the PMS units it lists "
                    "(Manage Settings → Unit Mapping) so residents get their unit keys.",
                )
            else:
                messages.success(request, f"User Sync is {'on' if enabled else 'off'}.")
            return redirect(_next_url(prop, mode, "user-sync"))
    return render(
        request, "integrations/step_user_sync.html", _step_context(mode, "user-sync", integration)
    )


@console_view
def integrations_sync_preview(request: HttpRequest, prop: Property) -> HttpResponse:
    """The wizard's last step: what the first sync would do, read from the PMS now and
    planned by the sync itself, with nothing written (integrations/sync/preview.py)."""
    integration = integration_for_property(property=prop)
    if integration is None or integration.credential is None or not integration.pms_property_ids:
        return render(
            request,
            "integrations/_sync_preview.html",
            {"problem": "Choose a credential and attach PMS property IDs first (steps 1 and 2)."},
        )
    try:
        preview = user_sync_preview(integration=integration)
    except PMSError as exc:
        return render(request, "integrations/_sync_preview.html", {"problem": str(exc)})
    return render(
        request,
        "integrations/_sync_preview.html",
        {"preview": preview, "integration": integration},
    )


STEP_HANDLERS = {
    "credentials": _step_credentials,
    "property-ids": _step_property_ids,
    "excluded-statuses": _step_excluded_statuses,
    "user-sync": _step_user_sync,
}


@console_view
def integrations_setup(request: HttpRequest, prop: Property, step: str = "") -> HttpResponse:
    integration = integration_get_or_create(property=prop)
    reached = STEP_FOR_STATE[integration.setup_step]
    if not step:
        return redirect("integrations-setup", property_id=prop.id, step=reached)
    if step not in STEP_HANDLERS:
        raise Http404("No such step.")  # as Manage Settings answers an unknown tab
    names = [s for s, _ in WIZARD_STEPS]
    if names.index(step) > names.index(reached):
        messages.info(request, "Finish this step first.")
        return redirect("integrations-setup", property_id=prop.id, step=reached)
    return STEP_HANDLERS[step](request, prop, integration, "wizard")


@console_view
def integrations_manage(
    request: HttpRequest, prop: Property, tab: str = "credentials"
) -> HttpResponse:
    integration = integration_for_property(property=prop)
    if integration is None or integration.setup_completed_at is None:
        messages.info(request, "Set up the integration first.")
        return redirect("integrations-setup", property_id=prop.id, step="credentials")
    if tab == "sync-history":
        return _sync_history(request, prop, integration)
    if tab == "unit-mapping":
        return _unit_mapping(request, prop, integration)
    if tab == "automate-access":
        return _automate_access(request, prop, integration)
    if tab == "sync-schedule":
        return _sync_schedule(request, prop, integration)
    if tab == "instant-updates":
        return instant_updates_tab(
            request, prop, integration, _step_context("manage", "instant-updates", integration)
        )
    if tab not in STEP_HANDLERS:
        raise Http404("No such tab.")
    return STEP_HANDLERS[tab](request, prop, integration, "manage")


def _sync_history(
    request: HttpRequest, prop: Property, integration: PMSIntegration
) -> HttpResponse:
    page = Paginator(runs_for_integration(integration=integration), 25).get_page(
        request.GET.get("page")
    )
    # Stripped here, not only in the selector: a query of spaces looked up nothing yet
    # answered "No PMS record matches “   ”".
    query = request.GET.get("why", "").strip()[:200]
    # The attached PMS properties by name, else by id: names are stored when attached, but
    # ids attached another way (admin) have none, and a detached one's name must not show.
    names = integration.pms_property_names or {}
    attached = [names.get(i) or i for i in integration.pms_property_ids]
    return render(
        request,
        "integrations/sync_history.html",
        {
            **_step_context("manage", "sync-history", integration),
            "page": page,
            "why": query,
            "attached_pms_properties": attached,
            "why_records": pms_records_lookup(integration=integration, query=query),
        },
    )


@console_view
def sync_run_detail(request: HttpRequest, prop: Property, run_id: int) -> HttpResponse:
    run = get_object_or_404(SyncRun, integration__property=prop, id=run_id)
    outcome = request.GET.get("outcome", "")
    if outcome not in Outcome.values:
        outcome = ""
    search = request.GET.get("q", "")[:100]
    page = Paginator(outcomes_for_run(run=run, outcome=outcome, search=search), 100).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    # Records that had not changed since an earlier run are counted, not listed again.
    counted = run.counts.get(outcome, 0) if outcome else sum(run.counts.values())
    return render(
        request,
        "integrations/sync_run_detail.html",
        {
            **_step_context("manage", "sync-history", run.integration),
            "run": run,
            "page": page,
            "outcome": outcome,
            "q": search,
            "query": query.urlencode(),
            "outcome_choices": Outcome.choices,
            "not_listed": 0 if search else max(0, counted - page.paginator.count),
        },
    )


# --- Sync Now and its live progress (People page) -----------------------------------


def _sync_panel(
    request: HttpRequest, prop: Property, *, joined: SyncRun | None = None, reaped: bool = False
) -> HttpResponse:
    integration = integration_for_property(property=prop)
    status = sync_status(integration=integration) if integration else None
    return render(
        request,
        "integrations/_sync_panel.html",
        {"sync": status, "joined": joined, "reaped": reaped},
    )


@console_view
def people_sync_now(request: HttpRequest, prop: Property) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    integration = integration_for_property(property=prop)
    if integration is None or not integration.user_sync_enabled:
        messages.error(
            request,
            "Sync Now needs User Sync: set it up on Manage Settings → Integrations.",
        )
        if getattr(request, "htmx", False):
            # A redirect would be followed and the whole page drawn inside the panel.
            return HttpResponseClientRedirect(reverse("people", args=[prop.id]))
        return redirect("people", property_id=prop.id)
    # A run whose worker died is closed first, and said so, rather than joined frozen.
    reaped = sync_runs_reap(integration=integration) > 0
    run, created = sync_run_start(
        integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, user=request.user
    )
    if getattr(request, "htmx", False):
        # Said in the panel itself: a queued message would surface stale on the next page.
        return _sync_panel(request, prop, joined=None if created else run, reaped=reaped)
    if reaped:
        messages.warning(
            request,
            "The sync that was running had stopped responding: its worker was lost. "
            "doorsync closed it and started a new one.",
        )
    if not created:
        messages.info(request, "A sync is already running; showing its progress.")
    return redirect("people", property_id=prop.id)


@console_view
def people_sync_status(request: HttpRequest, prop: Property) -> HttpResponse:
    return _sync_panel(request, prop)


# --- Unit Mapping tab -------------------------------------------------------------------

MAPPING_PAGE_SIZE = 100


def _unit_mapping(
    request: HttpRequest, prop: Property, integration: PMSIntegration
) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in ("", "mapped", "unmapped"):
        state = ""
    search = request.GET.get("q", "")[:100]
    typed: dict[int, str] = {}
    row_errors: dict[int, str] = {}
    if request.method == "POST":
        typed = {
            int(key[4:]): str(request.POST.get(key, ""))
            for key in request.POST
            if key.startswith("map-") and key[4:].isdigit()
        }
        try:
            result = unit_mappings_save(integration=integration, choices=typed, actor=request.user)
        except ValidationError as exc:
            row_errors = {
                int(k): " ".join(v) for k, v in exc.message_dict.items() if str(k).isdigit()
            }
            messages.error(
                request,
                f"{plural(len(row_errors), 'row')} {'needs' if len(row_errors) == 1 else 'need'} attention; nothing was saved. "
                "Fix them below and save again.",
            )
        else:
            if result.mapped:
                messages.success(
                    request,
                    f"{plural(result.mapped, 'PMS unit')} mapped. Their residents are assigned on the next "
                    "sync (or press Sync Now on People).",
                )
            else:
                messages.info(request, "Nothing to save: type a unit next to a PMS unit first.")
            return redirect(request.get_full_path())
    rows = pms_units_for_mapping(integration=integration, state=state, search=search)
    page = Paginator(rows, MAPPING_PAGE_SIZE).get_page(request.GET.get("page"))
    names = integration.pms_property_names or {}
    for row in page:
        row.pms_property_name = names.get(row.pms_property_id, "")
    query = request.GET.copy()
    query.pop("page", None)
    totals = pms_unit_mapping_totals(integration=integration)
    return render(
        request,
        "integrations/unit_mapping.html",
        {
            **_step_context("manage", "unit-mapping", integration),
            "page": page,
            "query": query.urlencode(),
            "state": state,
            "q": search,
            "typed": typed,
            "row_errors": row_errors,
            "unit_names": unit_choices(property=prop),
            "totals": totals,
            # Save only where there is something to type: a page of mapped rows has no inputs.
            "has_inputs": any(row.unit_id is None for row in page),
        },
    )


@console_view
def unit_mapping_remove_view(
    request: HttpRequest, prop: Property, pms_unit_id: int
) -> HttpResponse:
    pms_unit = get_object_or_404(PMSUnit, integration__property=prop, id=pms_unit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        unit_mapping_remove(pms_unit=pms_unit, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Mapping removed for PMS unit {pms_unit.label}. Residents already assigned stay; "
            "new assignments stop until you map it again.",
        )
    back = request.POST.get("next", "")
    # Only back to a page of this site: never an open redirect to wherever "next" says.
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("integrations-manage", args=[prop.id, "unit-mapping"])
    return redirect(back)


@console_view
def unit_mapping_suggest(request: HttpRequest, prop: Property) -> HttpResponse:
    """ "Suggest matches": a preview of name-based mappings the manager accepts or edits."""
    integration = integration_for_property(property=prop)
    if integration is None or integration.setup_completed_at is None:
        raise Http404("Set up the integration first.")
    if request.method == "POST":
        chosen = {
            int(key[4:]): str(request.POST.get(key, ""))
            for key in request.POST
            if key.startswith("map-") and key[4:].isdigit() and f"accept-{key[4:]}" in request.POST
        }
        try:
            result = unit_mappings_save(integration=integration, choices=chosen, actor=request.user)
        except ValidationError as exc:
            for message in (" ".join(v) for v in exc.message_dict.values()):
                messages.error(request, message)
        else:
            messages.success(request, f"{plural(result.mapped, 'suggested mapping')} saved.")
            return redirect("integrations-manage", property_id=prop.id, tab="unit-mapping")
    suggestions = unit_mapping_suggestions(integration=integration)
    return render(
        request,
        "integrations/unit_mapping_suggest.html",
        {
            **_step_context("manage", "unit-mapping", integration),
            "suggestions": suggestions,
            "unit_names": unit_choices(property=prop),
        },
    )


@console_view
def unit_mapping_refresh(request: HttpRequest, prop: Property) -> HttpResponse:
    """Fetch the PMS units now rather than waiting for the next sync."""
    integration = integration_for_property(property=prop)
    if integration is None or integration.setup_completed_at is None:
        raise Http404("Set up the integration first.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        added = pms_units_refresh(integration=integration)
    except (PMSError, SecretsUnreadable) as exc:
        messages.error(request, f"Could not fetch the PMS units: {exc}")
    else:
        messages.success(request, f"PMS units refreshed ({added} new).")
    return redirect("integrations-manage", property_id=prop.id, tab="unit-mapping")


# --- Automate Access tab ------------------------------------------------------------------


def _automate_access(
    request: HttpRequest, prop: Property, integration: PMSIntegration
) -> HttpResponse:
    if request.method == "POST":
        try:
            integration_set_access_mode(
                integration=integration,
                mode=request.POST.get("access_mode", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Automated Access: {integration.get_access_mode_display()}.")
            return redirect("integrations-manage", property_id=prop.id, tab="automate-access")
    return render(
        request,
        "integrations/automate_access.html",
        {
            **_step_context("manage", "automate-access", integration),
            "modes": AccessMode.choices,
            # Switching mode never decides them: they wait for a manager whatever the mode.
            "pending": suggestions_pending(property=prop).count(),
        },
    )


# --- Sync Schedule tab --------------------------------------------------------------------


def _sync_schedule(
    request: HttpRequest, prop: Property, integration: PMSIntegration
) -> HttpResponse:
    if request.method == "POST":
        try:
            integration_set_sync_interval(
                integration=integration,
                minutes=request.POST.get("sync_interval_minutes", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            minutes = integration.sync_interval_minutes
            messages.success(
                request,
                "User Sync runs every hour."
                if minutes == 60
                else f"User Sync runs every {minutes} minutes.",
            )
            return redirect("integrations-manage", property_id=prop.id, tab="sync-schedule")
    return render(
        request,
        "integrations/sync_schedule.html",
        {
            **_step_context("manage", "sync-schedule", integration),
            "schedule": sync_schedule_for(integration=integration),
        },
    )
