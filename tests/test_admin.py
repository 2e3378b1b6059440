"""The Django admin, as support staff use it: every registered model opens, without N+1.

Every model in ``admin.site._registry`` needs a row maker below, so a newly
registered model is walked too (the test fails, naming it, until one is added).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import AccessSuggestion, Key
from audit.models import AccessEvent
from audit.services import access_event_record
from residents.models import ResidentStatus
from tests.factories import (
    DoorFactory,
    KeyFactory,
    KeyGrantFactory,
    MembershipFactory,
    OrganizationFactory,
    PropertyFactory,
    ResidentFactory,
    UnitFactory,
    UserFactory,
)
from units.models import UnitImport

_serial = itertools.count(1)


# --- one row of each registered model, each with its own related rows ----------------------
# Distinct related rows per row are what make an N+1 show up as more queries.


def _group() -> Model:
    return Group.objects.create(name=f"Support tier {next(_serial)}")


def _membership() -> Model:
    org = OrganizationFactory()
    return MembershipFactory(
        user=UserFactory(), organization=org, property=PropertyFactory(organization=org)
    )


def _unit_import() -> Model:
    return UnitImport.objects.create(
        property=PropertyFactory(),
        uploaded_by=UserFactory(),
        filename=f"units-{next(_serial)}.csv",
        content="name\n101\n",
        row_count=1,
    )


def _resident() -> Model:
    unit = UnitFactory()
    return ResidentFactory(property=unit.property, unit=unit, status=ResidentStatus.CURRENT)


def _unit_key() -> Model:
    unit = UnitFactory()
    key = KeyFactory(property=unit.property, kind=Key.Kind.UNIT, unit=unit)
    key.doors.set([DoorFactory(property=unit.property)])
    return key


def _access_event() -> Model:
    grant = KeyGrantFactory()
    return access_event_record(
        property=grant.key.property,
        actor=UserFactory(),
        action=AccessEvent.Action.KEY_GRANTED,
        subject=f"“{grant.key.name}” granted to {grant.resident.full_name}",
        resident=grant.resident,
        key=grant.key,
    )


def _access_suggestion() -> Model:
    resident = ResidentFactory()
    now = timezone.now()
    return AccessSuggestion.objects.create(
        property=resident.property,
        resident=resident,
        kind=AccessSuggestion.Kind.GRANT,
        key=KeyFactory(property=resident.property),
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        transition_key=f"R{next(_serial)}|future>current",
        detected_at=now,
        starts_at=now,
    )


def _axes(model_label: str) -> Callable[[], Model]:
    def make() -> Model:
        n = next(_serial)
        fields = {
            "username": f"someone{n}",
            "ip_address": f"10.0.{n // 250}.{n % 250 + 1}",
            "user_agent": "pytest",
            "http_accept": "text/html",
            "path_info": "/accounts/login/",
        }
        if model_label == "axes.AccessAttempt":
            fields.update(get_data="", post_data="", failures_since_start=1)
        return apps.get_model(model_label).objects.create(**fields)

    return make


def _pms_credential() -> Model:
    model = apps.get_model("integrations.PMSCredential")
    vendor = model._meta.get_field("vendor").choices[0][0]
    return model.objects.create(
        organization=OrganizationFactory(), vendor=vendor, label=f"Login {next(_serial)}"
    )


def _integration() -> Model:

    from integrations.models import PMSIntegration

    return PMSIntegration.objects.create(
        property=PropertyFactory(),
        credential=_pms_credential(),
        pms_property_ids=["1"],
        user_sync_enabled=True,
        setup_completed_at=timezone.now(),
    )


def _sync_run() -> Model:
    from integrations.models import SyncRun

    return SyncRun.objects.create(
        integration=_integration(), trigger="schedule", state="succeeded", counts={"created": 3}
    )


def _sync_outcome() -> Model:
    from integrations.models import SyncOutcome

    run = _sync_run()
    return SyncOutcome.objects.create(
        run=run, external_id=f"t{next(_serial)}", outcome="created", resident=_resident()
    )


def _sync_cursor() -> Model:
    from integrations.models import SyncCursor

    return SyncCursor.objects.create(
        integration=_integration(), pms_property_id="1", position=timezone.now(),
        read_at=timezone.now(), run=_sync_run(),
    )  # fmt: skip


def _pms_record() -> Model:

    from integrations.models import PMSRecord

    integration = _integration()
    return PMSRecord.objects.create(
        integration=integration,
        external_id=f"t{next(_serial)}",
        pms_property_id="1",
        resident=_resident(),
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )


def _sync_alert() -> Model:
    from integrations.models import SyncAlert

    return SyncAlert.objects.create(
        integration=_integration(),
        kind="possible_match",
        external_id=f"t{next(_serial)}",
        resident=_resident(),
        pms_name="Pat Doe",
    )


def _pms_unit() -> Model:

    from integrations.models import PMSUnit

    integration = _integration()
    return PMSUnit.objects.create(
        integration=integration,
        external_id=f"u{next(_serial)}",
        pms_property_id="1",
        name="12B",
        unit=UnitFactory(property=integration.property),
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )


def _notice_sent() -> Model:
    from notices.models import NoticeSent

    return NoticeSent.objects.create(
        property=PropertyFactory(),
        kind="sync_stale",
        key=f"stale-since:{next(_serial)}",
        subject="No PMS sync has succeeded",
        recipients=["a@example.com"],
    )


def _notice_opt_out() -> Model:
    from notices.models import NoticeOptOut

    return NoticeOptOut.objects.create(user=UserFactory(), kind="suggestion_digest")


def _inbound_hook() -> Model:
    from integrations.inbound.models import InboundHook

    return InboundHook.objects.create(integration=_integration(), secret_encrypted="token")


def _inbound_event() -> Model:
    from integrations.inbound.models import InboundEvent

    run = _sync_run()
    return InboundEvent.objects.create(
        integration=run.integration, received_at=timezone.now(), verdict="accepted",
        event_key=f"sig:{next(_serial)}", event_name="Lease.Updated", lease_ids=["7"],
        triggered=f"targeted sync #{run.id} of lease 7", sync_run=run,
    )  # fmt: skip


def _api_token() -> Model:
    from tests.factories.api import api_token

    return api_token(OrganizationFactory(), name=f"Token {next(_serial)}").token


def _webhook_endpoint() -> Model:
    from webhooks.services import endpoint_create

    return endpoint_create(
        organization=OrganizationFactory(), url="https://hooks.example.com/", events=["sync.failed"]
    ).endpoint


def _webhook_delivery() -> Model:
    from webhooks.emit import WebhookEvent, messages_deliveries_create
    from webhooks.models import WebhookDelivery

    endpoint = _webhook_endpoint()
    event = WebhookEvent(endpoint.organization_id, "sync.failed", {"run_id": 1})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [endpoint])])
    return WebhookDelivery.objects.get(id=delivery_id)


def _webhook_message() -> Model:
    from webhooks.models import WebhookMessage

    return WebhookMessage.objects.get(id=_webhook_delivery().message_id)


ROW_MAKERS: dict[str, Callable[[], Model]] = {
    "notices.NoticeSent": _notice_sent,
    "notices.NoticeOptOut": _notice_opt_out,
    "integrations.InboundHook": _inbound_hook,
    "integrations.InboundEvent": _inbound_event,
    "api.ApiToken": _api_token,
    "webhooks.WebhookEndpoint": _webhook_endpoint,
    "webhooks.WebhookDelivery": _webhook_delivery,
    "webhooks.WebhookMessage": _webhook_message,
    "integrations.PMSUnit": _pms_unit,
    "integrations.PMSIntegration": _integration,
    "integrations.SyncRun": _sync_run,
    "integrations.SyncOutcome": _sync_outcome,
    "integrations.SyncCursor": _sync_cursor,
    "integrations.PMSRecord": _pms_record,
    "integrations.SyncAlert": _sync_alert,
    "auth.Group": _group,
    "auth.User": UserFactory,
    "axes.AccessAttempt": _axes("axes.AccessAttempt"),
    "axes.AccessLog": _axes("axes.AccessLog"),
    "axes.AccessFailureLog": _axes("axes.AccessFailureLog"),
    "properties.Organization": OrganizationFactory,
    "properties.Property": PropertyFactory,
    "properties.Membership": _membership,
    "units.Unit": UnitFactory,
    "units.UnitImport": _unit_import,
    "residents.Resident": _resident,
    "access.Door": DoorFactory,
    "access.Key": _unit_key,
    "access.KeyGrant": KeyGrantFactory,
    "audit.AccessEvent": _access_event,
    "access.AccessSuggestion": _access_suggestion,
    "integrations.PMSCredential": _pms_credential,
}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _make(model: type[Model], count: int) -> list[Model]:
    label = model._meta.label
    if label not in ROW_MAKERS:
        pytest.fail(f"{label} is registered in the admin: add a row maker for it to ROW_MAKERS.")
    return [ROW_MAKERS[label]() for _ in range(count)]


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _changelist(client: Client, model: type[Model]) -> tuple[int, int]:
    """(queries, rows shown) for the model's changelist."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200, model._meta.label
    return len(ctx.captured_queries), response.context["cl"].result_count


