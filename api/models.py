"""API tokens of an organization, and the answers remembered for Idempotency-Key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    """An integrator's credential for the REST API, owned by the organization.

    The secret is shown once when created; only its SHA-256 is kept. ``prefix`` is the
    short public part of the secret (``ds_<prefix>_…``) used to find the row, so a
    lookup never compares hashes across rows."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"

    organization = models.ForeignKey(
        "properties.Organization", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    # Empty: every property of the organization, now and later. Set: those only.
    properties = models.ManyToManyField("properties.Property", blank=True, related_name="+")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written at most once a minute (api/tokens.py), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_live_name_unique_per_organization",
            )
        ]

    def __str__(self) -> str:
        return f"API token {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed to a retry.

    One row per (token, key) — or (user, key) for a signed-in console user — made unique by
    the database, so two retries racing each other run the request once: the loser of the
    INSERT finds the winner's row. ``status`` is null while the first request runs."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, null=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"],
                condition=Q(token__isnull=False),
                name="idempotency_key_once_per_token",
            ),
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=Q(token__isnull=True),
                name="idempotency_key_once_per_user",
            ),
            models.CheckConstraint(
                condition=Q(token__isnull=False) | Q(user__isnull=False),
                name="idempotency_record_has_an_owner",
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.key} → {self.status or 'running'}"
