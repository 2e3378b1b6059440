from __future__ import annotations

from typing import Any, cast

from django import forms

from access.models import Key


class KeyForm(forms.Form):
    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=Key.Kind.choices, initial=Key.Kind.OTHER)
    unit = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    doors = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    shareable = forms.BooleanField(
        required=False, help_text="Residents may share this key with their guests."
    )
    share_with_current_residents = forms.BooleanField(
        required=False,
        label="Share with all current residents",
        help_text="Every current resident gets this key (common areas).",
    )

    def __init__(
        self,
        *args: Any,
        unit_choices: list[tuple[int, str]],
        door_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", "— None —"), *unit_choices]
        cast(forms.ChoiceField, self.fields["doors"]).choices = door_choices


class DoorForm(forms.Form):
    name = forms.CharField(max_length=150)
    location = forms.CharField(max_length=200, required=False)
