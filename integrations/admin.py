from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.credentials import services
from integrations.models import PMSCredential
from integrations.pms.registry import VENDORS


class PMSCredentialAdminForm(forms.ModelForm):
    """Support can replace a secret (write-only) but never read one back."""

    new_secrets = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Write-only. One per line, name=value (e.g. password=…). Blank keeps the stored secrets.",
    )

    class Meta:
        model = PMSCredential
        fields = ["organization", "vendor", "label", "fields", "endpoint_override"]


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
        raw = form.cleaned_data.get("new_secrets") or ""
        updates = dict(
            line.split("=", 1) for line in raw.splitlines() if "=" in line and line.strip()
        )
        updates = {k.strip(): v.strip() for k, v in updates.items()}
        super().save_model(request, obj, form, change)
        if updates:
            try:
                services.pms_credential_update(
                    credential=obj,
                    label=obj.label,
                    values={**obj.fields, **updates},
                    endpoint_override=obj.endpoint_override,
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"Secrets not changed: {' '.join(exc.messages)}", messages.ERROR
                )

    @admin.action(description="Test connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[PMSCredential]) -> None:
        for credential in queryset:
            result = services.pms_credential_test(credential=credential)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{credential}: {result.message}", level)
