"""Paging: cutting unpaginated streams into pages, and (below) the pager contract."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from integrations.pms.vendor import RawPage, Row

# Large enough to keep per-page overhead down, small enough that a consumer holding one
# page at a time stays small.
BATCH_SIZE = 500


def batched(
    rows: Iterable[Row], *, pms_property_id: str, size: int = BATCH_SIZE
) -> Iterator[RawPage]:
    """Pages of `size` rows cut from one unpaginated answer as it streams in."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield RawPage(tuple(batch), pms_property_id)
            batch = []
    if batch:
        yield RawPage(tuple(batch), pms_property_id)
