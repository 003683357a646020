"""Search (4.4), detect (4.1) and compare (4.2)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from facesets.selectors import (
    face_set_get,
    face_set_query_validate,
)
from facesets.services.runs import (
    face_search_run,
    image_analyse_run,
    image_compare_run,
)
from recognition.calibration import huawei_similarity, raw_cosine_for

from .. import serializers as wire
from ..errors import COMPARE, DETECT, SEARCH, HuaweiError
from .base import FACE_SET_NAME, INFERENCE_ERRORS, TAG, HuaweiView, request_bodies


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
        request=request_bodies(wire.HuaweiSearchRequestSerializer),
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
        request=request_bodies(wire.HuaweiDetectRequestSerializer),
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
        request=request_bodies(wire.HuaweiCompareRequestSerializer),
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
