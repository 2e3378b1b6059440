from __future__ import annotations

from django import forms

from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        help_text="Where doorsync POSTs the events, e.g. https://example.com/doorsync/webhooks",
        error_messages={"required": "Enter the URL that should receive the webhooks."},
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(e.value, f"{e.value} — {e.label}") for e in EventType],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to receive."},
    )
    properties = forms.TypedMultipleChoiceField(
        label="Properties",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: events of every property of the organization.",
    )

    def __init__(self, *args: object, property_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["properties"].choices = property_choices  # type: ignore[attr-defined]
