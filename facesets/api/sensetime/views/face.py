"""The face/ endpoints: detection (runs the model in a worker) and the comparisons of stored faces (verification,
search, identification, training), which answer 202 with a task id when their worker job outlives
FACELIB_SENSETIME_SYNC_TIMEOUT."""

from __future__ import annotations

from django.conf import settings
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import Timeout
from facesets.services import jobs, matching
from facesets.services.tasks import task_run

from ...common.images import image_input
from .. import serializers as wire
from ..errors import SenseTimeError, missing_argument
from .base import SenseTimeView, documented

# The document's image limits: JPG, BMP, PNG, GIF or TIFF; each side more than 8 and at most 4000 px; at most 5 MB.
IMAGE_FORMATS = ["JPEG", "BMP", "PNG", "GIF", "TIFF"]
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
MIN_IMAGE_SIDE = 9
# Detected image and face ids are valid 5 days unless the face is added to a person or a face set.
DETECTED_TTL_HOURS = 5 * 24


class DetectionView(SenseTimeView):
    @documented(
        "face_detection",
        "Detect the faces of a photo (file or url)",
        (
            ("file", bytes, False, "the photo (multipart only); JPG, BMP, PNG, GIF or TIFF, at most 5 MB and 4000 px"),
            ("url", str, False, "http(s) address of the photo, fetched within 5 s"),
            ("user_data", str, False, "kept with the image"),
            ("attributes", bool, False, "1: add each face's measured attributes (head pose, quality)"),
            ("landmarks106", bool, False, "1: add the 106 landmarks (mapped from the face analysis's dense mesh)"),
            ("auto_rotate", bool, False, "1: try the photo turned 90/180/270 degrees and keep the best orientation"),
        ),
        description="Each face has `face_id`, `rect`, `eye_dist` (between the pupils), `landmarks21`, `landmarks5` "
        "(the detector's points), and `landmarks106` and `attributes` (head pose, smile, quality) when asked. "
        "`exif_orientation` when the photo has one, `rotate` (cw90/cw180/cw270) when auto_rotate turned it.",
    )
    def post(self, request):
        params = self.params
        with_attributes = params.flag("attributes")
        with_landmarks106 = params.flag("landmarks106")
        auto_rotate = params.flag("auto_rotate")
        user_data = params.text("user_data") or ""
        data = image_input(
            upload=params.upload("file"), url=params.text("url"), names=("", "file", "url"), max_bytes=MAX_IMAGE_BYTES
        )
        try:
            result = task_run(
                project=self.project,
                kind=jobs.ImageDetectUpright.kind,
                params=jobs.ImageDetectUpright(
                    user_data=user_data,
                    auto_rotate=auto_rotate,
                    formats=IMAGE_FORMATS,
                    ttl_hours=DETECTED_TTL_HOURS,
                    max_bytes=MAX_IMAGE_BYTES,
                    max_side=MAX_IMAGE_SIDE,
                    min_side=MIN_IMAGE_SIDE,
                    analysis=True,  # the document's detection always computes the 21 landmarks
                ),
                payload=data,
                timeout=settings.FACELIB_SYNC_TIMEOUT,
            )
        except Timeout as error:
            raise SenseTimeError(
                "INTERNAL_ERROR",
                f"the detection did not finish within {settings.FACELIB_SYNC_TIMEOUT:g} s; send it again",
            ) from error
        image = selectors.image_get(project=self.project, image_id=result["image_id"])
        body: dict = {"image_id": image.image_id}
        if image.exif_orientation is not None and 1 <= image.exif_orientation <= 8:
            body["exif_orientation"] = image.exif_orientation
        if wire.rotate_name(image.rotate):
            body["rotate"] = wire.rotate_name(image.rotate)
        body["width"], body["height"] = image.width, image.height
        body["faces"] = [
            wire.face_body(face, with_attributes=with_attributes, with_landmarks106=with_landmarks106)
            for face in selectors.image_faces(image=image)
        ]
        body["status"] = "OK"
        return Response(body)


