from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.pms.base import Connector
from integrations.pms.http import HttpOptions
from integrations.pms.types import PMSProperty, PMSResident, PMSUnit, RecordError, ResidentPage
from integrations.vendors.entrata import mapping
from integrations.vendors.entrata.client import EntrataClient
from integrations.vendors.entrata.statuses import STATUS_MAP


class EntrataConnector(Connector):
    vendor = "entrata"
    display_name = "Entrata"

    def __init__(
        self,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(fields, options=options, base_url=base_url)
        self.client = EntrataClient(self.fields, options=self.options, base_url=self.base_url)

    def check_credential(self) -> None:
        self.client.properties()

    def list_properties(self) -> list[PMSProperty]:
        found = (mapping.map_property(raw) for raw in self.client.properties())
        return [prop for prop in found if prop is not None]

    def list_lease_statuses(self) -> list[str]:
        return list(STATUS_MAP)

    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        found = (
            mapping.map_unit(raw, pms_property_id)
            for raw in self.client.property_units(pms_property_id)
        )
        return [unit for unit in found if unit is not None]

    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        for pms_property_id in pms_property_ids:
            for leases in self.client.lease_pages(pms_property_id):
                records: list[PMSResident] = []
                errors: list[RecordError] = []
                for lease in leases:
                    built, failed = mapping.map_lease(lease, pms_property_id=pms_property_id)
                    records.extend(built)
                    errors.extend(failed)
                yield ResidentPage(tuple(records), tuple(errors), pms_property_id)

    def close(self) -> None:
        self.client.close()
