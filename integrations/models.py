from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from common.models import TimeStampedModel
from integrations.pms.registry import VENDORS
from units.labels import unit_label

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


class AccessMode(models.TextChoices):
    OFF = "off", "Off"
    APPROVAL_REQUIRED = "approval_required", "Approval Required"
    AUTOMATIC = "automatic", "Automatic"


class PMSIntegration(TimeStampedModel):
    """A property's link to its PMS: which credential, which PMS properties, what to sync."""

    class SetupStep(models.TextChoices):
        CREDENTIALS = "credentials", "Enter Credentials"
        PROPERTY_IDS = "property_ids", "Attach Property IDs"
        EXCLUDED_STATUSES = "excluded_statuses", "Exclude Lease Statuses"
        USER_SYNC = "user_sync", "User Sync Integration"
        DONE = "done", "Done"

    property = models.OneToOneField(
        "properties.Property", on_delete=models.CASCADE, related_name="pms_integration"
    )
    credential = models.ForeignKey(
        PMSCredential, on_delete=models.PROTECT, null=True, blank=True, related_name="integrations"
    )
    pms_property_ids = models.JSONField(default=list, blank=True)
    # Names of the attached PMS properties when attached, for showing without a PMS call.
    pms_property_names = models.JSONField(default=dict, blank=True)
    excluded_statuses = models.JSONField(default=list, blank=True)
    # Support's mapping of lease statuses the vendor sends but doorsync does not know
    # ({"Old": "past"}): a lifecycle per status, for this integration only. Checked and
    # saved by integrations/sync/statuses.py; the next sync applies it.
    status_lifecycles = models.JSONField(default=dict, blank=True)
    user_sync_enabled = models.BooleanField(default=False)
    # On with User Sync; only support (admin) turns it off.
    unit_sync_enabled = models.BooleanField(default=True)
    access_mode = models.CharField(
        max_length=32, choices=AccessMode.choices, default=AccessMode.APPROVAL_REQUIRED
    )
    # How often beat syncs it (Manage Settings → Sync Schedule, within the vendor's rate
    # limit: integrations/cadence.py); each integration at its own offset in the interval.
    sync_interval_minutes = models.PositiveIntegerField(default=15)
    # How often a run reads the PMS whole (integrations/sync/changes.py). A full snapshot
    # is the only authority for "no longer in the PMS", own move-out dates that pass, new
    # PMS units and unknown-status alerts; runs between two full ones read only the
    # records changed since the last run, where the vendor offers such a call. Default
    # hourly: what every run read before changes runs existed, so nothing a full run
    # notices waits longer than it used to. Nightly (1440) spares a vendor with tight
    # call limits.
    full_sync_interval_minutes = models.PositiveIntegerField(
        "full sync every (minutes)",
        default=60,
        validators=[MinValueValidator(5)],
        help_text="How often a sync reads the whole PMS; syncs in between read only what "
        "changed (where the PMS offers it). At least 5; 60 = hourly, 1440 = nightly.",
    )
    # The mass-revoke brake (access/brake.py): in Automatic mode, a sync that would revoke
    # the keys of more than this share of the property's current residents (and at least
    # MASS_REVOKE_MINIMUM of them) holds those revokes for a manager. Support sets it.
    mass_revoke_percent = models.PositiveSmallIntegerField(
        "mass-revoke brake (%)",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Automatic mode holds a sync's revokes for approval when they would take "
        "the keys of more than this percentage of the current residents (and at least 5). "
        "1–100; 100 never holds.",
    )
    setup_step = models.CharField(
        max_length=32, choices=SetupStep.choices, default=SetupStep.CREDENTIALS
    )
    setup_completed_at = models.DateTimeField(null=True, blank=True)
    last_sync_started_at = models.DateTimeField(null=True, blank=True)
    last_successful_sync_at = models.DateTimeField(null=True, blank=True)
    # When the last full snapshot was applied whole (a changes run never sets it).
    last_full_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PMS integration"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sync_interval_minutes__gte=5),
                name="integration_sync_interval_at_least_5_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(full_sync_interval_minutes__gte=5),
                name="integration_full_sync_interval_at_least_5_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(mass_revoke_percent__gte=1, mass_revoke_percent__lte=100),
                name="integration_mass_revoke_percent_1_to_100",
            ),
        ]
        indexes = [models.Index(fields=["user_sync_enabled", "last_sync_started_at"])]

    def __str__(self) -> str:
        return f"{self.property} ← {self.credential or 'no credential'}"


# Run summaries count the alerts a run opened or kept; "waiting for review" would be
# stale once a manager resolves them, so summaries name the alert only.
RUN_ALERT_LABELS = {
    "email_mismatch": "Email mismatch",
    "possible_match": "Possible match",
    "duplicate": "Duplicate email",
}


