"""The info/ endpoints: account usage, tasks, images, faces, and the lists and details of persons, groups and face
sets. They are GETs; a POST with the same arguments answers the same."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from facesets import selectors
from facesets.models import Task
from facesets.services.tasks import domain_error_from

from .. import serializers as wire
from ..errors import SenseTimeError, error_body, from_domain
from .base import SenseTimeView, documented

# The most face ids one info/faceset answer lists (a face set may hold millions).
MAX_FACE_IDS = 10_000


class InfoView(SenseTimeView):
    @extend_schema(exclude=True)  # the same as GET, documented there
    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


class ApiInfoView(InfoView):
    @documented("info_api", "Rate limit, quotas and usage of the project", method="get")
    def get(self, request):
        usage = selectors.project_usage(project=self.project)
        return Response({"status": "OK", **wire.quota_body(self.project, usage)})


class TaskInfoView(InfoView):
    @documented(
        "info_task",
        "State and result of an asynchronous call",
        (("task_id", str, True, "the id a 202 answer gave"),),
        method="get",
        description="Task ids are valid 24 hours. `result` is the answer the call would have given (or, for a failed "
        "task, its error envelope).",
    )
    def get(self, request):
        task = selectors.task_get_current(project=self.project, task_id=self.params.text("task_id", required=True))
        body = {"status": "OK", "task_id": task.task_id, "task_status": task.status}
        render = wire.RESULT_BODIES.get(task.kind)
        if task.status == Task.Status.DONE and render is not None:
            item = selectors.task_items(task=task).first()
            body["result"] = render({**task.params, **(item.params if item else {})}, task.result or {})
        elif task.status == Task.Status.FAILED:
            if task.error_code == "internal_error":
                error = SenseTimeError("INTERNAL_ERROR", task.error_message)
            else:
                error = from_domain(domain_error_from(task.error_code, task.error_message, task.result))
            body["result"] = error_body(error)
        return Response(body)


class ImageInfoView(InfoView):
    @documented(
        "info_image",
        "An analysed image: size, user data and (with_faces=1) its faces",
        (("image_id", str, True, "image id from /face/detection"), ("with_faces", bool, False, "1: list its faces")),
        method="get",
    )
    def get(self, request):
        image_id, with_faces = self.params.text("image_id", required=True), self.params.flag("with_faces")
        image = selectors.image_get_current(project=self.project, image_id=image_id)
        body = {"status": "OK", **wire.image_body(image)}
        if with_faces:
            body["faces"] = [wire.face_body(face) for face in selectors.image_faces(image=image)]
        return Response(body)


class FaceInfoView(InfoView):
    @documented(
        "info_face",
        "A detected face: rect, eye distance, 21 and 106 landmarks, measured attributes; its image with with_image=1",
        (("face_id", str, True, "face id"), ("with_image", bool, False, "1: add the face's image")),
        method="get",
    )
    def get(self, request):
        face_id, with_image = self.params.text("face_id", required=True), self.params.flag("with_image")
        face = selectors.face_get_current(project=self.project, face_id=face_id)
        body = {"status": "OK", **wire.face_body(face, with_landmarks106=True)}
        if with_image and face.image is not None:
            body["image"] = wire.image_body(face.image)
        return Response(body)


class PersonListView(InfoView):
    @documented("info_list_persons", "The project's persons", method="get")
    def get(self, request):
        persons = selectors.person_list(project=self.project).order_by("created", "id")
        return Response({"status": "OK", "persons": [wire.person_item(person) for person in persons]})


class GroupListView(InfoView):
    @documented("info_list_groups", "The project's groups", method="get")
    def get(self, request):
        groups = selectors.group_list(project=self.project).order_by("created", "id")
        return Response({"status": "OK", "groups": [wire.group_item(group) for group in groups]})


class FaceSetListView(InfoView):
    @documented("info_list_facesets", "The project's face sets", method="get")
    def get(self, request):
        face_sets = selectors.face_set_list(project=self.project).order_by("created", "id")
        return Response({"status": "OK", "facesets": [wire.face_set_item(face_set) for face_set in face_sets]})


class PersonInfoView(InfoView):
    @documented("info_person", "A person and their face ids", (("person_id", str, True, "person id"),), method="get")
    def get(self, request):
        person = selectors.person_get(project=self.project, person_id=self.params.text("person_id", required=True))
        face_ids = list(
            selectors.person_faces(person=person).order_by("created", "id").values_list("face_id", flat=True)
        )
        return Response(
            {
                "status": "OK",
                "person_id": person.person_id,
                "name": person.name,
                "user_data": person.user_data,
                "face_ids": face_ids,
            }
        )


class GroupInfoView(InfoView):
    @documented("info_group", "A group and its persons", (("group_id", str, True, "group id"),), method="get")
    def get(self, request):
        group = selectors.group_get(project=self.project, group_id=self.params.text("group_id", required=True))
        persons = group.persons.order_by("created", "id")
        return Response(
            {
                "status": "OK",
                "group_id": group.group_id,
                "name": group.name,
                "user_data": group.user_data,
                "persons": [wire.person_item(person) for person in persons],
            }
        )


class FaceSetInfoView(InfoView):
    @documented(
        "info_faceset",
        "A face set and its face ids, at most `limit` of them",
        (
            ("faceset_id", str, True, "face set id"),
            ("offset", int, False, "FaceLib: the first face id to list (default 0)"),
            ("limit", int, False, f"FaceLib: how many face ids, 1..{MAX_FACE_IDS} (default {MAX_FACE_IDS})"),
        ),
        method="get",
        description="Face ids in the order they were added. A set with more faces than listed answers `next_offset`, "
        "the `offset` of the next page (an addition of FaceLib: no answer is unbounded).",
    )
    def get(self, request):
        face_set = selectors.face_set_get(
            project=self.project, face_set_id=self.params.text("faceset_id", required=True)
        )
        shown = selectors.page(
            selectors.member_list(face_set=face_set).values_list("face__face_id", flat=True),
            offset=self.params.integer("offset", default=0, low=0, high=2**31 - 1),
            limit=self.params.integer("limit", default=MAX_FACE_IDS, low=1, high=MAX_FACE_IDS),
        )
        body = {
            "status": "OK",
            "faceset_id": face_set.face_set_id,
            "name": face_set.name,
            "user_data": face_set.user_data,
            "face_ids": shown.rows,
        }
        if shown.has_more:
            body["next_offset"] = shown.next_offset
        return Response(body)
