"""Re-encrypt every PMS secret under the newest key in FERNET_KEYS.

Rotation: put the new key first in FERNET_KEYS (keep the old one after it),
deploy, run this command, then drop the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.credentials.crypto import SecretsUnreadable
from integrations.credentials.services import pms_credentials_rotate
from integrations.inbound.services import inbound_hook_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored PMS secrets under the newest FERNET_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = pms_credentials_rotate()
            hooks = inbound_hook_secrets_rotate()
        except SecretsUnreadable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted the secrets of {count} credential(s) and {hooks} webhook "
                "signing secret(s)."
            )
        )
