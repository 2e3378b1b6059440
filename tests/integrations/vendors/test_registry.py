"""The vendor registry: credential fields, secrets, and building connectors."""

from __future__ import annotations

import pytest

from integrations.pms import (
    VENDORS,
    Connector,
    CredentialFieldsInvalid,
    get_connector,
    secret_values,
)
from integrations.simulator import DEMO_CREDENTIALS


def test_the_vendors_each_with_a_secret_field():
    assert set(VENDORS) == {
        "yardi",
        "realpage",
        "entrata",
        "mri",
        "appfolio",
        "buildium",
        "rentmanager",
    }
    for info in VENDORS.values():
        assert info.display_name and info.secret_field_names


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_demo_credentials_make_a_connector(vendor):
    with get_connector(vendor, DEMO_CREDENTIALS[vendor]) as connector:
        assert isinstance(connector, Connector) and connector.vendor == vendor
        assert connector.list_lease_statuses()


def test_missing_fields_are_named_by_label_never_by_value():
    fields = dict(DEMO_CREDENTIALS["yardi"], password="", database="  ")
    with pytest.raises(CredentialFieldsInvalid) as caught:
        get_connector("yardi", fields)
    assert str(caught.value) == "Yardi Voyager credential is missing: Password, Database"
    assert DEMO_CREDENTIALS["yardi"]["interface_license"] not in str(caught.value)


def test_defaults_fill_optional_fields():
    fields = {k: v for k, v in DEMO_CREDENTIALS["yardi"].items() if k != "platform"}
    assert get_connector("yardi", fields).fields["platform"] == "SQL Server"


def test_unknown_vendor():
    with pytest.raises(CredentialFieldsInvalid, match="unknown PMS vendor 'propertyware'"):
        get_connector("propertyware", {})


def test_secret_values():
    assert set(secret_values("mri", DEMO_CREDENTIALS["mri"])) == {
        "mri-demo-partner-key",
        "mri-demo-password",
    }
