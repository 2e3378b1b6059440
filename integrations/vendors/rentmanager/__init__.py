"""Rent Manager 12: see integrations/vendors/__init__.py for what each module holds."""
