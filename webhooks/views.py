"""Manage Settings → Webhooks: parse, authorize, delegate, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.forms import form_add_service_errors
from properties.console import console_view
from properties.models import Property
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_PAGE_SIZE = 50


def _endpoint_or_404(request: HttpRequest, prop: Property, endpoint_id: int) -> WebhookEndpoint:
    """Another organization's endpoint, or any endpoint for a manager of single
    properties, is a 404: nothing about it is revealed."""
    if not selectors.webhooks_managed_by(user=request.user, organization=prop.organization):
        raise Http404
    endpoint = selectors.endpoint_get(organization=prop.organization, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404
    return endpoint


@console_view
def webhooks_page(request: HttpRequest, prop: Property) -> HttpResponse:
    organization = prop.organization
    if not selectors.webhooks_managed_by(user=request.user, organization=organization):
        return render(request, "webhooks/webhooks.html", {"managed": False})
    choices = [(p.id, p.name) for p in selectors.organization_properties(organization=organization)]
    form = EndpointForm(request.POST or None, property_choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = selectors.organization_properties(organization=organization).filter(
            id__in=form.cleaned_data["properties"]
        )
        try:
            created = services.endpoint_create(
                organization=organization,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                properties=list(chosen),
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            # Rendered, not redirected: the secret is shown this once and stored nowhere
            # in the clear (responses to signed-in users are Cache-Control: no-store).
            return render(
                request,
                "webhooks/endpoint_created.html",
                {"endpoint": created.endpoint, "secret": created.secret},
            )
    return render(
        request,
        "webhooks/webhooks.html",
        {
            "managed": True,
            "form": form,
            "endpoints": selectors.endpoints_for_organization(organization=organization),
        },
    )


@console_view
def endpoint_detail(request: HttpRequest, prop: Property, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, prop, endpoint_id)
    page = Paginator(selectors.deliveries_for_endpoint(endpoint=endpoint), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": page})


@console_view
@require_POST
def endpoint_test(request: HttpRequest, prop: Property, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, prop, endpoint_id)
    try:
        services.endpoint_test_send(endpoint=endpoint, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Test event queued: its delivery is at the top of the log.")
    return redirect("webhooks-endpoint", property_id=prop.id, endpoint_id=endpoint.id)


@console_view
@require_POST
def endpoint_toggle(request: HttpRequest, prop: Property, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, prop, endpoint_id)
    if endpoint.enabled:
        services.endpoint_disable_by(endpoint=endpoint, actor=request.user)
        messages.success(request, "Endpoint disabled: nothing more is sent to it.")
    else:
        services.endpoint_enable(endpoint=endpoint)
        messages.success(request, "Endpoint enabled: new events are sent to it again.")
    return redirect("webhooks-endpoint", property_id=prop.id, endpoint_id=endpoint.id)


@console_view
@require_POST
def endpoint_delete(request: HttpRequest, prop: Property, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, prop, endpoint_id)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} deleted with its delivery log.")
    return redirect("webhooks", property_id=prop.id)


@console_view
@require_POST
def delivery_replay(
    request: HttpRequest, prop: Property, endpoint_id: int, delivery_id: int
) -> HttpResponse:
    endpoint = _endpoint_or_404(request, prop, endpoint_id)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint", "message"),
        endpoint=endpoint,
        id=delivery_id,
    )
    try:
        services.delivery_replay(delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{delivery.message.event_type} queued again with the same webhook-id."
        )
    return redirect("webhooks-endpoint", property_id=prop.id, endpoint_id=endpoint.id)
