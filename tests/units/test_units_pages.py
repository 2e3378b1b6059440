"""The Units list and Add Unit (one at a time) pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import Door, Key
from audit.models import AccessEvent
from residents.models import ResidentStatus
from tests.factories import DoorFactory, ResidentFactory, UnitFactory
from units import services
from units.models import Unit


class _TableRows(HTMLParser):
    """The text of each body row of the table with the given data-testid."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0  # >0 while inside the table
        self.in_body = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("data-testid", self.testid) in attrs:
            self.depth = 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.in_body and tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _rows(response, testid: str = "units-table") -> list[list[str]]:
    assert response.status_code == 200
    parser = _TableRows(testid)
    parser.feed(response.content.decode())
    return parser.rows


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _snapshot(prop) -> tuple[int, int, int, int]:
    return (
        Unit.objects.filter(property=prop).count(),
        Door.objects.filter(property=prop).count(),
        Key.objects.filter(property=prop).count(),
        AccessEvent.objects.filter(property=prop).count(),
    )


# --- the Units list -----------------------------------------------------------------------


@pytest.fixture
def three_units(prop_a):
    """101 with a current resident, 102 with only a future and a past one, 201 empty."""
    u101 = UnitFactory(property=prop_a, name="101", building="A", floor="1")
    u102 = UnitFactory(property=prop_a, name="102", building="A", floor="1")
    u201 = UnitFactory(property=prop_a, name="201", building="B", floor="2")
    ResidentFactory(property=prop_a, unit=u101, status=ResidentStatus.CURRENT)
    ResidentFactory(property=prop_a, unit=u101, status=ResidentStatus.CURRENT)
    ResidentFactory(property=prop_a, unit=u102, status=ResidentStatus.FUTURE)
    ResidentFactory(property=prop_a, unit=u102, status=ResidentStatus.PAST)
    return u101, u102, u201


def test_occupancy_is_derived_from_current_residents(alice_client, prop_a, three_units):
    response = alice_client.get(reverse("units", args=[prop_a.id]))

    assert _rows(response) == [
        ["101", "A", "1", "Occupied", "2"],
        ["102", "A", "1", "Vacant", "0"],
        ["201", "B", "2", "Vacant", "0"],
    ]


def test_the_resident_count_links_to_those_residents_on_people(alice_client, prop_a, three_units):
    u101 = three_units[0]
    page = alice_client.get(reverse("units", args=[prop_a.id])).content.decode()
    link = f"{reverse('people', args=[prop_a.id])}?unit=A%20101&amp;status=current"
    assert f'<a href="{link}"' in page

    people = alice_client.get(link.replace("&amp;", "&"))
    assert sorted(r.id for r in people.context["page"]) == sorted(
        u101.residents.filter(status=ResidentStatus.CURRENT).values_list("id", flat=True)
    )


def test_a_unit_becomes_vacant_when_its_last_current_resident_leaves(
    alice_client, prop_a, three_units
):
    u101, _, _ = three_units
    u101.residents.update(status=ResidentStatus.PAST)

    response = alice_client.get(reverse("units", args=[prop_a.id]))

    assert _rows(response)[0] == ["101", "A", "1", "Vacant", "0"]


@pytest.mark.parametrize(
    ("occupancy", "names"),
    [("occupied", ["101"]), ("vacant", ["102", "201"]), ("", ["101", "102", "201"])],
)
def test_occupancy_filter(alice_client, prop_a, three_units, occupancy, names):
    response = alice_client.get(reverse("units", args=[prop_a.id]), {"occupancy": occupancy})

    assert [row[0] for row in _rows(response)] == names


def test_search_matches_unit_name_or_building(alice_client, prop_a, three_units):
    url = reverse("units", args=[prop_a.id])

    assert [r[0] for r in _rows(alice_client.get(url, {"q": "10"}))] == ["101", "102"]
    assert [r[0] for r in _rows(alice_client.get(url, {"q": "b"}))] == ["201"]
    assert [r[0] for r in _rows(alice_client.get(url, {"q": "10", "occupancy": "vacant"}))] == [
        "102"
    ]
    assert _rows(alice_client.get(url, {"q": "999"})) == [
        [
            "No units yet. Use Actions → Add Unit to add them one by one or from a CSV file.",
        ]
    ]


