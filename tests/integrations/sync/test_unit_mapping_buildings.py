"""Buildings: unit 101 of building A and of building B stay two units, from the PMS through
Unit Sync to the units page; Suggest matches pairs "Bldg A 101" with a unit "101" that names
no building (and the reverse) by the number within the building, only where it is unambiguous."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from integrations.models import PMSIntegration, PMSUnit
from integrations.pms import types as pms
from integrations.sync.unit_sync import pms_units_apply
from integrations.unit_matching import (
    MatchReason,
    UnitName,
    normalize_unit_name,
    unit_mapping_suggestions,
    unit_matches,
)
from units.models import Unit
from units.services import unit_create


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


def add_pms_unit(integration, external_id: str, name: str, building: str = "") -> PMSUnit:
    now = timezone.now()
    return PMSUnit.objects.create(
        integration=integration,
        external_id=external_id,
        pms_property_id="1001",
        name=name,
        building=building,
        first_seen_at=now,
        last_seen_at=now,
    )


def suggested(integration) -> list[tuple[str, str, str]]:
    return sorted(
        (s.pms_unit.label, str(s.unit), s.reason.value)
        for s in unit_mapping_suggestions(integration=integration)
    )


# --- units of two buildings with one number --------------------------------------------


@pytest.mark.django_db
def test_unit_101_of_building_a_and_of_building_b_are_two_units(prop_a):
    a = unit_create(property=prop_a, name="101", building="A", actor=None)
    b = unit_create(property=prop_a, name="101", building="B", actor=None)

    assert (str(a), str(b)) == ("A 101", "B 101")
    assert (a.keys.get().name, b.keys.get().name) == ("Unit A 101", "Unit B 101")


@pytest.mark.django_db
def test_the_same_unit_of_the_same_building_is_refused_whatever_the_case(prop_a):
    unit_create(property=prop_a, name="101", building="A", actor=None)

    with pytest.raises(ValidationError) as exc:
        unit_create(property=prop_a, name="101", building="a", actor=None)

    assert exc.value.message_dict == {"name": ["Unit a 101 already exists at this property."]}


@pytest.mark.django_db
def test_a_csv_may_list_one_number_in_two_buildings_but_not_twice_in_one(alice_client, prop_a):
    from units.csv_import import parse

    unit_create(property=prop_a, name="101", building="A", actor=None)
    text = "name,building\n101,B\n102,B\n101,b\n101,A\n"

    parsed = parse(text, existing=[("101", "A")], max_rows=100)

    assert [(r.name, r.building) for r in parsed.rows] == [("101", "B"), ("102", "B")]
    assert [(e.line, e.message) for e in parsed.errors] == [
        (4, "unit b 101 is also on line 2 of this file"),
        (5, "unit A 101 already exists at this property"),
    ]


@pytest.mark.django_db
def test_unit_sync_keeps_each_pms_units_building(integration):
    # Given the PMS numbers units per building (MRI, Yardi with BuildingID)
    units = [
        pms.PMSUnit(id="1001/A/101", pms_property_id="1001", name="101", building="A"),
        pms.PMSUnit(id="1001/B/101", pms_property_id="1001", name="101", building="B"),
    ]

    pms_units_apply(run=None, integration=integration, units=units)

    # Then both are kept apart, each with its building, and listed as such
    assert sorted(PMSUnit.objects.values_list("external_id", "building", "name")) == [
        ("1001/A/101", "A", "101"),
        ("1001/B/101", "B", "101"),
    ]
    assert sorted(u.label for u in PMSUnit.objects.all()) == ["A 101", "B 101"]

    # And a building the PMS renames is kept up to date
    renamed = [
        units[0],
        pms.PMSUnit(id="1001/B/101", pms_property_id="1001", name="101", building="C"),
    ]
    pms_units_apply(run=None, integration=integration, units=renamed)
    assert PMSUnit.objects.get(external_id="1001/B/101").building == "C"


@pytest.mark.django_db
def test_units_page_and_unit_mapping_show_the_building(alice_client, prop_a, integration):
    unit_create(property=prop_a, name="101", building="Tower West", actor=None)
    add_pms_unit(integration, "X1", "101", building="Tower West")

    units_page = alice_client.get(reverse("units", args=[prop_a.id])).content.decode()
    mapping_page = alice_client.get(
        reverse("integrations-manage", args=[prop_a.id, "unit-mapping"])
    ).content.decode()

    assert "Tower West" in units_page
    assert 'data-pms-unit="Tower West 101"' in mapping_page


# --- Suggest matches across "one side names no building" --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pms_name", "pms_building"),
    [("Bldg A 101", ""), ("Bldg A - 101", ""), ("101", "A"), ("Unit 101", "Building A")],
)
def test_a_pms_unit_with_a_building_matches_a_unit_without_one(
    integration, prop_a, pms_name, pms_building
):
    unit_create(property=prop_a, name="101", actor=None)
    unit_create(property=prop_a, name="102", actor=None)
    row = add_pms_unit(integration, "1", pms_name, building=pms_building)

    assert suggested(integration) == [(row.label, "101", "same number; the unit has no building")]


@pytest.mark.django_db
def test_a_pms_unit_without_a_building_matches_a_unit_with_one(integration, prop_a):
    unit_create(property=prop_a, name="101", building="A", actor=None)
    unit_create(property=prop_a, name="Bldg B 0204", actor=None)  # the building in its name
    add_pms_unit(integration, "1", "101")
    add_pms_unit(integration, "2", "Apt 204")

    assert suggested(integration) == [
        ("101", "A 101", "same number; the PMS unit names no building"),
        ("Apt 204", "Bldg B 0204", "same number; the PMS unit names no building"),
    ]


@pytest.mark.django_db
def test_one_number_in_two_pms_buildings_is_not_matched_to_a_unit_without_building(
    integration, prop_a
):
    # Given the PMS has 101 in buildings A and B, doorsync one unit "101"
    unit_create(property=prop_a, name="101", actor=None)
    add_pms_unit(integration, "1", "Bldg A 101")
    add_pms_unit(integration, "2", "Bldg B 101")

    # Then the number alone cannot say which: nothing is suggested
    assert suggested(integration) == []


@pytest.mark.django_db
def test_one_number_in_two_unit_buildings_is_not_matched_to_a_pms_unit_without_building(
    integration, prop_a
):
    unit_create(property=prop_a, name="101", building="A", actor=None)
    unit_create(property=prop_a, name="101", building="B", actor=None)
    add_pms_unit(integration, "1", "101")

    assert suggested(integration) == []


@pytest.mark.django_db
def test_an_exact_building_match_goes_first_and_leaves_the_number_to_the_other(integration, prop_a):
    # Given units "A 101" and a building-less "101"; PMS units A 101 and B 101
    unit_create(property=prop_a, name="101", building="A", actor=None)
    unit_create(property=prop_a, name="101", actor=None)
    add_pms_unit(integration, "1", "101", building="A")
    add_pms_unit(integration, "2", "101", building="B")

    # Then A 101 takes its own unit, and B 101 the only other unit numbered 101
    assert suggested(integration) == [
        ("A 101", "A 101", "same building and number"),
        ("B 101", "101", "same number; the unit has no building"),
    ]


@pytest.mark.django_db
def test_a_unit_of_another_building_is_still_never_matched(integration, prop_a):
    unit_create(property=prop_a, name="101", building="A", actor=None)
    add_pms_unit(integration, "1", "101", building="B")

    assert suggested(integration) == []


@pytest.mark.django_db
def test_the_preview_says_why_and_accepting_maps_it(alice_client, prop_a, integration):
    unit = unit_create(property=prop_a, name="101", actor=None)
    row = add_pms_unit(integration, "1", "Bldg A 101")
    url = reverse("integrations-unit-mapping-suggest", args=[prop_a.id])

    html = alice_client.get(url).content.decode()
    assert f'name="map-{row.id}" value="101"' in html
    assert "same number; the unit has no building" in html

    response = alice_client.post(url, {f"accept-{row.id}": "on", f"map-{row.id}": "101"})

    assert response.status_code == 302
    assert PMSUnit.objects.get(id=row.id).unit == unit


@pytest.mark.django_db
def test_suggestions_take_two_queries(integration, prop_a, django_assert_num_queries):
    for n in range(20):
        unit_create(property=prop_a, name=str(100 + n), actor=None)
        add_pms_unit(integration, str(n), f"Bldg A {100 + n}")

    # 1 the free units of the property, 2 the unmapped live PMS units
    with django_assert_num_queries(2):
        assert len(unit_mapping_suggestions(integration=integration)) == 20


# --- the matcher's promises, for any names -----------------------------------------------

_names = st.builds(
    lambda prefix, number, building: (f"{prefix}{number}", building),
    st.sampled_from(["", "Unit ", "Apt ", "#", "Bldg A ", "Bldg B - ", "Building 1 "]),
    st.sampled_from(["101", "0101", "102", "12B", "12-B", "1-101"]),
    st.sampled_from(["", "A", "B", "Building A", "1"]),
)


@given(
    pms_side=st.lists(_names, max_size=8),
    unit_side=st.lists(_names, max_size=8),
)
def test_matches_pair_each_side_once_with_the_same_number_and_no_other_building(
    pms_side, unit_side
):
    pms_units = [UnitName(i, n, b) for i, (n, b) in enumerate(pms_side)]
    units = [UnitName(100 + i, n, b) for i, (n, b) in enumerate(unit_side)]

    matches = unit_matches(pms_units, units)

    assert len({m.pms_unit_id for m in matches}) == len(matches)
    assert len({m.unit_id for m in matches}) == len(matches)
    by_id = {u.id: u for u in [*pms_units, *units]}
    for m in matches:
        pb, pn = normalize_unit_name(by_id[m.pms_unit_id].name, by_id[m.pms_unit_id].building)
        ub, un = normalize_unit_name(by_id[m.unit_id].name, by_id[m.unit_id].building)
        if m.reason is MatchReason.BUILDING_IN_UNIT_NAME:
            continue  # "1-101" read as building 1, unit 101
        assert pn == un
        # Two buildings that both show never differ
        assert not (pb and ub and pb != ub)


def test_unit_rows_keep_their_building_in_the_database_constraint():
    names = {c.name for c in Unit._meta.constraints}
    assert "unit_name_unique_per_building" in names
