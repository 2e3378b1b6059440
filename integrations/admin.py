from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from common.admin import ZONED_TIMES, NoDirectDeleteMixin
from common.text import plural
from integrations import setup
from integrations.credentials import services
from integrations.credentials.crypto import SecretsUnreadable
from integrations.credentials.endpoints import endpoint_override_clean
from integrations.models import (
    AccessMode,
    PMSCredential,
    PMSIntegration,
    PMSRecord,
    PMSUnit,
    SyncAlert,
    SyncCursor,
    SyncOutcome,
    SyncRun,
)
from integrations.pms.errors import PMSError
from integrations.pms.registry import VENDORS
from integrations.pms.types import PMSProperty
from integrations.selectors import stale_integrations, staleness
from integrations.sync.runs import sync_run_start
from integrations.sync.statuses import (
    integration_set_status_lifecycles,
    status_lifecycles_check,
)
from integrations.unit_mapping import (
    unit_sync_set,
    units_create_from_unmapped,
    units_map_identical_names,
)
from properties.models import Property


class PMSCredentialAdminForm(forms.ModelForm):
    """Support can replace a secret (write-only) but never read one back."""

    new_secrets = forms.CharField(
        required=False,
        # A few secrets of at most services.MAX_SECRET_LENGTH each, which the service checks.
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Write-only. One per line, name=value (e.g. password=…). Blank keeps the stored secrets.",
    )

    endpoint_override = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Blank: the vendor's own address. A vendor sandbox or the simulator.",
    )

    def clean_endpoint_override(self) -> str:
        return endpoint_override_clean(
            self.cleaned_data.get("endpoint_override") or "", by_support=True
        )

    class Meta:
        model = PMSCredential
        fields = ["organization", "vendor", "label", "fields", "endpoint_override"]

    def new_secret_values(self) -> dict[str, str]:
        raw = self.cleaned_data.get("new_secrets") or ""
        pairs = (line.split("=", 1) for line in raw.splitlines() if "=" in line and line.strip())
        return {k.strip(): v.strip() for k, v in pairs}

    def clean(self) -> dict[str, Any]:
        """As in the console: changing the vendor, the address or the account of a saved
        credential drops its stored secrets, so they must all be given again here
        (services.secrets_rebound_by). Compared with the row as stored: the instance is
        not yet updated from the form when clean() runs."""
        cleaned = super().clean() or {}
        self.rebound: list[str] = []
        if self.instance.pk is None or self.errors:
            return cleaned
        fields = cleaned.get("fields")
        self.rebound = services.secrets_rebound_by(
            credential=self.instance,
            values=fields if isinstance(fields, dict) else {},
            endpoint_override=cleaned.get("endpoint_override") or "",
            vendor=cleaned.get("vendor"),
        )
        if self.rebound:
            vendor = cleaned.get("vendor") or self.instance.vendor
            given = self.new_secret_values()
            missing = (
                [
                    f.label
                    for f in VENDORS[vendor].fields
                    if f.secret and f.required and not given.get(f.name)
                ]
                if vendor in VENDORS
                else []
            )
            if missing or not given:
                raise forms.ValidationError(
                    f"{services.rebinding_message(self.rebound)} Give them under New secrets"
                    f"{' (missing: ' + ', '.join(missing) + ')' if missing else ''}."
                )
        return cleaned


@admin.register(PMSCredential)
class PMSCredentialAdmin(admin.ModelAdmin):
    form = PMSCredentialAdminForm
    list_display = ["label", "vendor", "organization", "last_test_ok", "last_tested_at"]
    list_filter = ["vendor", "last_test_ok"]
    search_fields = ["label", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = ["secrets_status", "last_tested_at", "last_test_ok", "last_test_message"]
    actions = ["test_connection"]

    @admin.display(description="Secrets")
    def secrets_status(self, obj: PMSCredential) -> str:
        names = sorted(VENDORS[obj.vendor].secret_field_names) if obj.vendor in VENDORS else []
        state = "stored, encrypted" if obj.secrets_encrypted else "none stored"
        return f"{state} ({', '.join(names)})"

    def save_model(self, request: HttpRequest, obj: PMSCredential, form: Any, change: bool) -> None:
        updates = form.new_secret_values()
        if change and form.rebound:
            # Moved to another address or account: none of the stored secrets goes along.
            obj.secrets_encrypted = ""
        super().save_model(request, obj, form, change)
        if updates:
            try:
                services.pms_credential_update(
                    credential=obj,
                    label=obj.label,
                    values={**obj.fields, **updates},
                    endpoint_override=obj.endpoint_override,
                    by_support=True,
                )
            except ValidationError as exc:
                said = (
                    "The stored secrets were removed (the address or account changed) and "
                    "the new ones were refused"
                    if change and form.rebound
                    else "Secrets not changed"
                )
                self.message_user(request, f"{said}: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[PMSCredential]) -> None:
        for credential in queryset:
            result = services.pms_credential_test(credential=credential)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{credential}: {result.message}", level)


def _unit_sync_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[PMSIntegration],
    enabled: bool,
) -> None:
    for integration in queryset.select_related("property"):
        unit_sync_set(integration=integration, enabled=enabled, actor=request.user)
        modeladmin.message_user(
            request, f"{integration.property}: Unit Sync {'on' if enabled else 'off'}."
        )


@admin.action(description="Turn Unit Sync off (audited)")
def unit_sync_off(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PMSIntegration]
) -> None:
    _unit_sync_action(modeladmin, request, queryset, False)