def test_units_of_other_properties_are_not_listed(alice_client, prop_a, prop_a2, three_units):
    UnitFactory(property=prop_a2, name="101", building="Z")

    response = alice_client.get(reverse("units", args=[prop_a.id]))

    assert [(r[0], r[1]) for r in _rows(response)] == [("101", "A"), ("102", "A"), ("201", "B")]


def test_pagination_keeps_the_filters(alice_client, prop_a):
    # Given 150 units in building T (100 to a page) and one in building S
    for n in range(150):
        UnitFactory(property=prop_a, name=f"{n:03d}", building="T")
    UnitFactory(property=prop_a, name="999", building="S")
    url = reverse("units", args=[prop_a.id])

    # When the second page of a search for building T is opened
    first = alice_client.get(url, {"q": "T"})
    second = alice_client.get(url, {"q": "T", "page": 2})

    # Then the pages split the 150 matches, in order, and the links carry the search
    assert [r[0] for r in _rows(first)] == [f"{n:03d}" for n in range(100)]
    assert [r[0] for r in _rows(second)] == [f"{n:03d}" for n in range(100, 150)]
    assert "Page 1 of 2 · 150 in all" in first.content.decode()
    assert 'href="?q=T&page=2"' in first.content.decode()
    assert 'href="?q=T&page=1"' in second.content.decode()
    # A page past the end shows the last page rather than an error
    last = _rows(alice_client.get(url, {"q": "T", "page": 99}))
    assert (last[0][0], len(last)) == ("100", 50)


def test_units_pages_are_only_for_the_property_managers(
    client, alice_client, bob_client, carol, prop_a, prop_a2
):
    carol_client = Client()
    carol_client.force_login(carol)

    assert client.get(reverse("units", args=[prop_a.id])).status_code == 302
    assert bob_client.get(reverse("units", args=[prop_a.id])).status_code == 404
    bobs_add = bob_client.post(reverse("units-create", args=[prop_a.id]), {"name": "1"})
    assert bobs_add.status_code == 404
    assert carol_client.get(reverse("units", args=[prop_a.id])).status_code == 200
    assert carol_client.get(reverse("units", args=[prop_a2.id])).status_code == 404
    assert alice_client.get(reverse("units", args=[prop_a2.id])).status_code == 200
    assert Unit.objects.count() == 0


def _list_queries(client, prop) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("units", args=[prop.id]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_units_list_query_count_does_not_grow_with_units(alice_client, prop_a):
    def add_units(count: int, start: int) -> None:
        for n in range(start, start + count):
            unit = UnitFactory(property=prop_a, name=f"{n:04d}")
            if n % 3 == 0:
                ResidentFactory(property=prop_a, unit=unit, status=ResidentStatus.CURRENT)

    add_units(10, 0)
    with_10 = _list_queries(alice_client, prop_a)
    add_units(190, 10)
    with_200 = _list_queries(alice_client, prop_a)

    # 1 session, 2 user, 3 property (membership check), 4 count of units (paginator),
    # 5 the property switcher's properties, 6 open sync alerts (the alert icon),
    # 7 the page of units with occupancy and current-resident count (one query:
    # EXISTS + COUNT per row in SQL, not one query per unit).
    assert with_10 == 7
    assert with_200 == 7


# --- Add Unit -------------------------------------------------------------------------------


def test_add_one_unit_creates_its_entry_door_and_unit_key(alice, alice_client, prop_a):
    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]),
        {"name": " 12B ", "building": "A", "floor": "12"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("units", args=[prop_a.id]), 302)]
    assert _messages(response) == ["Unit A 12B was added with its entry door and unit key."]
    unit = Unit.objects.get(property=prop_a)
    assert (unit.name, unit.building, unit.floor) == ("12B", "A", "12")
    door = Door.objects.get(property=prop_a)
    assert door.name == "Unit A 12B entry"
    key = Key.objects.get(property=prop_a, kind=Key.Kind.UNIT)
    assert (key.name, key.unit) == ("Unit A 12B", unit)
    assert list(key.doors.all()) == [door]
    assert (key.shareable, key.share_with_current_residents) == (False, False)
    event = AccessEvent.objects.get(property=prop_a)
    assert event.action == AccessEvent.Action.UNITS_IMPORTED
    assert event.actor == alice
    assert event.subject == "Unit A 12B added with its entry door and unit key"
    assert event.data == {"units": [unit.id]}
    # And the list shows it as vacant
    assert _rows(response) == [["12B", "A", "12", "Vacant", "0"]]


