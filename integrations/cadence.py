"""How often an integration syncs: the choices, what each costs of the vendor's rate limit,
and when the next sync is due.

The sums, per credential (a vendor counts calls per login, and one credential may serve
several properties of an organization):

- calls per sync: what a full sync of an integration's PMS properties makes, per vendor,
  from its client's calls and page sizes (CALLS below), with the records the integration
  last saw as the size of each property;
- share of a limit: the calls a cadence makes per `per_seconds` window, on average, over
  the limit's `calls` — summed over every integration using the credential;
- a cadence is allowed when every limit's share stays at or under CADENCE_SHARE, leaving the
  rest for Sync Now, retries and connection tests.

Beat spreads the syncs (sync_due): each integration has a stable offset within its
interval, drawn from its id, so 200 hourly integrations do not all start at :00 — each
starts at its own minute of the hour, every hour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from integrations.pms.budget import vendor_limits
from integrations.pms.registry import vendor_info
from integrations.pms.vendor import RateLimit

# Minutes a manager may choose; 5 is the floor the model enforces.
CADENCE_CHOICES: tuple[int, ...] = (5, 15, 30, 60)
# New integrations: within a quarter hour of a move-out, and well inside every published
# limit for a typical portfolio (see tests/integrations/cadence/test_cadence_budget.py).
DEFAULT_INTERVAL_MINUTES = 15
# The most of any limit that scheduled syncs may use, all integrations of a credential
# together.
CADENCE_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class SyncSize:
    """What one integration's full sync reads."""

    properties: int
    # Resident records the integration holds (its last sync's size); 0 before the first.
    records: int
    units: bool = True

    @property
    def per_property(self) -> int:
        return math.ceil(self.records / self.properties) if self.properties else 0


def _pages(records: int, per_page: int) -> int:
    return max(1, math.ceil(records / per_page))


# Calls of one full sync, per vendor, from the clients (vendors/<vendor>/client.py):
# - Yardi: GetResidents per property (one unpaginated answer) + GetUnitInformation.
# - Entrata: getLeases pages of 500 per property, read until an empty page (so one more
#   than the records fill) + getPropertyUnits per property.
# - MRI: ResidentLeaseDetails pages of 300 per property (nextLink) + the rent roll for
#   units, about as many pages.
# - AppFolio: one tenant_directory report for every property (next_page_url pages are not
#   counted by AppFolio) + unit_directory per property.
# - RealPage: getresidentlist per site (unpaginated) + getunitlist per site.
# A vendor not listed (a new package) is costed as paging 100 records a call, plus one
# call for units, per property.
_CALLS: dict[str, Callable[[SyncSize], int]] = {
    "yardi": lambda s: s.properties * (1 + s.units),
    "entrata": lambda s: s.properties * (_pages(s.per_property, 500) + 1 + s.units),
    "mri": lambda s: s.properties * _pages(s.per_property, 300) * (1 + s.units),
    "appfolio": lambda s: 1 + s.properties * s.units,
    "realpage": lambda s: s.properties * (1 + s.units),
}


def sync_calls(*, vendor: str, size: SyncSize) -> int:
    """Vendor calls one full sync makes (0 with no PMS property attached)."""
    if size.properties == 0:
        return 0
    estimate = _CALLS.get(vendor)
    if estimate is None:
        return size.properties * (_pages(size.per_property, 100) + size.units)
    return estimate(size)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One integration of a credential as beat runs it: its calls per sync, every interval."""

    calls: int
    interval_minutes: int


def limit_share(limit: RateLimit, scheduled: Sequence[Scheduled]) -> float:
    """The share of one limit that these scheduled syncs use on average (1.0 = all of it)."""
    per_window = sum(
        s.calls * limit.per_seconds / (s.interval_minutes * 60) for s in scheduled if s.calls
    )
    return per_window / limit.calls


@dataclass(frozen=True, slots=True)
class BudgetUse:
    """What a cadence costs of a credential's rate limits."""

    # The largest share of any limit, all the credential's integrations together.
    share: float
    # The same, of this integration alone.
    own_share: float
    # The limit that share is of (the tightest).
    limit: RateLimit
    calls_per_sync: int

    @property
    def percent(self) -> int:
        return math.ceil(self.share * 100)

    @property
    def own_percent(self) -> int:
        return math.ceil(self.own_share * 100)

    @property
    def allowed(self) -> bool:
        return self.share <= CADENCE_SHARE


