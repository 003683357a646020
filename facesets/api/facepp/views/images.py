"""Face++ v3 calls on photos: detect, compare, search."""

from __future__ import annotations

from rest_framework.response import Response

from facesets.models import Face
from facesets.services import matching
from facesets.services.runs import search_hits

from ...common.arguments import missing
from .. import wire
from .base import (
    ANALYSED_FACES,
    COMPARE_BODY_MAX_BYTES,
    FACESET_ARGUMENTS,
    IMAGE_ARGUMENTS,
    FaceppView,
    endpoint_schema,
)


class DetectView(FaceppView):
    @endpoint_schema(
        "detect",
        "Detect the faces of a photo: face tokens (kept 72 h), rectangles, landmarks and measured attributes",
        (
            *IMAGE_ARGUMENTS,
            ("return_landmark", int, False, "0 (default), 1: 83 points, 2: 106 points"),
            ("return_attributes", str, False, "none, or a comma list: headpose, blur, facequality, ..."),
            ("calculate_all", bool, False, "1: landmarks and attributes for every face, not the 5 largest"),
            ("face_rectangle", str, False, "top,left,width,height: only the detected face it overlaps most"),
        ),
        "Faces largest first. `return_landmark` 1 (83 points) or 2 (106); `return_attributes` from headpose, blur, "
        "facequality, eyestatus, mouthstatus, smiling (the others have no model here and are left out); the five "
        "largest faces are analysed unless `calculate_all=1`. JPG or PNG, 48-4096 px, at most 2 MB.",
    )
    def post(self, request):
        landmarks = self.args.integer("return_landmark", default=0, low=0, high=2)
        wanted = self.wanted_attributes()
        analysed = None if self.args.flag("calculate_all") else ANALYSED_FACES
        rectangle = self.rectangle()
        image, faces = self.detect({"": self.required_image()}, analysed=analysed)[""]
        faces = self.pick(faces, rectangle)
        body = [wire.face_body(face, landmarks=landmarks, wanted=wanted) for face in faces]
        return Response({"image_id": image.image_id, "faces": body, "face_num": len(body)})


class CompareView(FaceppView):
    max_body_bytes = COMPARE_BODY_MAX_BYTES

    @endpoint_schema(
        "compare",
        "Are two faces the same person? confidence 0..100 and the thresholds at FAR 1e-3, 1e-4, 1e-5",
        tuple(
            (name + suffix if name != "image_base64" else f"image_base64_{suffix}", kind, False, doc)
            for suffix in ("1", "2")
            for name, kind, _, doc in (
                ("face_token", str, False, "a face token (wins over the images)"),
                *IMAGE_ARGUMENTS,
                ("face_rectangle", str, False, "top,left,width,height: the detected face it overlaps most"),
            )
        ),
        "Each side is `face_token1` or an image (`image_file1` > `image_base64_1` > `image_url1`; the largest face, "
        "or the one `face_rectangle1` overlaps most). Sides given as images add `image_id1` and `faces1` (their "
        "detected faces, kept 72 h); with no face on a side, confidence and thresholds are left out.",
    )
    def post(self, request):
        faces: dict[str, Face | None] = {}
        images: dict[str, bytes] = {}
        for suffix in ("1", "2"):
            token = self.args.text(f"face_token{suffix}")
            if token:
                faces[suffix] = self.face(f"face_token{suffix}")
                continue
            data = self.image(suffix)
            if data is None:
                raise missing(
                    f"face_token{suffix}", f"image_url{suffix}", f"image_file{suffix}", f"image_base64_{suffix}"
                )
            images[suffix] = data
        rectangles = {suffix: self.rectangle(f"face_rectangle{suffix}") for suffix in images}
        body: dict = {}
        for suffix, (image, found) in self.detect(images).items() if images else ():
            found = self.pick(found, rectangles[suffix])
            body[f"image_id{suffix}"] = image.image_id
            body[f"faces{suffix}"] = [wire.short_face(face) for face in found]
            faces[suffix] = found[0] if found else None
        if faces["1"] is not None and faces["2"] is not None:
            cosine = matching.face_compare(face=faces["1"], other=faces["2"])
            body["confidence"] = wire.confidence(cosine)
            body["thresholds"] = wire.thresholds()
        return Response(body)


class SearchView(FaceppView):
    @endpoint_schema(
        "search",
        "The faces of a FaceSet most like a face (face_token or the largest face of an image)",
        (
            ("face_token", str, False, "the query face (wins over the images)"),
            *IMAGE_ARGUMENTS,
            *FACESET_ARGUMENTS,
            ("return_result_count", int, False, "1-5, default 1"),
            ("face_rectangle", str, False, "top,left,width,height: the detected face it overlaps most"),
        ),
        "`faceset_token` or `outer_id`; `return_result_count` 1-5. `results` best first with `confidence` 0..100 "
        "and `user_id`; with an image, `image_id` and `faces` (kept 72 h), and no results when it has no face.",
    )
    def post(self, request):
        count = self.args.integer("return_result_count", default=1, low=1, high=5)
        face_set = self.face_set()
        token = self.args.text("face_token")
        query = self.face() if token else None
        data = None if token else self.image()
        if query is None and data is None:
            raise missing("face_token", "image_url", "image_file", "image_base64")
        matching.face_set_require_faces(face_set=face_set)
        body: dict = {}
        if data is not None:
            image, found = self.detect({"": data})[""]
            found = self.pick(found, self.rectangle())
            body["image_id"] = image.image_id
            body["faces"] = [wire.short_face(face) for face in found]
            if not found:
                return Response(body)
            query = found[0]
        matches = matching.face_search_among(face=query, limit=count, face_set=face_set)
        hits = search_hits(project=self.project, matches=matches, face_set=face_set)
        body["results"] = [
            {"face_token": hit.face.face_token, "confidence": wire.confidence(hit.cosine), "user_id": hit.face.user_id}
            for hit in hits
        ]
        body["thresholds"] = wire.thresholds()
        return Response(body)
