from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.pms.base import Connector
from integrations.pms.http import HttpOptions
from integrations.pms.types import PMSProperty, PMSResident, PMSUnit, RecordError, ResidentPage
from integrations.vendors.mri import mapping
from integrations.vendors.mri.client import MRIClient
from integrations.vendors.mri.statuses import STATUS_MAP


class MRIConnector(Connector):
    vendor = "mri"
    display_name = "MRI Residential (x5)"

    def __init__(
        self,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(fields, options=options, base_url=base_url)
        self.client = MRIClient(self.fields, options=self.options, base_url=self.base_url)

    def check_credential(self) -> None:
        self.client.properties()

    def list_properties(self) -> list[PMSProperty]:
        found = (mapping.map_property(raw) for raw in self.client.properties())
        return [prop for prop in found if prop is not None]

    def list_lease_statuses(self) -> list[str]:
        return list(STATUS_MAP)

    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        found = (
            mapping.map_unit(raw, pms_property_id) for raw in self.client.units(pms_property_id)
        )
        return [unit for unit in found if unit is not None]

    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        for pms_property_id in pms_property_ids:
            for rows in self.client.resident_pages(pms_property_id):
                records: list[PMSResident] = []
                errors: list[RecordError] = []
                for row in rows:
                    built, failed = mapping.map_resident(row, pms_property_id=pms_property_id)
                    records.extend(built)
                    errors.extend(failed)
                yield ResidentPage(tuple(records), tuple(errors), pms_property_id)

    def close(self) -> None:
        self.client.close()
