"""User Sync: PMS → doorsync residents. See DESIGN.md "User Sync"."""