# --- every model -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_opens_without_n_plus_1(support_client, model):
    # Given 2 rows (each with its own related rows)
    _make(model, 2)
    queries_2, shown_2 = _changelist(support_client, model)

    # When there are 20
    _make(model, 18)
    queries_20, shown_20 = _changelist(support_client, model)

    # Then all are listed, for the same number of queries
    assert shown_20 == model._default_manager.count()
    assert shown_20 - shown_2 >= 18
    assert queries_20 == queries_2, f"{model._meta.label}: {queries_2} → {queries_20} queries"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_change_page_of_every_row_opens(support_client, model):
    rows = _make(model, 3)

    for row in rows:
        response = support_client.get(_url(model, "change", row.pk))
        assert response.status_code == 200, f"{model._meta.label} #{row.pk}"
        assert response.context["original"] == row


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_add_page_opens_where_adding_is_allowed(support_client, model):
    model_admin = admin.site._registry[model]
    response = support_client.get(_url(model, "add"))

    if model_admin.has_add_permission(response.wsgi_request):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_every_registered_model_has_a_row_maker():
    missing = [m._meta.label for m in REGISTERED if m._meta.label not in ROW_MAKERS]
    assert missing == []


def test_the_admin_is_for_staff_only(alice_client):
    response = alice_client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- the audit trail is read-only ---------------------------------------------------------------


