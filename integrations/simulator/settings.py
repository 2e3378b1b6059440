"""Per-vendor settings the simulator's handler threads share: faults and adversarial
behaviours are both a dataclass per vendor, set through the control API and by tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, fields, replace
from typing import Any, Generic, TypeVar

S = TypeVar("S")


class PerVendor(Generic[S]):
    """Thread-safe settings of type S (a dataclass) for each vendor.

    `counters` maps a one-shot setting to the field that counts towards it ("cut the Nth
    page from now"): setting it restarts the count; `take_nth` consumes it.
    """

    what = "setting"

    def __init__(
        self,
        factory: Callable[[], S],
        vendors: Iterable[str],
        *,
        counters: Mapping[str, str] | None = None,
    ) -> None:
        self._factory = factory
        self._codes = tuple(vendors)
        self._counters = dict(counters or {})
        self._lock = threading.Lock()
        self._by_vendor = {code: factory() for code in self._codes}

    @property
    def names(self) -> tuple[str, ...]:
        """The settings one may set (the counters are internal)."""
        internal = set(self._counters.values())
        return tuple(f.name for f in fields(self._factory())  # type: ignore[arg-type]
                     if f.name not in internal)  # fmt: skip

    def set(self, vendor: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        if vendor not in self._by_vendor:
            raise ValueError(f"unknown vendor {vendor!r}")
        unknown = set(settings) - set(self.names)
        if unknown:
            raise ValueError(f"unknown {self.what}(s): {', '.join(sorted(unknown))}")
        with self._locked(vendor) as current:
            for name, value in settings.items():
                if isinstance(getattr(current, name), bool):
                    setattr(current, name, _flag(value))
                else:
                    number = int(value)
                    if number < 0:
                        raise ValueError(f"{name} must be >= 0")
                    setattr(current, name, number)
                if name in self._counters:
                    setattr(current, self._counters[name], 0)
            return asdict(current)  # type: ignore[call-overload, no-any-return]

    def settings(self, vendor: str) -> S:
        """A copy of one vendor's settings."""
        with self._locked(vendor) as current:
            return replace(current)  # type: ignore[type-var]

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {code: asdict(s) for code, s in self._by_vendor.items()}  # type: ignore[call-overload]

    def reset(self) -> None:
        with self._lock:
            self._by_vendor = {code: self._factory() for code in self._codes}

    def take_nth(self, vendor: str, name: str) -> bool:
        """Count one event towards the one-shot `name`; True on the Nth, which clears it."""
        counter = self._counters[name]
        with self._locked(vendor) as current:
            wanted = getattr(current, name)
            if not wanted:
                return False
            seen = getattr(current, counter) + 1
            if seen == wanted:
                setattr(current, name, 0)
                seen = 0
            setattr(current, counter, seen)
            return seen == 0

    @contextmanager
    def _locked(self, vendor: str) -> Iterator[S]:
        with self._lock:
            yield self._by_vendor[vendor]


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)
