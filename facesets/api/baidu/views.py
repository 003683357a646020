"""Baidu face v2 endpoints (`/rest/2.0/face/...`) and the token call (`/oauth/2.0/token`), as `baidu-aip` 1.6.6.0
calls them: every call a POST (GET accepted too) with form arguments (the query string works as well), every
answer JSON with HTTP 200 and a `log_id`, errors as `error_code` / `error_msg`. One Baidu library is one FaceLib
project; a user is a person with that `uid` (`user_info` is its user data), a group is a group with that outer id.
Scores are on Baidu's 0..100 scale (80 = same person, recognition.calibration)."""

from __future__ import annotations

import itertools
import re
import secrets

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import DomainError, InvalidArgument
from facesets.models import Credential, Person
from facesets.services.library import person_delete
from facesets.services.lifecycle import Release
from facesets.services.registration import person_join_groups, person_leave_groups
from facesets.services.runs import face_search_run, image_analyse_run, images_embed_run, person_register_run
from recognition.calibration import baidu_score
from recognition.engine import cosine_similarity

from ..common.arguments import Arguments, missing
from ..common.auth import credential_authenticate
from ..common.images import image_from_base64
from ..common.parsers import BoundedJSONParser, LargeFormParser
from ..common.views import DialectView
from . import wire
from .auth import SCOPE, credential_from_signature, credential_from_token, token_for
from .errors import ERRORS, BaiduError

TAG = "Baidu face v2"
ID_RE = re.compile(r"^[0-9A-Za-z_]{1,48}$")
UID_RE = re.compile(r"^[0-9A-Za-z_]{1,128}$")
USER_INFO_MAX_BYTES = 256
IMAGE_FORMATS = ["JPEG", "PNG", "BMP"]  # the document: PNG, JPG, JPEG, BMP (not GIF)
DETECT_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_BYTES = 10 * 1024 * 1024
MATCH_MAX_BASE64 = 20 * 1024 * 1024  # the images together, base64-encoded (the document's 20M, as the client counts)


def _schema(operation: str, summary: str):
    return extend_schema(
        tags=[TAG],
        operation_id=f"baidu_{operation}",
        summary=summary,
        description="Form arguments (application/x-www-form-urlencoded; the query string works too) with "
        "`access_token` from /oauth/2.0/token or a bce-auth-v1 signature. Every answer is HTTP 200 JSON with "
        "`log_id`; errors are `error_code` / `error_msg` (Baidu's table).",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )


class BaiduView(DialectView):
    """Base of the Baidu views: the credential from `access_token` or a bce-auth-v1 signature, form arguments,
    the per-credential rate limit (error 18), JSON with `log_id` on every answer."""

    interface = "baidu"  # the audit log's name of this dialect

    errors = ERRORS
    parser_classes = [FormParser, MultiPartParser, BoundedJSONParser]
    max_image_bytes = IMAGE_MAX_BYTES

    def authenticate_caller(self, request) -> Credential:
        self.args = Arguments(request)
        token = request.query_params.get("access_token")
        if token is None and "access_token" in self.args.body:
            token = self.args.text("access_token")
        if token is not None:
            credential = credential_from_token(token)
        elif request.headers.get("authorization", "").startswith("bce-auth-v1/"):
            credential = credential_from_signature(request)
        else:
            raise BaiduError(100)
        self.project = credential.project
        return credential

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response.data, dict) and "log_id" not in response.data:
            response.data["log_id"] = secrets.randbits(63)
            response._is_rendered = False
            response.render()
        return response

    @extend_schema(exclude=True)  # the same as POST (the client POSTs; the document shows some as GET)
    def get(self, request, *args, **kwargs):
        return self.post(request, *args, **kwargs)

    # --- arguments

    def group_ids(self, name: str = "group_id", *, required: bool = True) -> list[str]:
        values = self.args.ids(name, required=required) or []
        if required and not values:
            raise missing(name)
        for value in values:
            if not ID_RE.fullmatch(value):
                raise InvalidArgument(f"{name} {value!r}: 1-48 digits, letters or _", field=name)
        return values

    def uid(self) -> str:
        uid = self.args.text("uid", required=True)
        if not UID_RE.fullmatch(uid):
            raise InvalidArgument("uid: 1-128 digits, letters or _", field="uid")
        return uid

    def user_info(self, *, required: bool) -> str | None:
        info = self.args.text("user_info", required=required)
        if info is not None and len(info.encode()) > USER_INFO_MAX_BYTES:
            raise InvalidArgument(f"user_info: at most {USER_INFO_MAX_BYTES} bytes", field="user_info")
        return info

    def image(self, *, max_bytes: int | None = None) -> bytes:
        """The one image of the call: `image` (the client) or `images` (the document); a raw `+` that arrived as a
        space is restored."""
        name = self.args.first("image", "images")
        if name is None:
            raise missing("image")
        text = (self.args.text(name) or "").replace(" ", "+").split(",")[0]
        if not text:
            raise BaiduError(216200)
        return image_from_base64(text, field=name, max_bytes=max_bytes or self.max_image_bytes)

    def count(self, default: int = 100, high: int = 1000) -> tuple[int, int]:
        start = self.args.integer("start", default=0, low=0, high=10**9)
        name = self.args.first("num", "end") or "num"
        return start, self.args.integer(name, default=default, low=1, high=high)

    def register(self, uid: str, info: str | None, outer_ids: list[str], **rules) -> Response:
        """user/add and user/update: the photo's face to the user (services.registration), in the worker."""
        person_register_run(
            project=self.project,
            image=self.image(),
            uid=uid,
            user_info=info,
            group_outer_ids=outer_ids,
            formats=IMAGE_FORMATS,
            **rules,
        )
        return Response({})

    def user(self, uid: str) -> Person:
        return selectors.person_get(project=self.project, uid=uid)


