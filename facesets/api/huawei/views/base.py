"""What the Huawei views share: the error responses of the schema, the base view (authentication, the body's
limits, the errors in Huawei's terms)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from facesets.services.audit import Actor

from ...common.images import image_from_url
from ...common.views import DialectView
from .. import serializers as wire
from ..auth import HuaweiAuthentication
from ..errors import ERRORS as ERROR_TABLE
from ..errors import OTHER, HuaweiError

TAG = "Huawei FRS v2"


ERRORS = {
    400: OpenApiResponse(wire.HuaweiErrorSerializer, description="FRS.xxxx error (spec 6.2)"),
    401: OpenApiResponse(wire.HuaweiErrorSerializer, description="APIG.0301 / APIG.0307: authentication failed"),
    403: OpenApiResponse(wire.HuaweiErrorSerializer, description="FRS.0002 / FRS.0028 / FRS.0306"),
    500: OpenApiResponse(wire.HuaweiErrorSerializer, description="FRS.0018: internal error"),
}


INFERENCE_ERRORS = {**ERRORS, 504: OpenApiResponse(wire.HuaweiErrorSerializer, description="APIG.0201: timed out")}


FACE_SET_NAME = OpenApiParameter("face_set_name", str, OpenApiParameter.PATH, description="name of the face set")


IMAGE_MEDIA = ("application/json", "multipart/form-data")


def request_bodies(serializer) -> dict:
    return {media: serializer for media in IMAGE_MEDIA}


class HuaweiView(DialectView):
    """Base of the FRS views: Huawei auth (token or AK/SK), JSON or multipart in, JSON out, every error in Huawei's
    envelope (facesets.api.common.views does the shared part)."""

    interface = "huawei"  # the audit log's name of this dialect

    errors = ERROR_TABLE
    authentication_classes = [HuaweiAuthentication]
    # Operations that change nothing though they are POSTs (a viewer's token may call them).
    read_only_post = False
    operation = OTHER

    def check_request(self, request) -> None:
        # WSGI servers may fill in text/plain for a missing Content-Type; neither is an FRS body.
        content_length = request.META.get("CONTENT_LENGTH") or "0"
        if content_length not in ("", "0") and request.META.get("CONTENT_TYPE", "") in ("", "text/plain"):
            raise HuaweiError("FRS.0010", "the Content-Type header is missing (JSON or multipart/form-data)")

    def authenticate_caller(self, request):
        self.caller = request.auth
        # The project's per-credential rate limit (shared with the other dialects); user tokens are not counted.
        return self.caller.credential

    def audit_actor(self):
        caller = getattr(self, "caller", None)  # the token call itself has none
        if caller is not None and caller.user is not None:  # an IAM-style token: the FaceLib user it was issued to
            return Actor.from_user(caller.user, self.interface)
        return super().audit_actor()

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        writes = request.method not in ("GET", "HEAD", "OPTIONS") and not (
            request.method == "POST" and self.read_only_post
        )
        if writes and not self.caller.may_write:
            raise HuaweiError("FRS.0002", "this token's user is a viewer of the project and may not change it")

    def rate_limit_headers(self, state) -> dict[str, str]:
        # The spec's own names (table 3-4): the limit and the requests left in the window.
        return {
            **super().rate_limit_headers(state),
            "X-ratelimit": str(state.limit),
            "X-ratelimit-used": str(state.remaining),
        }

    @property
    def project(self):
        return self.caller.project

    def validated(self, serializer_class, data, **kwargs) -> dict:
        serializer = serializer_class(data=data, **kwargs)
        if not serializer.is_valid():
            raise self.errors.invalid(serializer.errors)
        return serializer.validated_data

    # --- inputs shared by several endpoints

    def image(self, values: dict, prefix: str = "image") -> bytes:
        """The image of one of `{prefix}_base64`, `{prefix}_file`, `{prefix}_url` (fetched now)."""
        for kind in ("base64", "file"):
            if values.get(f"{prefix}_{kind}"):
                return values[f"{prefix}_{kind}"]
        return image_from_url(values[f"{prefix}_url"], field=f"{prefix}_url")
