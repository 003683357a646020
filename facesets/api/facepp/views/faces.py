"""Face++ v3 faces (analyze, getdetail, setuserid) and the JSON 404 for any other path."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from facesets import selectors
from facesets.services.faces import face_user_id_set

from ...common.arguments import missing
from .. import wire
from ..errors import FaceppError
from .base import (
    TOKENS_PER_ANALYZE,
    FaceppView,
    endpoint_schema,
)


class FaceAnalyzeView(FaceppView):
    @endpoint_schema(
        "face_analyze",
        "Landmarks and measured attributes of up to 5 face tokens",
        (
            ("face_tokens", str, True, "up to 5 comma-separated face tokens"),
            ("return_landmark", int, False, "0, 1: 83 points, 2: 106 points"),
            ("return_attributes", str, False, "none, or a comma list of attributes"),
        ),
        "What detect measured for the face (the analysis is made when a face is detected through Face++'s detect, "
        "for its five largest faces or all with calculate_all=1); faces detected otherwise carry only their token "
        "and rectangle.",
    )
    def post(self, request):
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ANALYZE)
        landmarks = self.args.integer("return_landmark", default=0, low=0, high=2)
        wanted = self.wanted_attributes()
        if not landmarks and not wanted:
            raise FaceppError("VOID_REQUEST")
        faces = selectors.faces_get_current(project=self.project, face_ids=tokens, field="face_tokens", by="face_token")
        return Response({"faces": [wire.face_body(face, landmarks=landmarks, wanted=wanted) for face in faces]})


class FaceDetailView(FaceppView):
    @endpoint_schema(
        "face_getdetail", "A face token's user_id, image, rectangle and FaceSets", (("face_token", str, True, ""),)
    )
    def post(self, request):
        face = self.face()
        memberships = selectors.face_memberships(face=face)
        return Response(
            {
                "face_token": face.face_token,
                "user_id": face.user_id,
                "image_id": face.image.image_id if face.image else "",
                "face_rectangle": wire.rectangle(face),
                "facesets": [wire.face_set_item(member.face_set) for member in memberships],
            }
        )


class FaceSetUserIdView(FaceppView):
    @endpoint_schema(
        "face_setuserid",
        "Set a face token's user_id (at most 255 characters)",
        (("face_token", str, True, ""), ("user_id", str, True, "at most 255 characters, none of ^@,&=*'\"")),
    )
    def post(self, request):
        face = self.face()
        user_id = self.label("user_id", 255)
        if user_id is None:
            raise missing("user_id")
        face_user_id_set(face=face, user_id=user_id)
        return Response({"face_token": face.face_token, "user_id": face.user_id})


@extend_schema(exclude=True)
class UnknownApiView(FaceppView):
    """Any other path or method under /facepp/, and the 1000-point landmark product FaceLib has no model for:
    404 API_NOT_FOUND, in JSON."""

    def initial(self, request, *args, **kwargs) -> None:
        raise FaceppError("API_NOT_FOUND")

    def post(self, request, *args, **kwargs):  # never reached: initial answers
        raise FaceppError("API_NOT_FOUND")

    get = put = patch = delete = post