def test_add_a_unit_without_a_building(alice_client, prop_a):
    alice_client.post(reverse("units-create", args=[prop_a.id]), {"name": "7"})

    unit = Unit.objects.get(property=prop_a)
    assert (unit.building, unit.floor) == ("", "")
    assert Door.objects.get(property=prop_a).name == "Unit 7 entry"
    assert Key.objects.get(unit=unit).name == "Unit 7"


def test_a_duplicate_unit_name_is_refused_case_insensitively(alice_client, prop_a, unit_a):
    # Given unit 12B of building A; a unit is its building and name together
    before = _snapshot(prop_a)

    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]), {"name": "12b", "building": "a"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["Unit a 12b already exists at this property."]
    }
    assert "Unit a 12b already exists at this property." in response.content.decode()
    assert _snapshot(prop_a) == before


def test_the_same_unit_name_at_another_property_is_fine(alice_client, prop_a2, unit_a):
    response = alice_client.post(reverse("units-create", args=[prop_a2.id]), {"name": "12B"})

    assert response.status_code == 302
    assert Unit.objects.get(property=prop_a2).name == "12B"


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_name_is_refused(alice_client, prop_a, name):
    before = _snapshot(prop_a)

    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]), {"name": name, "building": "A"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert _snapshot(prop_a) == before


def test_the_service_explains_a_blank_name(prop_a):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(property=prop_a, name="  ", actor=None)

    assert exc.value.message_dict == {"name": ["Enter the unit's name or number, e.g. 12B."]}
    assert Unit.objects.count() == 0


def test_a_building_and_name_too_long_to_name_a_door_are_refused(alice_client, prop_a):
    before = _snapshot(prop_a)

    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]), {"name": "N" * 100, "building": "B" * 39}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "building": [
            "Keep the building and unit name together under 139 characters: "
            "they name the unit's door and key."
        ]
    }
    assert _snapshot(prop_a) == before


def test_a_door_already_named_like_the_entry_door_is_reported(alice_client, prop_a):
    DoorFactory(property=prop_a, name="Unit A 12B entry")
    before = _snapshot(prop_a)

    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]), {"name": "12B", "building": "A"}
    )

    assert response.context["form"].non_field_errors() == [
        "These door or key names already exist: Unit A 12B entry. "
        "Rename them on the Doors or Keys page, then try again."
    ]
    assert _snapshot(prop_a) == before


def test_add_another_returns_to_the_form(alice_client, prop_a):
    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]),
        {"name": "301", "building": "C", "add_another": "1"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("units-create", args=[prop_a.id]), 302)]
    assert _messages(response) == ["Unit C 301 was added with its entry door and unit key."]
    assert response.context["form"].is_bound is False
    assert Unit.objects.filter(property=prop_a, name="301").exists()


def test_the_add_unit_page_offers_both_ways(alice_client, prop_a):
    response = alice_client.get(reverse("units-create", args=[prop_a.id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="add_another"' in html
    assert 'data-testid="csv-upload"' in html
    assert reverse("units-import-template", args=[prop_a.id]) in html
