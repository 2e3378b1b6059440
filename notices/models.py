"""Email notices to a property's managers, what each manager opted out of, and what was sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NoticeKind(models.TextChoices):
    SYNC_FAILING = "sync_failing", "A PMS sync keeps failing"
    SYNC_STALE = "sync_stale", "No successful PMS sync for 24 hours"
    ALERT_OPENED = "alert_opened", "An Email Mismatch or Duplicate alert opens"
    SUGGESTION_DIGEST = "suggestion_digest", "Daily digest of access suggestions waiting"


class NoticeOptOut(models.Model):
    """A manager who does not want one kind of notice (every kind is on by default: a
    failing sync nobody hears of is what the notices exist to prevent)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_opt_outs"
    )
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_opt_out_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — no {self.get_kind_display()}"


class NoticeSent(models.Model):
    """One notice sent (or found with nobody to send to) for one property.

    `key` names the occurrence — a failure streak's first run, a stale spell's last
    success, a sync run, a local date — and is unique per property and kind, so a notice
    is sent once however often the check runs or however many workers run it.
    """

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="notices_sent"
    )
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    recipients = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name_plural = "notices sent"
        constraints = [
            models.UniqueConstraint(
                fields=["property", "kind", "key"], name="notice_sent_once_per_occurrence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.property}: {self.subject}"
