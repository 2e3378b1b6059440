"""SOAP 1.1 envelopes out, streamed and defused XML in — shared by Yardi and RealPage."""

from __future__ import annotations

import functools
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET

from integrations.pms.errors import MalformedResponse, PMSError
from integrations.pms.http import CappedBody, HttpTransport

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

# Everything the XML reader can raise on a hostile or broken document.
XML_ERRORS: tuple[type[Exception], ...] = (ET.ParseError, defusedxml.DefusedXmlException)


def envelope(body: str, *, namespaces: dict[str, str] | None = None) -> bytes:
    """A SOAP 1.1 envelope around `body` (already-built, already-escaped XML)."""
    extra = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in (namespaces or {}).items())
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"{extra}>'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def elements(pairs: Iterable[tuple[str, str]], *, prefix: str = "") -> str:
    """`<tag>value</tag>` for each pair, values XML-escaped (passwords can hold `&` or `<`)."""
    return "".join(f"<{prefix}{tag}>{escape(value)}</{prefix}{tag}>" for tag, value in pairs)


@functools.lru_cache(maxsize=1024)
def local_name(tag: str) -> str:
    # Cached: a resident list repeats the same few dozen tags hundreds of thousands of times.
    return tag.rsplit("}", 1)[-1]


def element_to_dict(element: ET.Element) -> dict[str, Any]:
    """An element as a dict: children by local name (repeats become lists), attributes as
    "@name", and the text of an element that has attributes as "#text"."""
    result: dict[str, Any] = {f"@{local_name(k)}": v for k, v in element.attrib.items()}
    if not len(element) and (element.text or "").strip():
        result["#text"] = (element.text or "").strip()
    for child in element:
        key = local_name(child.tag)
        value: Any
        value = element_to_dict(child) if len(child) or child.attrib else (child.text or "").strip()
        if key in result:
            existing = result[key]
            if isinstance(existing, list):
                existing.append(value)
            else:
                result[key] = [existing, value]
        else:
            result[key] = value
    return result


def stream_elements(
    source: IO[bytes] | io.RawIOBase,
    wanted: frozenset[str],
    *,
    markers: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(local name, dict) for each completed element named in `wanted`, in document order.

    Each yielded element is detached from the tree at once, so memory holds one record at
    a time however long the document. An element inside a wanted element is not yielded
    on its own. `markers` are reported as (name, {}) when they close — a cheap way to know
    the result element was really there. Raises one of XML_ERRORS on a broken, truncated
    or hostile document.
    """
    stack: list[ET.Element] = []
    # How deep we are inside a wanted element (0: outside). Inside one, every start counts,
    # so the tag names of a record's fields are never even looked at.
    depth = 0
    for event, element in SafeET.iterparse(source, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            stack.append(element)
            if depth or local_name(element.tag) in wanted:
                depth += 1
            continue
        stack.pop()
        if depth > 1:
            depth -= 1
            continue
        name = local_name(element.tag)
        if not depth:
            if name in markers:
                yield name, {}
            continue
        depth = 0
        yield name, element_to_dict(element)
        element.clear()
        if stack:
            stack[-1].remove(element)


def fault_text(record: dict[str, Any]) -> str:
    """The human part of a SOAP Fault dict (SOAP 1.1 faultstring, or WCF's Reason/Text)."""
    for key in ("faultstring", "Reason", "detail"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            inner = value.get("Text") or value.get("#text")
            if isinstance(inner, str) and inner:
                return inner
    return "SOAP fault"


def post_streaming(
    http: HttpTransport,
    url: str,
    *,
    call: str,
    action: str,
    body: bytes,
    wanted: frozenset[str],
    result_tag: str,
    control: Callable[[str, dict[str, Any]], PMSError | None],
    control_tags: frozenset[str] = frozenset({"Fault"}),
    sniff: Callable[[CappedBody], None] | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """POST a SOAP call and yield the `wanted` elements of the answer as they stream in.

    `control` sees every element named in `control_tags` (faults, vendor messages) and
    returns the error to raise, if any. A document that breaks off, or lacks `result_tag`,
    raises MalformedResponse: a partial answer is never passed off as a complete one.
    """
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    with http.stream("POST", url, call=call, content=body, headers=headers) as stream:
        if sniff is not None:
            sniff(stream)
        seen_result = False
        try:
            for name, record in stream_elements(
                stream, wanted | control_tags, markers=frozenset({result_tag})
            ):
                if name == result_tag:
                    seen_result = True
                elif name in control_tags:
                    problem = control(name, record)
                    if problem is not None:
                        raise problem
                else:
                    yield name, record
        except XML_ERRORS as exc:
            raise http.error(MalformedResponse, call=call, detail=f"broken XML: {exc}") from None
        if not seen_result:
            raise http.error(MalformedResponse, call=call, detail=f"no {result_tag} in the answer")
