from __future__ import annotations

from typing import Any

from django import forms

from access.models import Key
from audit.models import AccessEvent
from audit.reports import ReportFilter
from properties.models import Property


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    resident = forms.CharField(label="Resident", required=False, max_length=100)
    key = forms.ModelChoiceField(
        label="Key", queryset=Key.objects.none(), required=False, empty_label="Any key"
    )
    actor = forms.ChoiceField(label="Who", required=False)
    action = forms.ChoiceField(label="Action", required=False)

    def __init__(self, *args: Any, property: Property, actors: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].queryset = Key.objects.filter(property=property).order_by("kind", "name")  # type: ignore[attr-defined]
        self.fields["actor"].choices = [("", "Anyone"), *((a, a) for a in actors)]  # type: ignore[attr-defined]
        self.fields["action"].choices = [("", "Any action"), *AccessEvent.Action.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to", "“To” is before “From”: choose an end date on or after the start."
            )
        return cleaned

    def report_filter(self) -> ReportFilter:
        """The filters that are valid (an invalid one is shown with its message and left out)."""
        data = self.cleaned_data if self.is_bound else {}
        key = data.get("key")
        return ReportFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            resident=data.get("resident") or "",
            key_id=key.id if key is not None else None,
            actor=data.get("actor") or "",
            action=data.get("action") or "",
        )
