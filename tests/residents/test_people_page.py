"""The People page: list, search, filters, pagination, add/edit forms, status change."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import KeyGrant
from residents.models import Resident, ResidentStatus
from tests.factories import KeyGrantFactory, ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def people(client, prop, **params):
    return client.get(reverse("people", args=[prop.id]), params)


def names(response):
    return [f"{r.first_name} {r.last_name}" for r in response.context["page"]]


def test_lists_residents_of_this_property_only(alice_client, prop_a, prop_a2):
    ResidentFactory(property=prop_a, first_name="Ana", last_name="Lopez")
    ResidentFactory(property=prop_a2, first_name="Ben", last_name="Ode")
    assert names(people(alice_client, prop_a)) == ["Ana Lopez"]


def test_search_by_name_email_phone_and_unit(alice_client, prop_a):
    unit = UnitFactory(property=prop_a, name="7C")
    ResidentFactory(property=prop_a, first_name="Ana", last_name="Lopez", email="ana@x.com")
    ResidentFactory(property=prop_a, first_name="Ben", last_name="Ode", phone="+16175550199")
    ResidentFactory(property=prop_a, first_name="Cy", last_name="Park", unit=unit)
    assert names(people(alice_client, prop_a, q="lopez")) == ["Ana Lopez"]
    assert names(people(alice_client, prop_a, q="ANA@X")) == ["Ana Lopez"]
    assert names(people(alice_client, prop_a, q="5550199")) == ["Ben Ode"]
    assert names(people(alice_client, prop_a, q="7c")) == ["Cy Park"]
    assert names(people(alice_client, prop_a, q="ana lopez")) == ["Ana Lopez"]


def test_status_and_unit_filters(alice_client, prop_a):
    unit = UnitFactory(property=prop_a, name="9A")
    ResidentFactory(
        property=prop_a, first_name="Cur", last_name="A", status=ResidentStatus.CURRENT, unit=unit
    )
    ResidentFactory(property=prop_a, first_name="Fut", last_name="B", status=ResidentStatus.FUTURE)
    ResidentFactory(
        property=prop_a, first_name="Pas", last_name="C", status=ResidentStatus.PAST, unit=unit
    )
    assert names(people(alice_client, prop_a, status="current")) == ["Cur A"]
    assert names(people(alice_client, prop_a, unit="9a")) == ["Cur A", "Pas C"]
    assert names(people(alice_client, prop_a, status="past", unit=" 9A ")) == ["Pas C"]
    assert names(people(alice_client, prop_a, unit="nope")) == []


def test_bad_filters_are_ignored_with_a_message(alice_client, prop_a):
    ResidentFactory(property=prop_a)
    response = people(alice_client, prop_a, status="evicted")
    assert response.status_code == 200
    assert len(names(response)) == 1
    message = html.unescape(response.content.decode())
    assert (
        "Ignored a filter doorsync could not use — Status: Select a valid choice. evicted is "
        "not one of the available choices. The other filters apply."
    ) in message


def test_a_bad_filter_leaves_the_others_applied(alice_client, prop_a):
    ResidentFactory(property=prop_a, first_name="Dana", last_name="Reyes")
    ResidentFactory(property=prop_a, first_name="Lee", last_name="Park")
    response = people(alice_client, prop_a, q="Reyes", status="evicted")
    assert names(response) == ["Dana Reyes"]


def test_search_reads_last_comma_first_as_the_list_shows_names(alice_client, prop_a):
    ResidentFactory(property=prop_a, first_name="Dana", last_name="Reyes")
    ResidentFactory(property=prop_a, first_name="Dana", last_name="Park")
    assert names(people(alice_client, prop_a, q="Reyes, Dana")) == ["Dana Reyes"]
    assert names(people(alice_client, prop_a, q="reyes,dana")) == ["Dana Reyes"]
    assert names(people(alice_client, prop_a, q="Dana Reyes")) == ["Dana Reyes"]


def test_the_unit_filter_takes_the_unit_as_labelled(alice_client, prop_a):
    tower = UnitFactory(property=prop_a, building="Tower", name="12B")
    a304 = UnitFactory(property=prop_a, building="A", name="A304")
    ResidentFactory(property=prop_a, first_name="Tia", last_name="Tower", unit=tower)
    ResidentFactory(property=prop_a, first_name="Abe", last_name="Alder", unit=a304)
    assert names(people(alice_client, prop_a, unit="Tower 12B")) == ["Tia Tower"]
    assert names(people(alice_client, prop_a, unit="12b")) == ["Tia Tower"]
    assert names(people(alice_client, prop_a, unit="A304")) == ["Abe Alder"]


def test_status_tabs_keep_the_search_and_unit(alice_client, prop_a):
    page = people(alice_client, prop_a, q="Reyes", unit="12B", status="future", page="2")
    tabs = html.unescape(page.content.decode())
    assert 'href="?q=Reyes&unit=12B&status=current"' in tabs
    assert 'href="?q=Reyes&unit=12B"' in tabs  # All


def test_search_ignores_accents_both_ways(alice_client, prop_a):
    ResidentFactory(property=prop_a, first_name="José", last_name="García")
    ResidentFactory(property=prop_a, first_name="Zoe", last_name="Garcia")
    ResidentFactory(property=prop_a, first_name="Zoë", last_name="Müller")
    both = ["José García", "Zoe Garcia"]
    assert sorted(names(people(alice_client, prop_a, q="garcia"))) == both
    assert sorted(names(people(alice_client, prop_a, q="GARCÍA"))) == both
    assert names(people(alice_client, prop_a, q="jose")) == ["José García"]
    assert names(people(alice_client, prop_a, q="Muller, Zoe")) == ["Zoë Müller"]
    # A % or _ typed is a character, not a wildcard
    assert names(people(alice_client, prop_a, q="Garc_a")) == []


def test_status_tabs_count_what_the_search_and_unit_match(alice_client, prop_a):
    unit = UnitFactory(property=prop_a, name="12B")
    ResidentFactory(property=prop_a, last_name="Reyes", status="current", unit=unit)
    ResidentFactory(property=prop_a, last_name="Reyes", status="past", unit=unit)
    ResidentFactory(property=prop_a, last_name="Reyes", status="past")
    ResidentFactory(property=prop_a, last_name="Ode", status="current", unit=unit)

    searched = people(alice_client, prop_a, q="reyes", status="past")
    assert searched.context["status_counts"] == {"current": 1, "past": 2}
    assert searched.context["status_total"] == 3
    both = people(alice_client, prop_a, q="reyes", unit="12B")
    assert both.context["status_counts"] == {"current": 1, "past": 1}
    page = html.unescape(both.content.decode())
    assert 'class="active">All <span class="count">2</span></a>' in page


def test_the_all_tab_counts_everyone(alice_client, prop_a):
    for status in ("current", "current", "future", "past"):
        ResidentFactory(property=prop_a, status=status)
    page = people(alice_client, prop_a).content.decode()
    assert 'class="active">All <span class="count">4</span></a>' in page


def test_pagination(alice_client, prop_a):
    ResidentFactory.create_batch(120, property=prop_a)
    first = people(alice_client, prop_a)
    assert len(first.context["page"]) == 50
    assert "Page 1 of 3" in first.content.decode()
    last = people(alice_client, prop_a, page=3)
    assert len(last.context["page"]) == 20
    # A page past the end shows the last page rather than an error.
    assert people(alice_client, prop_a, page=99).context["page"].number == 3
    assert people(alice_client, prop_a, page="abc").context["page"].number == 1


@pytest.mark.parametrize("count", [5, 60])
def test_query_count_does_not_grow_with_residents(
    alice_client, prop_a, count, django_assert_num_queries
):
    units = UnitFactory.create_batch(3, property=prop_a)
    for i in range(count):
        ResidentFactory(property=prop_a, unit=units[i % 3], status=ResidentStatus.CURRENT)
    # 1 session, 2 user, 3 the property (membership check), 4 paginator count,
    # 5 the page of residents (unit joined, key count as a subquery),
    # 6 status counts (the tabs), 7 the integration (none: no sync panel),
    # 8 the switcher's properties, 9 the alert icon's count.
    with django_assert_num_queries(9):
        response = people(alice_client, prop_a)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 60])
def test_query_count_with_user_sync_set_up(alice_client, prop_a, count, django_assert_num_queries):
    from django.utils import timezone

    from integrations.models import PMSIntegration

    PMSIntegration.objects.create(
        property=prop_a, user_sync_enabled=True, setup_completed_at=timezone.now()
    )
    for _ in range(count):
        ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)
    # The 9 above, plus 10 the latest sync run for the sync panel.
    with django_assert_num_queries(10):
        response = people(alice_client, prop_a)
    assert "Last successful sync: never" in response.content.decode()


def test_the_sync_panel_says_when_user_sync_is_off(alice_client, prop_a):
    from integrations.models import PMSIntegration

    integration = PMSIntegration.objects.create(
        property=prop_a,
        user_sync_enabled=False,
        setup_completed_at=timezone.now() - timedelta(days=3),
    )
    page = people(alice_client, prop_a).content.decode()
    assert 'data-testid="user-sync-off"' in page
    assert "User Sync is off for this property" in page
    assert reverse("integrations-manage", args=[prop_a.id, "user-sync"]) in page
    # Days without a sync are expected then: no "press Sync Now" banner
    assert 'data-testid="stale-banner"' not in page

    PMSIntegration.objects.filter(id=integration.id).update(user_sync_enabled=True)
    page = people(alice_client, prop_a).content.decode()
    assert 'data-testid="user-sync-off"' not in page
    assert 'data-testid="stale-banner"' in page


def test_add_resident_form(alice_client, prop_a, unit_a):
    response = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": "Dana",
            "last_name": "Reyes",
            "email": "Dana@Example.com",
            "phone": "617 555 0142",
            "unit": unit_a.id,
            "status": "current",
        },
    )
    dana = Resident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("resident-detail", args=[prop_a.id, dana.id])
    assert dana.email == "dana@example.com"
    assert KeyGrant.objects.filter(resident=dana, revoked_at__isnull=True).count() == 3


def test_add_resident_bad_input_shows_messages_and_saves_nothing(alice_client, prop_a):
    response = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": " ",
            "last_name": "Reyes",
            "email": "nope",
            "phone": "abc",
            "status": "future",
            "lease_start": "2026-05-01",
            "lease_end": "2026-04-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html or "Enter the resident" in html
    assert not Resident.objects.exists()


def test_add_resident_service_errors_land_on_fields(alice_client, prop_a):
    response = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": "Dana",
            "last_name": "Reyes",
            "email": "dana-at-example",
            "phone": "12",
            "status": "future",
            "lease_start": "2026-05-01",
            "lease_end": "2026-04-01",
        },
    )
    form = response.context["form"]
    assert form.errors["email"] == ["“dana-at-example” is not an email address."]
    assert form.errors["phone"] == ["“12” is not a valid phone number. Check the digits."]
    assert form.errors["lease_end"] == ["The lease end is before the lease start."]
    assert not Resident.objects.exists()


def test_add_resident_with_an_email_already_taken_says_whose_and_saves_nothing(
    alice_client, prop_a
):
    ResidentFactory(property=prop_a, first_name="Dana", last_name="Reyes", email="dana@example.com")
    response = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": "Dan",
            "last_name": "Reyes",
            "email": "Dana@Example.com",
            "status": "future",
        },
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["email"]
    assert error.startswith("Dana Reyes (")
    assert "already has this email" in error
    assert Resident.objects.count() == 1
    # The box to say they share it is offered only now, and ticking it adds them
    page = response.content.decode()
    assert 'data-testid="share-email"' in page and 'name="share_email"' in page
    assert (
        'data-testid="share-email"'
        not in alice_client.get(reverse("resident-create", args=[prop_a.id])).content.decode()
    )
    assert 'name="share_email_for" value="Dana@Example.com"' in page
    # Ticked for another email (changed to someone else's since), it asks again
    ResidentFactory(property=prop_a, first_name="Lee", last_name="Lo", email="lee@example.com")
    again = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": "Dan",
            "last_name": "Reyes",
            "email": "lee@example.com",
            "status": "future",
            "share_email": "on",
            "share_email_for": "Dana@Example.com",
        },
    )
    assert again.status_code == 200
    assert again.context["form"].errors["email"][0].startswith("Lee Lo (")
    response = alice_client.post(
        reverse("resident-create", args=[prop_a.id]),
        {
            "first_name": "Dan",
            "last_name": "Reyes",
            "email": "Dana@Example.com",
            "status": "future",
            "share_email": "on",
            "share_email_for": "Dana@Example.com",
        },
    )
    assert response.status_code == 302
    assert Resident.objects.filter(email="dana@example.com").count() == 2


def test_edit_resident(alice_client, prop_a):
    resident = ResidentFactory(
        property=prop_a, first_name="Dana", last_name="Reyes", email="d@x.com", phone=""
    )
    url = reverse("resident-edit", args=[prop_a.id, resident.id])
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url, {"first_name": "Dana", "last_name": "Reyes-Lee", "email": "d@x.com"}, follow=True
    )
    resident.refresh_from_db()
    assert resident.last_name == "Reyes-Lee"
    assert "Changes saved." in response.content.decode()


def test_status_change_view_reports_key_effects(alice_client, prop_a, unit_a):
    resident = ResidentFactory(property=prop_a, unit=unit_a, first_name="Dana", last_name="Reyes")
    url = reverse("resident-status", args=[prop_a.id, resident.id])
    response = alice_client.post(url, {"status": "current"}, follow=True)
    assert "Dana Reyes is now Current. 3 keys granted." in response.content.decode()
    response = alice_client.post(url, {"status": "past", "reason": "Moved out"}, follow=True)
    assert "Dana Reyes is now Past. 3 keys revoked." in response.content.decode()
    response = alice_client.post(url, {"status": "bogus"}, follow=True)
    assert "Choose Future, Current or Past" in response.content.decode()
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.PAST


def test_status_change_is_post_only(alice_client, prop_a):
    resident = ResidentFactory(property=prop_a)
    assert (
        alice_client.get(reverse("resident-status", args=[prop_a.id, resident.id])).status_code
        == 405
    )


def test_detail_shows_keys_and_timeline_in_property_time_zone(alice_client, prop_a2):
    resident = ResidentFactory(property=prop_a2, first_name="Dana", last_name="Reyes")
    alice_client.post(
        reverse("resident-status", args=[prop_a2.id, resident.id]), {"status": "current"}
    )
    html = alice_client.get(
        reverse("resident-detail", args=[prop_a2.id, resident.id])
    ).content.decode()
    assert "Resident Entrances" in html
    assert "Future → Current" in html
    assert " CST" in html or " CDT" in html  # Maple Court is in America/Chicago


def test_detail_marks_a_grant_that_has_not_started_yet(alice_client, prop_a):
    resident = ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)
    now = timezone.now()
    KeyGrantFactory(resident=resident, key__property=prop_a, key__name="Gym", starts_at=now)
    KeyGrantFactory(
        resident=resident,
        key__property=prop_a,
        key__name="Pool",
        starts_at=now + timedelta(minutes=15),
    )

    html = alice_client.get(reverse("resident-detail", args=[prop_a.id, resident.id])).content
    rows = html.decode().split('data-testid="resident-keys"')[1].split("</table>")[0]
    gym, pool = rows.split("Gym")[1].split("</tr>")[0], rows.split("Pool")[1].split("</tr>")[0]
    assert "not active yet" not in gym
    assert "not active yet" in pool


def test_search_finds_a_phone_as_the_list_shows_it(alice_client, prop_a):
    ResidentFactory(property=prop_a, first_name="Pia", last_name="Phone", phone="+16175551013")
    ResidentFactory(property=prop_a, first_name="Oli", last_name="Other", phone="+16175559999")
    for typed in ["(617) 555-1013", "617-555-1013", "555-1013", "+1 617 555 1013", "1013"]:
        assert names(people(alice_client, prop_a, q=typed)) == ["Pia Phone"], typed


def test_a_number_still_finds_a_unit_of_that_name(alice_client, prop_a):
    unit = UnitFactory(property=prop_a, name="101")
    ResidentFactory(property=prop_a, first_name="Uma", last_name="Unit", unit=unit, phone="")
    assert names(people(alice_client, prop_a, q="101")) == ["Uma Unit"]
