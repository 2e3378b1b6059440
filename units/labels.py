"""How units are named on pages, keys and doors (pure: used by the CSV parser too)."""


def unit_label(name: str, building: str) -> str:
    """How a unit is named on every page: "Tower 12B", but "A304" rather than
    "A A304" when the unit's name already starts with its building."""
    if not building or name.casefold().startswith(building.casefold()):
        return name
    return f"{building} {name}"
