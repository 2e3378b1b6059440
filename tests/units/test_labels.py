import pytest

from units.labels import unit_label


@pytest.mark.parametrize(
    ("name", "building", "label"),
    [
        ("12B", "", "12B"),
        ("12B", "Tower", "Tower 12B"),
        # The building is already in the unit's name: say it once.
        ("A304", "A", "A304"),
        ("a304", "A", "a304"),
        ("North-12", "North", "North-12"),
        ("304", "A", "A 304"),
        ("A", "A", "A A"),
        # A numbered building is in the name only when something parts it from the unit
        ("101", "1", "1 101"),
        ("1-101", "1", "1-101"),
        ("Annex", "A", "A Annex"),
    ],
)
def test_unit_label_names_the_building_once(name: str, building: str, label: str) -> None:
    assert unit_label(name, building) == label
