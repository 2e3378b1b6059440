from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.pms.base import Connector
from integrations.pms.http import HttpOptions
from integrations.pms.pages import batched_pages
from integrations.pms.types import PMSProperty, PMSUnit, ResidentPage
from integrations.vendors.yardi import mapping
from integrations.vendors.yardi.client import YardiClient
from integrations.vendors.yardi.statuses import STATUS_MAP


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
            mapped = (
                mapping.map_unit_residents(unit, pms_property_id=pms_property_id)
                for unit in self.client.unit_configuration(pms_property_id)
            )
            # Yardi does not paginate: batches are cut as the one big answer streams in.
            yield from batched_pages(mapped, pms_property_id=pms_property_id)

    def close(self) -> None:
        self.client.close()
