from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.pms.base import Connector
from integrations.pms.http import HttpOptions
from integrations.pms.types import PMSProperty, PMSResident, PMSUnit, RecordError, ResidentPage
from integrations.vendors.yardi import mapping
from integrations.vendors.yardi.client import YardiClient
from integrations.vendors.yardi.statuses import STATUS_MAP

# Yardi has no pages; records are handed on in batches of this many as the body streams.
BATCH_SIZE = 500


class YardiConnector(Connector):
    vendor = "yardi"
    display_name = "Yardi Voyager"

    def __init__(
        self,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(fields, options=options, base_url=base_url)
        self.client = YardiClient(self.fields, options=self.options, base_url=self.base_url)

    def check_credential(self) -> None:
        self.client.property_configurations()

    def list_properties(self) -> list[PMSProperty]:
        found = (mapping.map_property(raw) for raw in self.client.property_configurations())
        return [prop for prop in found if prop is not None]

    def list_lease_statuses(self) -> list[str]:
        return list(STATUS_MAP)

    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        found = (
            mapping.map_unit_info(raw, pms_property_id)
            for raw in self.client.unit_information(pms_property_id)
        )
        return [unit for unit in found if unit is not None]

    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        for pms_property_id in pms_property_ids:
            records: list[PMSResident] = []
            errors: list[RecordError] = []
            for unit in self.client.unit_configuration(pms_property_id):
                mapped, failed = mapping.map_unit_residents(unit, pms_property_id=pms_property_id)
                records.extend(mapped)
                errors.extend(failed)
                if len(records) + len(errors) >= BATCH_SIZE:
                    yield ResidentPage(tuple(records), tuple(errors), pms_property_id)
                    records, errors = [], []
            if records or errors:
                yield ResidentPage(tuple(records), tuple(errors), pms_property_id)

    def close(self) -> None:
        self.client.close()
