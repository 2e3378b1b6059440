"""Encryption of PMS secrets at rest with MultiFernet (keys from FERNET_KEYS, newest first)."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in settings.FERNET_KEYS])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FERNET_KEYS must be url-safe base64 Fernet keys (generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`)."
        ) from exc


class SecretsUnreadable(Exception):
    """No configured key opens the stored token (a key was removed too early)."""


def secrets_encrypt(secrets: dict[str, str]) -> str:
    if not secrets:
        return ""
    return _fernet().encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()


def secrets_decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        data: dict[str, str] = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretsUnreadable(
            "The stored PMS secrets cannot be decrypted with the configured FERNET_KEYS. "
            "Restore the previous key (keep it after the new one) or re-enter the secrets."
        ) from exc
    return data


def secrets_rotate(token: str) -> str:
    """Re-encrypt under the newest key (MultiFernet.rotate)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretsUnreadable("A stored token is readable by none of FERNET_KEYS.") from exc
