from __future__ import annotations

from django import forms


class UnitForm(forms.Form):
    name = forms.CharField(max_length=100, label="Unit name or number")
    building = forms.CharField(max_length=100, required=False)
    floor = forms.CharField(max_length=20, required=False)


class UnitUploadForm(forms.Form):
    file = forms.FileField(label="CSV file")


class UnitFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    occupancy = forms.ChoiceField(
        required=False,
        choices=[("", "Vacant and occupied"), ("vacant", "Vacant"), ("occupied", "Occupied")],
        # Shown without a visible label in the filter row: named for screen readers.
        widget=forms.Select(attrs={"aria-label": "Occupancy"}),
    )
