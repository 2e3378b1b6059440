"""How units are named on pages, keys and doors (pure: used by the CSV parser too)."""


def unit_label(name: str, building: str) -> str:
    """How a unit is named on every page: "Tower 12B", but "A304" or "A-101" rather than
    "A A304" when the unit's name already carries its building.

    A numbered building counts only when something parts it from the number: unit 101
    of building 1 is "1 101", while "1-101" already says building 1.
    """
    if not building:
        return name
    if name.casefold().startswith(building.casefold()) and len(name) > len(building):
        rest = name[len(building)]
        if not rest.isalnum() or (rest.isdigit() and not building[-1].isdigit()):
            return name
    return f"{building} {name}"
