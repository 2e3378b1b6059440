"""Odd text in any parameter of any console URL is never a 500.

NUL bytes, lone surrogates, 100,000 characters and right-to-left marks go into every
query parameter and form field of every URL the tenant walk finds
(tests/properties/test_tenant_isolation.py), by GET and by POST. The parameter names are
harvested from the page's own forms and from the views' ``request.GET/POST.get`` calls,
so a new field or view is covered without anyone listing it. NUL and lone surrogates
must be refused with a 400 that names the parameter; the rest may be anything but a 500.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.properties import test_tenant_isolation as tenant_walk
from tests.properties.test_tenant_isolation import property_url_names, url_for

# The tenant walk's objects of every kind, one of each, at alice's property.
objects_of_prop_a = tenant_walk.objects_of_prop_a

pytestmark = pytest.mark.django_db

# Other URLs a manager reaches with parameters, outside the per-property ones.
OTHER_URLS = ["/", "/accounts/login/", "/api/schema/"]

LONG = "x" * 100_000
RTL = "\u202e\u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627\u200e 12B"
ODD_VALUES = {
    "nul": "a\x00b",
    "surrogate": "a\ud800b",
    "long": LONG,
    "rtl": RTL,
}
REFUSED = {"nul", "surrogate"}

_SOURCE_NAMES = re.compile(r"""(?:GET|POST)\.(?:get|getlist)\(\s*["']([A-Za-z0-9_\-]+)["']""")


def _names_in_views() -> set[str]:
    names: set[str] = set()
    for app in ("access", "common", "integrations", "properties", "residents", "units"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            names.update(_SOURCE_NAMES.findall(path.read_text()))
    return names


VIEW_NAMES = sorted(_names_in_views())


class _FieldNames(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"input", "select", "textarea", "button"}:
            name = dict(attrs).get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)


def _page_fields(client: Client, url: str) -> list[str]:
    """The names of the fields the page's own forms hold."""
    response = client.get(url)
    parser = _FieldNames()
    if response.get("Content-Type", "").startswith("text/html"):
        parser.feed(response.content.decode())
    return sorted(parser.names)


def _encode(pairs: list[tuple[str, str]]) -> str:
    # A lone surrogate cannot be UTF-8; as a browser or a probe would, send its bytes
    # (surrogatepass) and let Django decode what arrives.
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass")


def _send(client: Client, method: str, url: str, pairs: list[tuple[str, str]], htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "get":
        separator = "&" if "?" in url else "?"
        return client.get(url + separator + _encode(pairs), headers=headers)
    return client.post(
        url,
        data=_encode(pairs),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def _check(response, kind: str, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if kind in REFUSED:
        assert response.status_code == 400, f"{what}: {response.status_code}, not refused"
        assert "cannot store" in response.content.decode(errors="replace"), what


@pytest.fixture
def console_ids(request) -> dict[str, int]:
    return request.getfixturevalue("objects_of_prop_a")


@pytest.fixture
def manager(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def _walked() -> list[tuple[str, str]]:
    """(url name, tab or step) for every URL, every tab of Manage and step of the wizard
    (Unit Mapping's search is a tab, not a URL name of its own)."""
    from integrations.views import MANAGE_TABS, WIZARD_STEPS

    slugs = {
        "integrations-manage": [tab for tab, _ in MANAGE_TABS],
        "integrations-setup": [step for step, _ in WIZARD_STEPS],
    }
    return [(name, slug) for name in property_url_names() for slug in slugs.get(name, [""])] + [
        (url, "") for url in OTHER_URLS
    ]


@pytest.mark.parametrize(("name", "slug"), _walked())
def test_every_parameter_of_every_url_takes_odd_text_without_a_500(
    manager, console_ids, name, slug
):
    ids = {**console_ids, "tab": slug, "step": slug} if slug else console_ids
    url = name if name.startswith("/") else url_for(name, ids)
    fields = _page_fields(manager, url)
    # Every name any view reads, too: a view may read one its page does not show.
    parameters = sorted(set(fields) | set(VIEW_NAMES))
    for kind, value in ODD_VALUES.items():
        for method in ("get", "post"):
            # Every parameter at once, and each alone (one field's error can hide another's).
            _check(
                _send(manager, method, url, [(p, value) for p in parameters], htmx=False),
                kind,
                f"{method.upper()} {url} with every parameter {kind}",
            )
            # Each field alone: 100k characters by both methods, right-to-left text posted.
            if kind == "long" or (kind == "rtl" and method == "post"):
                for p in fields:
                    _check(
                        _send(manager, method, url, [(p, value)], htmx=method == "post"),
                        kind,
                        f"{method.upper()} {url} {p}={kind}",
                    )


def _odd_text() -> st.SearchStrategy[str]:
    pieces = st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "\u200f", "\u2066", "'", "%"])
    return st.one_of(
        st.text(max_size=40),
        st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=8).map("".join),
        st.integers(min_value=1_000, max_value=100_000).map(lambda n: "\u05d0" * n),
    )


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_odd_text_anywhere_is_never_a_500(manager, console_ids, data):
    name = data.draw(st.sampled_from([*property_url_names(), *OTHER_URLS]), label="url")
    url = name if name.startswith("/") else url_for(name, console_ids)
    method = data.draw(st.sampled_from(["get", "post"]), label="method")
    names = data.draw(
        st.lists(st.sampled_from([*VIEW_NAMES, "name", "email", "first_name", "label"]),
                 min_size=1, max_size=4),
        label="parameters",
    )  # fmt: skip
    pairs = [(n, data.draw(_odd_text(), label=n)) for n in names]
    htmx = data.draw(st.booleans(), label="htmx")
    response = _send(manager, method, url, pairs, htmx)
    assert response.status_code < 500
    if any(re.search("[\x00\ud800-\udfff]", v) for _, v in pairs):
        assert response.status_code == 400