@admin.action(description="Turn Unit Sync back on (audited)")
def unit_sync_on(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PMSIntegration]
) -> None:
    _unit_sync_action(modeladmin, request, queryset, True)


@admin.action(description="Create units from unmapped PMS units (and map them)")
def create_units_from_unmapped(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PMSIntegration]
) -> None:
    for integration in queryset.select_related("property"):
        try:
            result = units_create_from_unmapped(integration=integration, actor=request.user)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{integration.property}: {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            modeladmin.message_user(
                request,
                f"{integration.property}: {plural(result.created, 'unit')} created and mapped.",
            )
            if result.skipped:
                shown = ", ".join(result.skipped[:10])
                more = f" and {len(result.skipped) - 10} more" if len(result.skipped) > 10 else ""
                modeladmin.message_user(
                    request,
                    f"{integration.property}: {plural(len(result.skipped), 'PMS unit')} skipped because "
                    f"a unit of that name already exists: {shown}{more}. Map them on the "
                    "manager's Unit Mapping tab (or use Map identical names).",
                    messages.WARNING,
                )


@admin.action(description="Map PMS units to units with identical names")
def map_identical_names(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[PMSIntegration]
) -> None:
    for integration in queryset.select_related("property"):
        count = units_map_identical_names(integration=integration, actor=request.user)
        modeladmin.message_user(
            request, f"{integration.property}: {plural(count, 'PMS unit')} mapped."
        )


class PMSIntegrationAdminForm(forms.ModelForm):
    """The settings a manager sets in the console, for support: checked by the console's own
    rules (integrations/setup.py, PMS property IDs and lease statuses listed live from the
    PMS) and saved through the console's audited services in `PMSIntegrationAdmin.save_model`.

    None of these is a model field of the form, so nothing reaches the row unchecked and
    unaudited: ModelForm writes only Meta.fields to the instance.
    """

    credential = forms.ModelChoiceField(
        queryset=PMSCredential.objects.select_related("organization"), required=False
    )
    pms_property_ids = forms.JSONField(
        label="PMS property IDs",
        required=False,
        help_text='A list of ids the PMS lists for the credential, e.g. ["1001", "1002"].',
    )
    excluded_statuses = forms.JSONField(
        required=False,
        help_text='A list of the PMS\'s own lease statuses, e.g. ["Applicant", "Denied"].',
    )
    status_lifecycles = forms.JSONField(
        label="Status lifecycles",
        required=False,
        help_text="Lease statuses the PMS sends but doorsync does not know, each mapped to "
        'a lifecycle, e.g. {"Old": "past"} (applicant, future, current, notice, past, '
        "cancelled). A sync alert names each unknown status; the next sync applies this.",
    )
    user_sync_enabled = forms.BooleanField(label="User Sync", required=False)
    unit_sync_enabled = forms.BooleanField(
        label="Unit Sync",
        required=False,
        help_text="Switching it is audited, as the Turn Unit Sync off/on actions are.",
    )
    access_mode = forms.ChoiceField(label="Automated Access", choices=AccessMode.choices)

    MANAGED = (
        "credential",
        "pms_property_ids",
        "excluded_statuses",
        "status_lifecycles",
        "user_sync_enabled",
        "unit_sync_enabled",
        "access_mode",
    )

    class Meta:
        model = PMSIntegration
        # mass_revoke_percent: the brake's threshold (access/brake.py), 1 to 100 by the
        # model's validators and a CHECK constraint.
        # full_sync_interval_minutes: how often a run reads the whole PMS, the runs between
        # reading only changes (integrations/sync/changes.py); at least 5.
        fields = [
            "property",
            "sync_interval_minutes",
            "full_sync_interval_minutes",
            "mass_revoke_percent",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance
        for name in self.MANAGED:
            self.initial.setdefault(name, getattr(stored, name))
        # Filled by clean() when a change needs the PMS's own lists; save_model passes them on.
        self.available_properties: list[PMSProperty] = []
        self.available_statuses: list[str] = []
        self.changed_settings: set[str] = set()

    def _pms_list(self, field: str, fetch: Any, credential: PMSCredential) -> Any:
        try:
            return fetch(credential=credential)
        except (PMSError, SecretsUnreadable) as exc:
            message = exc.setup_message if isinstance(exc, PMSError) else str(exc)
            self.add_error(field, f"Could not check against the PMS: {message}")
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        # Still the stored row: ModelForm copies cleaned data into it only after clean().
        stored = self.instance
        prop = data.get("property") or (stored.property if stored.property_id else None)
        if prop is None:
            return data
        credential: PMSCredential | None = data.get("credential")
        if credential is None and stored.credential_id is not None:
            self.add_error("credential", "A credential in use cannot be removed; choose another.")
            return data
        if credential is not None:
            try:
                setup.integration_credential_check(property=prop, credential=credential)
            except ValidationError as exc:
                self.add_error("credential", exc)
                return data
        new_credential = credential is not None and credential.id != stored.credential_id
        if new_credential:
            self.changed_settings.add("credential")
        # What the settings would be checked against: a new credential attaches afresh.
        probe = PMSIntegration(
            id=stored.id,
            property=prop,
            credential=credential,
            pms_property_ids=[] if new_credential else list(stored.pms_property_ids),
        )

        ids: list[str] | None = None
        try:
            ids = setup.settings_list_check(
                data.get("pms_property_ids") or [], what="PMS property IDs", example='["1001"]'
            )
        except ValidationError as exc:
            self.add_error("pms_property_ids", exc)
        if ids is not None and (
            sorted(ids) != sorted(stored.pms_property_ids) or (new_credential and ids)
        ):
            self.changed_settings.add("pms_property_ids")
            if credential is None:
                self.add_error("pms_property_ids", "Choose a credential first.")
            else:
                available = self._pms_list(
                    "pms_property_ids", setup.pms_properties_of_credential, credential
                )
                if available is not None:
                    self.available_properties = available
                    try:
                        ids = setup.integration_property_ids_check(
                            integration=probe, pms_property_ids=ids, available=available
                        )
                    except ValidationError as exc:
                        self.add_error("pms_property_ids", exc)
        if ids is not None:
            data["pms_property_ids"] = ids

        statuses: list[str] | None = None
        try:
            statuses = setup.settings_list_check(
                data.get("excluded_statuses") or [],
                what="excluded lease statuses",
                example='["Applicant"]',
            )
        except ValidationError as exc:
            self.add_error("excluded_statuses", exc)
        if statuses is not None and (
            sorted(statuses) != sorted(stored.excluded_statuses) or (new_credential and statuses)
        ):
            self.changed_settings.add("excluded_statuses")
            if credential is None:
                self.add_error("excluded_statuses", "Choose a credential first.")
            else:
                known = self._pms_list(
                    "excluded_statuses", setup.pms_lease_statuses_of_credential, credential
                )
                if known is not None:
                    self.available_statuses = known
                    try:
                        statuses = setup.integration_excluded_statuses_check(
                            statuses=statuses, available=known
                        )
                    except ValidationError as exc:
                        self.add_error("excluded_statuses", exc)
        if statuses is not None:
            data["excluded_statuses"] = statuses

        self._clean_status_lifecycles(data, credential)
        user_sync = bool(data.get("user_sync_enabled"))
        try:
            setup.integration_user_sync_check(
                enabled=user_sync,
                credential=credential,
                pms_property_ids=ids if ids is not None else stored.pms_property_ids,
            )
        except ValidationError as exc:
            self.add_error("user_sync_enabled", exc)
        mode = str(data.get("access_mode") or "")
        if mode != stored.access_mode or user_sync != stored.user_sync_enabled:
            try:
                setup.integration_access_mode_check(mode=mode, user_sync_enabled=user_sync)
            except ValidationError as exc:
                self.add_error("access_mode", exc)
        for name in ("user_sync_enabled", "unit_sync_enabled", "access_mode"):
            if data.get(name) != getattr(stored, name):
                self.changed_settings.add(name)
        return data

    def _clean_status_lifecycles(
        self, data: dict[str, Any], credential: PMSCredential | None
    ) -> None:
        mapping = data.get("status_lifecycles") or {}
        if mapping == (self.instance.status_lifecycles or {}):
            return
        if credential is None:
            self.add_error("status_lifecycles", "Choose a credential first.")
            return
        try:
            data["status_lifecycles"] = status_lifecycles_check(mapping, vendor=credential.vendor)
        except ValidationError as exc:
            self.add_error("status_lifecycles", exc)
            return
        self.changed_settings.add("status_lifecycles")


class SyncStalenessFilter(admin.SimpleListFilter):
    title = "sync health"
    parameter_name = "sync_health"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("stale", "No successful sync for over a day")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "stale":
            return queryset.filter(id__in=stale_integrations().values("id"))
        return queryset


def _local(at: datetime | None, prop: Property) -> str:
    """A time as the property's manager reads it, zone named: support answers managers,
    and UTC without a zone read as local time is an hour-long misunderstanding."""
    if at is None:
        return "—"
    return date_format(timezone.localtime(at, prop.zone), "M j, Y, g:i A T")


@admin.register(PMSIntegration)
class PMSIntegrationAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    # Deleting one would take its sync history, alerts and PMS links with it: support
    # turns User Sync off instead (the manager's Manage Settings → User Sync).
    no_delete_reason = "Turn User Sync off instead: deleting would lose the sync history."

    list_display = [
        "property",
        "credential",
        "user_sync_enabled",
        "unit_sync_enabled",
        "access_mode",
        "last_success",
        "last_started",
        "sync_health",
    ]
    list_filter = [SyncStalenessFilter, "user_sync_enabled", "unit_sync_enabled", "access_mode"]
    search_fields = ["property__name", "property__organization__name", "credential__label"]
    list_select_related = ["property", "credential"]
    autocomplete_fields = ["property"]
    form = PMSIntegrationAdminForm
    readonly_fields = [
        "pms_property_names",
        "setup_step",
        "setup_completed_at",
        "last_sync_started_at",
        "last_successful_sync_at",
        "last_full_sync_at",
    ]
    actions = [
        "run_sync_now",
        unit_sync_off,
        unit_sync_on,
        create_units_from_unmapped,
        map_identical_names,
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # Only the form's own model fields are written straight to the row; the managed
        # settings (declared on the form) go through the services in save_model.
        kwargs["fields"] = [
            f
            for f in PMSIntegrationAdminForm.Meta.fields
            if f not in self.get_readonly_fields(request, obj)
        ]
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An integration stays with its property: its history and links are that property's.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "property"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The console's services apply each changed setting, audited with support as actor."""
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        changed: set[str] = form.changed_settings
        integration = PMSIntegration.objects.select_related("property", "credential").get(id=obj.id)
        actor = request.user
        if "credential" in changed:
            setup.integration_set_credential(
                integration=integration, credential=data["credential"], actor=actor
            )
        if "pms_property_ids" in changed:
            setup.integration_attach_properties(
                integration=integration,
                pms_property_ids=data["pms_property_ids"],
                available=form.available_properties,
                actor=actor,
            )
        if "excluded_statuses" in changed:
            setup.integration_set_excluded_statuses(
                integration=integration,
                statuses=data["excluded_statuses"],
                available=form.available_statuses,
                actor=actor,
            )
        if "status_lifecycles" in changed:
            integration_set_status_lifecycles(
                integration=integration, mapping=data["status_lifecycles"], actor=actor
            )
        if "user_sync_enabled" in changed:
            setup.integration_set_user_sync(
                integration=integration, enabled=data["user_sync_enabled"], actor=actor
            )
        if "access_mode" in changed:
            setup.integration_set_access_mode(
                integration=integration, mode=data["access_mode"], actor=actor
            )
        if data["unit_sync_enabled"] != integration.unit_sync_enabled:
            unit_sync_set(integration=integration, enabled=data["unit_sync_enabled"], actor=actor)
        # The admin's own object shows what was saved (its change message, the redirect).
        obj.refresh_from_db()

    @admin.display(description="Last successful sync", ordering="last_successful_sync_at")
    def last_success(self, obj: PMSIntegration) -> str:
        return _local(obj.last_successful_sync_at, obj.property)

    @admin.display(description="Last sync started", ordering="last_sync_started_at")
    def last_started(self, obj: PMSIntegration) -> str:
        return _local(obj.last_sync_started_at, obj.property)

    @admin.display(description="Health")
    def sync_health(self, obj: PMSIntegration) -> str:
        if obj.setup_completed_at is None:
            return "Not set up"
        if not obj.user_sync_enabled:
            return "User Sync off"
        stale = staleness(integration=obj)
        if not stale and obj.last_successful_sync_at is None:
            return "No sync yet"
        return {"critical": "⚠ over a day", "warning": "over 2 hours", "": "OK"}[stale]

    @admin.action(description="Run sync now")
    def run_sync_now(self, request: HttpRequest, queryset: QuerySet[PMSIntegration]) -> None:
        for integration in queryset.select_related("property"):
            if not integration.user_sync_enabled or integration.credential_id is None:
                self.message_user(
                    request,
                    f"{integration.property}: User Sync is off; nothing started.",
                    messages.WARNING,
                )
                continue
            with transaction.atomic():
                run, created = sync_run_start(
                    integration=integration, trigger=SyncRun.Trigger.SUPPORT, user=request.user
                )
            verb = "started" if created else "already running"
            self.message_user(request, f"{integration.property}: sync #{run.id} {verb}.")


@admin.register(PMSUnit)
class PMSUnitAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "external_id",
        "pms_property_id",
        "unit",
        "integration",
        "mapped_at",
        "gone_from_pms_at",
    ]
    list_filter = [
        ("unit", admin.EmptyFieldListFilter),
        ("gone_from_pms_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "building", "external_id", "unit__name"]
    list_select_related = ["unit", "integration__property", "integration__credential"]
    raw_id_fields = ["integration", "unit", "mapped_by"]
    formfield_overrides = ZONED_TIMES


class ReadOnlyAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    """Sync history is evidence: support reads it, nobody edits or deletes it."""

    no_delete_reason = "Sync history is kept as evidence."

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "integration",
        "trigger",
        "kind",
        "state",
        "started",
        "finished",
        "records_total",
        "error_short",
    ]
    list_filter = ["state", "trigger", "kind"]
    search_fields = ["integration__property__name", "error"]
    list_select_related = ["integration__property", "integration__credential"]
    date_hierarchy = "created_at"

    @admin.display(description="Started", ordering="started_at")
    def started(self, obj: SyncRun) -> str:
        if obj.started_at is None:
            return f"queued {_local(obj.created_at, obj.integration.property)}"
        return _local(obj.started_at, obj.integration.property)

    @admin.display(description="Finished", ordering="finished_at")
    def finished(self, obj: SyncRun) -> str:
        return _local(obj.finished_at, obj.integration.property)

    @admin.display(description="Error")
    def error_short(self, obj: SyncRun) -> str:
        return obj.error[:120]


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    """Where each integration's next changes run reads each PMS property from. Read-only:
    only a run that read and applied everything moves one (integrations/sync/cursors.py),
    and a full run reads everything whatever a cursor says."""

    list_display = ["integration", "pms_property_id", "position", "newest_modified", "read_at"]
    search_fields = ["integration__property__name", "pms_property_id"]
    list_select_related = ["integration__property", "integration__credential"]


@admin.register(SyncOutcome)
class SyncOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["run_id", "external_id", "name", "email", "raw_status", "outcome", "detail"]
    list_filter = ["outcome"]
    search_fields = ["external_id", "name", "email"]
    list_select_related = ["run"]
    raw_id_fields = ["run", "resident"]


@admin.register(PMSRecord)
class PMSRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "external_id",
        "first_name",
        "last_name",
        "email",
        "raw_status",
        "outcome",
        "resident",
        "gone_from_pms_at",
    ]
    list_filter = ["outcome", "lifecycle", ("gone_from_pms_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "first_name", "last_name", "email"]
    list_select_related = ["resident", "integration__property"]
    raw_id_fields = ["resident", "integration", "last_seen_run"]


@admin.register(SyncAlert)
class SyncAlertAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "state",
        "pms_name",
        "pms_email",
        "integration",
        "resolution",
        "resolved_by",
        "created_at",
    ]
    list_filter = ["kind", "state"]
    search_fields = ["pms_name", "pms_email", "external_id"]
    list_select_related = ["integration__property", "integration__credential", "resolved_by"]
    raw_id_fields = ["resident", "integration", "resolved_by"]


# Pushes (webhooks) keep their admin beside their models.
import integrations.inbound.admin  # noqa: E402, F401
