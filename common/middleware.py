"""Request checks every view relies on, so no view has to remember them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from common.odd_text import BROKEN, odd_character, odd_text_message

# Where the JSON API lives: it answers in JSON, like its other 400s (common/api.py).
API_PREFIX = "/api/"


def _undecodable(encoded: bytes) -> str | None:
    """The first parameter of a query string or form body whose bytes, raw or
    percent-encoded, are not UTF-8 (a lone surrogate arrives as such bytes), or None.
    Django would quietly turn them into U+FFFD."""
    for pair in encoded.split(b"&"):
        key, _, value = pair.partition(b"=")
        for part in (key, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(key).decode("utf-8", errors="replace")
    return None


def _pairs(request: HttpRequest) -> Iterable[tuple[str, str, str]]:
    """(kind, parameter, value) for everything a request carries as text."""
    yield "path", "", request.path
    for key, values in request.GET.lists():
        yield "query", key, key
        for value in values:
            yield "query", key, value
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        # Form-encoded and multipart bodies only (request.POST is empty for JSON); the
        # API's JSON bodies go through serializer fields, which refuse NUL themselves.
        for key, values in request.POST.lists():
            yield "form", key, key
            for value in values:
                yield "form", key, value
        for key, files in request.FILES.lists():
            for upload in files:
                yield "file", key, upload.name or ""


class OddTextMiddleware:
    """Answer 400, naming the parameter, for a query string or form holding NUL or a lone
    surrogate, before any view turns it into a database query (an uploaded file's contents
    are checked by its reader, which can name the line: units/csv_import.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # WSGI hands the query string over as latin-1: each character is one raw byte.
        raw_query = request.META.get("QUERY_STRING", "").encode("latin-1", errors="replace")
        broken = _undecodable(raw_query)
        if broken is not None:
            return self._refuse(request, "query", broken, BROKEN)
        if request.content_type == "application/x-www-form-urlencoded" and request.method in {
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
        }:
            broken = _undecodable(request.body)
            if broken is not None:
                return self._refuse(request, "form", broken, BROKEN)
        for kind, parameter, value in _pairs(request):
            problem = odd_character(value)
            if problem is not None:
                return self._refuse(request, kind, parameter, problem)
        return self.get_response(request)

    def _refuse(
        self, request: HttpRequest, kind: str, parameter: str, problem: str
    ) -> HttpResponse:
        where = {
            "path": "The address",
            "query": f"The “{parameter}” parameter",
            "form": f"The “{parameter}” field",
            "file": f"The name of the file in “{parameter}”",
        }[kind]
        message = odd_text_message(where=where, problem=problem)
        if request.path.startswith(API_PREFIX):
            # The API's problem details (common/api.py), built before DRF sees the request.
            from common.api import PROBLEM_JSON, problem_body

            body = problem_body(
                status=400,
                detail=message,
                code="invalid_request",
                errors=[{"field": parameter or None, "message": message}],
            )
            return JsonResponse(body, status=400, content_type=PROBLEM_JSON)
        response = render(request, "common/odd_text.html", {"message": message}, status=400)
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            # htmx swaps nothing on a 4xx by default; say it where the page shows messages.
            response["HX-Retarget"] = "body"
            response["HX-Reswap"] = "innerHTML"
        return response