class VerificationView(SenseTimeView):
    @documented(
        "face_verification",
        "Is a face the same person as another face (face2_id) or a person (person_id)?",
        (
            ("face_id", str, True, "face id"),
            ("face2_id", str, False, "face to compare with (answered at once)"),
            ("person_id", str, False, "person to compare with (their most similar face)"),
        ),
        description="`confidence` 0..1 follows the document's table (0.4 = 1e-1 ... 0.6 = 1e-3 ... 0.9 = 1e-6 error "
        "rate); `same_person` is confidence > 0.6. Given both, face2_id is used.",
    )
    def post(self, request):
        params = self.params
        face_id = params.text("face_id", required=True)
        face2_id, person_id = params.text("face2_id"), params.text("person_id")
        if not face2_id and not person_id:
            raise missing_argument("face2_id", "person_id")
        face = selectors.face_get_current(project=self.project, face_id=face_id)
        matching.face_vector(face=face)
        if face2_id:
            other = selectors.face_get_current(project=self.project, face_id=face2_id, field="face2_id")
            cosine = matching.face_compare(face=face, other=other)
            return Response(wire.verification_body({"face_id": face_id, "face2_id": face2_id}, {"cosine": cosine}))
        person = selectors.person_get(project=self.project, person_id=person_id)
        matching.person_require_faces(person=person)
        task_params = jobs.FaceVerify(face=face.pk, person=person.pk, face_id=face_id, person_id=person_id)
        return self.run_or_accept(task_params, wire.verification_body)


class SearchView(SenseTimeView):
    @documented(
        "face_search",
        "The faces most similar to a face, in a face set or among face ids",
        (
            ("face_id", str, True, "face id"),
            ("face_ids", list, False, "faces to search among"),
            ("faceset_id", str, False, "face set to search in (wins over face_ids)"),
            ("top", int, False, "1..10, default 3"),
        ),
    )
    def post(self, request):
        params = self.params
        face_id = params.text("face_id", required=True)
        top = params.integer("top", default=3, low=1, high=10)
        face_set_id, face_ids = params.text("faceset_id"), params.ids("face_ids")
        if not face_set_id and face_ids is None:
            raise missing_argument("face_ids", "faceset_id")
        face = selectors.face_get_current(project=self.project, face_id=face_id)
        matching.face_vector(face=face)
        if face_set_id:
            face_set = selectors.face_set_get(project=self.project, face_set_id=face_set_id)
            matching.face_set_require_faces(face_set=face_set)
            scope = {"face_set": face_set.pk, "faceset_id": face_set_id}
        else:
            if not face_ids:
                raise SenseTimeError("EMPTY_FACESET", "face_ids is empty")
            faces = selectors.faces_get_current(project=self.project, face_ids=face_ids, field="face_ids")
            scope = {"faces": [item.pk for item in faces]}
        task_params = jobs.FaceSearch(face=face.pk, face_id=face_id, limit=top, **scope)
        return self.run_or_accept(task_params, wire.search_body)


class IdentificationView(SenseTimeView):
    @documented(
        "face_identification",
        "The persons of a group most similar to a face (only those with confidence > 0.6)",
        (
            ("face_id", str, True, "face id"),
            ("group_id", str, True, "group id"),
            ("top", int, False, "1..5, default 2"),
        ),
    )
    def post(self, request):
        params = self.params
        face_id = params.text("face_id", required=True)
        group_id = params.text("group_id", required=True)
        top = params.integer("top", default=2, low=1, high=5)
        face = selectors.face_get_current(project=self.project, face_id=face_id)
        matching.face_vector(face=face)
        group = selectors.group_get(project=self.project, group_id=group_id)
        matching.group_require_faces(group=group)
        task_params = jobs.FaceIdentify(face=face.pk, group=group.pk, face_id=face_id, group_id=group_id, limit=top)
        return self.run_or_accept(task_params, wire.identification_body)


class TrainingView(SenseTimeView):
    @documented(
        "face_training",
        "Prepare faces, persons, face sets and groups for comparison",
        (
            ("face_id", list, False, "face ids"),
            ("person_id", list, False, "person ids"),
            ("faceset_id", list, False, "face set ids"),
            ("group_id", list, False, "group ids"),
        ),
        description="FaceLib embeds every face when it is detected, so there is nothing left to train: the ids are "
        "checked (all must be valid) and the faces in scope are checked to carry a vector of the current model.",
    )
    def post(self, request):
        params = self.params
        face_ids, person_ids = params.ids("face_id") or [], params.ids("person_id") or []
        face_set_ids, group_ids = params.ids("faceset_id") or [], params.ids("group_id") or []
        if not (face_ids or person_ids or face_set_ids or group_ids):
            raise missing_argument("face_id", "person_id", "faceset_id", "group_id")
        project = self.project
        task_params = jobs.FaceTraining(
            faces=[face.pk for face in selectors.faces_get_current(project=project, face_ids=face_ids)],
            persons=[person.pk for person in selectors.persons_get(project=project, person_ids=person_ids)],
            face_sets=[item.pk for item in selectors.face_sets_get(project=project, face_set_ids=face_set_ids)],
            groups=[group.pk for group in selectors.groups_get(project=project, group_ids=group_ids)],
        )
        return self.run_or_accept(task_params, wire.training_body)
