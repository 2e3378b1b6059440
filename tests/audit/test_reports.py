"""Manage Settings → Reports: Assigned Access and Admin Actions, filtered, as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from access.automation import suggestions_approve
from access.models import AccessSuggestion, Key
from access.services import key_grant, key_grant_revoke
from residents.models import ResidentStatus
from tests.factories import KeyFactory, ResidentFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def held(prop_a, alice):
    """Three keys held three ways, and one given back."""
    lobby = KeyFactory(property=prop_a, name="Lobby")
    gym = KeyFactory(property=prop_a, name="Gym")
    jose = ResidentFactory(
        property=prop_a, first_name="José", last_name="García", status=ResidentStatus.CURRENT
    )
    ann = ResidentFactory(
        property=prop_a, first_name="Ann", last_name="Ames", status=ResidentStatus.CURRENT
    )
    # Manual: Alice on José's page
    key_grant(key=lobby, resident=jose, actor=alice, reason="Asked at the desk")
    # Automatic: a rule, nobody logged in
    key_grant(key=gym, resident=jose, actor=None, reason="Lease is current")
    # Approved: a suggestion Alice approved
    suggestion = AccessSuggestion.objects.create(
        property=prop_a,
        resident=ann,
        kind=AccessSuggestion.Kind.GRANT,
        key=lobby,
        transition_key="ann|future>current",
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        detected_at=timezone.now(),
        starts_at=timezone.now(),
    )
    result = suggestions_approve(property=prop_a, suggestion_ids=[suggestion.id], actor=alice)
    assert result.granted == 1
    # Given back: not held any more
    returned = key_grant(key=gym, resident=ann, actor=alice)
    key_grant_revoke(grant=returned, actor=alice, reason="Moved out of the gym plan")
    return {"lobby": lobby, "gym": gym, "jose": jose, "ann": ann}


def report(client, prop, name, **params):
    return client.get(reverse(name, args=[prop.id]), params)


def table(response) -> list[dict[str, str]]:
    columns = response.context["columns"]
    return [dict(zip(columns, row, strict=True)) for row in response.context["rows"]]


def test_assigned_access_says_who_holds_what_since_when_and_why(alice_client, prop_a, held):
    rows = table(report(alice_client, prop_a, "report-assigned-access"))
    assert [(r["Resident"], r["Key"], r["Granted by"], r["How"], r["Why"]) for r in rows] == [
        (
            "Ann Ames",
            "Lobby",
            "Alice Ames",
            "Approved suggestion",
            "Access suggestion approved (Future → Current: Lease is current in the PMS)",
        ),
        ("José García", "Gym", "automation", "Automatic", "Lease is current"),
        ("José García", "Lobby", "Alice Ames", "Manual", "Asked at the desk"),
    ]
    assert rows[0]["Holds since"].endswith(("EST", "EDT"))  # the property's own zone


def test_admin_actions_lists_every_change_newest_first_with_how(alice_client, prop_a, held):
    rows = table(report(alice_client, prop_a, "report-admin-actions", action="key_revoked"))
    assert [(r["Who"], r["How"], r["Resident"], r["Key"], r["Why"]) for r in rows] == [
        ("Alice Ames", "Manual", "Ann Ames", "Gym", "Moved out of the gym plan")
    ]
    granted = table(report(alice_client, prop_a, "report-admin-actions", action="key_granted"))
    assert sorted(r["How"] for r in granted) == [
        "Approved suggestion",
        "Automatic",
        "Manual",
        "Manual",
    ]


def test_filters_by_resident_without_accents_key_and_who(alice_client, prop_a, held):
    by_name = table(report(alice_client, prop_a, "report-assigned-access", resident="garcia"))
    assert {r["Resident"] for r in by_name} == {"José García"}
    by_key = table(report(alice_client, prop_a, "report-assigned-access", key=held["lobby"].id))
    assert {r["Resident"] for r in by_key} == {"José García", "Ann Ames"}
    automatic = table(report(alice_client, prop_a, "report-assigned-access", actor="automation"))
    assert [r["Key"] for r in automatic] == ["Gym"]
    alice_only = table(report(alice_client, prop_a, "report-admin-actions", actor="Alice Ames"))
    assert alice_only and all(r["Who"] == "Alice Ames" for r in alice_only)


def test_dates_are_the_propertys_own_days(alice_client, prop_a, alice):
    key = KeyFactory(property=prop_a, name="Roof")
    late = ResidentFactory(property=prop_a, last_name="Late", status=ResidentStatus.CURRENT)
    # 23:30 on Dec 1 in New York is Dec 2 in UTC
    key_grant(
        key=key,
        resident=late,
        actor=alice,
        starts_at=datetime(2026, 12, 1, 23, 30, tzinfo=NEW_YORK),
    )
    dec_1 = table(
        report(
            alice_client,
            prop_a,
            "report-assigned-access",
            date_from="2026-12-01",
            date_to="2026-12-01",
        )
    )
    assert [r["Key"] for r in dec_1] == ["Roof"]
    dec_2 = table(report(alice_client, prop_a, "report-assigned-access", date_from="2026-12-02"))
    assert dec_2 == []


def test_a_bad_filter_is_named_and_the_others_still_apply(alice_client, prop_a, held):
    response = report(
        alice_client,
        prop_a,
        "report-assigned-access",
        date_from="2026-12-05",
        date_to="2026-12-01",
        resident="Ames",
    )
    page = response.content.decode()
    assert "“To” is before “From”" in page
    assert {r["Resident"] for r in table(response)} == {"Ann Ames"}
    junk = report(alice_client, prop_a, "report-admin-actions", date_from="yesterday")
    assert "Enter a valid date." in junk.content.decode()


def test_csv_export_streams_every_row_formula_safe(alice_client, prop_a, alice):
    key = KeyFactory(property=prop_a, name="Lobby")
    for i in range(120):
        resident = ResidentFactory(
            property=prop_a,
            first_name='=HYPERLINK("http://x")' if i == 0 else f"R{i:03}",
            last_name="Doe",
            status=ResidentStatus.CURRENT,
        )
        key_grant(key=key, resident=resident, actor=alice)

    response = report(alice_client, prop_a, "report-assigned-access", export="csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="assigned-access-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Resident", "Email", "Unit"]
    assert len(rows) == 121  # every row, not a page of 50
    assert rows[1][0] == '\'=HYPERLINK("http://x") Doe'


@pytest.mark.postgresql
@pytest.mark.parametrize("grants", [5, 60])
def test_the_csv_reads_its_rows_in_one_query(
    alice_client, prop_a, alice, grants, django_assert_num_queries
):
    key = KeyFactory(property=prop_a, name="Lobby")
    for _ in range(grants):
        key_grant(key=key, resident=ResidentFactory(property=prop_a, status="current"), actor=alice)
    # 1 session, 2 user, 3 the property (membership check), 4 the "Who" choices,
    # 5 the rows (one query, a server-side cursor), 6 the audit rows that granted them
    # (one query per 2,000 rows: who, how and why)
    with django_assert_num_queries(6):
        response = report(alice_client, prop_a, "report-assigned-access", export="csv")
        body = b"".join(response.streaming_content)
    assert body.count(b"\n") == grants + 1


def test_another_organizations_reports_are_404(alice_client, prop_b):
    for name in ("report-assigned-access", "report-admin-actions"):
        assert report(alice_client, prop_b, name).status_code == 404
        assert report(alice_client, prop_b, name, export="csv").status_code == 404


def test_a_key_of_another_property_is_not_a_filter(alice_client, prop_a, prop_a2, held):
    other = Key.objects.filter(property=prop_a2).first()
    response = report(alice_client, prop_a, "report-assigned-access", key=other.id)
    assert "Select a valid choice" in response.content.decode()
    assert len(table(response)) == 3  # the bad filter is left out, not applied
    assert timezone.now() - timedelta(minutes=5) < timezone.now()
