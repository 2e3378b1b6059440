from __future__ import annotations

# PMS credentials, integrations, PMS units, sync runs and alerts live here;
# they arrive with the PMS connector and User Sync issues.
