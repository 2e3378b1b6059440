"""The contract every vendor connector fulfils."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

from integrations.pms.http import HttpOptions
from integrations.pms.types import PMSProperty, PMSUnit, ResidentPage


class Connector(abc.ABC):
    """Reads one vendor credential's properties, units and residents.

    Every method either returns complete data or raises a PMSError. `fetch_residents`
    streams: pages are yielded as they arrive, and a failure on any page raises from the
    iterator. A consumer must therefore treat the fetch as failed unless the iterator is
    exhausted without raising — never infer a departure or a revocation from the pages it
    saw before the error.
    """

    vendor: ClassVar[str]
    display_name: ClassVar[str]

    def __init__(
        self,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.options = options or HttpOptions()
        # Replaces the vendor host root (e.g. the simulator's http://127.0.0.1:8765/entrata).
        self.base_url = base_url.rstrip("/") if base_url else None

    @abc.abstractmethod
    def check_credential(self) -> None:
        """Make the cheapest authenticated call; raise CredentialRejected if it is refused."""

    @abc.abstractmethod
    def list_properties(self) -> list[PMSProperty]:
        """The PMS properties this credential can see."""

    @abc.abstractmethod
    def list_lease_statuses(self) -> list[str]:
        """The vendor's own lease status names, for the exclusion step."""

    @abc.abstractmethod
    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        """Every unit of one PMS property."""

    @abc.abstractmethod
    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        """Every resident record of the given PMS properties, page by page."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release pooled connections."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
