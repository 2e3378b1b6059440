"""One package per PMS vendor: `client.py` (HTTP + wire format), `mapping.py` (vendor record
→ normalized types), `statuses.py` (the vendor vocabulary), `connector.py` (the two joined)."""
