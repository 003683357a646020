"""The IAM token endpoint (3.2-3.3)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from ...common.views import DialectView
from .. import serializers as wire
from ..auth import token_issue, token_ttl
from .base import ERRORS, TAG, HuaweiView


class TokenView(HuaweiView):
    """IAM-style token for FRS calls (spec 3.2/3.3)."""

    authentication_classes: list = []

    def check_request(self, request) -> None:
        pass  # any body: the serializer tells what is wrong with it

    def authenticate_caller(self, request):
        return None  # this call is the authentication

    def initial(self, request, *args, **kwargs) -> None:
        DialectView.initial(self, request, *args, **kwargs)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_token_create",
        summary="Get a project token (IAM password method)",
        description="Authenticates a FaceLib user who is a member of the project named in `auth.scope.project` "
        "(`name` = FaceLib project name, or `id` = project id). The token comes back in the `X-Subject-Token` "
        "header, is valid 24 hours and authenticates FRS calls as `X-Auth-Token`.",
        request=wire.HuaweiTokenRequestSerializer,
        responses={201: wire.HuaweiTokenResponseSerializer, 400: ERRORS[400], 401: ERRORS[401]},
        auth=[],
    )
    def post(self, request, *args, **kwargs) -> Response:
        values = self.validated(wire.HuaweiTokenRequestSerializer, request.data)["auth"]
        token, user, project, role = token_issue(request=request._request, **values)
        issued = timezone.now()
        body = {
            "token": {
                "methods": ["password"],
                "issued_at": issued.isoformat().replace("+00:00", "Z"),
                "expires_at": (issued + token_ttl()).isoformat().replace("+00:00", "Z"),
                "user": {"id": str(user.pk), "name": user.get_username()},
                "project": {"id": project.project_id, "name": project.name},
                "roles": [{"name": role}],
                "catalog": [],
            }
        }
        return Response(body, status=201, headers={"X-Subject-Token": token})
