from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from notices.forms import NoticePreferencesForm
from notices.selectors import notice_kinds_received
from notices.services import notice_preferences_set
from properties.console import console_view
from properties.models import Property


@console_view
def notices_settings(request: HttpRequest, prop: Property) -> HttpResponse:
    """Manage Settings → Email notices: the signed-in manager's own choices (for every
    property they manage — the notices are theirs, not the property's)."""
    if request.method == "POST":
        form = NoticePreferencesForm(request.POST)
        if form.is_valid():
            notice_preferences_set(user=request.user, receive=form.cleaned_data["receive"])
            messages.success(request, "Your email notice choices are saved.")
            return redirect("notices-settings", property_id=prop.id)
    else:
        form = NoticePreferencesForm(initial={"receive": notice_kinds_received(user=request.user)})
    return render(
        request,
        "notices/settings.html",
        {
            "form": form,
            "failures": settings.NOTICE_FAILURES_IN_A_ROW,
            "digest_hour": settings.NOTICE_DIGEST_HOUR,
        },
    )
