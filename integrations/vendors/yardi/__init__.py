"""Yardi Voyager: see integrations/vendors/__init__.py for what each module holds."""
