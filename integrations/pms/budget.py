"""Rate-limit budgets: every call made with a PMS credential takes budget first.

One budget per credential, shared by every worker: a vendor counts calls per login, not
per doorsync process, so two workers syncing two properties of one credential must not
each spend the whole limit. The limits are the vendor's published figures
(`VendorInfo.rate_limits`, or DEFAULT_LIMITS when nothing is published), counted in
sliding windows: a call is allowed when, in each window, fewer than `calls` calls were made
in the last `per_seconds`.

Where the counts live:
- with REDIS_URL, in Redis (one sorted set of call times per limit, checked and added to
  by one Lua script, so two workers never both take the last call of a window);
- without it (the zero-setup default), in this process's memory: one worker process on
  one machine, which is what that default runs.

A vendor's own word overrides the count: a Retry-After, or a limit header saying nothing
is left until a reset, puts a *hold* on the credential (shared the same way) that every
worker waits out before its next call.

The transport (pms/http.py) takes budget before each request: it sleeps while the wait
is short (at most `PMS_BUDGET_WAIT_MAX_SECONDS`), and otherwise raises BudgetExhausted,
which a sync turns into a retry at the time the budget allows (sync/runs.py `retry_at`)
instead of a failure. The clock and the sleep are injectable so tests never wait.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from integrations.pms.vendor import RateLimit

# Used when a vendor publishes no limit: one call a second on average, at most 60 a minute
# and 1,500 an hour. Far below what any PMS answers under load, and still enough for a
# 5-minute sync of a few dozen PMS properties (integrations/cadence.py does the sums).
DEFAULT_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(60, 60, source="doorsync default: the vendor publishes no limit"),
    RateLimit(1500, 3600, source="doorsync default: the vendor publishes no limit"),
)

_KEY_PREFIX = "doorsync:pms-budget"


class BudgetWait(Exception):
    """Taking budget would mean waiting longer than allowed; `seconds` until it allows."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"rate-limit budget allows the next call in {seconds:.0f}s")


class BudgetStore(Protocol):
    def acquire(self, *, keys: Sequence[str], limits: Sequence[RateLimit], hold_key: str,
                now: float) -> float:  # fmt: skip
        """Record one call in every window and return 0, or change nothing and return the
        seconds until every window (and the hold) allows one."""

    def hold(self, *, hold_key: str, until: float, now: float) -> None:
        """No call with this credential before `until` (kept if a later hold exists)."""

    def used(self, *, key: str, limit: RateLimit, now: float) -> int:
        """Calls counted in the window ending now."""


# -- Redis --------------------------------------------------------------------------

# KEYS[1] the hold; KEYS[2..] one sorted set per limit (score = call time in ms).
# ARGV[1] now (ms), ARGV[2] a unique member, then per limit: calls, window (ms).
# Returns 0 (the call was recorded in every window) or the milliseconds to wait.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local hold = tonumber(redis.call('GET', KEYS[1]) or '0')
if hold > now then return math.ceil(hold - now) end
local wait = 0
for i = 2, #KEYS do
  local calls = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= calls then
    local oldest = redis.call('ZRANGE', KEYS[i], count - calls, count - calls, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return math.ceil(wait) end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i]))
end
return 0
"""

# KEYS[1] the hold; ARGV[1] until (ms), ARGV[2] now (ms). A shorter hold never replaces
# a longer one another worker was given.
_HOLD = """
local untill = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untill > current and untill > now then
  redis.call('SET', KEYS[1], untill, 'PX', math.ceil(untill - now))
end
return 0
"""


class RedisBudgetStore:
    """The shared store: any number of workers (and machines) on one Redis."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._acquire = client.register_script(_ACQUIRE)
        self._hold = client.register_script(_HOLD)

    def acquire(
        self, *, keys: Sequence[str], limits: Sequence[RateLimit], hold_key: str, now: float
    ) -> float:
        args: list[int | str] = [int(now * 1000), f"{now:.6f}-{uuid.uuid4().hex}"]
        for limit in limits:
            args += [limit.calls, limit.per_seconds * 1000]
        waited_ms = int(self._acquire(keys=[hold_key, *keys], args=args))
        return waited_ms / 1000

    def hold(self, *, hold_key: str, until: float, now: float) -> None:
        self._hold(keys=[hold_key], args=[int(until * 1000), int(now * 1000)])

    def used(self, *, key: str, limit: RateLimit, now: float) -> int:
        low = int((now - limit.per_seconds) * 1000)
        return int(self.client.zcount(key, f"({low}", "+inf"))


# -- this process -------------------------------------------------------------------


