"""Small rendering helpers the simulated vendors share."""

from __future__ import annotations

from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET

from integrations.pms.soap import SOAP_ENV, XML_ERRORS, local_name


def el(tag: str, value: object = "", **attrs: str) -> str:
    attributes = "".join(f" {name}={quoteattr(v)}" for name, v in attrs.items())
    text = "" if value is None else str(value)
    if not text:
        return f"<{tag}{attributes}/>"
    return f"<{tag}{attributes}>{escape(text)}</{tag}>"


def iso_datetime(value: date | None) -> str:
    return f"{value.isoformat()}T00:00:00" if value else ""


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def us_date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def soap_open() -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
    )


SOAP_CLOSE = "</soap:Body></soap:Envelope>"


def soap_result(method: str, namespace: str, inner: str) -> bytes:
    """A whole SOAP answer: <{method}Response><{method}Result>inner</…></…>."""
    return (
        soap_open()
        + f'<{method}Response xmlns="{namespace}"><{method}Result>{inner}'
        + f"</{method}Result></{method}Response>{SOAP_CLOSE}"
    ).encode()


def soap_fault(code: str, message: str) -> bytes:
    return (
        soap_open()
        + f"<soap:Fault><faultcode>{escape(code)}</faultcode>"
        + f"<faultstring>{escape(message)}</faultstring></soap:Fault>"
        + SOAP_CLOSE
    ).encode()


def read_soap_call(body: bytes) -> tuple[str, dict[str, Any]] | None:
    """(method, {param: text, nested element: {…}}) from a SOAP request, or None if broken."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except XML_ERRORS:
        return None
    soap_body = next((child for child in root if local_name(child.tag) == "Body"), None)
    if soap_body is None or not len(soap_body):
        return None
    call = soap_body[0]
    params: dict[str, Any] = {}
    for child in call:
        if len(child):
            params[local_name(child.tag)] = {
                local_name(grand.tag): (grand.text or "").strip() for grand in child
            }
        else:
            params[local_name(child.tag)] = (child.text or "").strip()
    return local_name(call.tag), params


HTML_UNAVAILABLE = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service "
    b"your request.</p></body></html>"
)
