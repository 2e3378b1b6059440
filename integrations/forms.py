from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator

from integrations.credentials.endpoints import endpoint_hosts_for_managers, endpoint_override_clean
from integrations.credentials.services import (
    MAX_FIELD_LENGTH,
    MAX_SECRET_LENGTH,
    binding_phrase,
    too_long_message,
)
from integrations.pms.registry import VendorInfo

SECRET_KEPT = "Saved — leave blank to keep it."  # noqa: S105 - help text, not a secret


def secret_kept_help(vendor: VendorInfo, *, override: bool) -> str:
    """Said under every saved secret: when blank keeps it, and when it does not."""
    changing = binding_phrase(vendor.code, override=override)
    return (
        f"{SECRET_KEPT} Changing {changing} needs it entered again: a saved secret is "
        "only sent where it was entered for."
    )


class CredentialForm(forms.Form):
    """Label + the vendor's own fields. Secrets render empty and never echo back."""

    label = forms.CharField(max_length=120, help_text="A name you will recognise in the wizard.")

    def __init__(
        self,
        *args: Any,
        vendor: VendorInfo,
        editing: bool = False,
        current_endpoint: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        for f in vendor.fields:
            if f.secret:
                field: forms.Field = forms.CharField(
                    label=f.label,
                    required=f.required and not editing,
                    # A validator, not max_length: a maxlength attribute would make the
                    # browser cut a long paste silently instead of saying so.
                    validators=[
                        MaxLengthValidator(
                            MAX_SECRET_LENGTH, too_long_message(f.label, MAX_SECRET_LENGTH)
                        )
                    ],
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                    help_text=f.help_text,
                    strip=True,
                )
            else:
                field = forms.CharField(
                    label=f.label,
                    required=f.required,
                    help_text=f.help_text,
                    initial=f.default,
                    max_length=MAX_FIELD_LENGTH,
                    error_messages={"max_length": too_long_message(f.label, MAX_FIELD_LENGTH)},
                    # A number field (Rent Manager's location ID) brings up a phone's digits.
                    widget=forms.TextInput(
                        attrs={"inputmode": "numeric"} if f.kind == "number" else {}
                    ),
                )
            self.fields[f.name] = field
        self.current_endpoint = current_endpoint
        hosts = endpoint_hosts_for_managers()
        if editing:
            for f in vendor.fields:
                if f.secret:
                    self.fields[f.name].help_text = secret_kept_help(vendor, override=bool(hosts))
        if hosts:  # otherwise only support sets an address (admin)
            self.fields["endpoint_override"] = forms.URLField(
                assume_scheme="https",
                label="API address override",
                required=False,
                help_text="Leave blank to use the vendor's own address. For a vendor "
                f"sandbox or the doorsync PMS simulator on {', '.join(hosts)}.",
            )

    def clean_endpoint_override(self) -> str:
        url = (self.cleaned_data.get("endpoint_override") or "").strip()
        if url and url == self.current_endpoint:
            return url  # set by support: kept as it is when the manager edits the rest
        return endpoint_override_clean(url)

    def values(self) -> dict[str, str]:
        return {f.name: self.cleaned_data.get(f.name) or "" for f in self.vendor.fields}
