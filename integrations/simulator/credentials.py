"""The demo credentials the simulator accepts (documented in README.md)."""

from __future__ import annotations

DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "yardi": {
        "url": "https://www.yardiasp14.com/00000sim",
        "username": "doorsync_demo",
        "password": "yardi-demo-password",
        "server_name": "sim_voyager",
        "database": "sim_live",
        "platform": "SQL Server",
        "interface_entity": "doorsync",
        "interface_license": "YARDI-DEMO-LICENSE-0001",
    },
    "realpage": {
        "partner": "doorsync",
        "pmc_id": "4000001",
        "license_key": "realpage-demo-license-key",
    },
    "entrata": {
        "subdomain": "doorsyncdemo",
        "username": "doorsync_demo",
        "password": "entrata-demo-password",
        "api_key": "",
    },
    "mri": {
        "url": "https://mrix5.example.com/mriapiservices/api.asp",
        "client_id": "C100",
        "database": "SIMDB",
        "username": "doorsync_demo",
        "partner_key": "mri-demo-partner-key",
        "password": "mri-demo-password",
    },
    "appfolio": {
        "vhost": "doorsyncdemo",
        "client_id": "doorsync-demo-client",
        "client_secret": "appfolio-demo-secret",
    },
    "buildium": {
        "client_id": "doorsync-demo-buildium",
        "client_secret": "buildium-demo-secret",
    },
    "rentmanager": {
        "company": "doorsyncdemo",
        "username": "doorsync_demo",
        "password": "rentmanager-demo-password",
        "location_id": "1",
        "partner_token": "",
    },
}

# Entrata's other auth style; the simulator accepts either.
ENTRATA_DEMO_API_KEY = "entrata-demo-api-key"


def demo_fields(vendor: str) -> dict[str, str]:
    return dict(DEMO_CREDENTIALS[vendor])
