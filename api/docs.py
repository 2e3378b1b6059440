from __future__ import annotations

from typing import Any

from csp.constants import UNSAFE_INLINE
from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """The readable API reference (/api/docs/): Swagger UI from drf-spectacular-sidecar,
    served from this origin, its start-up code a script file of its own (the "split"
    view) — no inline script. Swagger UI sets inline styles, allowed on this page only."""

    # A page, not an API operation: left out of the document it shows.
    schema = None

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response._csp_update = {"style-src": [UNSAFE_INLINE], "img-src": ["data:"]}
        return response
