"""Support edits an integration's settings in Django admin by the console's rules: PMS property
IDs and excluded statuses are lists the PMS itself lists (checked live against the simulator),
User Sync and Automated Access follow the console's preconditions, and every change — the
Unit Sync checkbox included — goes through the audited services. A malformed value changes
nothing and says why."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from integrations.credentials.services import pms_credential_create
from integrations.models import AccessMode, PMSCredential, PMSIntegration, PMSRecord
from integrations.simulator.credentials import demo_fields
from tests.factories import PropertyFactory
from tests.integrations.sync.conftest import credential_create, integration_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(org_a, pms_simulator) -> PMSCredential:
    return credential_create(org_a, pms_simulator, "yardi")


@pytest.fixture
def integration(prop_a, credential) -> PMSIntegration:
    return integration_create(prop_a, credential, ["1001"])


def url(integration: PMSIntegration) -> str:
    return reverse("admin:integrations_pmsintegration_change", args=[integration.id])


def form_data(integration: PMSIntegration, **changes: Any) -> dict[str, Any]:
    """The change form as support would submit it, stored values unless changed."""
    values: dict[str, Any] = {
        "credential": integration.credential_id or "",
        "pms_property_ids": json.dumps(integration.pms_property_ids),
        "excluded_statuses": json.dumps(integration.excluded_statuses),
        "user_sync_enabled": integration.user_sync_enabled,
        "unit_sync_enabled": integration.unit_sync_enabled,
        "access_mode": integration.access_mode,
        "sync_interval_minutes": integration.sync_interval_minutes,
        "full_sync_interval_minutes": integration.full_sync_interval_minutes,
        "mass_revoke_percent": integration.mass_revoke_percent,
    }
    values.update(changes)
    # Checkboxes are sent only when ticked.
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "expected the form back with errors"
    return {k: list(v) for k, v in response.context["adminform"].form.errors.items()}


def audit() -> list[str]:
    return list(
        AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED)
        .order_by("id")
        .values_list("subject", flat=True)
    )


def stored(integration: PMSIntegration) -> tuple[Any, ...]:
    integration.refresh_from_db()
    return (
        integration.credential_id,
        integration.pms_property_ids,
        integration.excluded_statuses,
        integration.user_sync_enabled,
        integration.unit_sync_enabled,
        integration.access_mode,
    )


# --- malformed values are refused, nothing changes ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('"1001"', 'Enter the PMS property IDs as a list, e.g. ["1001"] (got a single text).'),
        ("1001", 'Enter the PMS property IDs as a list, e.g. ["1001"] (got a number).'),
        ('{"1001": 1}', 'Enter the PMS property IDs as a list, e.g. ["1001"] (got an object).'),
        (
            "[1001]",
            'Each of the PMS property IDs must be a non-empty text in quotes, e.g. ["1001"]; '
            "1001 is not.",
        ),
        (
            '["1001", " "]',
            'Each of the PMS property IDs must be a non-empty text in quotes, e.g. ["1001"]; '
            "' ' is not.",
        ),
        (
            '["1001", "9999"]',
            "The PMS does not list these property IDs for this credential: 9999.",
        ),
    ],
)
def test_malformed_pms_property_ids_are_refused(support_client, integration, typed, message):
    before = stored(integration)

    response = support_client.post(url(integration), form_data(integration, pms_property_ids=typed))

    assert errors(response) == {"pms_property_ids": [message]}
    assert stored(integration) == before
    assert audit() == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            '{"a": 1}',
            'Enter the excluded lease statuses as a list, e.g. ["Applicant"] (got an object).',
        ),
        (
            '"Denied"',
            'Enter the excluded lease statuses as a list, e.g. ["Applicant"] (got a single text).',
        ),
        ('["Denied", "Gone Fishing"]', "These are not lease statuses of this PMS: Gone Fishing."),
    ],
)
def test_malformed_excluded_statuses_are_refused(support_client, integration, typed, message):
    before = stored(integration)

    response = support_client.post(
        url(integration), form_data(integration, excluded_statuses=typed)
    )

    assert errors(response) == {"excluded_statuses": [message]}
    assert stored(integration) == before
    assert audit() == []


def test_a_pms_property_of_another_doorsync_property_is_refused_as_in_the_console(
    support_client, integration, org_a, pms_simulator
):
    # Given another property of alice's portfolio syncs PMS property 1002 from the same account
    other = PropertyFactory(organization=org_a, name="Maple Court")
    same_account = pms_credential_create(
        organization=org_a,
        vendor="yardi",
        label="second login",
        values=demo_fields("yardi"),
        endpoint_override=pms_simulator.vendor_url("yardi"),
    )
    integration_create(other, same_account, ["1002"])

    response = support_client.post(
        url(integration), form_data(integration, pms_property_ids='["1001", "1002"]')
    )

    [message] = errors(response)["pms_property_ids"]
    assert message.startswith("Maple Court (1002) is already attached to Maple Court.")
    assert stored(integration)[1] == ["1001"]


def test_a_credential_of_another_portfolio_is_refused(
    support_client, integration, org_b, pms_simulator
):
    theirs = credential_create(org_b, pms_simulator, "yardi")

    response = support_client.post(url(integration), form_data(integration, credential=theirs.id))

    assert errors(response) == {"credential": ["That credential belongs to another portfolio."]}
    assert stored(integration)[0] == integration.credential_id


def test_automated_access_needs_user_sync_as_in_the_console(support_client, integration):
    response = support_client.post(
        url(integration),
        form_data(integration, user_sync_enabled=False, access_mode=AccessMode.AUTOMATIC),
    )

    [message] = errors(response)["access_mode"]
    assert message.startswith("Automated Access needs User Sync")
    assert stored(integration)[3:] == (True, True, AccessMode.APPROVAL_REQUIRED)


def test_user_sync_needs_attached_pms_properties(support_client, integration):
    response = support_client.post(url(integration), form_data(integration, pms_property_ids="[]"))

    assert errors(response) == {
        "pms_property_ids": ["Choose at least one PMS property to sync into this property."],
        "user_sync_enabled": [
            "User Sync needs a credential and at least one attached PMS property ID."
        ],
    }


def test_a_pms_that_cannot_be_reached_says_so_and_saves_nothing(support_client, integration):
    PMSCredential.objects.filter(id=integration.credential_id).update(
        endpoint_override="http://127.0.0.1:9/yardi"
    )

    response = support_client.post(
        url(integration), form_data(integration, pms_property_ids='["1001", "1002"]')
    )

    [message] = errors(response)["pms_property_ids"]
    assert message.startswith("Could not check against the PMS: ")
    assert stored(integration)[1] == ["1001"]


# --- good values go through the console's audited services --------------------------------


def test_valid_settings_are_saved_through_the_audited_services(
    support_client, integration, support
):
    PMSRecord.objects.create(
        integration=integration,
        external_id="r1",
        pms_property_id="1001",
        data_hash="abc",
        first_seen_at=integration.created_at,
        last_seen_at=integration.created_at,
    )

    response = support_client.post(
        url(integration),
        form_data(
            integration,
            pms_property_ids='["1001", "1002", "1001"]',
            excluded_statuses='["Denied", "Applicant"]',
            access_mode=AccessMode.AUTOMATIC,
            unit_sync_enabled=False,
        ),
    )

    assert response.status_code == 302
    assert stored(integration)[1:] == (
        ["1001", "1002"],
        ["Applicant", "Denied"],  # in the PMS's own order, as the console saves them
        True,
        False,
        AccessMode.AUTOMATIC,
    )
    assert integration.pms_property_names == {
        "1001": "Harbor View Apartments",
        "1002": "Maple Court",
    }
    assert audit() == [
        "PMS property IDs attached: Harbor View Apartments (1001), Maple Court (1002)",
        "Excluded lease statuses: Applicant, Denied",
        "Automated Access: Approval Required → Automatic",
        "Unit Sync turned off (support)",
    ]
    assert set(AccessEvent.objects.values_list("actor_id", flat=True)) == {support.id}
    # What is synced changed: the next run looks at every record again
    assert PMSRecord.objects.get(external_id="r1").data_hash == ""


def test_the_unit_sync_checkbox_is_the_audited_action(support_client, integration):
    support_client.post(url(integration), form_data(integration, unit_sync_enabled=False))
    support_client.post(url(integration), form_data(integration, unit_sync_enabled=True))

    assert stored(integration)[4] is True
    assert audit() == ["Unit Sync turned off (support)", "Unit Sync turned on (support)"]


def test_an_unrelated_change_needs_no_pms_and_audits_no_setting(support_client, integration):
    # Given the PMS is unreachable
    PMSCredential.objects.filter(id=integration.credential_id).update(
        endpoint_override="http://127.0.0.1:9/yardi"
    )

    response = support_client.post(
        url(integration), form_data(integration, sync_interval_minutes=30)
    )

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 30
    assert audit() == []


def test_the_property_of_an_integration_is_read_only(support_client, integration, prop_a2):
    support_client.post(url(integration), {**form_data(integration), "property": prop_a2.id})

    integration.refresh_from_db()
    assert integration.property_id != prop_a2.id


def test_support_sets_the_full_sync_interval_at_least_5_minutes(support_client, integration):
    response = support_client.post(url(integration), form_data(integration,
                                 full_sync_interval_minutes=1440))  # fmt: skip
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.full_sync_interval_minutes == 1440
    response = support_client.post(url(integration), form_data(integration,
                                 full_sync_interval_minutes=4))  # fmt: skip
    assert "full_sync_interval_minutes" in errors(response)
    integration.refresh_from_db()
    assert integration.full_sync_interval_minutes == 1440
