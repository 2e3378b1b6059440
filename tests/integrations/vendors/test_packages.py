"""A vendor is one package: its registry entry, client, mapping, statuses, simulator
wire format and fixtures live under integrations/vendors/<vendor>/, the registry lists
it on one line, and no connector code is written per vendor."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from integrations.pms import VENDORS, Connector, get_connector
from integrations.pms.registry import VENDOR_PACKAGES
from integrations.pms.vendor import Capabilities, VendorInfo, VendorMapping
from integrations.simulator import DEMO_CREDENTIALS

VENDORS_DIR = Path(importlib.import_module("integrations.vendors").__file__ or "").parent
PACKAGE_FILES = ("entry.py", "client.py", "mapping.py", "statuses.py", "simulator.py")


def test_every_vendor_package_is_registered_once_and_every_registered_vendor_has_a_package():
    on_disk = {p.name for p in VENDORS_DIR.iterdir() if (p / "entry.py").exists()}
    assert set(VENDORS) == on_disk
    assert [package.rsplit(".", 1)[-1] for package in VENDOR_PACKAGES] == list(VENDORS)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_vendor_package_holds_every_part(vendor):
    folder = VENDORS_DIR / vendor
    for name in PACKAGE_FILES:
        assert (folder / name).is_file(), f"{vendor} has no {name}"
    assert (folder / "fixtures").is_dir()
    assert (Path(__file__).parent / vendor).is_dir(), "tests mirror the package"
    info = VENDORS[vendor]
    assert isinstance(info, VendorInfo) and isinstance(info.capabilities, Capabilities)
    for path in (info.client, info.mapping, info.simulator):
        assert path.startswith(f"integrations.vendors.{vendor}."), path
    assert isinstance(info.vendor_mapping(), VendorMapping)
    module = info.simulator_module()
    assert callable(module.handle) and callable(module.failure)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_the_connector_builds_the_declared_client(vendor):
    with get_connector(vendor, DEMO_CREDENTIALS[vendor]) as connector:
        assert type(connector) is Connector
        assert type(connector.client) is VENDORS[vendor].client_class()
        assert connector.display_name == VENDORS[vendor].display_name
        assert connector.list_lease_statuses() == list(VENDORS[vendor].vendor_mapping().statuses)


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_vendor_packages_import_no_django_and_no_other_vendor():
    for path in VENDORS_DIR.rglob("*.py"):
        vendor = path.relative_to(VENDORS_DIR).parts[0]
        for module in _imported_modules(path):
            assert module.split(".")[0] != "django", f"{path} imports {module}"
            if module.startswith("integrations.vendors."):
                assert module.split(".")[2] == vendor, f"{path} imports {module}"


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_vendor_declaring_changed_since_implements_the_call(vendor):
    """The delta sync asks Capabilities, then calls the client (pms/vendor.py)."""
    info = VENDORS[vendor]
    implemented = callable(getattr(info.client_class(), "resident_pages_changed_since", None))
    assert implemented == info.capabilities.changed_since