class SyncRun(models.Model):
    """One User Sync of one integration: a complete snapshot applied, or nothing."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        SYNC_NOW = "sync_now", "Sync Now"
        SUPPORT = "support", "Support (admin)"
        SETUP = "setup", "Set-up (first sync)"
        # A vendor's push named records: only those were read and applied.
        WEBHOOK = "webhook", "Instant update (webhook)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        # The whole PMS read: the only kind that may mark anyone "no longer in the PMS".
        FULL = "full", "Full sync"
        # Only the records the PMS reports changed since the run's cursors.
        CHANGES = "changes", "Changes only"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    integration = models.ForeignKey(PMSIntegration, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # While a run waits to be retried (rate limit, vendor down): when the next attempt is.
    retry_at = models.DateTimeField(null=True, blank=True)
    records_total = models.PositiveIntegerField(default=0)
    records_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Decided when a worker takes the run (integrations/sync/changes.py).
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FULL)
    # A changes run: the earliest point it read changes from (its oldest cursor).
    changes_since = models.DateTimeField(null=True, blank=True)
    # Why the run is of its kind, in plain words ("the last full sync was 61 minutes ago").
    kind_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One run at a time per integration: a second Sync Now joins the active one.
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(state__in=["queued", "running"]),
                name="syncrun_one_active_per_integration",
            )
        ]
        indexes = [
            models.Index(fields=["integration", "-created_at"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"Sync #{self.id} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def outcome_counts(self) -> list[tuple[str, str, int]]:
        """(code, label, count) for display, largest first, "unchanged" last."""
        # What the run saw, not what is open now: an alert may be resolved since.
        labels = {**dict(Outcome.choices), **RUN_ALERT_LABELS}
        items = [
            (code, labels.get(code, code), n)
            for code, n in self.counts.items()
            if code != Outcome.UNCHANGED
        ]
        items.sort(key=lambda item: -item[2])
        if Outcome.UNCHANGED in self.counts:
            items.append((Outcome.UNCHANGED, "Unchanged", self.counts[Outcome.UNCHANGED]))
        return items

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SyncCursor(models.Model):
    """Where the next changes run of one integration reads one PMS property from.

    Moved only after a run read that property whole and applied what it read (a changes
    run or a full one), in the transaction that finishes the run; see
    integrations/sync/changes.py for the rule and its overlap window.
    """

    integration = models.ForeignKey(
        PMSIntegration, on_delete=models.CASCADE, related_name="cursors"
    )
    pms_property_id = models.CharField(max_length=100)
    # The next changes run asks for every record modified at or after this (UTC).
    position = models.DateTimeField()
    # The newest modification time the vendor reported in the run that set it (its clock),
    # None when the rows carry none.
    newest_modified = models.DateTimeField(null=True, blank=True)
    # When a run last read this property whole (full or changes): how fresh it is.
    read_at = models.DateTimeField()
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "pms_property_id"], name="sync_cursor_one_per_pms_property"
            )
        ]

    def __str__(self) -> str:
        # UTC, said so (admin shows this as the row's title).
        return f"{self.pms_property_id} since {self.position:%Y-%m-%d %H:%M:%S} UTC"


class Outcome(models.TextChoices):
    CREATED = "created", "Created"
    LINKED = "linked", "Linked to an existing resident"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    EMAIL_MISMATCH = "email_mismatch", "Email mismatch — waiting for review"
    POSSIBLE_MATCH = "possible_match", "Possible match — waiting for review"
    DUPLICATE = "duplicate", "Duplicate email — waiting for review"
    IGNORED = "ignored", "Ignored by a manager"
    SKIPPED_NO_EMAIL = "skipped_no_email", "Skipped: no valid email"
    SKIPPED_EXCLUDED = "skipped_excluded", "Skipped: excluded lease status"
    SKIPPED_LIFECYCLE = "skipped_lifecycle", "Skipped: not a pending or current lease"
    SKIPPED_GUARANTOR = "skipped_guarantor", "Skipped: guarantor (does not live here)"
    NOT_IN_PMS = "not_in_pms", "No longer in the PMS"
    NOT_ATTACHED = "not_attached", "Not in an attached PMS property"
    UNIT_NOT_MAPPED = "unit_not_mapped", "Synced, but its PMS unit is not mapped"
    ERROR = "error", "Could not be read"
    # A changes run saw someone stop living there without a move-out it can confirm
    # (integrations/sync/changes.py, held_for_full): only a run outcome, never a record's.
    HELD_FOR_FULL = "held_for_full", "Left for the next full sync"


class PMSRecord(models.Model):
    """The last known state of one PMS resident record, and its link to a resident.

    Kept for every record seen (linked or skipped), so a re-sync of unchanged
    data writes nothing, and "why isn't this resident syncing?" has an answer.
    """

    integration = models.ForeignKey(
        PMSIntegration, on_delete=models.CASCADE, related_name="records"
    )
    external_id = models.CharField(max_length=100)
    pms_property_id = models.CharField(max_length=100)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pms_records",
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    raw_status = models.CharField(max_length=100, blank=True)
    lifecycle = models.CharField(max_length=16, blank=True)
    pms_unit_id = models.CharField(max_length=100, blank=True)
    pms_unit_name = models.CharField(max_length=100, blank=True)
    data_hash = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    outcome_detail = models.CharField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_seen_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gone_from_pms_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PMS record"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="pmsrecord_unique_external_id"
            ),
            # A resident is linked to at most one PMS record per integration.
            models.UniqueConstraint(
                fields=["integration", "resident"],
                condition=models.Q(resident__isnull=False),
                name="pmsrecord_one_link_per_resident",
            ),
        ]
        indexes = [
            models.Index(fields=["integration", "email"]),
            models.Index(fields=["integration", "last_name", "first_name"]),
            models.Index(fields=["integration", "last_seen_run"]),
            # Records waiting to be applied again (a cleared fingerprint): a changes run
            # asks whether any exist before it may skip the full read (sync/cursors.py).
            models.Index(
                fields=["integration"],
                condition=models.Q(data_hash=""),
                name="pmsrecord_reapply_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.first_name} {self.last_name}".strip()


class SyncOutcome(models.Model):
    """What one run did with one record (every outcome but "unchanged")."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="outcomes")
    external_id = models.CharField(max_length=100)
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=32, choices=Outcome.choices)
    name = models.CharField(max_length=210, blank=True)
    email = models.CharField(max_length=254, blank=True)
    raw_status = models.CharField(max_length=100, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "outcome"]), models.Index(fields=["run", "email"])]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.get_outcome_display()}"

    @property
    def outcome_label(self) -> str:
        """As the run saw it: an alert it opened may be resolved since."""
        return RUN_ALERT_LABELS.get(self.outcome) or self.get_outcome_display()


