"""Fixtures for the connector tests: one running simulator per session, a sleep recorder
so no test ever waits on the wall clock, and connectors wired to canned payloads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from integrations.pms import Connector, HttpOptions, get_connector
from integrations.simulator import SimulatorHandle, demo_fields, start_simulator

HERE = Path(__file__).parent
VENDOR_CODES = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")
SIM_RESIDENTS = 900


class SleepRecorder:
    """Stands in for time.sleep: records the delays the transport asked for."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorHandle]:
    with start_simulator(residents=SIM_RESIDENTS, seed=7) as sim:
        yield sim


@pytest.fixture
def sim(simulator: SimulatorHandle) -> Iterator[SimulatorHandle]:
    """The session simulator, with faults and adversarial behaviours cleared before and
    after the test."""
    simulator.state.faults.reset()
    simulator.state.adversary.reset()
    yield simulator
    simulator.state.faults.reset()
    simulator.state.adversary.reset()


@pytest.fixture
def sim_edits(sim: SimulatorHandle) -> Iterator[SimulatorHandle]:
    """For tests that edit the data set: it is regenerated afterwards."""
    yield sim
    sim.state.reset()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def options(sleeps: SleepRecorder) -> HttpOptions:
    return HttpOptions(sleep=sleeps, jitter=lambda: 0.0, read_timeout=10, connect_timeout=2)


@pytest.fixture
def sim_connector(sim: SimulatorHandle, options: HttpOptions) -> Callable[[str], Connector]:
    def make(vendor: str) -> Connector:
        return sim.connector(vendor, options=options)

    return make


@pytest.fixture
def load_payload() -> Callable[[str], bytes]:
    """Reads a hand-written sample from <vendor>/payloads/ ("yardi_login_failed.xml" is
    tests/integrations/vendors/yardi/payloads/yardi_login_failed.xml)."""
    return lambda name: (HERE / name.split("_", 1)[0] / "payloads" / name).read_bytes()


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def mock_connector(sleeps: SleepRecorder) -> Callable[..., Connector]:
    """A connector whose HTTP is answered by `handler` (no sockets)."""

    def make(vendor: str, handler: Handler, **option_overrides: object) -> Connector:
        opts = HttpOptions(
            sleep=sleeps,
            jitter=lambda: 0.0,
            transport=httpx.MockTransport(handler),
            **option_overrides,  # type: ignore[arg-type]
        )
        return get_connector(vendor, demo_fields(vendor), options=opts)

    return make


def _respond(body: bytes, status: int = 200, content_type: str = "text/xml; charset=utf-8",
             **headers: str) -> Handler:  # fmt: skip
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=body, headers={"Content-Type": content_type, **headers}
        )

    return handler


@pytest.fixture
def respond() -> Callable[..., Handler]:
    """respond(body, status=200, content_type=…, **headers): a handler that always
    answers the same, for one-call tests."""
    return _respond


PROPERTY_IDS = ("1001", "1002", "1003")


@pytest.fixture
def assert_matches_simulator(sim: SimulatorHandle) -> Callable[[str, Connector], None]:
    """Fetches everything through `connector` and checks it field by field against the
    simulator's own data — the contract test every vendor runs."""
    from integrations.pms.normalize import normalize_email, normalize_phone
    from integrations.simulator.vocab import as_served, external_id, raw_status, serves

    def check(vendor: str, connector: Connector) -> None:
        pages = list(connector.fetch_residents(PROPERTY_IDS))
        records = [record for page in pages for record in page.records]
        errors = [error for page in pages for error in page.errors]
        assert errors == []
        truth = {
            external_id(vendor, r): as_served(vendor, r)
            for r in sim.state.dataset.residents.values()
            if serves(vendor, r)
        }
        assert len(records) == len(truth)
        assert {r.external_id for r in records} == set(truth)
        for record in records:
            expected = truth[record.external_id]
            assert record.pms_property_id == expected.property_id
            assert (record.first_name, record.last_name) == (
                expected.first_name,
                expected.last_name,
            )
            assert record.email == normalize_email(expected.email)
            assert record.phone == (
                normalize_phone(expected.mobile) or normalize_phone(expected.home)
            )
            assert record.lifecycle is expected.lifecycle, record
            assert record.raw_status == raw_status(vendor, expected)
            assert record.role is expected.role, record
            assert record.lease_start == expected.lease_start
            assert record.lease_end == expected.lease_end
            assert record.move_in == expected.move_in
            assert record.move_out == expected.move_out
        units = {u.id for pid in PROPERTY_IDS for u in connector.fetch_units(pid)}
        assert {r.unit_id for r in records} <= units

    return check
