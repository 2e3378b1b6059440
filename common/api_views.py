from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.views import APIView

from properties.models import Property
from properties.selectors import property_get_for_user


class PropertyApiView(APIView):
    """An API view under /properties/<id>/: the property is resolved before the method.

    DRF checks authentication and permissions in ``initial``, then picks the
    handler; resolving here means another tenant's id answers 404 for every
    method, never a 405 that would confirm the URL exists.
    """

    property: Property

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.property = property_get_for_user(user=request.user, property_id=kwargs["property_id"])
