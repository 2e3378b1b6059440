from __future__ import annotations

from typing import Any

from notices.models import NoticeKind, NoticeOptOut


def notice_kinds_received(*, user: Any) -> list[str]:
    """The kinds of notice the user gets (all but those opted out of)."""
    opted_out = set(NoticeOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [kind for kind in NoticeKind.values if kind not in opted_out]
