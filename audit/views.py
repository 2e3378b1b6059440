"""Manage Settings → Reports: Assigned Access and Admin Actions, on the page and as CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit import reports
from audit.forms import ReportFilterForm
from common.csv_export import SafeCSVWriter
from properties.console import console_view
from properties.models import Property

PAGE_SIZE = 50


class _Echo:
    """A file-like object whose write returns the line, for streaming csv rows."""

    def write(self, value: str) -> str:
        return value


@console_view
def report_assigned_access(
    request: HttpRequest, prop: Property
) -> HttpResponse | StreamingHttpResponse:
    return _report(
        request,
        prop,
        slug="assigned-access",
        title="Assigned Access",
        columns=reports.ASSIGNED_ACCESS_COLUMNS,
        rows=reports.assigned_access_rows,
        row=reports.assigned_access_row,
        enrich=reports.assigned_access_with_why,
    )


@console_view
def report_admin_actions(
    request: HttpRequest, prop: Property
) -> HttpResponse | StreamingHttpResponse:
    return _report(
        request,
        prop,
        slug="admin-actions",
        title="Admin Actions",
        columns=reports.ADMIN_ACTIONS_COLUMNS,
        rows=reports.admin_action_rows,
        row=reports.admin_action_row,
    )


def _report(
    request: HttpRequest,
    prop: Property,
    *,
    slug: str,
    title: str,
    columns: list[str],
    rows: Callable[..., Any],
    row: Callable[[dict[str, Any], Property], list[str]],
    enrich: Callable[..., Iterable[dict[str, Any]]] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    form = ReportFilterForm(
        request.GET or None, property=prop, actors=reports.report_actors(property=prop)
    )
    form.is_valid()
    found = rows(property=prop, flt=form.report_filter())

    def complete(read: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        return enrich(read, property=prop) if enrich is not None else read

    if request.GET.get("export") == "csv":
        return _csv(
            complete(reports.rows_streamed(found)), columns=columns, row=row, prop=prop, slug=slug
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export = query.copy()
    export["export"] = "csv"
    return render(
        request,
        "audit/report.html",
        {
            "form": form,
            "slug": slug,
            "title": title,
            "columns": columns,
            "rows": [row(r, prop) for r in complete(page.object_list)],
            "page": page,
            "query": query.urlencode(),
            "export_query": export.urlencode(),
            "include_action": slug == "admin-actions",
        },
    )


def _csv(
    found: Iterable[dict[str, Any]],
    *,
    columns: list[str],
    row: Callable[[dict[str, Any], Property], list[str]],
    prop: Property,
    slug: str,
) -> StreamingHttpResponse:
    writer = SafeCSVWriter(_Echo())

    def lines() -> Iterator[str]:
        # Every cell through SafeCSVWriter: a name typed as =HYPERLINK(…) stays text.
        yield writer.writerow_text(columns)
        for r in found:
            yield writer.writerow_text(row(r, prop))

    stamp = timezone.localtime(timezone.now(), prop.zone).strftime("%Y-%m-%d")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{prop.id}-{stamp}.csv"'
    return response
