from __future__ import annotations

from integrations.vendors.realpage.connector import RealPageConnector

__all__ = ["RealPageConnector"]
