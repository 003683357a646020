"""Huawei FRS v2 endpoints (spec sections 4.1, 4.2, 4.4-4.6) and the IAM token endpoint (3.2-3.3).

Each view authenticates (auth.HuaweiAuthentication), checks the input's shape (serializers), calls one service or
selector, and renders the answer or the error in Huawei's terms (errors). Inference (add, search by image, detect,
compare) runs in a Celery worker through services.runs, waiting at most FACELIB_SYNC_TIMEOUT.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from facesets import fields as field_rules
from facesets.selectors import (
    face_set_get,
    face_set_list,
    face_set_query_validate,
    member_get,
    member_list,
    member_list_by_field,
    page,
)
from facesets.services.audit import Actor
from facesets.services.faces import face_set_member_update, face_set_remove_members
from facesets.services.library import face_set_create, face_set_delete
from facesets.services.lifecycle import Release
from facesets.services.liveness import actions_parse, windows_parse
from facesets.services.runs import (
    face_search_run,
    face_set_enrol_run,
    image_analyse_run,
    image_compare_run,
    video_liveness_run,
)
from recognition.calibration import huawei_similarity, raw_cosine_for
from recognition.liveness import WARNINGS

from ..common.images import image_from_url
from ..common.views import DialectView
from . import serializers as wire
from .auth import HuaweiAuthentication, token_issue, token_ttl
from .errors import ADD, COMPARE, DELETE_BY_FIELD, DETECT, LIVE, OTHER, SEARCH, HuaweiError
from .errors import ERRORS as ERROR_TABLE

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


def _bodies(serializer) -> dict:
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


# --- token -----------------------------------------------------------------------------------------------------


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


# --- face sets -------------------------------------------------------------------------------------------------


class FaceSetsView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_sets_list",
        summary="List all face sets (4.5.2)",
        responses={200: wire.HuaweiFaceSetsInfoResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str) -> Response:
        face_sets = face_set_list(project=self.project)
        return Response(wire.HuaweiFaceSetsInfoResponseSerializer({"face_sets_info": face_sets}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_sets_create",
        summary="Create a face set (4.5.1)",
        description="Name 1-64 letters, digits, `-`, `_`; capacity a multiple of 10,000 (default 100,000, at most "
        "the project's maximum); up to 10 typed custom fields.",
        request=wire.HuaweiCreateFaceSetRequestSerializer,
        responses={200: wire.HuaweiFaceSetInfoResponseSerializer, **ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiCreateFaceSetRequestSerializer, request.data)
        face_set = face_set_create(
            project=self.project,
            name=values["face_set_name"],
            capacity=values.get("face_set_capacity"),
            field_schema=values.get("external_fields"),
        )
        return Response(wire.HuaweiFaceSetInfoResponseSerializer({"face_set_info": face_set}).data)


class FaceSetView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_set_show",
        summary="Show a face set (4.5.3)",
        parameters=[FACE_SET_NAME],
        responses={200: wire.HuaweiFaceSetInfoResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str, face_set_name: str) -> Response:
        face_set = face_set_get(project=self.project, name=face_set_name)
        return Response(wire.HuaweiFaceSetInfoResponseSerializer({"face_set_info": face_set}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_set_delete",
        summary="Delete a face set with its faces (4.5.4)",
        parameters=[FACE_SET_NAME],
        responses={200: wire.HuaweiDeleteFaceSetResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        face_set = face_set_get(project=self.project, name=face_set_name)
        face_set_delete(face_set=face_set, release=Release.DELETE)
        return Response({"face_set_name": face_set.name})


# --- faces -----------------------------------------------------------------------------------------------------


class FacesView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_show",
        summary="Show faces by offset/limit or by face_id (4.6.2)",
        parameters=[
            FACE_SET_NAME,
            OpenApiParameter("offset", int, description="first face to return (default 0)"),
            OpenApiParameter("limit", int, description="how many (default 5); offset + limit <= 10000"),
            OpenApiParameter("face_id", str, description="one face instead of a page"),
        ],
        responses={200: wire.HuaweiFacesResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiShowFacesQuerySerializer, request.query_params)
        face_set = face_set_get(project=self.project, name=face_set_name)
        if "face_id" in values:
            members = [member_get(face_set=face_set, face_id=values["face_id"])]
        else:
            members = page(member_list(face_set=face_set), offset=values["offset"], limit=values["limit"]).rows
        return Response(wire.HuaweiFacesResponseSerializer({"face_set": face_set, "members": members}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_add",
        summary="Add the faces of a photo (4.6.1)",
        description="Every face of the photo (only the largest with `single`), all with the same "
        "`external_image_id` (generated when absent) and `external_fields` values.",
        parameters=[FACE_SET_NAME],
        request=_bodies(wire.HuaweiAddFacesRequestSerializer),
        responses={200: wire.HuaweiFacesResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str, face_set_name: str) -> Response:
        self.operation = ADD
        values = self.validated(wire.HuaweiAddFacesRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        # Checked before any download or inference, so a bad value costs nothing.
        if "external_image_id" in values:
            field_rules.validate_external_image_id(values["external_image_id"])
        field_rules.validate_values(face_set.field_schema, values.get("external_fields"))
        members = face_set_enrol_run(
            face_set=face_set,
            image=self.image(values),
            external_image_id=values.get("external_image_id"),
            external_fields=values.get("external_fields"),
            single=values["single"],
        )
        return Response(wire.HuaweiFacesResponseSerializer({"face_set": face_set, "members": members}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_update",
        summary="Update a face's external_image_id and/or external_fields (4.6.3)",
        parameters=[FACE_SET_NAME],
        request=wire.HuaweiUpdateFaceRequestSerializer,
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def put(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiUpdateFaceRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        member = member_get(face_set=face_set, face_id=values["face_id"])
        face_set_member_update(
            member=member,
            external_image_id=values.get("external_image_id"),
            external_fields=values.get("external_fields"),
        )
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": 1, "face_set": face_set}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_delete",
        summary="Delete faces by face_id, external_image_id or a custom field (4.6.4)",
        description="Exactly one query parameter: `face_id=...`, `external_image_id=...` or `<custom field>=<value>`.",
        parameters=[
            FACE_SET_NAME,
            OpenApiParameter("face_id", str),
            OpenApiParameter("external_image_id", str),
        ],
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        self.operation = DELETE_BY_FIELD
        params = list(request.query_params.lists())
        if not params:
            raise HuaweiError("FRS.0011", "give the field to delete by: face_id, external_image_id or a custom field")
        if len(params) > 1 or len(params[0][1]) > 1:
            raise HuaweiError("FRS.0012", "give exactly one field to delete by")
        field, [value] = params[0]
        face_set = face_set_get(project=self.project, name=face_set_name)
        members = member_list_by_field(face_set=face_set, field=field, value=value)
        removed = face_set_remove_members(face_set=face_set, members=members, release=Release.DELETE)
        if not removed:
            if field == "face_id":
                raise HuaweiError("FRS.0403", f"face id {value!r} does not exist in the face set")
            if field == "external_image_id":
                raise HuaweiError("FRS.0402", f"external image id {value!r} does not exist, can not delete face")
            raise HuaweiError("FRS.0401", f"no face has {field} = {value!r}, can not delete")
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": removed, "face_set": face_set}).data)


class FacesBatchView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_batch_delete",
        summary="Delete the faces matching a filter (4.6.5)",
        parameters=[FACE_SET_NAME],
        request=wire.HuaweiBatchDeleteRequestSerializer,
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiBatchDeleteRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        members = member_list(face_set=face_set, filter_text=values["filter"])
        removed = face_set_remove_members(face_set=face_set, members=members, release=Release.DELETE)
        if not removed:
            raise HuaweiError("FRS.0407")
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": removed, "face_set": face_set}).data)


# --- search, detect, compare -----------------------------------------------------------------------------------


class SearchView(HuaweiView):
    read_only_post = True
    operation = SEARCH

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_search",
        summary="Search a face set by photo or face_id (4.4)",
        description="The largest face of the photo (or the stored face `face_id`) against the face set: the "
        "`top_n` most similar faces with similarity >= `threshold` (0..1, 0.93 = same person) that match "
        "`filter`, most similar first, or ordered by `sort` (numeric fields; faces without the field last, ties "
        "by similarity). `return_fields` picks the custom fields returned (all when absent).",
        parameters=[FACE_SET_NAME],
        request=_bodies(wire.HuaweiSearchRequestSerializer),
        responses={200: wire.HuaweiSearchResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiSearchRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        filter_text = values.get("filter") or None
        sort = values.get("sort")
        return_fields = values.get("return_fields")
        schema = face_set.field_schema or {}
        if return_fields is not None:
            undefined = [name for name in return_fields if name not in schema]
            if undefined:
                raise HuaweiError("FRS.0030", f"return field {undefined[0]!r} is not defined in the face set")
        face_set_query_validate(face_set=face_set, filter_text=filter_text, sort=sort)
        if sort and return_fields is not None:
            missing = [name for item in sort for name in item if name not in return_fields]
            if missing:
                raise HuaweiError("FRS.0031", f"sort field {missing[0]!r} is not among the return_fields")
        threshold = values["threshold"]
        result = face_search_run(
            project=self.project,
            face_set=face_set,
            face_id=values.get("face_id") or None,
            image=None if values.get("face_id") else self.image(values),
            filter_text=filter_text,
            sort=sort,
            limit=values["top_n"],
            min_cosine=raw_cosine_for("huawei", threshold) if threshold > 0 else None,
        )
        faces = []
        for hit in result.hits:
            similarity = huawei_similarity(hit.cosine)
            if similarity < threshold:
                continue
            external_fields = hit.fields or {}
            if return_fields is not None:
                external_fields = {name: external_fields[name] for name in return_fields if name in external_fields}
            faces.append({"member": hit.member, "similarity": similarity, "fields": external_fields})
        return Response(wire.HuaweiSearchResponseSerializer({"faces": faces}).data)


class DetectView(HuaweiView):
    read_only_post = True
    operation = DETECT

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_detect",
        summary="Detect the faces of a photo (4.1)",
        description="Every face, largest first. `attributes`: FaceLib answers `12` (quality: blur, pose, "
        "illumination, 0..1, larger = worse); it estimates no gender, age, dress, mask, hair, beard, photo type, "
        "expression or face angle, so those codes are accepted and left out of the answer.",
        request=_bodies(wire.HuaweiDetectRequestSerializer),
        responses={200: wire.HuaweiDetectResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiDetectRequestSerializer, request.data)
        attributes = values.get("attributes") or set()
        # The quality's pose comes from the face analysis's pose solver when quality is asked for.
        result = image_analyse_run(project=self.project, image=self.image(values), analysis=wire.QUALITY in attributes)
        faces = [wire.detected_face(summary, attributes) for summary in result["faces"]]
        return Response(wire.HuaweiDetectResponseSerializer({"faces": faces}).data)


class CompareView(HuaweiView):
    read_only_post = True
    operation = COMPARE

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_compare",
        summary="Compare the largest faces of two photos (4.2)",
        request=_bodies(wire.HuaweiCompareRequestSerializer),
        responses={200: wire.HuaweiCompareResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiCompareRequestSerializer, request.data)
        image1 = self.image(values, "image1")
        image2 = self.image(values, "image2")
        result = image_compare_run(project=self.project, image1=image1, image2=image2)
        first, second = result["faces"]
        return Response(
            wire.HuaweiCompareResponseSerializer(
                {
                    "image1_face": {"bounding_box": wire.box_dict(first["box"])},
                    "image2_face": {"bounding_box": wire.box_dict(second["box"])},
                    "similarity": huawei_similarity(result["cosine"]),
                }
            ).data
        )


class LiveDetectView(HuaweiView):
    """Video liveness by actions (4.3), on the v1 path (the SDK's detect_live_by_*) and the v2 path (the *_intl
    methods): one implementation."""

    read_only_post = True
    operation = LIVE
    # An 8 MB clip as base64 is ~11 MB: a larger body is the spec's FRS.0017 (checked first), not the gateway's cap.
    max_body_bytes = 2 * wire.VIDEO_MAX_BYTES
    video_body_bytes = wire.VIDEO_MAX_BYTES * 4 // 3 + 64 * 1024

    def check_request(self, request) -> None:
        super().check_request(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > self.video_body_bytes:
            self.body_refused = True
            raise HuaweiError("FRS.0017", f"the request body is over {self.video_body_bytes} bytes (a video of 8 MB)")

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_live_detect",
        summary="Did the largest face of a clip perform the requested actions? (4.3; /v1 and /v2)",
        description="A challenge-response check, not presentation-attack detection: a replayed video of the person "
        "doing the actions passes, so choose the actions at random per attempt. Actions: 1 turn to the person's own "
        "left (unmirrored video), 2 right, 3 nod (`nod_threshold` degrees, default 10), 4 open and close the mouth, "
        "5 blink; in the requested order, or each inside its `action_time` window. `confidence` is a margin score "
        "(0.5 at the threshold), not a probability. The clip (1-15 s, at most 8 MB; mp4, mov, avi, flv, webm, asf) "
        "is analysed in memory and not kept.",
        request=_bodies(wire.HuaweiLiveDetectRequestSerializer),
        responses={200: wire.HuaweiLiveDetectResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiLiveDetectRequestSerializer, request.data)
        actions = actions_parse(values["actions"])
        windows = windows_parse(values.get("action_time"), len(actions))
        if values.get("video_url"):
            video = image_from_url(values["video_url"], field="video_url", max_bytes=wire.VIDEO_MAX_BYTES)
        else:
            video = values.get("video_base64") or values["video_file"]
        result = video_liveness_run(
            project=self.project,
            video=video,
            actions=actions,
            windows=windows,
            nod_threshold=values.get("nod_threshold", 10.0),
        )
        body = {
            "video-result": {
                "alive": result["alive"],
                "actions": [{"action": item["action"], "confidence": item["confidence"]} for item in result["actions"]],
                "picture": result["picture"],
            },
            "warning-list": [{"warningCode": code, "warningMsg": WARNINGS[code]} for code in result["warnings"]],
        }
        return Response(body)


class LiveDetectV1View(LiveDetectView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_live_detect_v1",
        summary="Video liveness on the v1 path (the SDK's detect_live_by_base64 / _file / _url): as /v2",
        request=_bodies(wire.HuaweiLiveDetectRequestSerializer),
        responses={200: wire.HuaweiLiveDetectResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        return super().post(request, project_id)


@extend_schema(exclude=True)
class LiveDetectFaceView(HuaweiView):
    """Passive single-image liveness (/v1/{project_id}/live-detect-face) needs a trained anti-spoofing model, which
    no registry package here ships: the gateway's "API not available", never a made-up score."""

    authentication_classes: list = []

    def initial(self, request, *args, **kwargs) -> None:
        raise HuaweiError(
            "APIG.0101",
            "live-detect-face is not available: FaceLib has no trained anti-spoofing model for single-image liveness "
            "(use live-detect, the action check on a video)",
        )

    def post(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise HuaweiError("APIG.0101")


@extend_schema(exclude=True)
class UnknownApiView(HuaweiView):
    """Anything else under an FRS path: APIG.0101, before authentication, as Huawei's gateway answers."""

    authentication_classes: list = []

    def initial(self, request, *args, **kwargs) -> None:
        raise HuaweiError("APIG.0101", f"no API {request.method} {request.path}")

    def get(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise HuaweiError("APIG.0101")

    post = put = delete = patch = get
