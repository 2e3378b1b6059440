from __future__ import annotations

from typing import Any

from django import forms

from api.models import ApiToken
from properties.models import Organization, Property


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who uses it, e.g. “Acme locks integration”.")
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        error_messages={"required": "Choose Read, Write or both."},
    )
    properties = forms.ModelMultipleChoiceField(
        queryset=Property.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every property of the organization, including later ones.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["properties"].queryset = Property.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
