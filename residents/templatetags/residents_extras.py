from __future__ import annotations

from django import template

from residents.contact import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+16175550142 → (617) 555-0142; foreign numbers in international format."""
    return phone_display(value)