class TokenView(DialectView):
    """`/oauth/2.0/token`: GET (the client) or POST, arguments in the query string or a form body."""

    errors = ERRORS
    parser_classes = [FormParser, MultiPartParser, BoundedJSONParser]

    def authenticate_caller(self, request):
        return None

    @extend_schema(
        tags=[TAG],
        operation_id="baidu_token",
        summary="Get an access_token (grant_type=client_credentials, client_id = API key, client_secret)",
        request=None,
        responses={200: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        args = Arguments(request)
        if (args.text("grant_type") or "") != "client_credentials":
            return Response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not supported",
                },
                status=400,
            )
        client_id, client_secret = args.text("client_id") or "", args.text("client_secret") or ""
        try:
            credential = credential_authenticate(access_key=client_id, secret=client_secret)
        except DomainError:
            return Response(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, status=401
            )
        token, expires_in = token_for(credential)
        return Response({"access_token": token, "expires_in": expires_in, "scope": SCOPE})

    @extend_schema(exclude=True)  # the same as POST; the client uses GET
    def get(self, request):
        return self.post(request)


class DetectView(BaiduView):
    max_image_bytes = DETECT_MAX_BYTES

    @_schema("detect", "Detect faces: location, probability, pose; landmarks and qualities on request")
    def post(self, request):
        max_faces = self.args.integer("max_face_num", default=1, low=1, high=10)
        fields = set(self.args.ids("face_fields") or [])
        image = self.image()
        result = image_analyse_run(
            project=self.project, image=image, formats=IMAGE_FORMATS, max_faces=max_faces, analysis=True
        )
        faces = [wire.detected(face, fields, result["width"], result["height"]) for face in result["faces"]]
        return Response({"result_num": len(faces), "result": faces})


@extend_schema(exclude=True)
class DetectAliasView(DetectView):
    """detect on the v2 path too (the client calls v1; the document's later versions use v2)."""


class MatchView(BaiduView):
    max_body_bytes = MATCH_MAX_BASE64 * 11 // 10 + 1024 * 1024  # the images, urlencoded, and the other fields
    parser_classes = [LargeFormParser, MultiPartParser, BoundedJSONParser]

    @_schema("match", "Compare the largest faces of 2 or more images, every pair")
    def post(self, request):
        text = (self.args.text("images", required=True) or "").replace(" ", "+")
        encoded = [part for part in text.split(",")]
        if len(encoded) < 2:
            raise BaiduError(216614)
        if sum(len(part) for part in encoded) > MATCH_MAX_BASE64:
            raise BaiduError(216202)
        images, failures = {}, {}
        for index, part in enumerate(encoded):
            try:
                images[index] = image_from_base64(part, field="images", max_bytes=MATCH_MAX_BASE64) if part else None
            except DomainError as error:
                failures[index] = error
            if images.get(index) is None and index not in failures:
                failures[index] = BaiduError(216200)
        indices = sorted(images.keys() - failures.keys())
        outcomes = dict(
            zip(
                indices,
                images_embed_run(project=self.project, images=[images[i] for i in indices], formats=IMAGE_FORMATS),
                strict=True,
            )
        )
        vectors = {i: outcome["vector"] for i, outcome in outcomes.items() if isinstance(outcome, dict)}
        failures.update({i: outcome for i, outcome in outcomes.items() if not isinstance(outcome, dict)})
        if len(vectors) < 2:
            first = failures[min(failures)]
            raise first if isinstance(first, BaiduError | DomainError) else BaiduError(216402)
        pairs = [
            {"index_i": i, "index_j": j, "score": wire.score(baidu_score(cosine_similarity(vectors[i], vectors[j])))}
            for i, j in itertools.combinations(sorted(vectors), 2)
        ]
        return Response({"result_num": len(pairs), "result": pairs})


