"""Manage Settings → API: the organization's API tokens (portfolio managers only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from api.forms import ApiTokenForm
from api.models import ApiToken
from api.selectors import api_tokens_for_organization, manages_api_tokens
from api.tokens import api_token_create, api_token_revoke
from properties.console import console_view
from properties.models import Property


@console_view
def api_tokens(request: HttpRequest, prop: Property) -> HttpResponse:
    organization = prop.organization
    manager = manages_api_tokens(user=request.user, organization=organization)
    form = ApiTokenForm(request.POST or None, organization=organization)
    created = None
    if request.method == "POST":
        if not manager:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                created = api_token_create(
                    organization=organization,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    properties=form.cleaned_data["properties"],
                    created_by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                # Answered here, not redirected: the secret is on this response only.
                form = ApiTokenForm(organization=organization)
    return render(
        request,
        "api/api_tokens.html",
        {
            "form": form,
            "manager": manager,
            "created": created,
            "tokens": api_tokens_for_organization(organization=organization) if manager else [],
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@console_view
@require_POST
def api_token_revoke_view(request: HttpRequest, prop: Property, token_id: int) -> HttpResponse:
    if not manages_api_tokens(user=request.user, organization=prop.organization):
        raise Http404("No such token.")
    token = get_object_or_404(ApiToken, organization=prop.organization, id=token_id)
    if api_token_revoke(token=token, actor=request.user):
        messages.success(request, f"“{token.name}” is revoked: requests with it now answer 401.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("api-tokens", property_id=prop.id)
