"""The simulator's one seeded data set, which every vendor's wire format is rendered from."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from integrations.pms.types import Lifecycle, ResidentRole

FIRST_NAMES = (
    "Ana", "Ben", "Chloé", "Darius", "Elena", "Farah", "Gabriel", "Hana", "Ibrahim", "Jade",
    "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tamar",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoë", "Aiden", "Bianca", "Carlos", "Dana",
    "Eli", "Fatima", "Grace", "Hiro", "Isla", "José", "Kai", "Lucía", "Malik", "Noor",
)  # fmt: skip
LAST_NAMES = (
    "Abara", "Becker", "Castillo", "Dubois", "Eriksen", "Fujita", "García", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Patel",
    "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Valdez", "Williams", "Xu", "Yilmaz",
    "Zhang", "Adeyemi", "Brennan", "Chen", "Da Silva", "Evans", "Fischer", "Gómez", "Huang",
)  # fmt: skip
PROPERTIES = (
    ("1001", "Harbor View Apartments", "100 Harbor Way", "San Francisco", "CA", "94107"),
    ("1002", "Maple Court", "25 Maple Street", "Denver", "CO", "80205"),
    ("1003", "The Foundry Lofts", "9 Foundry Row", "Boston", "MA", "02210"),
)
AREA_CODES = ("212", "312", "415", "617", "720", "305", "206", "512")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
LIFECYCLE_WEIGHTS = (
    (Lifecycle.CURRENT, 55),
    (Lifecycle.NOTICE, 7),
    (Lifecycle.FUTURE, 9),
    (Lifecycle.PAST, 19),
    (Lifecycle.APPLICANT, 6),
    (Lifecycle.CANCELLED, 4),
)

DEFAULT_RESIDENTS = 1200
DEFAULT_SEED = 7


@dataclass(slots=True)
class SimProperty:
    id: str
    name: str
    street: str
    city: str
    state: str
    postal_code: str


@dataclass(slots=True)
class SimUnit:
    id: int
    property_id: str
    name: str
    building: str
    floor: int


@dataclass(slots=True)
class SimResident:
    id: int
    property_id: str
    unit_id: int
    lease_id: int
    role: ResidentRole
    lifecycle: Lifecycle
    first_name: str
    last_name: str
    email: str
    mobile: str = ""
    home: str = ""
    lease_start: date | None = None
    lease_end: date | None = None
    move_in: date | None = None
    move_out: date | None = None
    notice_date: date | None = None
    # Picks among a vendor's synonyms for one lifecycle (Yardi "Canceled" vs "Cancelled").
    variant: int = 0
    # When the PMS last saved the record (aware UTC, the simulator's clock): what a
    # vendor's "changed since" filter compares, and what its rows report
    # (Dataset.update/create set it; the control page and API edit through them).
    modified_at: datetime = datetime(2000, 1, 1, tzinfo=UTC)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        out["id"] = self.id
        out["unit_id"] = self.unit_id
        out["lease_id"] = self.lease_id
        out["variant"] = self.variant
        return out


EDITABLE = frozenset(
    {
        "first_name", "last_name", "email", "mobile", "home", "lifecycle", "role", "unit_id",
        "lease_id", "lease_start", "lease_end", "move_in", "move_out", "notice_date", "variant",
    }
)  # fmt: skip
_DATE_FIELDS = frozenset({"lease_start", "lease_end", "move_in", "move_out", "notice_date"})


class InvalidEdit(ValueError):
    pass


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dataset:
    properties: dict[str, SimProperty]
    units: dict[int, SimUnit]
    residents: dict[int, SimResident]
    today: date
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 0
    # The PMS's clock, which stamps every edit's modified_at. Injectable so a test or a
    # benchmark decides when each change happens (a move-out at 10:42:00.000 exactly, two
    # edits sharing one timestamp) without waiting on the wall clock: set it on
    # SimState.clock (start_simulator(clock=…)) or call `at` for one edit.
    clock: Callable[[], datetime] = _wall_clock
    _cache: dict[str, tuple[int, list[SimResident]]] = field(default_factory=dict)
    _lease_cache: dict[str, tuple[int, list[list[SimResident]]]] = field(default_factory=dict)

    # -- reads (snapshots: a response streams from a list no edit can change under it) --

    def residents_of(self, property_id: str) -> list[SimResident]:
        """A property's residents grouped by lease, the lease holder first."""
        with self.lock:
            cached = self._cache.get(property_id)
            if cached and cached[0] == self.version:
                return cached[1]
            found = sorted(
                (r for r in self.residents.values() if r.property_id == property_id),
                key=lambda r: (r.lease_id, r.role is not ResidentRole.PRIMARY, r.id),
            )
            self._cache[property_id] = (self.version, found)
            return found

    def leases_of(self, property_id: str) -> list[list[SimResident]]:
        """A property's residents as leases: lists of residents, the lease holder first."""
        with self.lock:
            cached = self._lease_cache.get(property_id)
            if cached and cached[0] == self.version:
                return cached[1]
            grouped: list[list[SimResident]] = []
            for resident in self.residents_of(property_id):
                if grouped and grouped[-1][0].lease_id == resident.lease_id:
                    grouped[-1].append(resident)
                else:
                    grouped.append([resident])
            self._lease_cache[property_id] = (self.version, grouped)
            return grouped

    def warm(self) -> None:
        """Build the per-property indexes now, so no request pays for them."""
        for property_id in self.properties:
            self.leases_of(property_id)

    def units_of(self, property_id: str) -> list[SimUnit]:
        with self.lock:
            return [u for u in self.units.values() if u.property_id == property_id]

    # -- edits --------------------------------------------------------------------------

    def changed_since(self, property_id: str, since: datetime) -> list[SimResident]:
        """A property's residents modified at or after `since` (aware), grouped by lease
        like residents_of — what a vendor's changed-since filter answers."""
        return [r for r in self.residents_of(property_id) if r.modified_at >= since]

    def update(
        self, resident_id: int, changes: Mapping[str, Any], *, at: datetime | None = None
    ) -> SimResident:
        """Edit one resident as a PMS user would; the edit is stamped `at` (default: the
        dataset's clock)."""
        with self.lock:
            current = self.residents.get(resident_id)
            if current is None:
                raise KeyError(resident_id)
            updated = replace(current, **self._coerce(changes), modified_at=self._stamp(at))
            self._check(updated)
            self.residents[resident_id] = updated
            self.version += 1
            return updated

    def create(self, values: Mapping[str, Any], *, at: datetime | None = None) -> SimResident:
        with self.lock:
            coerced = self._coerce({k: v for k, v in values.items() if k != "property_id"})
            if "unit_id" not in coerced:
                raise InvalidEdit("unit_id is required")
            unit = self.units.get(coerced["unit_id"])
            if unit is None:
                raise InvalidEdit(f"no unit {coerced['unit_id']}")
            new_id = max(self.residents, default=0) + 1
            coerced.setdefault("lease_id", new_id)
            coerced.setdefault("role", ResidentRole.PRIMARY)
            coerced.setdefault("lifecycle", Lifecycle.CURRENT)
            for name in ("first_name", "last_name", "email"):
                coerced.setdefault(name, "")
            resident = SimResident(
                id=new_id, property_id=unit.property_id, modified_at=self._stamp(at), **coerced
            )
            self._check(resident)
            self.residents[new_id] = resident
            self.version += 1
            return resident

    def _stamp(self, at: datetime | None) -> datetime:
        stamp = at if at is not None else self.clock()
        if stamp.tzinfo is None:
            raise InvalidEdit("a modification time must be aware (UTC)")
        return stamp.astimezone(UTC)

    def _coerce(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise InvalidEdit(f"cannot set {', '.join(sorted(unknown))}")
        out: dict[str, Any] = {}
        for name, value in changes.items():
            try:
                if name in _DATE_FIELDS:
                    out[name] = date.fromisoformat(value) if value else None
                elif name == "lifecycle":
                    out[name] = Lifecycle(str(value).lower())
                elif name == "role":
                    out[name] = ResidentRole(str(value).lower())
                elif name in ("unit_id", "lease_id", "variant"):
                    out[name] = int(value)
                else:
                    out[name] = "" if value is None else str(value)
            except (TypeError, ValueError) as exc:
                raise InvalidEdit(f"{name}: {exc}") from None
        return out

    def _check(self, resident: SimResident) -> None:
        unit = self.units.get(resident.unit_id)
        if unit is None:
            raise InvalidEdit(f"no unit {resident.unit_id}")
        # Moving a resident to a unit of another property moves them with it.
        resident.property_id = unit.property_id


def _phone(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    while True:
        exchange = rng.randint(201, 989)
        if exchange % 100 != 11 and exchange != 555:
            break
    line = rng.randint(0, 9999)
    style = rng.randrange(4)
    digits = f"{area}{exchange}{line:04d}"
    if style == 0:
        return f"({area}) {exchange}-{line:04d}"
    if style == 1:
        return f"{area}.{exchange}.{line:04d}"
    if style == 2:
        return digits
    return f"+1 {area} {exchange} {line:04d}"


def _dates(rng: random.Random, lifecycle: Lifecycle, today: date) -> dict[str, date | None]:
    """Lease dates consistent with the lifecycle as of `today`."""
    days = timedelta
    if lifecycle in (Lifecycle.CURRENT, Lifecycle.NOTICE):
        start = today - days(rng.randint(30, 700))
        end = start + days(365)
        if end <= today:
            end = today + days(rng.randint(20, 300))
        notice = today - days(rng.randint(1, 40)) if lifecycle is Lifecycle.NOTICE else None
        move_out = today + days(rng.randint(5, 60)) if notice else None
        return {"lease_start": start, "lease_end": end, "move_in": start,
                "move_out": move_out, "notice_date": notice}  # fmt: skip
    if lifecycle in (Lifecycle.FUTURE, Lifecycle.APPLICANT):
        start = today + days(rng.randint(5, 120))
        return {"lease_start": start, "lease_end": start + days(365), "move_in": None,
                "move_out": None, "notice_date": None}  # fmt: skip
    if lifecycle is Lifecycle.PAST:
        end = today - days(rng.randint(1, 900))
        start = end - days(365)
        return {"lease_start": start, "lease_end": end, "move_in": start,
                "move_out": end, "notice_date": end - days(30)}  # fmt: skip
    start = today + days(rng.randint(-60, 60))
    return {"lease_start": start, "lease_end": start + days(365), "move_in": None,
            "move_out": None, "notice_date": None}  # fmt: skip


def _email(rng: random.Random, first: str, last: str, serial: int) -> str:
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    local = local.encode("ascii", "ignore").decode() or "resident"
    address = f"{local}{serial}@{rng.choice(EMAIL_DOMAINS)}"
    roll = rng.random()
    if roll < 0.03:
        return ""  # residents without an email
    if roll < 0.07:
        return f"  {address.title()} "  # stray case and spaces, as typed at the front desk
    if roll < 0.08:
        return rng.choice(("n/a", f"{local}@", "none"))
    return address


def generate(
    *,
    residents: int = DEFAULT_RESIDENTS,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Dataset:
    """A deterministic data set: same arguments (and day), same data. Every seeded lease
    was last modified at some whole minute of the 30 days before the clock's now, all its
    people at that one moment (entered together): timestamps collide, as they do in a PMS
    saving a household at once or stamping to the minute (MRI's LastUpdateDate)."""
    rng = random.Random(seed)
    # Its own generator: the people a seed makes stay the same as before stamps existed.
    stamps = random.Random(seed + 1)
    clock = clock or _wall_clock
    seeded_at = clock().astimezone(UTC).replace(microsecond=0)
    today = today or date.today()
    properties = {p[0]: SimProperty(*p) for p in PROPERTIES}
    unit_count = max(360, residents // 2)
    units: dict[int, SimUnit] = {}
    property_ids = list(properties)
    for index in range(unit_count):
        property_id = property_ids[index % len(property_ids)]
        serial = index // len(property_ids)
        building = "ABCD"[serial % 4]
        floor = 1 + (serial // 4) % 12
        number = 1 + serial // 48
        unit_id = 10001 + index
        name = f"{building}-{floor}{number:02d}"
        units[unit_id] = SimUnit(unit_id, property_id, name, building, floor)

    people: dict[int, SimResident] = {}
    lifecycles = [lc for lc, _ in LIFECYCLE_WEIGHTS]
    weights = [w for _, w in LIFECYCLE_WEIGHTS]
    unit_ids = list(units)
    next_id = 1
    household = 0
    while next_id <= residents:
        unit = units[unit_ids[household % len(unit_ids)]]
        household += 1
        lifecycle = rng.choices(lifecycles, weights)[0]
        dates = _dates(rng, lifecycle, today)
        size = rng.choices((1, 2, 3), (55, 33, 12))[0]
        roles = [ResidentRole.PRIMARY] + [ResidentRole.ROOMMATE] * (size - 1)
        if rng.random() < 0.12:
            roles.append(ResidentRole.GUARANTOR)
        if rng.random() < 0.05:
            roles.append(ResidentRole.OCCUPANT)
        lease_id = next_id
        saved_at = seeded_at - timedelta(minutes=stamps.randint(1, 30 * 24 * 60))
        last_name = rng.choice(LAST_NAMES)
        variant = 0 if rng.random() < 0.8 else rng.randint(1, 3)
        for role in roles:
            if next_id > residents:
                break
            first = rng.choice(FIRST_NAMES)
            last = last_name if role is not ResidentRole.GUARANTOR else rng.choice(LAST_NAMES)
            phone_roll = rng.random()
            people[next_id] = SimResident(
                id=next_id,
                property_id=unit.property_id,
                unit_id=unit.id,
                lease_id=lease_id,
                role=role,
                lifecycle=lifecycle,
                first_name=first,
                last_name=last,
                email=_email(rng, first, last, next_id),
                mobile=_phone(rng) if phone_roll < 0.75 else "",
                home=_phone(rng) if 0.35 < phone_roll < 0.9 else "",
                variant=variant,
                modified_at=saved_at,
                **dates,
            )
            next_id += 1

    # Two different people sharing one address (a couple, a parent's email): the sync
    # must raise a Duplicate alert rather than merge them.
    if len(people) >= 40:
        shared = f"shared.inbox{seed}@example.com"
        people[12] = replace(people[12], email=shared)
        people[37] = replace(people[37], email=shared.upper())
    return Dataset(properties=properties, units=units, residents=people, today=today, clock=clock)
