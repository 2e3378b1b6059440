from __future__ import annotations

from integrations.vendors.appfolio.connector import AppFolioConnector

__all__ = ["AppFolioConnector"]
