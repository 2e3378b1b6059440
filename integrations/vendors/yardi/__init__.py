from __future__ import annotations

from integrations.vendors.yardi.connector import YardiConnector

__all__ = ["YardiConnector"]
