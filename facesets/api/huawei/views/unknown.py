"""Anything else under an FRS path: the gateway's APIG.0101."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from ..errors import HuaweiError
from .base import HuaweiView


@extend_schema(exclude=True)
class UnknownApiView(HuaweiView):
    """Anything else under an FRS path: APIG.0101, before authentication, as Huawei's gateway answers."""

    authentication_classes: list = []

    def initial(self, request, *args, **kwargs) -> None:
        raise HuaweiError("APIG.0101", f"no API {request.method} {request.path}")

    def get(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise HuaweiError("APIG.0101")

    post = put = delete = patch = get
