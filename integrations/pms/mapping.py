"""The boundary every vendor mapping goes through: one bad record never sinks a fetch."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from integrations.pms.fields import RecordProblem
from integrations.pms.types import PMSResident, RecordError, ResidentRole

logger = logging.getLogger(__name__)

MappingResult = tuple[list[PMSResident], list[RecordError]]

_T = TypeVar("_T")


def guarded(
    external_id: str, pms_property_id: str, build: Callable[[], list[PMSResident]]
) -> MappingResult:
    """Run `build`; a record it cannot map becomes a RecordError instead of an exception."""
    try:
        return build(), []
    except RecordProblem as exc:
        return [], [RecordError(external_id or "(no id)", str(exc), pms_property_id)]
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        # A shape the mapping did not foresee. Keep the sync going, but log it: this is a
        # mapping bug or a vendor change worth a look.
        logger.warning(
            "unexpected record shape for %s in property %s: %s",
            external_id,
            pms_property_id,
            type(exc).__name__,
        )
        message = f"record has an unexpected shape ({type(exc).__name__})"
        return [], [RecordError(external_id or "(no id)", message, pms_property_id)]


def _key(raw: str) -> str:
    return " ".join(raw.split()).casefold()


class VocabularyTable(Generic[_T]):
    """A vendor's status (or role) names → our enum, matched case- and space-insensitively.

    Built from the plain dicts in each vendor's `statuses.py`, which stay the one place to
    correct when a vendor's vocabulary turns out different.
    """

    def __init__(self, vendor: str, what: str, table: Mapping[str, _T]) -> None:
        self.vendor = vendor
        self.what = what
        self.names = list(table)
        self._table = {_key(name): value for name, value in table.items()}

    def get(self, raw: str) -> _T | None:
        return self._table.get(_key(raw))

    def __call__(self, raw: str) -> _T:
        found = self.get(raw)
        if found is None:
            shown = raw.strip() or "(empty)"
            raise RecordProblem(f"{self.vendor} {self.what} {shown!r} is not one doorsync knows")
        return found


def role_for(
    table: VocabularyTable[ResidentRole], raw: str, *, default: ResidentRole
) -> ResidentRole:
    """The role for a vendor's relationship name; `default` when the vendor sent none.

    An unlisted name is someone living there — unless it smells of a guarantor, who must
    never get keys. Add the name to the vendor's ROLE_MAP when one turns up.
    """
    if not raw.strip():
        return default
    found = table.get(raw)
    if found is not None:
        return found
    lowered = raw.lower()
    if "guarant" in lowered or "sign" in lowered:
        return ResidentRole.GUARANTOR
    return ResidentRole.ROOMMATE
