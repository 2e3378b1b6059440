"""Suggest matches: unit names as PMSs write them, normalized; suggestions only where one
free unit fits; the preview accepted, edited or refused through the suggest view."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AccessEvent
from integrations.models import PMSIntegration, PMSUnit
from integrations.unit_matching import normalize_unit_name, unit_mapping_suggestions
from units.services import unit_create


@pytest.mark.parametrize(
    ("name", "building", "expected"),
    [
        # the building written into the name, with any separator
        ("Bldg A - 12B", "", ("a", "12b")),
        ("Bldg A — 12B", "", ("a", "12b")),
        ("Bldg A-12B", "", ("a", "12b")),
        ("BLDG-A 12B", "", ("a", "12b")),
        ("Bldg. C: 5", "", ("c", "5")),
        ("Building B #0304", "", ("b", "304")),
        ("Building C#5", "", ("c", "5")),
        ("Building 1 Unit 101", "", ("1", "101")),
        ("Bldg A - Unit 12B", "", ("a", "12b")),
        ("Twr 3 / 1204", "", ("3", "1204")),
        ("Tower B 1204", "", ("b", "1204")),
        # unit words and punctuation
        ("Unit 12B", "", ("", "12b")),
        ("Unit #0304", "B", ("b", "304")),
        ("Apt. 7", "", ("", "7")),
        ("Apartment 3C", "Bldg. D", ("d", "3c")),
        ("Suite 200", "Tower 2", ("2", "200")),
        ("Ste. 110", "", ("", "110")),
        ("No. 5", "", ("", "5")),
        ("#12B", "", ("", "12b")),
        ("12-B", "", ("", "12b")),
        ("12 B", "", ("", "12b")),
        ("12b", "", ("", "12b")),
        # leading zeros
        ("0012", "", ("", "12")),
        ("0304", "", ("", "304")),
        ("0", "", ("", "0")),
        # the building as its own field, in its own words
        ("12B ", "  a ", ("a", "12b")),
        ("A-101", "Building A", ("a", "a101")),
        ("101", "A", ("a", "101")),
        ("PH-1", "", ("", "ph1")),
        # not a building prefix: nothing is read as building "g" or unit "B" of "12"
        ("Bldg A", "", ("", "bldga")),
        ("Bldg 12B", "", ("", "bldg12b")),
        ("Townhome 3", "", ("", "townhome3")),
    ],
)
def test_normalize_unit_name(name, building, expected):
    assert normalize_unit_name(name, building) == expected


@given(name=st.text(max_size=60), building=st.text(max_size=30))
def test_normalize_unit_name_never_raises_and_returns_compact_lower_case(name, building):
    b, n = normalize_unit_name(name, building)

    assert isinstance(b, str) and isinstance(n, str)
    assert not any(c.isspace() for c in n + b)
    assert n == n.casefold()


@given(
    number=st.from_regex(r"\A[1-9][0-9]{0,3}[A-Za-z]?\Z"),
    prefix=st.sampled_from(["", "Unit ", "unit ", "Apt ", "Apt. ", "Apartment ", "#", "No. "]),
    zeros=st.sampled_from(["", "0", "00"]),
)
def test_unit_words_case_and_leading_zeros_do_not_change_the_name(number, prefix, zeros):
    assert normalize_unit_name(f"{prefix}{zeros}{number}") == ("", number.casefold())
    assert normalize_unit_name(f"Bldg A - {prefix}{number}") == ("a", number.casefold())


# --- suggestions ----------------------------------------------------------------------


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


def suggested(integration) -> list[tuple[str, str]]:
    return [
        (s.pms_unit.label, str(s.unit)) for s in unit_mapping_suggestions(integration=integration)
    ]


@pytest.mark.django_db
def test_suggests_the_one_free_unit_each_pms_unit_names(integration, prop_a):
    unit_create(property=prop_a, name="12B", building="A", actor=None)
    unit_create(property=prop_a, name="304", building="B", actor=None)
    unit_create(property=prop_a, name="7", actor=None)
    add_pms_unit(integration, "1", "Bldg A - 12B")
    add_pms_unit(integration, "2", "#0304", building="Building B")
    add_pms_unit(integration, "3", "Apt. 7")
    add_pms_unit(integration, "4", "99Z")  # no such unit

    assert sorted(suggested(integration)) == [
        ("Apt. 7", "7"),
        ("Bldg A - 12B", "A 12B"),
        ("Building B #0304", "B 304"),
    ]


@pytest.mark.django_db
def test_units_numbered_per_building_match_units_named_building_and_number(integration, prop_a):
    # MRI sends building "1", unit "101"; the manager named the units "1-101" and "2 101"
    unit_create(property=prop_a, name="1-101", actor=None)
    unit_create(property=prop_a, name="2 101", building="2", actor=None)
    unit_create(property=prop_a, name="1101", actor=None)  # unit 1101, not building 1's 101
    add_pms_unit(integration, "1", "101", building="1")
    add_pms_unit(integration, "2", "101", building="2")

    assert sorted(suggested(integration)) == [("1 101", "1-101"), ("2 101", "2 101")]


@pytest.mark.django_db
def test_a_pms_unit_without_a_building_matches_a_unit_by_name_alone(integration, prop_a):
    unit_create(property=prop_a, name="12B", building="A", actor=None)
    add_pms_unit(integration, "1", "Unit 12B")

    assert suggested(integration) == [("Unit 12B", "A 12B")]


@pytest.mark.django_db
def test_a_pms_unit_of_another_building_is_not_matched(integration, prop_a):
    unit_create(property=prop_a, name="12B", building="A", actor=None)
    add_pms_unit(integration, "1", "12B", building="B")

    assert suggested(integration) == []


@pytest.mark.django_db
def test_no_suggestion_when_several_free_units_fit(integration, prop_a):
    # Given two units that both read "12b" once normalized
    unit_create(property=prop_a, name="12B", actor=None)
    unit_create(property=prop_a, name="12-B", actor=None)
    add_pms_unit(integration, "1", "Unit 12B")

    assert suggested(integration) == []


@pytest.mark.django_db
def test_units_already_mapped_and_pms_units_mapped_or_gone_are_left_out(integration, prop_a):
    taken = unit_create(property=prop_a, name="12B", building="A", actor=None)
    unit_create(property=prop_a, name="14C", building="A", actor=None)
    unit_create(property=prop_a, name="15D", building="A", actor=None)
    mapped = add_pms_unit(integration, "1", "12B", building="A")
    PMSUnit.objects.filter(id=mapped.id).update(unit=taken)
    add_pms_unit(integration, "2", "Unit 12B")  # its only match is taken
    gone = add_pms_unit(integration, "3", "14C", building="A")
    PMSUnit.objects.filter(id=gone.id).update(gone_from_pms_at=timezone.now())
    add_pms_unit(integration, "4", "15D", building="A")

    assert suggested(integration) == [("A 15D", "A 15D")]


@pytest.mark.django_db
def test_one_unit_is_never_suggested_for_two_pms_units(integration, prop_a):
    unit_create(property=prop_a, name="12B", actor=None)
    add_pms_unit(integration, "1", "12B")
    add_pms_unit(integration, "2", "Unit 12-B")

    [(_, unit)] = suggested(integration)
    assert unit == "12B"


# --- the suggest view -----------------------------------------------------------------


def url(prop) -> str:
    return reverse("integrations-unit-mapping-suggest", args=[prop.id])


def settings_changed() -> list[str]:
    return list(
        AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).values_list(
            "subject", flat=True
        )
    )


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def three_suggestions(integration, prop_a):
    units = {
        name: unit_create(property=prop_a, name=name, building="A", actor=None)
        for name in ("12B", "14C", "15D", "16E")
    }
    rows = {
        name: add_pms_unit(integration, name, f"Bldg A - {name}") for name in ("12B", "14C", "15D")
    }
    return units, rows


@pytest.mark.django_db
def test_the_preview_lists_each_suggestion_ticked_with_its_unit(
    alice_client, prop_a, three_suggestions
):
    _, rows = three_suggestions

    response = alice_client.get(url(prop_a))

    assert response.status_code == 200
    html = response.content.decode()
    for name, row in rows.items():
        assert f'name="accept-{row.id}" checked' in html
        assert f'name="map-{row.id}" value="A {name}"' in html
    assert "Save 3 mappings" in html


@pytest.mark.django_db
def test_accepting_some_and_editing_one_saves_exactly_those(
    alice_client, prop_a, integration, three_suggestions, alice
):
    _, rows = three_suggestions

    # When she keeps 12B, changes 14C to unit 16E, and unticks 15D
    response = alice_client.post(
        url(prop_a),
        {
            f"accept-{rows['12B'].id}": "on",
            f"map-{rows['12B'].id}": "A 12B",
            f"accept-{rows['14C'].id}": "on",
            f"map-{rows['14C'].id}": "A 16E",
            f"map-{rows['15D'].id}": "A 15D",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("integrations-manage", args=[prop_a.id, "unit-mapping"])
    assert shown(response) == ["2 suggested mappings saved."]
    mapped = dict(PMSUnit.objects.values_list("external_id", "unit__name"))
    assert mapped == {"12B": "12B", "14C": "16E", "15D": None}
    assert PMSUnit.objects.get(external_id="12B").mapped_by == alice
    assert settings_changed() == ["Unit Mapping: 2 PMS units mapped"]
    # And what is left to suggest is 15D (16E is taken now)
    assert suggested(integration) == [("Bldg A - 15D", "A 15D")]


@pytest.mark.django_db
def test_an_edit_to_a_unit_that_does_not_exist_saves_nothing_and_says_why(
    alice_client, prop_a, three_suggestions
):
    _, rows = three_suggestions

    response = alice_client.post(
        url(prop_a),
        {
            f"accept-{rows['12B'].id}": "on",
            f"map-{rows['12B'].id}": "A 12B",
            f"accept-{rows['14C'].id}": "on",
            f"map-{rows['14C'].id}": "A 99",
        },
    )

    assert response.status_code == 200
    assert shown(response) == ["There is no unit “A 99” here. Add it on Access → Units first."]
    assert PMSUnit.objects.filter(unit__isnull=False).count() == 0
    assert settings_changed() == []


@pytest.mark.django_db
def test_two_suggestions_edited_onto_one_unit_are_refused(alice_client, prop_a, three_suggestions):
    _, rows = three_suggestions

    response = alice_client.post(
        url(prop_a),
        {
            f"accept-{rows['12B'].id}": "on",
            f"map-{rows['12B'].id}": "A 12B",
            f"accept-{rows['14C'].id}": "on",
            f"map-{rows['14C'].id}": "12b",
        },
    )

    assert response.status_code == 200
    assert (
        shown(response)
        == ["Unit A 12B is chosen for more than one PMS unit; each unit maps to one PMS unit."] * 2
    )
    assert PMSUnit.objects.filter(unit__isnull=False).count() == 0


@pytest.mark.django_db
def test_no_suggestions_says_why(alice_client, prop_a, integration):
    add_pms_unit(integration, "1", "99Z")

    response = alice_client.get(url(prop_a))

    assert "No suggestions: every unmapped PMS unit either has no unit" in response.content.decode()
    assert "Save 0" not in response.content.decode()


@pytest.mark.django_db
def test_suggest_before_set_up_is_404(alice_client, prop_a):
    assert alice_client.get(url(prop_a)).status_code == 404


@pytest.mark.django_db
def test_another_organizations_manager_gets_404(bob_client, prop_a, three_suggestions):
    _, rows = three_suggestions

    assert bob_client.get(url(prop_a)).status_code == 404
    response = bob_client.post(
        url(prop_a), {f"accept-{rows['12B'].id}": "on", f"map-{rows['12B'].id}": "A 12B"}
    )
    assert response.status_code == 404
    assert PMSUnit.objects.filter(unit__isnull=False).count() == 0
