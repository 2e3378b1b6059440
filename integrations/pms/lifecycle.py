"""The shared rules that turn a vendor's status and dates into a lifecycle.

Every vendor mapping reads its status through `status_lifecycle`, so the rules below hold
for all five:

- A known status means what the vendor's vocabulary says (vendors/<vendor>/statuses.py),
  with one correction: a *Future* lease of someone who already lives there — a renewal,
  said by the vendor or shown by a move-in on or before today — is not a future move-in.
  They are Current, and their access is never interrupted by it.
- An unknown status never drops the record. Its lifecycle comes from the vendor's other
  signals where they are unambiguous: a move-out (or vacate) date before today →
  Past (so a move-out expressed by a status we do not list still revokes access); a current
  flag → Current (Notice when a move-out is ahead); a move-in after today → Future. Where
  nothing decides, the record is UNDECIDED: its lifecycle is a placeholder that grants
  nothing and the sync keeps what it last knew (integrations/sync/statuses.py), raising a
  sync alert that names the status so support can map it for the integration.
- Of two records of one person in one fetch (two leases), the one saying they live there
  wins: a renewal listed after the current lease, or an old lease listed after it, never
  takes their keys (`supersedes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integrations.pms.mapping import VocabularyTable
from integrations.pms.types import Lifecycle, StatusReading

LIVING = frozenset({Lifecycle.CURRENT, Lifecycle.NOTICE})
# What an undecided record says until the sync restores what it last knew: not living,
# not gone — nothing granted, nothing revoked.
UNDECIDED_PLACEHOLDER = Lifecycle.APPLICANT


@dataclass(frozen=True, slots=True)
class Signals:
    """What a vendor record says besides its status."""

    move_in: date | None = None
    # The actual vacate date when the vendor has one, else the planned move-out.
    move_out: date | None = None
    # The vendor's own "is current" flag (MRI IsCurrent), None when it has none.
    current: bool | None = None
    # The vendor marks this lease a renewal (a lease interval type, a renewal status).
    renewal: bool = False


def inferred_lifecycle(signals: Signals, today: date) -> Lifecycle | None:
    """The lifecycle the signals alone make unambiguous, or None."""
    # The move-out day itself still counts as living there (as sync/rules.person_lifecycle).
    if signals.move_out is not None and signals.move_out < today:
        return Lifecycle.PAST
    if signals.current:
        return Lifecycle.NOTICE if signals.move_out is not None else Lifecycle.CURRENT
    if signals.move_in is not None and signals.move_in > today:
        return Lifecycle.FUTURE
    return None


def settled(lifecycle: Lifecycle, signals: Signals, today: date) -> Lifecycle:
    """A known status's lifecycle, with the renewal rule applied."""
    if lifecycle is not Lifecycle.FUTURE:
        return lifecycle
    moved_in = signals.move_in is not None and signals.move_in <= today
    moved_out = signals.move_out is not None and signals.move_out < today
    if (signals.renewal or moved_in) and not moved_out and signals.current is not False:
        return Lifecycle.CURRENT
    return lifecycle


def status_lifecycle(
    table: VocabularyTable[Lifecycle],
    raw_status: str,
    signals: Signals,
    *,
    today: date | None = None,
) -> tuple[Lifecycle, StatusReading]:
    """The lifecycle of one record, and how it was read."""
    today = today or date.today()
    known = table.get(raw_status)
    if known is not None:
        return settled(known, signals, today), StatusReading.KNOWN
    inferred = inferred_lifecycle(signals, today)
    if inferred is not None:
        return inferred, StatusReading.INFERRED
    return UNDECIDED_PLACEHOLDER, StatusReading.UNDECIDED


def supersedes(earlier: Lifecycle, later: Lifecycle) -> bool:
    """Whether a person's earlier record in a fetch stands over a later one of theirs:
    a record saying they live there is never replaced by one saying they do not."""
    return earlier in LIVING and later not in LIVING
