"""One package per PMS vendor. Each holds:

- `entry.py`: the registry entry (display name, credential fields, capabilities, and the
  import paths of the parts below); pms/registry.py lists the package on one line;
- `client.py`: HTTP + the vendor's wire format, a `VendorClient` (pms/vendor.py);
- `mapping.py`: wire rows → normalized types, exported as `MAPPING`;
- `statuses.py`: the vendor's status and role vocabulary;
- `simulator.py`: how the PMS simulator speaks this vendor (wire format, faults, and the
  vendor's own spelling of statuses and roles, written from the vendor's side);
- `fixtures/`: public-shape request/response samples, each saying where its shape comes from.

Tests live under tests/integrations/vendors/<vendor>/. Vendor packages import no Django.
There is no per-vendor connector: pms/base.Connector is built from the declared parts.
"""
