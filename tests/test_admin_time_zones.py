"""Every time Django admin shows names its zone, and so does every time it asks for.

Stored times are UTC; managers read their property's local time. Support answering a
manager from admin must never read a bare "3:05 p.m." as one or the other: each
changelist and change page of every registered model (rows from tests/test_admin.py's
row makers, so a new model is walked too) is searched for times, and each must be
followed by its zone. Date and time inputs name the zone they are typed in.
"""

from __future__ import annotations

import re

import pytest

from tests.test_admin import REGISTERED, _make, _url

pytestmark = pytest.mark.django_db

# A clock time as admin prints one ("3:05 p.m.", "15:05", "11:55:06.904154"), then what
# follows it on the same line.
TIME = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]\.?m\.?)?(?P<after>[^\n<]{0,12})", re.I
)
# What names a zone: an abbreviation (UTC, EST, CDT, …), an offset (+00:00), or ISO 8601's
# "Z" (UTC) right after the time, as in a stored JSON body.
ZONE = re.compile(r"^\s*(?:[A-Z]{2,5}\b|[+-]\d{2}:?\d{2})|^(?:\.\d+)?Z")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    # Input values are checked separately (they sit in boxes, the zone after them).
    html = re.sub(r"<input\b[^>]*>", " ", html)
    return re.sub(r"<[^>]+>", "\n", html)


def _bare_times(html: str) -> list[str]:
    return [
        m.group(0).strip() for m in TIME.finditer(_text(html)) if not ZONE.match(m.group("after"))
    ]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_time_admin_shows_names_its_zone(support_client, model):
    (row,) = _make(model, 1)
    for url in [_url(model, "changelist"), _url(model, "change", row.pk)]:
        response = support_client.get(url)
        assert response.status_code == 200, url
        assert _bare_times(response.content.decode()) == [], url


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_time_input_names_its_zone(support_client, model):
    (row,) = _make(model, 1)
    html = support_client.get(_url(model, "change", row.pk)).content.decode()
    time_inputs = html.count('class="vTimeField"')
    assert html.count("Time zone: UTC") == time_inputs, model._meta.label


def test_the_zone_is_named_after_the_date_and_time_boxes(support_client):
    from integrations.models import PMSUnit

    (row,) = _make(PMSUnit, 1)
    html = support_client.get(_url(PMSUnit, "change", row.pk)).content.decode()
    assert html.count('class="vTimeField"') == 4  # mapped, first seen, last seen, gone
    assert re.search(
        r'class="vTimeField".*?</p>\s*<div class="help">Time zone: UTC</div>', html, re.S
    )


def test_the_walk_sees_the_times_it_checks(support_client):
    """Not vacuous: a changelist with a time on it yields that time, zone and all."""
    from units.models import Unit

    _make(Unit, 1)  # its changelist shows when it was created
    text = _text(support_client.get(_url(Unit, "changelist")).content.decode())
    times = [m.group(0).strip() for m in TIME.finditer(text)]
    assert times and all(t.endswith("UTC") for t in times), times
