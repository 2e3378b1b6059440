"""The connector: one vendor credential's properties, units and residents, normalized.

There is one Connector class for every vendor. It is built from what the vendor's package
declares (pms/vendor.py): the client class that speaks the wire format and the mapping
that turns wire rows into normalized records. A vendor therefore writes no connector code
of its own — adding one is its package plus one registry line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol, cast

from integrations.pms.errors import PMSPropertyNotFound
from integrations.pms.http import HttpOptions
from integrations.pms.lifecycle import LIVING, supersedes
from integrations.pms.types import (
    Lifecycle,
    PMSProperty,
    PMSResident,
    PMSUnit,
    RecordError,
    ResidentPage,
)
from integrations.pms.vendor import RawPage, VendorClient, VendorInfo, VendorMapping


class ChangesClient(Protocol):
    """The call a vendor client adds when its Capabilities say `changed_since`."""

    def resident_pages_changed_since(
        self, pms_property_ids: Sequence[str], since: datetime
    ) -> Iterator[RawPage]: ...


class Connector:
    """Reads one vendor credential's properties, units and residents.

    Every method either returns complete data or raises a PMSError. `fetch_residents`
    streams: pages are yielded as they arrive, and a failure on any page — or after the
    last one, when the pages disagree with what the vendor announced — raises from the
    iterator. A consumer must therefore treat the fetch as failed unless the iterator is
    exhausted without raising — never infer a departure or a revocation from the pages it
    saw before the error.
    """

    def __init__(
        self,
        info: VendorInfo,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        self.info = info
        self.fields = dict(fields)
        self.options = options or HttpOptions()
        # Replaces the vendor host root (e.g. the simulator's http://127.0.0.1:8765/entrata).
        self.base_url = base_url.rstrip("/") if base_url else None
        self.mapping: VendorMapping = info.vendor_mapping()
        self.client: VendorClient = info.client_class()(
            self.fields, options=self.options, base_url=self.base_url
        )

    @property
    def vendor(self) -> str:
        return self.info.code

    @property
    def display_name(self) -> str:
        return self.info.display_name

    def check_credential(self) -> None:
        """Make the cheapest authenticated call; raise CredentialRejected if it is refused."""
        self.client.properties()

    def list_properties(self) -> list[PMSProperty]:
        """The PMS properties this credential can see."""
        found = (self.mapping.property(raw) for raw in self.client.properties())
        return [prop for prop in found if prop is not None]

    def list_lease_statuses(self) -> list[str]:
        """The vendor's own lease status names, for the exclusion step."""
        return list(self.mapping.statuses)

    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        """Every unit of one PMS property."""
        try:
            rows = self.client.units(pms_property_id)
        except PMSPropertyNotFound as exc:
            if exc.pms_property_id:
                raise
            # Classified from the answer alone: the property asked for is this one.
            raise PMSPropertyNotFound(
                vendor=exc.vendor,
                call=exc.call,
                detail=exc.detail,
                pms_property_id=pms_property_id,
            ) from None
        found = (self.mapping.unit(raw, pms_property_id) for raw in rows)
        return [unit for unit in found if unit is not None]

    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        """Every resident record of the given PMS properties, page by page."""
        ids = list(pms_property_ids)
        if not ids:
            return
        yield from self._resident_pages(self.client.resident_pages(ids))

    @property
    def offers_changes(self) -> bool:
        """Whether the vendor's resident call takes a "changed since" cursor."""
        return self.info.capabilities.changed_since

    def fetch_residents_changed_since(
        self, pms_property_ids: Iterable[str], since: datetime
    ) -> Iterator[ResidentPage]:
        """The resident records the vendor reports as modified at or after `since` (an
        aware datetime), page by page, under the same contract as `fetch_residents`.

        A changes fetch may return more than changed (a vendor filtering by day returns the
        whole day) and never says who left: a record absent from it is simply unchanged.
        Only for vendors whose Capabilities say `changed_since`; others raise
        NotImplementedError, so a caller asks `offers_changes` first.
        """
        if not self.offers_changes:
            raise NotImplementedError(f"{self.display_name} offers no changed-since call")
        if since.tzinfo is None:
            raise ValueError("since must be an aware datetime")
        ids = list(pms_property_ids)
        if not ids:
            return
        # The vendor client converts UTC to its own zone and format (pms/vendor.py).
        client = cast("ChangesClient", self.client)
        yield from self._resident_pages(
            client.resident_pages_changed_since(ids, since.astimezone(UTC))
        )

    def fetch_residents_for(
        self,
        pms_property_ids: Iterable[str],
        *,
        lease_ids: Iterable[str] = (),
        tenant_ids: Iterable[str] = (),
    ) -> Iterator[ResidentPage]:
        """Only the records of the given leases and people, read fresh from the vendor (a
        webhook's targeted sync). What the vendor no longer has is left out: a targeted
        read is never evidence that anyone left. NotImplementedError for a vendor whose
        client has no such call (Capabilities.webhooks is False)."""
        reader = getattr(self.client, "resident_pages_for", None)
        if reader is None:
            raise NotImplementedError(f"{self.display_name} has no targeted resident read")
        ids = list(pms_property_ids)
        if not ids:
            return
        yield from self._resident_pages(
            reader(ids, lease_ids=list(lease_ids), tenant_ids=list(tenant_ids))
        )

    def _resident_pages(self, pages: Iterable[RawPage]) -> Iterator[ResidentPage]:
        # People seen living there in this fetch: a later record of theirs saying otherwise
        # (a renewal, an old lease) does not replace it (pms/lifecycle.py).
        living: set[str] = set()
        for page in pages:
            records: list[PMSResident] = []
            errors: list[RecordError] = []
            for row in page.rows:
                built, failed = self.mapping.resident(row, page.pms_property_id)
                for record in built:
                    if record.external_id in living and supersedes(
                        Lifecycle.CURRENT, record.lifecycle
                    ):
                        continue
                    if record.lifecycle in LIVING:
                        living.add(record.external_id)
                    records.append(record)
                errors.extend(failed)
            yield ResidentPage(tuple(records), tuple(errors), page.pms_property_id)

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
