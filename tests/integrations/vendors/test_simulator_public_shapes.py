"""The simulator serves the public shapes: every member (JSON) or element (XML) it sends
for Entrata, RealPage, AppFolio, Buildium and Rent Manager appears, with the same spelling and letter case, in
that vendor's public-shape fixtures. A simulator written from the connector's own
assumptions would show here as a name no public source has."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.pms.soap import stream_elements
from tests.integrations.vendors.public_shapes import fixture_path, folded, key_paths, load

PROPERTY = "1001"


def rows_of(doc: Mapping[str, Any], *path: str) -> list[Any]:
    """The rows at `path` of a fixture's response body (a single object counts as one)."""
    found: list[Any] = [doc["response"]["body"]]
    for key in path:
        found = [
            item
            for value in found
            for item in (value[key] if isinstance(value[key], list) else [value[key]])
        ]
    return found


def paths(rows: Iterable[Any]) -> set[str]:
    return folded(set().union(*(key_paths(row) for row in rows)))


def unknown(served: Iterable[Any], public: Iterable[Any]) -> set[str]:
    served, public = list(served), list(public)
    assert served and public, "nothing to compare"
    return paths(served) - paths(public)


def test_entrata(sim_connector):
    client: Any = sim_connector("entrata").client
    leases = [lease for page in client.lease_pages(PROPERTY) for lease in page]
    result = ("response", "result")
    public_leases = [
        lease
        for name in ("get_leases_page1.json", "get_leases_page2.json")
        for lease in rows_of(load("entrata", name), *result, "leases", "lease")
    ]
    assert unknown(leases, public_leases) == set()
    properties = rows_of(
        load("entrata", "get_properties.json"), *result, "PhysicalProperty", "Property"
    )
    assert unknown(client.properties(), properties) == set()
    units = rows_of(
        load("entrata", "get_property_units.json"),
        *result,
        "properties",
        "property",
        "units",
        "unit",
    )
    assert unknown(client.units(PROPERTY), units) == set()


def test_appfolio(sim_connector):
    client: Any = sim_connector("appfolio").client
    tenants = [row for page in client.tenant_pages([PROPERTY]) for row in page]
    public = [
        row
        for name in ("tenant_directory_page1.json", "tenant_directory_page2.json")
        for row in rows_of(load("appfolio", name), "results")
    ]
    assert unknown(tenants, public) == set()
    assert (
        unknown(client.units(PROPERTY), rows_of(load("appfolio", "unit_directory.json"), "results"))
        == set()
    )
    assert (
        unknown(
            client.properties(), rows_of(load("appfolio", "property_directory.json"), "results")
        )
        == set()
    )


def xml_rows(name: str, wanted: str) -> list[dict[str, Any]]:
    data = fixture_path("realpage", name).read_bytes()
    return [row for _, row in stream_elements(io.BytesIO(data), frozenset({wanted}))]


def test_realpage(sim_connector):
    client: Any = sim_connector("realpage").client
    residents = list(client.residents(PROPERTY))
    assert unknown(residents, xml_rows("getresidentlist.response.xml", "resident")) == set()
    assert (
        unknown(client.units(PROPERTY), xml_rows("getunitlist.response.xml", "UnitObject")) == set()
    )
    assert unknown(client.properties(), xml_rows("getsitelist.response.xml", "Site")) == set()
    served_units = client._site_rows("unitlist", PROPERTY, frozenset({"Unit"}))
    assert unknown(served_units, xml_rows("unitlist.response.xml", "Unit")) == set()


def test_buildium(sim_connector):
    client: Any = sim_connector("buildium").client
    leases = [row for page in client.resident_pages([PROPERTY]) for row in page.rows]
    public = [
        row
        for name in ("leases_page1.json", "leases_page2.json")
        for row in load("buildium", name)["response"]["body"]
    ]
    # The client joins tenant details in under its own key; the wire's leases are compared.
    served = [{k: v for k, v in lease.items() if k != "_TenantDetails"} for lease in leases]
    assert unknown(served, public) == set()
    tenants = [
        row
        for page in client._list("/v1/leases/tenants", {"propertyids": PROPERTY})
        for row in page
    ]
    assert unknown(tenants, load("buildium", "tenants.json")["response"]["body"]) == set()
    assert (
        unknown(client.units(PROPERTY), load("buildium", "rental_units.json")["response"]["body"])
        == set()
    )
    assert (
        unknown(client.properties(), load("buildium", "rentals.json")["response"]["body"]) == set()
    )


def rm_rows(name: str) -> list[Any]:
    """A Rent Manager fixture's rows: its body is the list itself."""
    body = load("rentmanager", name)["response"]["body"]
    assert isinstance(body, list)
    return body


def test_rentmanager(sim_connector):
    client: Any = sim_connector("rentmanager").client
    tenants = [row for page in client.tenant_pages(f"PropertyID,eq,{PROPERTY}") for row in page]
    public = [
        row
        for name in ("tenants_page1.json", "tenants_page2.json", "tenants_by_id.json")
        for row in rm_rows(name)
    ]
    assert unknown(tenants, public) == set()
    assert unknown(client.units(PROPERTY), rm_rows("units.json")) == set()
    assert unknown(client.properties(), rm_rows("properties.json")) == set()
    leases = [
        row
        for page in client._collection(
            "Leases",
            {"filters": f"PropertyID,eq,{PROPERTY}", "fields": "LeaseID,TenantID,UpdateDate"},
            key=None,
        )
        for row in page
    ]
    assert unknown(leases, rm_rows("leases_changed_since.json")) == set()
