from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from integrations.pms.base import Connector
from integrations.pms.http import HttpOptions
from integrations.pms.pages import batched_pages
from integrations.pms.types import PMSProperty, PMSUnit, ResidentPage
from integrations.vendors.realpage import mapping
from integrations.vendors.realpage.client import RealPageClient
from integrations.vendors.realpage.statuses import STATUS_MAP


class RealPageConnector(Connector):
    vendor = "realpage"
    display_name = "RealPage OneSite"

    def __init__(
        self,
        fields: Mapping[str, str],
        *,
        options: HttpOptions | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(fields, options=options, base_url=base_url)
        self.client = RealPageClient(self.fields, options=self.options, base_url=self.base_url)

    def check_credential(self) -> None:
        self.client.sites()

    def list_properties(self) -> list[PMSProperty]:
        found = (mapping.map_site(raw) for raw in self.client.sites())
        return [site for site in found if site is not None]

    def list_lease_statuses(self) -> list[str]:
        return list(STATUS_MAP)

    def fetch_units(self, pms_property_id: str) -> list[PMSUnit]:
        found = (
            mapping.map_unit(raw, pms_property_id) for raw in self.client.units(pms_property_id)
        )
        return [unit for unit in found if unit is not None]

    def fetch_residents(self, pms_property_ids: Iterable[str]) -> Iterator[ResidentPage]:
        for site_id in pms_property_ids:
            mapped = (
                mapping.map_resident(raw, pms_property_id=site_id)
                for raw in self.client.residents(site_id)
            )
            yield from batched_pages(mapped, pms_property_id=site_id)

    def close(self) -> None:
        self.client.close()
