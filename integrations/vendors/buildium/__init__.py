"""Buildium: Open API v1 (REST/JSON, client id and secret headers)."""
