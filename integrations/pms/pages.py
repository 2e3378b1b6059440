"""Batching mapped records into ResidentPages for vendors that do not paginate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.pms.mapping import MappingResult
from integrations.pms.types import PMSResident, RecordError, ResidentPage

# Large enough to keep per-page overhead down, small enough that a consumer holding one
# page at a time stays small.
BATCH_SIZE = 500


def batched_pages(
    results: Iterable[MappingResult], *, pms_property_id: str, size: int = BATCH_SIZE
) -> Iterator[ResidentPage]:
    records: list[PMSResident] = []
    errors: list[RecordError] = []
    for mapped, failed in results:
        records.extend(mapped)
        errors.extend(failed)
        if len(records) + len(errors) >= size:
            yield ResidentPage(tuple(records), tuple(errors), pms_property_id)
            records, errors = [], []
    if records or errors:
        yield ResidentPage(tuple(records), tuple(errors), pms_property_id)
