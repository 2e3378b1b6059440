"""The resident page of a resident User Sync brought in: their PMS record, and the access
suggestions waiting for them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations import views
from integrations.pms.types import PMSProperty
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.integrations.sync.fake_pms import pms_resident

pytestmark = pytest.mark.django_db


def test_detail_of_a_synced_resident_shows_the_pms_record_and_waiting_suggestions(
    pms, alice_client, prop_a
):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara", raw_status="Notice"))
    pms.sync()
    resident = Resident.objects.get(first_name="Ana")

    html = alice_client.get(reverse("resident-detail", args=[prop_a.id, resident.id])).content
    page = html.decode()
    record = page.split('data-testid="pms-record">')[1].split("</dd>")[0]
    assert "Yardi Voyager <code>R1</code> · Notice" in record
    # The move-in's suggestions wait in the alert window, and the page says so
    assert "access suggestions for Ana are waiting." in page
    assert "Review in the alert window" in page


def test_detail_of_a_resident_added_by_hand_has_no_pms_record(alice_client, prop_a):
    resident = ResidentFactory(property=prop_a)
    page = alice_client.get(reverse("resident-detail", args=[prop_a.id, resident.id])).content
    assert b'data-testid="pms-record"' not in page
    assert b'data-testid="pending-suggestions"' not in page


def test_editing_a_synced_resident_says_what_the_pms_manages_and_what_a_unit_change_does(
    pms, alice_client, prop_a
):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara"))
    pms.sync()
    resident = Resident.objects.get(first_name="Ana")

    page = alice_client.get(reverse("resident-edit", args=[prop_a.id, resident.id])).content
    text = page.decode()

    assert (
        "Ana Abara is linked to Yardi Voyager record R1: name, email, phone, lease dates and "
        "unit follow the PMS whenever they change there."
    ) in text
    assert "Ana is Current: a new unit moves their unit key at once" in text


def test_editing_a_resident_added_by_hand_has_neither_note_while_future(alice_client, prop_a):
    resident = ResidentFactory(property=prop_a, status="future")
    page = alice_client.get(reverse("resident-edit", args=[prop_a.id, resident.id])).content
    assert b'data-testid="pms-managed"' not in page
    assert b'data-testid="unit-change-note"' not in page


def test_the_resident_page_says_a_sync_alert_holds_them(pms, alice_client, prop_a):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara"))
    pms.sync()
    pms.change("R1", email="ana.new@example.com")
    pms.sync()
    resident = Resident.objects.get(first_name="Ana")

    page = alice_client.get(reverse("resident-detail", args=[prop_a.id, resident.id]))

    assert (
        "Email Mismatch for PMS record R1 (Ana Abara): the PMS now says ana.new@example.com; "
        "Ana's sync waits for your choice."
    ) in page.content.decode()


def test_a_record_of_a_detached_pms_property_says_so_not_gone_from_the_pms(
    pms, integration, alice_client, prop_a
):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara"))
    pms.sync()
    integration.pms_property_ids = ["1002"]
    integration.save(update_fields=["pms_property_ids"])
    resident = Resident.objects.get(first_name="Ana")

    page = alice_client.get(reverse("resident-detail", args=[prop_a.id, resident.id]))

    assert 'data-testid="pms-detached"' in page.content.decode()


def test_detaching_a_pms_property_says_whose_residents_stay_unsynced(
    pms, integration, alice_client, prop_a, monkeypatch
):
    pms.put(
        pms_resident("R1", first_name="Ana", last_name="Abara"),
        pms_resident("R2", first_name="Ben", last_name="Bolt"),
    )
    pms.sync()
    integration.pms_property_ids = ["1001", "1002"]
    integration.pms_property_names = {"1001": "Harbor View", "1002": "Annex"}
    integration.save(update_fields=["pms_property_ids", "pms_property_names"])
    listed = [
        PMSProperty(id=i, name=n, address="")
        for i, n in [("1001", "Harbor View"), ("1002", "Annex")]
    ]
    monkeypatch.setattr(views, "pms_properties_available", lambda *, integration: listed)

    response = alice_client.post(
        reverse("integrations-manage", args=[prop_a.id, "property-ids"]),
        {"pms_property_ids": ["1002"]},
        follow=True,
    )

    assert (
        "2 residents came from Harbor View (1001), now detached: they stay in doorsync with "
        "their keys and are no longer synced."
    ) in response.content.decode()