def test_access_events_cannot_be_added_changed_or_deleted_in_the_admin(support_client):
    (event,) = _make(AccessEvent, 1)
    before = AccessEvent.objects.values().get(pk=event.pk)

    changelist = support_client.get(_url(AccessEvent, "changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert _url(AccessEvent, "add") not in html
    assert "delete_selected" not in html

    assert support_client.get(_url(AccessEvent, "add")).status_code == 403
    assert support_client.post(_url(AccessEvent, "add"), {"subject": "forged"}).status_code == 403
    assert support_client.get(_url(AccessEvent, "delete", event.pk)).status_code == 403
    assert (
        support_client.post(_url(AccessEvent, "delete", event.pk), {"post": "yes"}).status_code
        == 403
    )
    changed = support_client.post(
        _url(AccessEvent, "change", event.pk), {"subject": "rewritten", "reason": "oops"}
    )
    assert changed.status_code == 403
    bulk = support_client.post(
        _url(AccessEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    # No actions exist on this changelist, so the crafted bulk delete just re-shows it.
    assert bulk.status_code == 200

    # The change page is a read-only view, with no Save button
    page = support_client.get(_url(AccessEvent, "change", event.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()

    assert AccessEvent.objects.values().get(pk=event.pk) == before


def test_access_event_admin_denies_add_change_delete_even_to_superusers(rf, support):
    request = rf.get("/")
    request.user = support
    model_admin = admin.site._registry[AccessEvent]

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True


# --- searching residents ------------------------------------------------------------------------


def test_resident_search_finds_by_name_email_phone_and_unit(support_client, prop_a, unit_a):
    ann = ResidentFactory(
        property=prop_a,
        unit=unit_a,
        first_name="Ann",
        last_name="Lee",
        email="ann.lee@example.com",
        phone="+16175550123",
    )
    ResidentFactory(property=prop_a, first_name="Bea", last_name="Stone", email="bea@example.com")
    ResidentFactory(property=prop_a, first_name="Carl", last_name="Leeds", email="c@example.com")
    url = _url(ann.__class__, "changelist")

    def found(q: str) -> list[str]:
        response = support_client.get(url, {"q": q})
        assert response.status_code == 200
        return sorted(r.full_name for r in response.context["cl"].result_list)

    assert found("Ann Lee") == ["Ann Lee"]
    assert found("lee") == ["Ann Lee", "Carl Leeds"]
    assert found("ann.lee@example") == ["Ann Lee"]
    assert found("5550123") == ["Ann Lee"]
    assert found("12B") == ["Ann Lee"]
    assert found("nobody") == []
    assert found("") == ["Ann Lee", "Bea Stone", "Carl Leeds"]


def test_resident_status_is_read_only_in_the_admin(support_client, prop_a):
    resident = ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)

    response = support_client.get(_url(resident.__class__, "change", resident.pk))

    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "status_source" not in form.fields
