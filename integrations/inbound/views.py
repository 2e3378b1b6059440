"""The push endpoint (unauthenticated by session, authenticated by signature) and the
Manage Settings → Instant updates tab."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.inbound.services import (
    MAX_BODY_BYTES,
    inbound_events_recent,
    inbound_hook_for,
    inbound_hook_secret_set,
    inbound_push_receive,
)
from integrations.models import PMSIntegration
from integrations.pms.registry import VENDORS
from properties.models import Property

# Never handed to a verifier: a push authenticates by its signature alone.
_WITHHELD_HEADERS = frozenset({"cookie", "authorization"})


@csrf_exempt
@require_POST
def pms_push(request: HttpRequest, token: str) -> HttpResponse:
    """A vendor's webhook. Answers at once; the sync runs in a worker."""
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    headers = {
        name.lower(): value
        for name, value in request.headers.items()
        if name.lower() not in _WITHHELD_HEADERS
    }
    received = inbound_push_receive(token=token, headers=headers, body=request.body)
    if received.status == 404:
        return JsonResponse({"error": "unknown endpoint"}, status=404)
    if received.status == 401:
        # Why is in the event log for support; the caller learns nothing of it.
        return JsonResponse({"error": "not verified"}, status=401)
    return JsonResponse({"received": True, "verdict": received.verdict})


def instant_updates_tab(
    request: HttpRequest, prop: Property, integration: PMSIntegration, context: dict[str, object]
) -> HttpResponse:
    """Manage Settings → Instant updates: the address to register with the PMS, the
    signing secret it generated (write-only), and the latest pushes received."""
    vendor = integration.credential.vendor if integration.credential else ""
    can_push = bool(vendor) and VENDORS[vendor].capabilities.webhooks
    hook = inbound_hook_for(integration=integration) if can_push else None
    if request.method == "POST" and hook is not None:
        try:
            inbound_hook_secret_set(hook=hook, secret=request.POST.get("secret", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Signing secret saved. Pushes are now verified with it.")
            return redirect("integrations-manage", property_id=prop.id, tab="instant-updates")
    return render(
        request,
        "integrations/instant_updates.html",
        {
            **context,
            "can_push": can_push,
            "hook": hook,
            "hook_url": (
                request.build_absolute_uri(reverse("pms-push", args=[hook.token])) if hook else ""
            ),
            "events": inbound_events_recent(integration=integration) if hook else [],
        },
    )
