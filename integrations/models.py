from __future__ import annotations

from django.db import models

from common.models import TimeStampedModel
from integrations.pms.registry import VENDORS

VENDOR_CHOICES = [(code, info.display_name) for code, info in VENDORS.items()]


class PMSCredential(TimeStampedModel):
    """A login to one PMS, shared by an organization's properties.

    Non-secret fields (usernames, ids, URLs) are plain JSON; secret fields
    (passwords, license and API keys) are one Fernet token, never sent back to
    a browser, the admin or the API after entry.
    """

    organization = models.ForeignKey(
        "properties.Organization", on_delete=models.CASCADE, related_name="pms_credentials"
    )
    vendor = models.CharField(max_length=32, choices=VENDOR_CHOICES)
    label = models.CharField(max_length=120)
    fields = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    # Blank: the vendor's own host from the fields. Set: a sandbox — or the PMS simulator.
    endpoint_override = models.URLField(
        blank=True,
        help_text="Leave blank to use the vendor's own address. Set for a sandbox or the simulator.",
    )
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = "PMS credential"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "label"], name="pms_credential_label_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_vendor_display()})"
