"""Manage Settings → Sync Schedule, as alice uses it: how often User Sync runs, what each
cadence costs of the vendor's rate limit (shared by the credential's properties), the next
sync due in the property's time zone, a cadence over the budget refused with a message
that changes nothing, and isolation from another organization."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from integrations.cadence import latest_slot
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration, PMSRecord
from integrations.simulator.credentials import demo_fields
from tests.factories import PropertyFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # noon in New York


def credential_of(org, vendor="yardi"):
    return pms_credential_create(
        organization=org, vendor=vendor, label=f"{vendor} login", values=demo_fields(vendor)
    )


def integration_of(prop, credential, properties=1, minutes=15) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=[str(1000 + n) for n in range(properties)],
        user_sync_enabled=True,
        sync_interval_minutes=minutes,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


@pytest.fixture
def integration(prop_a, org_a) -> PMSIntegration:
    return integration_of(prop_a, credential_of(org_a))


def url(prop) -> str:
    return reverse("integrations-manage", args=[prop.id, "sync-schedule"])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_tab_shows_the_cadence_its_budget_use_and_the_next_sync_due(
    alice_client, prop_a, integration
):
    slot = latest_slot(integration_id=integration.id, interval_minutes=15, now=NOON)
    PMSIntegration.objects.filter(id=integration.id).update(last_sync_started_at=slot)
    with time_machine.travel(NOON, tick=False):
        response = alice_client.get(url(prop_a))
    assert response.status_code == 200
    text = text_of(response)
    # The next slot, an interval after the last start, in New York
    expected = timezone.localtime(slot + timedelta(minutes=15), timezone=prop_a.zone)
    assert f"Next sync due at {expected:%b} {expected.day}, " in text
    assert f"{expected.strftime('%I').lstrip('0')}:{expected:%M} PM EST." in text
    # 1 PMS property, 2 calls a sync every 15 minutes, of Yardi's 1,500 an hour (the
    # conservative default: Yardi publishes none)
    assert (
        "Every 15 minutes uses 1% of Yardi Voyager's rate limit (1,500 calls an hour): about "
        "2 calls per sync." in text
    )
    for label in ("5 minutes", "15 minutes", "30 minutes", "1 hour"):
        assert label in text


def test_choosing_a_cadence_saves_it_and_audits_it(alice_client, prop_a, integration, alice):
    response = alice_client.post(url(prop_a), {"sync_interval_minutes": "5"})
    assert response.status_code == 302
    assert shown(response) == ["User Sync runs every 5 minutes."]
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 5
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert event.actor == alice
    assert event.subject == "Sync schedule: every 15 → every 5 minutes"


def test_a_cadence_over_the_budget_is_refused_and_changes_nothing(alice_client, org_a, prop_a):
    # Given one Yardi login serving this property (120 PMS properties: 240 calls a sync)
    # and another property of 150, hourly (300 calls an hour), of Yardi's 1,500 an hour
    credential = credential_of(org_a)
    integration = integration_of(prop_a, credential, properties=120, minutes=60)
    integration_of(PropertyFactory(organization=org_a), credential, properties=150, minutes=60)

    # When alice asks for every 15 minutes: 960 + 300 calls an hour
    response = alice_client.post(url(prop_a), {"sync_interval_minutes": "15"})

    assert response.status_code == 200
    assert shown(response) == [
        "Syncing every 15 minutes would use 84% of Yardi Voyager's rate limit (1,500 calls an "
        "hour) with this credential's other properties; scheduled syncs may use at most 80%, "
        "leaving the rest for Sync Now. Choose every 30 minutes or longer."
    ]
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 60
    assert not AccessEvent.objects.exists()


def test_five_minutes_refused_for_a_big_credential_names_what_fits(alice_client, org_a, prop_a):
    credential = credential_of(org_a)
    integration = integration_of(prop_a, credential, properties=200, minutes=60)
    response = alice_client.post(url(prop_a), {"sync_interval_minutes": "5"})
    assert shown(response) == [
        "Syncing every 5 minutes would use 320% of Yardi Voyager's rate limit (1,500 calls an "
        "hour); scheduled syncs may use at most 80%, leaving the rest for Sync Now. Choose "
        "every 30 minutes or longer."
    ]
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 60
    text = text_of(alice_client.get(url(prop_a)))
    assert "320% of the rate limit (over 80%: not available)" in text


@pytest.mark.parametrize("value", ["", "abc", "7", "0", "-5", "99999999999999999999"])
def test_bad_input_names_the_choices_and_changes_nothing(alice_client, prop_a, integration, value):
    response = alice_client.post(url(prop_a), {"sync_interval_minutes": value})
    assert shown(response) == ["Choose how often to sync: every 5, 15, 30, 60 minutes."]
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 15


def test_records_held_make_the_sync_bigger(alice_client, org_a, prop_a):
    # Entrata: 1,200 leases on one property = 3 pages + the empty one + units = 5 calls
    integration = integration_of(prop_a, credential_of(org_a, "entrata"))
    now = timezone.now()
    PMSRecord.objects.bulk_create(
        PMSRecord(
            integration=integration,
            external_id=str(n),
            pms_property_id="1000",
            first_seen_at=now,
            last_seen_at=now,
        )
        for n in range(1200)
    )
    text = text_of(alice_client.get(url(prop_a)))
    assert "about 5 calls per sync" in text
    assert "Entrata's rate limit" in text


def test_another_organizations_property_is_404(bob_client, prop_a, integration):
    assert bob_client.get(url(prop_a)).status_code == 404
    assert bob_client.post(url(prop_a), {"sync_interval_minutes": "5"}).status_code == 404
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 15


@pytest.mark.postgresql
def test_the_tab_makes_a_fixed_number_of_queries(alice_client, org_a, prop_a):
    credential = credential_of(org_a)
    integration_of(prop_a, credential, properties=3)
    for _ in range(5):
        integration_of(PropertyFactory(organization=org_a), credential, properties=4)
    alice_client.get(url(prop_a))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        alice_client.get(url(prop_a))
    # The sync schedule's own: 1 SELECT of the credential's integrations with their record
    # counts; the rest is the console's (session, user, property, membership, integration
    # with its credential, the switcher, the alert count)
    own = [q for q in queries if "COUNT(" in q["sql"] and "integrations_pmsrecord" in q["sql"]]
    assert len(own) == 1
    baseline = len(queries)
    for _ in range(5):
        integration_of(PropertyFactory(organization=org_a), credential, properties=4)
    with CaptureQueriesContext(connection) as more:
        alice_client.get(url(prop_a))
    assert len(more) == baseline


def test_the_integrations_card_says_how_often_and_at_what_cost(alice_client, prop_a, integration):
    response = alice_client.get(reverse("integrations", args=[prop_a.id]))
    assert "Syncs every 15 minutes, using 1% of Yardi Voyager's rate limit" in text_of(response)
    assert f'href="{url(prop_a)}">Sync Schedule</a>' in response.content.decode()
