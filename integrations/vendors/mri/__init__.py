from __future__ import annotations

from integrations.vendors.mri.connector import MRIConnector

__all__ = ["MRIConnector"]