def budget_use(
    *, vendor: str, size: SyncSize, interval_minutes: int, others: Sequence[Scheduled] = ()
) -> BudgetUse:
    """The cost of syncing `size` every `interval_minutes`, with the credential's other
    integrations (`others`) at their own cadence."""
    calls = sync_calls(vendor=vendor, size=size)
    own = Scheduled(calls=calls, interval_minutes=interval_minutes)
    limits = [
        limit
        for limit in vendor_limits(vendor_info(vendor).rate_limits)
        if limit.scope != "property"
    ]
    # Per-property limits (none declared today) are costed on one property's calls.
    per_property = [
        limit
        for limit in vendor_limits(vendor_info(vendor).rate_limits)
        if limit.scope == "property"
    ]
    rows: list[tuple[float, float, RateLimit]] = []
    for limit in limits:
        rows.append((limit_share(limit, [own, *others]), limit_share(limit, [own]), limit))
    one_property = Scheduled(
        calls=math.ceil(calls / size.properties) if size.properties else 0,
        interval_minutes=interval_minutes,
    )
    for limit in per_property:
        share = limit_share(limit, [one_property])
        rows.append((share, share, limit))
    share, own_share, limit = max(rows, key=lambda row: row[0])
    return BudgetUse(share=share, own_share=own_share, limit=limit, calls_per_sync=calls)


def limit_phrase(limit: RateLimit) -> str:
    """ "150 calls a minute" — a limit as a manager reads it."""
    units = {60: "a minute", 3600: "an hour", 86400: "a day"}
    per = units.get(limit.per_seconds, f"per {limit.per_seconds} seconds")
    scope = " per PMS property" if limit.scope == "property" else ""
    return f"{limit.calls:,} calls {per}{scope}"


# -- beat: spreading and the next sync due -----------------------------------------


def sync_offset(*, integration_id: int, interval_minutes: int) -> int:
    """Seconds into each interval at which this integration's scheduled sync is due.

    Stable (the same every beat, in every process) and spread: Knuth's multiplicative hash
    scatters consecutive ids over the interval."""
    period = interval_minutes * 60
    return (integration_id * 2654435761) % (2**32) % period


def _slot_at_or_before(moment: datetime, *, offset: int, period: int) -> datetime:
    seconds = moment.timestamp()
    since = (seconds - offset) % period
    return datetime.fromtimestamp(seconds - since, tz=UTC)


def latest_slot(*, integration_id: int, interval_minutes: int, now: datetime) -> datetime:
    """The integration's latest scheduled moment at or before `now`."""
    period = interval_minutes * 60
    offset = sync_offset(integration_id=integration_id, interval_minutes=interval_minutes)
    return _slot_at_or_before(now, offset=offset, period=period)


def sync_due(
    *, integration_id: int, interval_minutes: int, last_started: datetime | None, now: datetime
) -> bool:
    """Whether beat should start this integration's scheduled sync now: no run has started
    since its latest slot (slots are `interval` apart, at its offset)."""
    if last_started is None:
        return True
    return last_started < latest_slot(
        integration_id=integration_id, interval_minutes=interval_minutes, now=now
    )


def next_sync_due(
    *, integration_id: int, interval_minutes: int, last_started: datetime | None, now: datetime
) -> datetime:
    """When the next scheduled sync is due: the first slot after the last run started (or
    `now`, when that has passed: beat starts it on its next tick)."""
    if last_started is None:
        return now
    period = interval_minutes * 60
    offset = sync_offset(integration_id=integration_id, interval_minutes=interval_minutes)
    following = _slot_at_or_before(last_started, offset=offset, period=period) + timedelta(
        seconds=period
    )
    return max(following, now)
