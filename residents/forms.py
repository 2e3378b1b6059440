from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from common.forms import form_add_service_errors
from residents.models import ResidentStatus
from residents.services import EMAIL_TAKEN, ResidentData

DATE = forms.DateInput(attrs={"type": "date"})


class ResidentForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.CharField(max_length=254, required=False, widget=forms.EmailInput)
    phone = forms.CharField(max_length=40, required=False)
    unit = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    lease_start = forms.DateField(required=False, widget=DATE)
    lease_end = forms.DateField(required=False, widget=DATE)
    move_in = forms.DateField(required=False, widget=DATE)
    move_out = forms.DateField(required=False, widget=DATE)
    # Offered only once the email turns out to be another resident's (see the template).
    share_email = forms.BooleanField(required=False, label="They share this email")
    # The email the box was ticked for: changed to another resident's, it asks again.
    share_email_for = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, unit_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", "— No unit —"), *unit_choices]
        self.offer_share_email = False

    def shared_email_confirmed(self) -> bool:
        d = self.cleaned_data
        same = d["share_email_for"].strip().lower() == (d["email"] or "").strip().lower()
        return bool(d["share_email"]) and same

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's errors on their fields; an email already taken offers the box."""
        codes = [e.code for e in getattr(exc, "error_dict", {}).get("email", [])]
        self.offer_share_email = EMAIL_TAKEN in codes
        form_add_service_errors(self, exc)

    def to_data(self) -> ResidentData:
        d = self.cleaned_data
        return ResidentData(
            first_name=d["first_name"],
            last_name=d["last_name"],
            email=d["email"],
            phone=d["phone"],
            unit_id=d["unit"],
            lease_start=d["lease_start"],
            lease_end=d["lease_end"],
            move_in=d["move_in"],
            move_out=d["move_out"],
        )


class ResidentCreateForm(ResidentForm):
    status = forms.ChoiceField(choices=ResidentStatus.choices, initial=ResidentStatus.FUTURE)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=ResidentStatus.choices)
    reason = forms.CharField(max_length=300, required=False)


class GrantKeyForm(forms.Form):
    key = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args: Any, key_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["key"]).choices = key_choices


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(
        required=False,
        choices=[("", "All statuses"), *ResidentStatus.choices],
        label="Status",
        # Shown without a visible label in the filter row: named for screen readers.
        widget=forms.Select(attrs={"aria-label": "Status"}),
    )
    # A typed unit name, not a dropdown: properties have thousands of units.
    unit = forms.CharField(
        required=False,
        max_length=100,
        label="Unit",
        widget=forms.TextInput(attrs={"placeholder": "Unit, e.g. 12B", "aria-label": "Unit"}),
    )
