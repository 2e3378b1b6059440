"""The PMS simulator holding a fleet: many PMS properties of N residents each.

Used by benchmarks/fleet.py (in its own process, ``python benchmarks/_fleet_sim.py``) and
benchmarks/latency.py (in-process, under a simulated clock).

The stock data set has three PMS properties and finds a property's residents by scanning
every resident (cached until the next edit, then rebuilt for every property). At 2,000
properties and 500,000 residents that scan — per property, after every edit — would be
the simulator's cost, not the sync's. ``FleetDataset`` keeps the same data and contract
with an index per property, invalidated only for the properties an edit touches.
Everything else (wire formats, faults, edits through ``Dataset.update``) is the
simulator's own.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.data import (
    FIRST_NAMES,
    LAST_NAMES,
    LIFECYCLE_WEIGHTS,
    Dataset,
    SimProperty,
    SimResident,
    SimUnit,
    _dates,
    _email,
    _phone,
)

FIRST_PMS_PROPERTY = 20001


def pms_property_ids(count: int) -> list[str]:
    return [str(FIRST_PMS_PROPERTY + n) for n in range(count)]


@dataclass
class FleetDataset(Dataset):
    """A Dataset with an index per property, rebuilt only where an edit landed."""

    members: dict[str, set[int]] = field(default_factory=dict)
    units_by_property: dict[str, list[SimUnit]] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=set)
    _by_property: dict[str, list[SimResident]] = field(default_factory=dict)
    _leases_by_property: dict[str, list[list[SimResident]]] = field(default_factory=dict)

    def residents_of(self, property_id: str) -> list[SimResident]:
        with self.lock:
            found = self._by_property.get(property_id)
            if found is not None and property_id not in self._dirty:
                return found
            found = sorted(
                (self.residents[i] for i in self.members.get(property_id, ())),
                key=lambda r: (r.lease_id, r.role is not ResidentRole.PRIMARY, r.id),
            )
            self._by_property[property_id] = found
            self._leases_by_property.pop(property_id, None)
            self._dirty.discard(property_id)
            return found

    def leases_of(self, property_id: str) -> list[list[SimResident]]:
        with self.lock:
            residents = self.residents_of(property_id)
            grouped = self._leases_by_property.get(property_id)
            if grouped is not None:
                return grouped
            grouped = []
            for resident in residents:
                if grouped and grouped[-1][0].lease_id == resident.lease_id:
                    grouped[-1].append(resident)
                else:
                    grouped.append([resident])
            self._leases_by_property[property_id] = grouped
            return grouped

    def units_of(self, property_id: str) -> list[SimUnit]:
        with self.lock:
            return list(self.units_by_property.get(property_id, ()))

    def update(self, resident_id: int, changes: Any, **kwargs: Any) -> SimResident:
        with self.lock:
            before = self.residents.get(resident_id)
            updated = super().update(resident_id, changes, **kwargs)
            if before is not None and before.property_id != updated.property_id:
                self.members[before.property_id].discard(resident_id)
                self._dirty.add(before.property_id)
            self.members.setdefault(updated.property_id, set()).add(resident_id)
            self._dirty.add(updated.property_id)
            return updated

    def create(self, values: Any, **kwargs: Any) -> SimResident:
        with self.lock:
            created = super().create(values, **kwargs)
            self.members.setdefault(created.property_id, set()).add(created.id)
            self._dirty.add(created.property_id)
            return created

    def warm(self) -> None:
        for property_id in self.properties:
            self.leases_of(property_id)


def fleet_generate(
    *, properties: int, per_property: int, seed: int = 7, today: date | None = None
) -> FleetDataset:
    """``properties`` PMS properties of ``per_property`` residents each, in households as
    the stock generator makes them (lifecycles, roommates, guarantors, phones, emails),
    deterministic for the same arguments and day."""
    rng = random.Random(seed)
    today = today or date.today()
    lifecycles = [lc for lc, _ in LIFECYCLE_WEIGHTS]
    weights = [w for _, w in LIFECYCLE_WEIGHTS]
    props: dict[str, SimProperty] = {}
    units: dict[int, SimUnit] = {}
    people: dict[int, SimResident] = {}
    members: dict[str, set[int]] = {}
    units_by_property: dict[str, list[SimUnit]] = {}
    next_unit, next_id = 10001, 1
    unit_count = max(1, per_property // 2)
    for property_id in pms_property_ids(properties):
        props[property_id] = SimProperty(
            property_id, f"Fleet {property_id}", f"{property_id} Main Street", "Springfield",
            "IL", "62701",
        )  # fmt: skip
        own_units = []
        for serial in range(unit_count):
            unit = SimUnit(
                next_unit, property_id, f"{'ABCD'[serial % 4]}-{1 + (serial // 4) % 12}"
                f"{1 + serial // 48:02d}", "ABCD"[serial % 4], 1 + (serial // 4) % 12,
            )  # fmt: skip
            units[next_unit] = unit
            own_units.append(unit)
            next_unit += 1
        units_by_property[property_id] = own_units
        ids: set[int] = set()
        last_id = next_id + per_property - 1
        household = 0
        while next_id <= last_id:
            unit = own_units[household % len(own_units)]
            household += 1
            lifecycle = rng.choices(lifecycles, weights)[0]
            dates = _dates(rng, lifecycle, today)
            size = rng.choices((1, 2, 3), (55, 33, 12))[0]
            roles = [ResidentRole.PRIMARY] + [ResidentRole.ROOMMATE] * (size - 1)
            if rng.random() < 0.12:
                roles.append(ResidentRole.GUARANTOR)
            lease_id = next_id
            last_name = rng.choice(LAST_NAMES)
            variant = 0 if rng.random() < 0.8 else rng.randint(1, 3)
            for role in roles:
                if next_id > last_id:
                    break
                first = rng.choice(FIRST_NAMES)
                last = last_name if role is not ResidentRole.GUARANTOR else rng.choice(LAST_NAMES)
                phone_roll = rng.random()
                people[next_id] = SimResident(
                    id=next_id, property_id=property_id, unit_id=unit.id, lease_id=lease_id,
                    role=role, lifecycle=lifecycle, first_name=first, last_name=last,
                    email=_email(rng, first, last, next_id),
                    mobile=_phone(rng) if phone_roll < 0.75 else "",
                    home=_phone(rng) if 0.35 < phone_roll < 0.9 else "",
                    variant=variant, **dates,
                )  # fmt: skip
                ids.add(next_id)
                next_id += 1
        members[property_id] = ids
    dataset = FleetDataset(
        properties=props, units=units, residents=people, today=today, members=members,
        units_by_property=units_by_property,
    )  # fmt: skip
    dataset.warm()
    return dataset


def move_out(dataset: Dataset, resident_id: int) -> list[int]:
    """The PMS records a household's move-out today: everyone on the resident's lease is
    Past, moved out today (every vendor's wire can say that; a roommate leaving alone with
    today's date still counts as living there until tomorrow, by design). Returns the
    simulator ids of the people moved out."""
    today = dataset.today.isoformat()
    with dataset.lock:
        resident = dataset.residents[resident_id]
        members = getattr(dataset, "members", {}).get(resident.property_id, dataset.residents)
        household = [i for i in members if dataset.residents[i].lease_id == resident.lease_id]
        for person in household:
            dataset.update(person, {"lifecycle": "past", "move_out": today, "lease_end": today})
    return household


def residents_change(dataset: Dataset, fraction: float, *, seed: int, round_no: int) -> int:
    """Edit ``fraction`` of the residents as PMS users do between two syncs: mostly a last
    name or a phone, and one change in ten a current resident's household moving out."""
    rng = random.Random(seed * 1000 + round_no)
    ids = sorted(dataset.residents)
    chosen = rng.sample(ids, max(1, round(len(ids) * fraction)))
    for n, resident_id in enumerate(chosen):
        resident = dataset.residents[resident_id]
        if n % 10 == 9 and resident.lifecycle is Lifecycle.CURRENT:
            move_out(dataset, resident_id)  # the household
        elif n % 2:
            dataset.update(resident_id, {"last_name": f"{resident.last_name}-{round_no}"})
        else:
            dataset.update(
                resident_id, {"mobile": f"(415) 7{round_no % 10}{n % 10}-{n % 10000:04d}"}
            )
    return len(chosen)


def state_with(dataset: Dataset) -> Any:
    """A SimState serving ``dataset`` (the stock one is built small and replaced)."""
    from integrations.simulator.server import SimState

    state = SimState(residents=40)
    state.dataset = dataset
    return state


def fleet_server(dataset: Dataset, *, latency_ms: int = 0) -> Any:
    """A simulator server (not yet serving) for ``dataset`` on a free loopback port.

    Its handler disables Nagle's algorithm: the stock handler writes a response's headers
    and body in two sends, and Nagle holding the second until the client's delayed ACK
    adds ~40 ms to every request on Linux — a stall of the loopback simulator, not of any
    vendor, which would swamp the sync's own cost. A vendor's real latency is
    ``latency_ms`` instead: the simulator's own latency fault, for every vendor."""
    from integrations.simulator.server import SimulatorRequestHandler, SimulatorServer

    class Handler(SimulatorRequestHandler):
        disable_nagle_algorithm = True

        def _dispatch(self) -> None:
            server.requests += 1  # one thread at a time here is not needed: an estimate
            super()._dispatch()

    class Server(SimulatorServer):
        def __init__(self, address: tuple[str, int], state: Any) -> None:
            super().__init__(address, state)
            self.RequestHandlerClass = Handler

    server = Server(("127.0.0.1", 0), state_with(dataset))
    server.requests = 0  # type: ignore[attr-defined]
    if latency_ms:
        for vendor in server.vendors:
            server.state.faults.set(vendor, {"latency_ms": latency_ms})
    return server


def serve(argv: list[str] | None = None) -> None:
    """The fleet simulator in this process; prints its URL, then obeys stdin lines:
    ``change <fraction> <round>`` (answers ``changed <n>``), ``rss`` (answers the VmRSS and
    VmHWM in MB, the CPU seconds used and the requests served), ``quit``."""
    import logging
    import os
    import resource
    import threading

    parser = argparse.ArgumentParser()
    parser.add_argument("--properties", type=int, required=True)
    parser.add_argument("--per-property", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    dataset = fleet_generate(
        properties=args.properties, per_property=args.per_property, seed=args.seed
    )
    server = fleet_server(dataset, latency_ms=args.latency_ms)
    host, port = server.server_address[:2]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PMS simulator listening on http://{host!s}:{port} ({len(dataset.residents)} "
          f"residents, {args.properties} properties)", flush=True)  # fmt: skip
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] == "change":
            n = residents_change(dataset, float(words[1]), seed=args.seed, round_no=int(words[2]))
            dataset.warm()
            print(f"changed {n}", flush=True)
        elif words[0] == "rss":
            status = Path(f"/proc/{os.getpid()}/status").read_text()
            mb = {
                k: int(v.split()[0]) / 1024
                for k, v in (row.split(":", 1) for row in status.splitlines() if ":" in row)
                if k in ("VmRSS", "VmHWM")
            }
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(f"{mb.get('VmRSS', 0):.0f} {mb.get('VmHWM', 0):.0f} "
                  f"{usage.ru_utime + usage.ru_stime:.2f} {server.requests}", flush=True)  # fmt: skip
    server.shutdown()


if __name__ == "__main__":
    serve()
