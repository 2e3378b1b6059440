"""The simulator's one HTML page: residents of a property, and a form to edit or add one."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from integrations.pms.registry import VENDORS
from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import BEHAVIOURS, WireTraits, expressible
from integrations.simulator.data import InvalidEdit, SimResident
from integrations.simulator.server import SimResponse, SimState
from integrations.simulator.vocab import raw_status

PAGE_SIZE = 100
_FORM_FIELDS = (
    "first_name", "last_name", "email", "mobile", "home", "unit_id", "lease_id",
    "lease_start", "lease_end", "move_in", "move_out", "notice_date",
)  # fmt: skip
_STYLE = """
body{font:14px system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}
form.edit{display:grid;grid-template-columns:repeat(4,minmax(10rem,1fr));gap:.5rem 1rem;margin:1rem 0;padding:1rem;background:#f6f6f6}
label{display:flex;flex-direction:column;font-size:12px}
form.adv{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;margin:.25rem 0}form.adv label{flex-direction:row;gap:.25rem}.msg{padding:.5rem;background:#e8f4e8}
"""


def _options(values: list[str], selected: str) -> str:
    return "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>{escape(v)}</option>'
        for v in values
    )


def _form(state: SimState, property_id: str, resident: SimResident | None) -> str:
    values: dict[str, str] = {name: "" for name in _FORM_FIELDS}
    lifecycle, role = Lifecycle.CURRENT.value, ResidentRole.PRIMARY.value
    if resident is not None:
        data = resident.as_json()
        values.update(
            {name: "" if data[name] == "None" else str(data[name]) for name in _FORM_FIELDS}
        )
        lifecycle, role = resident.lifecycle.value, resident.role.value
    units = state.dataset.units_of(property_id)
    unit_options = "".join(
        f'<option value="{u.id}"{" selected" if str(u.id) == values["unit_id"] else ""}>'
        f"{escape(u.name)}</option>"
        for u in units
    )
    inputs = "".join(
        f'<label>{name.replace("_", " ")}<input name="{name}" value="{escape(values[name])}"'
        f"{' type=date' if name in {'lease_start', 'lease_end', 'move_in', 'move_out', 'notice_date'} else ''}></label>"
        for name in _FORM_FIELDS
        if name != "unit_id"
    )
    title = f"Edit resident {resident.id}" if resident else "Add a resident"
    return (
        f"<h2>{title}</h2><form class=edit method=post action=/_sim/form>"
        f'<input type=hidden name=id value="{resident.id if resident else ""}">'
        f'<input type=hidden name=property value="{escape(property_id)}">'
        f"<label>unit<select name=unit_id>{unit_options}</select></label>"
        f"<label>status<select name=lifecycle>{_options([lc.value for lc in Lifecycle], lifecycle)}</select></label>"
        f"<label>role<select name=role>{_options([r.value for r in ResidentRole], role)}</select></label>"
        f"{inputs}<button>Save</button></form>"
    )


def adversary_snapshot(state: SimState) -> dict[str, dict[str, Any]]:
    """Each vendor's behaviours, and those its wire can express (the rest are inert)."""
    snapshot = state.adversary.snapshot()
    for vendor, settings in snapshot.items():
        traits = getattr(VENDORS[vendor].simulator_module(), "TRAITS", WireTraits())
        settings["expressible"] = sorted(expressible(traits))
    return snapshot


def adversary_form_settings(form: dict[str, Any]) -> dict[str, Any]:
    """The page's form → settings: an unticked box is not sent, so it means off."""
    settings: dict[str, Any] = {}
    for name in BEHAVIOURS:
        if name in ("page_cap", "error_200", "slow_trickle_ms"):
            settings[name] = str(form.get(name) or "0").strip() or "0"
        else:
            settings[name] = name in form
    return settings


def _adversary_forms(state: SimState) -> str:
    rows = []
    for vendor, settings in adversary_snapshot(state).items():
        inputs = []
        for name in BEHAVIOURS:
            # Not expressible by this vendor's wire (no paging, say): shown, but inert.
            inert = "" if name in settings["expressible"] else ' title="inert for this vendor"'

            if name in ("page_cap", "error_200", "slow_trickle_ms"):
                inputs.append(
                    f'<label>{name}<input name="{name}" size=4 value="{settings[name]}"{inert}></label>'
                )
            else:
                checked = " checked" if settings[name] else ""
                inputs.append(
                    f'<label><input type=checkbox name="{name}"{checked}{inert}>{name}</label>'
                )
        rows.append(
            f"<form class=adv method=post action=/_sim/adversary><b>{escape(vendor)}</b>"
            f'<input type=hidden name=vendor value="{escape(vendor)}"><input type=hidden name=_form value=1>'
            f"{''.join(inputs)}<button>Set</button></form>"
        )
    return "<h2>Adversarial mode</h2>" + "".join(rows)


def render(state: SimState, query: dict[str, str]) -> SimResponse:
    properties = state.dataset.properties
    property_id = query.get("property") or next(iter(properties))
    offset = int(query.get("offset", "0") or 0) if query.get("offset", "0").isdigit() else 0
    residents = state.dataset.residents_of(property_id)
    units = {u.id: u.name for u in state.dataset.units_of(property_id)}
    editing = None
    if query.get("edit", "").isdigit():
        editing = state.dataset.residents.get(int(query["edit"]))
    tabs = " · ".join(
        f'<a href="/?property={escape(p.id)}">{escape(p.name)} ({escape(p.id)})</a>'
        for p in properties.values()
    )
    rows = "".join(
        "<tr>"
        f"<td>{r.id}</td><td>{escape(r.first_name)} {escape(r.last_name)}</td>"
        f"<td>{escape(r.email)}</td><td>{escape(r.mobile or r.home)}</td>"
        f"<td>{escape(units.get(r.unit_id, '?'))}</td><td>{r.lease_id}</td><td>{r.role.value}</td>"
        f"<td>{r.lifecycle.value} <small>({escape(raw_status('yardi', r) or '')})</small></td>"
        f"<td>{r.lease_start or ''} → {r.lease_end or ''}</td>"
        f'<td><a href="/?{urlencode({"property": property_id, "edit": r.id, "offset": offset})}">edit</a></td>'
        "</tr>"
        for r in residents[offset : offset + PAGE_SIZE]
    )
    pager = ""
    if offset + PAGE_SIZE < len(residents):
        pager = f'<a href="/?{urlencode({"property": property_id, "offset": offset + PAGE_SIZE})}">next {PAGE_SIZE} →</a>'
    message = f"<p class=msg>{escape(query['msg'])}</p>" if query.get("msg") else ""
    html = (
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>PMS simulator</title>"
        f"<style>{_STYLE}</style></head><body><h1>PMS simulator</h1><p>{tabs}</p>{message}"
        f"{_form(state, property_id, editing)}{_adversary_forms(state)}"
        f"<h2>Residents ({len(residents)})</h2><table><tr><th>id</th><th>name</th><th>email</th>"
        f"<th>phone</th><th>unit</th><th>lease</th><th>role</th><th>status</th><th>lease dates</th>"
        f"<th></th></tr>{rows}</table><p>{pager}</p></body></html>"
    )
    return SimResponse(200, html.encode(), "text/html; charset=utf-8")


def submit(state: SimState, form: dict[str, Any]) -> SimResponse:
    property_id = str(form.pop("property", ""))
    raw_id = str(form.pop("id", "")).strip()
    changes = {k: v for k, v in form.items() if k in set(_FORM_FIELDS) | {"lifecycle", "role"}}
    if not changes.get("lease_id"):
        changes.pop("lease_id", None)
    try:
        if raw_id:
            before = state.dataset.residents.get(int(raw_id))
            resident = state.dataset.update(int(raw_id), changes)
            state.pushes.changed(before, resident)
            message = f"Saved resident {resident.id}"
        else:
            resident = state.dataset.create(changes)
            state.pushes.changed(None, resident)
            message = f"Added resident {resident.id}"
    except (InvalidEdit, KeyError, ValueError) as exc:
        message = f"Not saved: {exc}"
    location = "/?" + urlencode({"property": property_id, "msg": message})
    return SimResponse(303, b"", "text/plain", {"Location": location})
