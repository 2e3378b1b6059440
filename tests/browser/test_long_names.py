"""Pages stay within the screen when managers' data is long: a 100-character unit or door
name (the most the forms take) wraps instead of widening forms and tables past the edge."""

from __future__ import annotations

from playwright.sync_api import Page

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
