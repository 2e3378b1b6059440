from __future__ import annotations

from django import forms

from notices.models import NoticeKind


class NoticePreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label="Email me when",
        choices=NoticeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