class LocalBudgetStore:
    """The zero-setup store: the same windows, in this process's memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = {}
        self._holds: dict[str, float] = {}

    def acquire(
        self, *, keys: Sequence[str], limits: Sequence[RateLimit], hold_key: str, now: float
    ) -> float:
        with self._lock:
            hold = self._holds.get(hold_key, 0.0)
            if hold > now:
                return hold - now
            wait = 0.0
            for key, limit in zip(keys, limits, strict=True):
                calls = self._calls.setdefault(key, deque())
                while calls and calls[0] <= now - limit.per_seconds:
                    calls.popleft()
                if len(calls) >= limit.calls:
                    wait = max(wait, calls[len(calls) - limit.calls] + limit.per_seconds - now)
            if wait > 0:
                return wait
            for key in keys:
                self._calls[key].append(now)
            return 0.0

    def hold(self, *, hold_key: str, until: float, now: float) -> None:
        with self._lock:
            if until > max(self._holds.get(hold_key, 0.0), now):
                self._holds[hold_key] = until

    def used(self, *, key: str, limit: RateLimit, now: float) -> int:
        with self._lock:
            return sum(1 for t in self._calls.get(key, ()) if t > now - limit.per_seconds)


_local_store = LocalBudgetStore()
_redis_stores: dict[str, RedisBudgetStore] = {}
_stores_lock = threading.Lock()


def budget_store() -> BudgetStore:
    """Redis when REDIS_URL is set (shared by every worker), else this process's memory."""
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _local_store
    with _stores_lock:
        store = _redis_stores.get(url)
        if store is None:
            import redis

            store = _redis_stores[url] = RedisBudgetStore(redis.Redis.from_url(url))
        return store


# -- one credential's budget --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallBudget:
    """The budget of one credential: what the transport takes from before every call."""

    # Names the credential (and its vendor): the budget is shared by every call made with it.
    name: str
    limits: tuple[RateLimit, ...]
    store: BudgetStore
    # The longest one call waits for budget, in all, before BudgetWait is raised.
    max_wait: float = 120.0
    clock: Callable[[], float] = time.time

    def _keys(self, scope: str) -> list[str]:
        keys = []
        for limit in self.limits:
            where = f":{scope}" if limit.scope == "property" else ""
            keys.append(f"{_KEY_PREFIX}:{self.name}:{limit.calls}/{limit.per_seconds}s{where}")
        return keys

    @property
    def hold_key(self) -> str:
        return f"{_KEY_PREFIX}:{self.name}:hold"

    def take(self, *, sleep: Callable[[float], None], scope: str = "") -> float:
        """Take one call's budget, sleeping while that is short; the seconds slept.

        `scope` names the PMS property (and service) for limits counted per property.
        Raises BudgetWait, having taken nothing, when the next wait would pass `max_wait`.
        """
        keys = self._keys(scope)
        slept = 0.0
        while True:
            wait = self.store.acquire(
                keys=keys, limits=self.limits, hold_key=self.hold_key, now=self.clock()
            )
            if wait <= 0:
                return slept
            # Bounded in total, not per wait: a call never sits longer than max_wait.
            if slept + wait > self.max_wait:
                raise BudgetWait(wait)
            sleep(wait)
            slept += wait

    def hold_for(self, seconds: float) -> None:
        """The vendor said to wait (Retry-After, an exhausted limit header): every worker
        making calls with this credential waits it out."""
        now = self.clock()
        self.store.hold(hold_key=self.hold_key, until=now + seconds, now=now)

    def usage(self) -> list[tuple[RateLimit, int]]:
        """Each credential-wide limit with the calls counted in its current window."""
        now = self.clock()
        return [
            (limit, self.store.used(key=key, limit=limit, now=now))
            for limit, key in zip(self.limits, self._keys(""), strict=True)
            if limit.scope == "credential"
        ]


def vendor_limits(declared: tuple[RateLimit, ...]) -> tuple[RateLimit, ...]:
    return declared or DEFAULT_LIMITS


def credential_budget(*, credential_id: int, vendor: str) -> CallBudget | None:
    """The budget of one stored credential, or None when budgets are switched off."""
    from django.conf import settings

    from integrations.pms.registry import vendor_info

    if not getattr(settings, "PMS_RATE_BUDGETS", True):
        return None
    return CallBudget(
        name=f"{vendor}:{credential_id}",
        limits=vendor_limits(vendor_info(vendor).rate_limits),
        store=budget_store(),
        max_wait=float(getattr(settings, "PMS_BUDGET_WAIT_MAX_SECONDS", 120)),
    )


# -- what the vendor says in its headers --------------------------------------------

# Entrata: "15000/DAY;1000/HOUR;150/MINUTE" (limit and remaining) and "36686;686;26"
# (seconds to each window's reset, in the same order). Other vendors: plain numbers, the
# reset either seconds or an epoch time.
_PART = re.compile(r"^\s*(\d+)\s*(?:/\s*([A-Za-z]+))?\s*$")
_EPOCH_AFTER = 1_000_000_000


def _parts(value: str) -> list[int] | None:
    found = []
    for part in value.split(";"):
        match = _PART.match(part)
        if match is None:
            return None
        found.append(int(match.group(1)))
    return found


def exhausted_for(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds until the vendor allows another call, when a limit header says none is left
    (X-RateLimit-Remaining 0 in any window, with X-RateLimit-Reset); else None."""
    remaining = _parts(str(headers.get("x-ratelimit-remaining", "")))
    if not remaining or min(remaining) > 0:
        return None
    resets = _parts(str(headers.get("x-ratelimit-reset", "")))
    if not resets:
        return None
    if len(remaining) == 1 and len(resets) > 1:
        # One "0" against several windows' resets: which ran out is not said; the
        # shortest is waited out and the next answer says whether more is due.
        resets = [min(resets)]
    waits = []
    for index, left in enumerate(remaining):
        if left > 0:
            continue
        reset = resets[index] if index < len(resets) else resets[-1]
        waits.append(reset - now if reset > _EPOCH_AFTER else float(reset))
    wait = max(waits, default=0.0)
    return wait if wait > 0 else None