class IdentifyView(BaiduView):
    @_schema("identify", "The users of the given groups most like the largest face of a photo")
    def post(self, request):
        outer_ids = self.group_ids()
        top = self.args.integer("user_top_num", default=1, low=1, high=5)
        image = self.image()
        groups = selectors.groups_find_by_outer_id(project=self.project, outer_ids=outer_ids)
        if not any(group.persons.exists() for group in groups):
            raise BaiduError(216618)
        found = face_search_run(project=self.project, groups=groups, image=image, limit=50, formats=IMAGE_FORMATS)
        return Response(wire.identified(found.hits, outer_ids, top))


class VerifyView(BaiduView):
    @_schema("verify", "Is the largest face of a photo the user uid (in the given groups)?")
    def post(self, request):
        uid, outer_ids = self.uid(), self.group_ids()
        top = self.args.integer("top_num", default=1, low=1, high=100)
        image = self.image()
        person = selectors.person_in_groups(project=self.project, uid=uid, outer_ids=outer_ids)
        found = face_search_run(project=self.project, person=person, image=image, limit=top, formats=IMAGE_FORMATS)
        scores = [wire.score(baidu_score(hit.cosine)) for hit in found.hits]
        return Response({"result_num": len(scores), "result": scores})


class UserAddView(BaiduView):
    @_schema("user_add", "Register a user's face in one or more groups (append, or replace their faces)")
    def post(self, request):
        uid, info, outer_ids = self.uid(), self.user_info(required=True), self.group_ids()
        action = (self.args.text("action_type") or "append").lower()
        if action not in ("append", "replace"):
            raise InvalidArgument("action_type: append or replace", field="action_type")
        return self.register(uid, info, outer_ids, replace=action == "replace", reject_duplicate=True)


class UserUpdateView(BaiduView):
    @_schema("user_update", "Replace a user's faces (replace registers a missing uid)")
    def post(self, request):
        uid, info = self.uid(), self.user_info(required=False)
        outer_ids = self.group_ids(required=False)
        action = (self.args.text("action_type") or "").lower()
        return self.register(uid, info, outer_ids, create=action == "replace", replace=True)


class UserDeleteView(BaiduView):
    @_schema("user_delete", "Delete a user from one group, or everywhere with all their faces")
    def post(self, request):
        person = self.user(self.uid())
        outer_ids = self.group_ids(required=False)
        if outer_ids:  # out of these groups; a user left in none goes, with their faces
            person_leave_groups(person=person, outer_ids=outer_ids, last_group="delete")
        else:
            person_delete(person=person, release=Release.DELETE)
        return Response({})


class UserGetView(BaiduView):
    @_schema("user_get", "A user's info and groups (one entry per group)")
    def post(self, request):
        person = self.user(self.uid())
        outer_ids = self.group_ids(required=False)
        groups = selectors.person_group_outer_ids(person=person)
        shown = [group for group in groups if not outer_ids or group in outer_ids]
        if outer_ids and not shown:
            raise BaiduError(216611)
        result = [
            {"uid": person.uid, "user_info": person.user_data, "group_id": group, "groups": groups} for group in shown
        ]
        return Response({"result_num": len(result), "result": result})


class GroupListView(BaiduView):
    @_schema("group_getlist", "The library's groups")
    def post(self, request):
        start, count = self.count()
        page = selectors.page(selectors.group_outer_ids(project=self.project), offset=start, limit=count)
        return Response({"result_num": len(page.rows), "result": list(page.rows)})


class GroupUsersView(BaiduView):
    @_schema("group_getusers", "The users of a group")
    def post(self, request):
        [outer_id] = self.group_ids()[:1]
        start, count = self.count()
        persons = selectors.group_members_with_uid(project=self.project, outer_id=outer_id)
        page = selectors.page(persons, offset=start, limit=count)
        result = [{"uid": person.uid, "user_info": person.user_data} for person in page.rows]
        return Response({"result_num": len(result), "result": result})


class GroupAddUserView(BaiduView):
    @_schema("group_adduser", "Copy a user from one group into others")
    def post(self, request):
        outer_ids, uid = self.group_ids(), self.uid()
        [source] = self.group_ids("src_group_id")[:1]
        person = selectors.person_in_groups(project=self.project, uid=uid, outer_ids=[source])
        person_join_groups(person=person, outer_ids=outer_ids)
        return Response({})


class GroupDeleteUserView(BaiduView):
    @_schema("group_deleteuser", "Remove a user from groups (they must stay in one)")
    def post(self, request):
        outer_ids, person = self.group_ids(), self.user(self.uid())
        person_leave_groups(person=person, outer_ids=outer_ids, last_group="refuse")
        return Response({})


@extend_schema(exclude=True)
class UnknownApiView(BaiduView):
    """Any other path under /rest/2.0/face/: 216102, in JSON."""

    def initial(self, request, *args, **kwargs) -> None:
        raise BaiduError(216102)
