"""Manage Settings → Unit Mapping, as alice uses it: the list of PMS units (filter, search,
pages), save many at once, per-row errors with nothing saved, Edit → Remove Mapping,
Refresh PMS units from the PMS simulator, and isolation from another organization."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration, PMSUnit
from integrations.simulator.credentials import demo_fields
from units.services import unit_create, units_bulk_create

pytestmark = pytest.mark.django_db

VENDOR = "yardi"


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop_a,
        pms_property_ids=["1001"],
        pms_property_names={"1001": "Harbor View Apartments"},
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


def add_pms_unit(
    integration, external_id: str, name: str, building: str = "A", unit=None, gone=False
) -> PMSUnit:
    now = timezone.now()
    return PMSUnit.objects.create(
        integration=integration,
        external_id=external_id,
        pms_property_id="1001",
        name=name,
        building=building,
        unit=unit,
        first_seen_at=now,
        last_seen_at=now,
        gone_from_pms_at=now if gone else None,
    )


@pytest.fixture
def units(prop_a):
    return {
        name: unit_create(property=prop_a, name=name, building="A", actor=None)
        for name in ("12B", "14C", "15D", "16E")
    }


@pytest.fixture
def pms_units(integration, units):
    """12B mapped; 14C, 15D, 16E unmapped; 17F gone from the PMS."""
    return {
        "12B": add_pms_unit(integration, "P12B", "12B", unit=units["12B"]),
        "14C": add_pms_unit(integration, "P14C", "14C"),
        "15D": add_pms_unit(integration, "P15D", "15D"),
        "16E": add_pms_unit(integration, "P16E", "16E", building="B"),
        "17F": add_pms_unit(integration, "P17F", "17F", gone=True),
    }


def tab(prop, query: str = "") -> str:
    return reverse("integrations-manage", args=[prop.id, "unit-mapping"]) + query


def remove_url(prop, pms_unit) -> str:
    return reverse("integrations-unit-mapping-remove", args=[prop.id, pms_unit.id])


def listed(response) -> list[str]:
    """The PMS units on the page, in order."""
    return [
        html.unescape(m) for m in re.findall(r'data-pms-unit="([^"]*)"', response.content.decode())
    ]


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def mapping() -> dict[str, str | None]:
    return dict(PMSUnit.objects.values_list("external_id", "unit__name"))


# --- the list -------------------------------------------------------------------------


def test_the_tab_lists_the_pms_units_with_their_units(alice_client, prop_a, pms_units):
    response = alice_client.get(tab(prop_a))

    assert response.status_code == 200
    assert listed(response) == ["A 12B", "A 14C", "A 15D", "B 16E"]  # not the gone 17F
    page = response.content.decode()
    assert "Harbor View Apartments" in page
    assert '<span class="pill current">A 12B</span>' in page
    # unmapped rows are inputs over one list of the property's units
    assert f'name="map-{pms_units["14C"].id}"' in page
    assert f'name="map-{pms_units["12B"].id}"' not in page
    assert page.count('<datalist id="property-units">') == 1
    assert '<option value="A 16E">' in page
    # the counts on the filter tabs
    assert re.search(r"All <span class=\"count\">4</span>", page)
    assert re.search(r"Unmapped <span class=\"count\">3</span>", page)
    assert re.search(r"Mapped <span class=\"count\">1</span>", page)


def test_pms_units_are_listed_in_the_order_a_manager_reads_them(alice_client, prop_a, integration):
    for ext, name, building in [
        ("1", "A-1001", "A"),
        ("2", "A-101", "A"),
        ("3", "A-99", "A"),
        ("4", "B-1", "B"),
        ("5", "A-102", "A"),
    ]:
        add_pms_unit(integration, ext, name, building=building)

    # "A-99" before "A-101" before "A-1001", not the text order that puts A-1001 first;
    # and a unit named after its building is not labelled "A A-101"
    assert listed(alice_client.get(tab(prop_a))) == ["A-99", "A-101", "A-102", "A-1001", "B-1"]


def test_each_row_names_its_pms_property(alice_client, prop_a, pms_units):
    page = alice_client.get(tab(prop_a)).content.decode()

    assert page.count('<td>Harbor View Apartments <span class="muted">1001</span></td>') == 4


def test_save_is_offered_only_when_the_page_has_a_row_to_map(alice_client, prop_a, pms_units):
    assert "Save mappings" in alice_client.get(tab(prop_a)).content.decode()
    # Every row of the mapped filter is already mapped: nothing to type, nothing to save
    assert "Save mappings" not in alice_client.get(tab(prop_a, "?state=mapped")).content.decode()


def test_remove_mapping_asks_first_naming_both_sides(alice_client, prop_a, pms_units):
    page = html.unescape(alice_client.get(tab(prop_a)).content.decode())

    assert (
        'data-confirm="Remove the mapping of PMS unit A 12B to A 12B? Its residents keep their '
        'unit; new PMS changes for it stop flowing."'
    ) in page


def test_filter_mapped_and_unmapped(alice_client, prop_a, pms_units):
    assert listed(alice_client.get(tab(prop_a, "?state=mapped"))) == ["A 12B"]
    assert listed(alice_client.get(tab(prop_a, "?state=unmapped"))) == ["A 14C", "A 15D", "B 16E"]
    assert len(listed(alice_client.get(tab(prop_a, "?state=bogus")))) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=15", ["A 15D"]),  # the PMS unit's name
        ("?q=b", ["A 12B", "B 16E"]),  # its building, or its name
        ("?q=12b", ["A 12B"]),
        ("?state=unmapped&q=1", ["A 14C", "A 15D", "B 16E"]),
        ("?state=mapped&q=14", []),
        ("?q=zzz", []),
    ],
)
def test_search(alice_client, prop_a, pms_units, query, expected):
    assert listed(alice_client.get(tab(prop_a, query))) == expected


def test_search_finds_a_pms_unit_by_the_unit_it_is_mapped_to(
    alice_client, prop_a, integration, prop_a2
):
    lobby = unit_create(property=prop_a, name="Penthouse", actor=None)
    add_pms_unit(integration, "P1", "PH-1", building="", unit=lobby)

    assert listed(alice_client.get(tab(prop_a, "?q=penthouse"))) == ["PH-1"]


def test_no_match_and_no_pms_units_say_so(alice_client, prop_a, integration):
    assert "No PMS units yet: they arrive with the first sync" in (
        alice_client.get(tab(prop_a)).content.decode()
    )
    add_pms_unit(integration, "P1", "12B")
    assert "No PMS units match." in alice_client.get(tab(prop_a, "?q=zzz")).content.decode()


def test_before_set_up_the_tab_sends_alice_to_the_wizard(alice_client, prop_a):
    response = alice_client.get(tab(prop_a))

    assert response.status_code == 302
    assert response.url == reverse("integrations-setup", args=[prop_a.id, "credentials"])


def test_a_switched_off_unit_sync_is_explained(alice_client, prop_a, integration):
    PMSIntegration.objects.filter(id=integration.id).update(unit_sync_enabled=False)

    page = alice_client.get(tab(prop_a)).content.decode()

    assert "Unit Sync is switched off for this property by support" in page


# --- save many at once ----------------------------------------------------------------


def test_save_many_at_once(alice_client, alice, prop_a, pms_units):
    response = alice_client.post(
        tab(prop_a, "?state=unmapped"),
        {
            f"map-{pms_units['14C'].id}": "A 14C",
            f"map-{pms_units['15D'].id}": "15d",  # the bare name, any case
            f"map-{pms_units['16E'].id}": "",  # left blank: left as it is
        },
    )

    assert response.status_code == 302
    assert response.url == tab(prop_a, "?state=unmapped")
    assert shown(response) == [
        "2 PMS units mapped. Their residents are assigned on the next sync "
        "(or press Sync Now on People)."
    ]
    assert mapping() == {"P12B": "12B", "P14C": "14C", "P15D": "15D", "P16E": None, "P17F": None}
    assert PMSUnit.objects.get(external_id="P14C").mapped_by == alice
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert (event.subject, event.actor) == ("Unit Mapping: 2 PMS units mapped", alice)
    # The page after the redirect shows them mapped
    assert listed(alice_client.get(response.url)) == ["B 16E"]


def test_a_unit_picked_from_the_list_saves_even_when_its_name_carries_its_building(
    alice_client, prop_a, integration
):
    # "A101" of building A is offered as "A101" (not "A A101"), and saving that option
    # maps exactly that unit
    ours = unit_create(property=prop_a, name="A101", building="A", actor=None)
    row = add_pms_unit(integration, "PA101", "A-101")
    page = alice_client.get(tab(prop_a)).content.decode()
    (offered,) = re.findall(r'<option value="([^"]*)">', page.split('id="property-units"')[1])

    response = alice_client.post(tab(prop_a), {f"map-{row.id}": html.unescape(offered)})

    assert response.status_code == 302, shown(response)
    assert offered == "A101"
    row.refresh_from_db()
    assert row.unit == ours


def test_saving_with_nothing_typed_says_so(alice_client, prop_a, pms_units):
    response = alice_client.post(tab(prop_a), {f"map-{pms_units['14C'].id}": "  "})

    assert response.status_code == 302
    assert shown(response) == ["Nothing to save: type a unit next to a PMS unit first."]
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()


def test_per_row_errors_are_shown_and_nothing_is_saved(alice_client, prop_a, pms_units):
    # When one row is good, one names no unit, one takes the unit of a mapped PMS unit
    response = alice_client.post(
        tab(prop_a),
        {
            f"map-{pms_units['14C'].id}": "A 14C",
            f"map-{pms_units['15D'].id}": "A 99",
            f"map-{pms_units['16E'].id}": "A 12B",
        },
    )

    assert response.status_code == 200
    assert shown(response) == [
        "2 rows need attention; nothing was saved. Fix them below and save again."
    ]
    page = response.content.decode()
    assert "There is no unit “A 99” here. Add it on Access → Units first." in page
    assert "Unit A 12B is already mapped to PMS unit 12B. Remove that mapping first." in page
    # each message sits in its own row, and what she typed is kept for her to fix
    rows = re.findall(r"<tr data-pms-unit=\"([^\"]*)\">(.*?)</tr>", page, re.S)
    by_label = dict(rows)
    assert "There is no unit" in by_label["A 15D"]
    assert "already mapped" in by_label["B 16E"]
    assert "error-text" not in by_label["A 14C"]
    assert 'value="A 14C"' in by_label["A 14C"]
    assert 'value="A 99"' in by_label["A 15D"]
    # Nothing was saved, the good row included
    assert mapping() == {"P12B": "12B", "P14C": None, "P15D": None, "P16E": None, "P17F": None}
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()


def test_two_rows_onto_one_unit_are_both_flagged(alice_client, prop_a, pms_units):
    response = alice_client.post(
        tab(prop_a),
        {f"map-{pms_units['14C'].id}": "A 14C", f"map-{pms_units['15D'].id}": "14C"},
    )

    assert response.status_code == 200
    assert response.content.decode().count("Unit A 14C is chosen for more than one PMS unit") == 2
    assert mapping()["P14C"] is None


def test_a_pms_unit_of_another_property_cannot_be_mapped_from_this_tab(
    alice_client, prop_a, prop_a2, pms_units
):
    other = add_pms_unit(PMSIntegration.objects.create(property=prop_a2), "X1", "1A", building="")

    response = alice_client.post(tab(prop_a), {f"map-{other.id}": "A 14C"})

    assert response.status_code == 200
    assert shown(response) == [
        "1 row needs attention; nothing was saved. Fix them below and save again."
    ]
    assert PMSUnit.objects.get(id=other.id).unit is None


def test_two_rows_trading_units_in_one_save_are_saved(
    alice_client, prop_a, integration, units, pms_units
):
    # Given 14C mapped to unit 14C (12B is mapped to unit 12B)
    PMSUnit.objects.filter(id=pms_units["14C"].id).update(unit=units["14C"])

    # When one save swaps them (a crafted POST: the tab offers no input on mapped rows)
    response = alice_client.post(
        tab(prop_a),
        {f"map-{pms_units['12B'].id}": "A 14C", f"map-{pms_units['14C'].id}": "A 12B"},
    )

    assert response.status_code == 302
    assert shown(response)[0].startswith("2 PMS units mapped.")
    assert (mapping()["P12B"], mapping()["P14C"]) == ("14C", "12B")


def test_a_unit_taken_by_another_manager_mid_save_is_a_message_per_row(
    alice_client, prop_a, integration, units, pms_units, monkeypatch
):
    # Given another manager maps PMS unit 16E to unit 14C just after alice's save has
    # checked that 14C is free (before it writes)
    real_bulk_update = PMSUnit.objects.bulk_update

    def concurrent_save_first(objs, fields, **kwargs):
        PMSUnit.objects.filter(id=pms_units["16E"].id).update(unit=units["14C"])
        return real_bulk_update(objs, fields, **kwargs)

    monkeypatch.setattr(PMSUnit.objects, "bulk_update", concurrent_save_first)

    response = alice_client.post(
        tab(prop_a),
        {f"map-{pms_units['14C'].id}": "A 14C", f"map-{pms_units['15D'].id}": "A 15D"},
    )

    assert response.status_code == 200
    assert shown(response) == [
        "2 rows need attention; nothing was saved. Fix them below and save again."
    ]
    page = response.content.decode()
    assert page.count("Another manager just mapped one of these units. Reload and try again.") == 2
    # alice's whole save was rolled back (with the other manager's write, in this test)
    assert (mapping()["P14C"], mapping()["P15D"]) == (None, None)


# --- Edit → Remove Mapping ------------------------------------------------------------


def test_edit_offers_remove_mapping_on_mapped_rows_only(alice_client, prop_a, pms_units):
    page = alice_client.get(tab(prop_a)).content.decode()

    assert page.count("Remove Mapping</button>") == 1
    assert f'form="remove-{pms_units["12B"].id}"' in page
    assert f'action="{remove_url(prop_a, pms_units["12B"])}"' in page


def test_remove_mapping(alice_client, alice, prop_a, pms_units):
    back = tab(prop_a, "?state=mapped")

    response = alice_client.post(remove_url(prop_a, pms_units["12B"]), {"next": back})

    assert response.status_code == 302
    assert response.url == back
    assert shown(response) == [
        "Mapping removed for PMS unit A 12B. Residents already assigned stay; new "
        "assignments stop until you map it again."
    ]
    assert mapping()["P12B"] is None
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert (event.subject, event.actor) == (
        "Unit Mapping removed: PMS unit A 12B ↛ unit A 12B",
        alice,
    )
    # and the unit is free for another PMS unit
    alice_client.post(tab(prop_a), {f"map-{pms_units['14C'].id}": "A 12B"})
    assert mapping()["P14C"] == "12B"


def test_remove_mapping_is_post_only(alice_client, prop_a, pms_units):
    response = alice_client.get(remove_url(prop_a, pms_units["12B"]))

    assert response.status_code == 405
    assert mapping()["P12B"] == "12B"


def test_removing_an_unmapped_row_says_so(alice_client, prop_a, pms_units):
    response = alice_client.post(remove_url(prop_a, pms_units["14C"]))

    assert response.status_code == 302
    assert response.url == tab(prop_a)
    assert shown(response) == ["That PMS unit is not mapped."]


def test_remove_never_sends_alice_off_site(alice_client, prop_a, pms_units):
    response = alice_client.post(
        remove_url(prop_a, pms_units["12B"]), {"next": "https://evil.example/phish"}
    )

    assert response.status_code == 302
    assert response.url == tab(prop_a)


def test_a_pms_unit_gone_from_the_pms_that_holds_a_unit_can_be_unmapped(
    alice_client, prop_a, integration, units, pms_units
):
    # Given PMS unit 17F, mapped to unit 16E, then gone from the PMS (renumbered, say)
    PMSUnit.objects.filter(id=pms_units["17F"].id).update(unit=units["16E"])

    # When alice maps the new PMS unit to 16E, she is told to remove the old mapping
    response = alice_client.post(tab(prop_a), {f"map-{pms_units['16E'].id}": "A 16E"})
    assert "Unit A 16E is already mapped to PMS unit 17F" in response.content.decode()

    # Then the old PMS unit is on the tab, marked, with Edit → Remove Mapping
    response = alice_client.get(tab(prop_a, "?state=mapped"))
    assert listed(response) == ["A 12B", "A 17F"]
    rows = dict(
        re.findall(r"<tr data-pms-unit=\"([^\"]*)\">(.*?)</tr>", response.content.decode(), re.S)
    )
    assert "no longer in the PMS" in rows["A 17F"]
    assert "Remove Mapping" in rows["A 17F"]
    alice_client.post(remove_url(prop_a, pms_units["17F"]))
    alice_client.post(tab(prop_a), {f"map-{pms_units['16E'].id}": "A 16E"})
    assert mapping()["P16E"] == "16E"
    # An unmapped gone PMS unit stays off the list
    assert "A 17F" not in listed(alice_client.get(tab(prop_a)))


# --- Refresh PMS units ----------------------------------------------------------------


@pytest.fixture
def sim_integration(integration, pms_simulator, org_a) -> PMSIntegration:
    credential = pms_credential_create(
        organization=org_a,
        vendor=VENDOR,
        label="Yardi (simulator)",
        values=demo_fields(VENDOR),
        endpoint_override=pms_simulator.vendor_url(VENDOR),
    )
    PMSIntegration.objects.filter(id=integration.id).update(credential=credential)
    integration.refresh_from_db()
    pms_simulator.state.faults.reset()
    yield integration
    pms_simulator.state.faults.reset()


def refresh_url(prop) -> str:
    return reverse("integrations-unit-mapping-refresh", args=[prop.id])


def test_refresh_pms_units_from_the_pms(alice_client, prop_a, sim_integration, pms_simulator):
    # Yardi names a unit by its code within the property (GetUnitInformation UnitID).
    expected = {(f"1001/{u.name}", u.name) for u in pms_simulator.state.dataset.units_of("1001")}

    response = alice_client.post(refresh_url(prop_a))

    assert response.status_code == 302
    assert response.url == tab(prop_a)
    assert shown(response) == [f"PMS units refreshed ({len(expected)} new)."]
    assert set(PMSUnit.objects.values_list("external_id", "name")) == expected
    assert set(PMSUnit.objects.values_list("pms_property_id", flat=True)) == {"1001"}
    alice_client.get(response.url)  # the messages are shown (and used up)
    # Again: nothing new
    assert shown(alice_client.post(refresh_url(prop_a))) == ["PMS units refreshed (0 new)."]
    assert PMSUnit.objects.count() == len(expected)
    # And they are listed, a page of 100 at a time
    assert len(listed(alice_client.get(tab(prop_a)))) == min(100, len(expected))


def test_refresh_that_the_pms_refuses_says_why_and_changes_nothing(
    alice_client, prop_a, sim_integration, pms_simulator
):
    add_pms_unit(sim_integration, "P1", "12B")
    pms_simulator.state.faults.set(VENDOR, {"expired_credential": True})

    response = alice_client.post(refresh_url(prop_a))

    assert response.status_code == 302
    [message] = shown(response)
    assert message.startswith("Could not fetch the PMS units: ")
    assert "Yardi" in message
    assert list(PMSUnit.objects.values_list("external_id", "gone_from_pms_at")) == [("P1", None)]


def test_refresh_is_post_only(alice_client, prop_a, sim_integration):
    assert alice_client.get(refresh_url(prop_a)).status_code == 405
    assert PMSUnit.objects.count() == 0


# --- pages and query counts -----------------------------------------------------------


def _fill(integration, prop, count: int, mapped: int = 30) -> None:
    """`count` PMS units, the first `mapped` of them (all on page 1) mapped to a unit."""
    now = timezone.now()
    PMSUnit.objects.bulk_create(
        [
            PMSUnit(
                integration=integration,
                external_id=f"E{n}",
                pms_property_id="1001",
                name=f"{n:04d}",
                building="A",
                first_seen_at=now,
                last_seen_at=now,
            )
            for n in range(count)
        ]
    )
    created = units_bulk_create(property=prop, rows=[(f"{n:04d}", "A", "1") for n in range(mapped)])
    for unit in created:
        PMSUnit.objects.filter(integration=integration, name=unit.name).update(unit=unit)


def _tab_queries(client, prop, query: str = "") -> tuple[int, object]:
    client.get(tab(prop, query))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(tab(prop, query))
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("count", [150, 2000])
def test_the_tab_is_paginated_with_a_fixed_number_of_queries(
    alice_client, prop_a, integration, count
):
    _fill(integration, prop_a, count)

    queries, response = _tab_queries(alice_client, prop_a)

    # 1 session, 2 user, 3 property (membership check), 4 the integration (with its
    # credential), 5 count of PMS units (paginator), 6 + 7 the All / Mapped counts on the
    # filter tabs, 8 the property's units (the one datalist), 9 the property switcher's
    # properties, 10 open sync alerts (the alert icon), 11 the page of PMS units with
    # their mapped units (one join, not a query per row).
    assert queries == 11
    assert len(listed(response)) == 100
    page = response.content.decode()
    pages = -(-count // 100)
    assert f"Page 1 of {pages} · {count} in all" in page
    assert page.count("pill current") == 30


def test_the_last_page_and_a_filtered_page(alice_client, prop_a, integration):
    _fill(integration, prop_a, 2000)

    queries, response = _tab_queries(alice_client, prop_a, "?page=20")
    assert queries == 11
    assert listed(response)[-1] == "A 1999"
    assert "Page 20 of 20" in response.content.decode()

    queries, response = _tab_queries(alice_client, prop_a, "?state=unmapped&q=19&page=2")
    assert queries == 11
    page = response.content.decode()
    # the pages keep the filter and the search
    assert 'href="?state=unmapped&amp;q=19&page=1"' in page
    assert "Page 2 of 2 · 138 in all" in page
    assert all("19" in label for label in listed(response))


# --- another organization ------------------------------------------------------------


def test_another_organizations_manager_gets_404_on_every_unit_mapping_url(
    bob_client, prop_a, pms_units
):
    urls_and_methods = [
        ("get", tab(prop_a)),
        ("post", tab(prop_a)),
        ("get", reverse("integrations-unit-mapping-suggest", args=[prop_a.id])),
        ("post", reverse("integrations-unit-mapping-suggest", args=[prop_a.id])),
        ("post", refresh_url(prop_a)),
        ("get", remove_url(prop_a, pms_units["12B"])),
        ("post", remove_url(prop_a, pms_units["12B"])),
    ]
    for method, url in urls_and_methods:
        response = getattr(bob_client, method)(url, {f"map-{pms_units['14C'].id}": "A 14C"})
        assert response.status_code == 404, (method, url)
    assert mapping()["P12B"] == "12B"
    assert mapping()["P14C"] is None


def test_a_pms_unit_of_another_organization_is_404_through_alices_own_property(
    alice_client, bob, prop_a, prop_b, integration
):
    theirs = add_pms_unit(
        PMSIntegration.objects.create(property=prop_b),
        "B1",
        "1A",
        unit=unit_create(property=prop_b, name="1A", actor=None),
    )

    response = alice_client.post(remove_url(prop_a, theirs))

    assert response.status_code == 404
    assert PMSUnit.objects.get(id=theirs.id).unit is not None
