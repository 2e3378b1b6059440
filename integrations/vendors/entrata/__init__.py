from __future__ import annotations

from integrations.vendors.entrata.connector import EntrataConnector

__all__ = ["EntrataConnector"]
