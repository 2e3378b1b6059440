"""Issue 12 item 5: every fetch error names the vendor and the call, and says what the
manager or support can do — for every PMSError kind, and for each vendor's real failures
over HTTP against the simulator."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import integrations.pms.errors as errors_module
from integrations.pms import PMSError
from integrations.pms.pages import PagesDisagree
from integrations.sync.user_sync import UnitsCallFailed

from .conftest import VENDOR_CODES

# What a manager or support is told to do: each message holds at least one of these.
ACTIONS = (
    "check the",
    "contact doorsync support",
    "will retry",
    "try again",
    "ask ",
    "edit it in",
    "wait a minute",
    "next sync",
)
VENDOR_NAMES = {
    "yardi": "Yardi",
    "realpage": "RealPage",
    "entrata": "Entrata",
    "mri": "MRI",
    "appfolio": "AppFolio",
    "buildium": "Buildium",
    "rentmanager": "Rent Manager",
}


def _error_classes() -> list[type[PMSError]]:
    found: list[type[PMSError]] = []
    pending = [PMSError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_kind_is_covered():
    names = {cls.__name__ for cls in _error_classes()}
    declared = {
        name for name, obj in vars(errors_module).items()
        if inspect.isclass(obj) and issubclass(obj, PMSError)
    }  # fmt: skip
    assert declared | {"PagesDisagree", "UnitsCallFailed"} <= names


def _variants(cls: type[PMSError]) -> list[dict[str, object]]:
    """The keyword arguments each kind takes beyond vendor, call and detail."""
    if cls is UnitsCallFailed:
        return [{"pms_property_id": "1001", "refused": True},
                {"pms_property_id": "1001", "refused": False}]  # fmt: skip
    return [{}]


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda cls: cls.__name__)
def test_each_error_kind_names_vendor_and_call_and_what_to_do(cls):
    for extra in _variants(cls):
        error = cls(vendor="Acme PMS", call="getThings", detail="it broke", **extra)
        for message in (error.message, error.setup_message, str(error)):
            assert "Acme PMS" in message
            assert "getThings" in message
            assert any(action in message for action in ACTIONS), message


FAULTS = {
    "server_error": ({"status_5xx": 50}, None),
    "malformed_body": ({"malformed_body": 1}, None),
    "truncated_page": ({"truncated_page": 1}, None),
    "expired_credential": ({"expired_credential": True}, None),
    "error_200": (None, {"error_200": 1}),
    "moving_record": (None, {"page_cap": 9, "moving_record": True}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("vendor", VENDOR_CODES)
def test_real_fetch_errors_name_vendor_call_and_what_to_do(sim, options, vendor, fault):
    faults, adversary = FAULTS[fault]
    if faults:
        sim.state.faults.set(vendor, faults)
    if adversary:
        sim.state.adversary.set(vendor, adversary)
    quick = dataclasses.replace(options, max_attempts=2)
    connector = sim.connector(vendor, options=quick)
    try:
        list(connector.fetch_residents(["1001", "1002"]))
    except PMSError as error:
        message = str(error)
        assert VENDOR_NAMES[vendor] in message
        assert error.call and error.call in message
        assert any(action in message for action in ACTIONS), message
        if fault == "moving_record":
            assert isinstance(error, PagesDisagree)
        return
    # Only a vendor that does not page can pass a "record moving between pages".
    assert fault == "moving_record" and vendor in ("yardi", "realpage"), fault


def test_an_unknown_property_names_it_and_where_to_fix_it(sim_connector):
    with pytest.raises(PMSError) as caught:
        list(sim_connector("mri").fetch_residents(["9999"]))
    message = str(caught.value)
    assert "MRI" in message and "9999" in message and "Property IDs" in message
    assert caught.value.call in message


@pytest.mark.parametrize("vendor", VENDOR_CODES)
def test_an_unknown_property_in_the_units_call_is_named(sim_connector, vendor):
    with pytest.raises(PMSError) as caught:
        sim_connector(vendor).fetch_units("9999")
    message = str(caught.value)
    assert VENDOR_NAMES[vendor] in message and "9999" in message
    assert caught.value.call in message
