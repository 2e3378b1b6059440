"""Inbound PMS pushes: one endpoint per integration (/hooks/pms/<token>/) for every vendor
that can push, a per-vendor verifier declared in the vendor package (pms/push.py), an event
log for support, and a targeted sync of what each genuine event names."""
