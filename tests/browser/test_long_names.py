"""Pages stay within the screen when managers' data is long: a 100-character unit or door
name (the most the forms take) wraps instead of widening forms and tables past the edge."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.factories import DoorFactory, UnitFactory
from tests.factories.properties import PASSWORD


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_long_unit_and_door_names_wrap_within_the_page(
    page: Page, live_server, login, alice, prop_a, shoot
):
    UnitFactory(property=prop_a, name="U" * 100, building="B")
    DoorFactory(property=prop_a, name="D" * 100)
    login("alice", PASSWORD)

    for path, shot in [
        ("access/keys/new/", "long-names-key-form"),
        ("access/doors/", "long-names-doors"),
        ("access/units/", "long-names-units"),
    ]:
        page.goto(f"{live_server.url}/p/{prop_a.id}/{path}")
        shoot(shot)
        assert fits(page), path


def test_a_long_property_name_fits_the_top_bar_of_a_phone(
    page: Page, live_server, login, alice, prop_a, shoot
):
    """The switcher shortens the name with an ellipsis; the alert icon and the Menu button
    stay on the screen."""
    prop_a.name = "The Residences at Harborview Landing, North Tower and Garden Court"
    prop_a.save(update_fields=["name"])
    page.set_viewport_size({"width": 390, "height": 844})
    login("alice", PASSWORD)
    shoot("long-names-property-390")
    assert fits(page)
    for control in [
        page.get_by_role("button", name="Menu"),
        page.get_by_role("button", name=re.compile("^Alerts")),
    ]:
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(page.get_by_test_id("property-switcher")).to_contain_text("The Residences")