class SyncAlert(TimeStampedModel):
    """A PMS record the sync will not act on until a manager decides."""

    class Kind(models.TextChoices):
        EMAIL_MISMATCH = "email_mismatch", "Email Mismatch"
        POSSIBLE_MATCH = "possible_match", "Possible Match"
        DUPLICATE = "duplicate", "Duplicate"
        # Not a PMS record: one per integration while open (external_id "mass-revoke").
        MASS_REVOKE = "mass_revoke", "Mass revoke held"
        # One per unknown lease status (external_id "status:<name>"), not per record.
        UNKNOWN_STATUS = "unknown_status", "Unknown lease status"
        # Raised by the nightly access check (integrations/access_check.py), not a sync.
        UNJUSTIFIED_KEY = "unjustified_key", "Key no rule justifies"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        IGNORED = "ignored", "Ignored"

    integration = models.ForeignKey(PMSIntegration, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    external_id = models.CharField(max_length=100)
    # The doorsync resident the record collides with (mismatch, possible match, duplicate).
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    pms_email = models.CharField(max_length=254, blank=True)
    pms_name = models.CharField(max_length=210, blank=True)
    # The normalized PMS record as last seen, to act on without another PMS call.
    pms_data = models.JSONField(default=dict, blank=True)
    resolution = models.CharField(max_length=32, blank=True)
    resolved_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "external_id"],
                condition=models.Q(state="open"),
                name="syncalert_one_open_per_record_and_kind",
            )
        ]
        indexes = [models.Index(fields=["integration", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pms_name} <{self.pms_email}>"


class PMSUnit(models.Model):
    """A unit as the PMS knows it, and the doorsync unit it is mapped to (Unit Mapping)."""

    integration = models.ForeignKey(
        PMSIntegration, on_delete=models.CASCADE, related_name="pms_units"
    )
    external_id = models.CharField(max_length=100)
    pms_property_id = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    building = models.CharField(max_length=100, blank=True)
    floor = models.CharField(max_length=20, blank=True)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="pms_units"
    )
    mapped_at = models.DateTimeField(null=True, blank=True)
    mapped_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    gone_from_pms_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PMS unit"
        ordering = ["building", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"], name="pmsunit_unique_external_id"
            ),
            # One PMS unit per unit per integration.
            models.UniqueConstraint(
                fields=["integration", "unit"],
                condition=models.Q(unit__isnull=False),
                name="pmsunit_one_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["integration", "unit"])]

    def __str__(self) -> str:
        return unit_label(self.name, self.building)

    @property
    def label(self) -> str:
        return str(self)


# Inbound pushes keep their models in their own package, registered under this app.
from integrations.inbound.models import InboundEvent as InboundEvent  # noqa: E402
from integrations.inbound.models import InboundHook as InboundHook  # noqa: E402
