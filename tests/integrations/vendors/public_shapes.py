"""Replaying a vendor package's public-shape fixtures (integrations/vendors/<vendor>/fixtures/)
to its client, and comparing what the simulator serves with those shapes.

A JSON fixture holds {"source", "request": {method, path, query, body}, "response":
{status, headers, body}}. Replaying one checks that the client asked exactly what the
fixture shows (method, path, query, body) before answering with the fixture's response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

import integrations.vendors

VENDORS_DIR = Path(integrations.vendors.__file__).parent


def fixture_path(vendor: str, name: str) -> Path:
    return VENDORS_DIR / vendor / "fixtures" / name


def load(vendor: str, name: str) -> dict[str, Any]:
    doc = json.loads(fixture_path(vendor, name).read_text())
    assert doc["source"], f"{vendor}/{name} does not say where its shape comes from"
    return doc


def response_of(doc: Mapping[str, Any]) -> httpx.Response:
    answer = doc["response"]
    body = answer["body"]
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return httpx.Response(answer["status"], content=content, headers=answer.get("headers", {}))


def request_body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


class Replay:
    """An httpx handler answering each request with the next fixture, after checking the
    request is the one the fixture shows. `ignore` names body members that legitimately
    differ from call to call (Entrata's requestId)."""

    def __init__(self, docs: Sequence[Mapping[str, Any]], *, ignore: Iterable[str] = ()) -> None:
        self.docs = list(docs)
        self.ignore = frozenset(ignore)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert self.docs, f"an unexpected extra request: {request.method} {request.url}"
        doc = self.docs.pop(0)
        self.requests.append(request)
        expected = doc["request"]
        assert request.method == expected["method"]
        assert request.url.path.endswith(expected["path"]), (request.url.path, expected["path"])
        assert dict(request.url.params) == expected.get("query", {})
        body = request_body(request)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in self.ignore}
        want = expected.get("body")
        if isinstance(want, dict):
            want = {k: v for k, v in want.items() if k not in self.ignore}
        assert body == want
        return response_of(doc)

    @property
    def done(self) -> bool:
        return not self.docs


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every member path of a JSON value ("a.b[].c"), list positions folded together."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= key_paths(inner, path)
    elif isinstance(value, list):
        for inner in value:
            found |= key_paths(inner, f"{prefix}[]")
    return found


def folded(paths: Iterable[str]) -> set[str]:
    """Paths with list markers dropped: a vendor collapses a one-element list to the
    element itself, so "a[].b" and "a.b" are the same member."""
    return {path.replace("[]", "") for path in paths}


Handler = Callable[[httpx.Request], httpx.Response]
