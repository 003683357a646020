"""What a worker does for each kind of task item. Each operation turns one stored item into a JSON result by calling
the services; dialects render the result (ids and scores) in their own format."""
from __future__ import annotations

from ..filters import compile_filter_sql, parse_filter
from ..models import FaceSet, Person, Task, TaskItem
from .faces import face_set_enrol, image_analyse, image_detect, person_enrol, require_faces
from .tasks import operation


def _payload(item: TaskItem) -> bytes:
    return bytes(item.payload) if item.payload is not None else b""


@operation("face_set.enrol")
def enrol_into_face_set(task: Task, item: TaskItem) -> dict:
    """Add the faces of one photo to a face set (params: face_set, external_image_id, external_fields, single,
    person)."""
    params = {**task.params, **item.params}
    face_set = FaceSet.objects.select_related("project").get(pk=params["face_set"], project=task.project)
    person = Person.objects.get(pk=params["person"], project=task.project) if params.get("person") else None
    members = face_set_enrol(
        face_set=face_set,
        data=_payload(item),
        external_image_id=params.get("external_image_id"),
        external_fields=params.get("external_fields"),
        single=bool(params.get("single")),
        person=person,
        formats=params.get("formats") or ("JPEG", "PNG", "BMP"),
    )
    return {"members": [member.pk for member in members], "faces": [member.face.face_id for member in members]}


@operation("person.enrol")
def enrol_into_person(task: Task, item: TaskItem) -> dict:
    """Add the largest face of one photo to a person (params: person)."""
    params = {**task.params, **item.params}
    person = Person.objects.select_related("project").get(pk=params["person"], project=task.project)
    face = person_enrol(person=person, data=_payload(item), formats=params.get("formats") or ("JPEG", "PNG", "BMP"))
    return {"faces": [face.face_id]}


@operation("image.detect")
def detect_faces(task: Task, item: TaskItem) -> dict:
    """Detect and keep (as expiring detected faces) the faces of a photo (params: user_data, max_faces, ttl_hours)."""
    params = {**task.params, **item.params}
    image, faces = image_detect(
        project=task.project,
        data=_payload(item),
        user_data=params.get("user_data") or "",
        formats=params.get("formats") or ("JPEG", "PNG", "BMP"),
        max_faces=params.get("max_faces"),
        ttl_hours=params.get("ttl_hours"),
    )
    return {"image_id": image.image_id, "faces": [face.face_id for face in faces]}


@operation("face_set.search")
def search_face_set(task: Task, item: TaskItem) -> dict:
    """Search a face set with the largest face of a photo (params: face_set, limit, min_cosine, filter)."""
    from recognition.search import face_set_search

    params = {**task.params, **item.params}
    face_set = FaceSet.objects.get(pk=params["face_set"], project=task.project)
    filter_sql = None
    if params.get("filter"):
        filter_sql = compile_filter_sql(parse_filter(params["filter"], face_set.field_schema))
    analysed = image_analyse(data=_payload(item), formats=params.get("formats") or ("JPEG", "PNG", "BMP"))
    query_face = require_faces(analysed)[0]
    matches = face_set_search(
        face_set=face_set,
        vector=query_face.embedding,
        model=analysed.model,
        limit=int(params.get("limit", 10)),
        min_cosine=params.get("min_cosine"),
        filter_sql=filter_sql,
    )
    return {
        "query_box": list(query_face.box),
        "matches": [{"member": match.member_pk, "face": match.face_pk, "cosine": match.cosine} for match in matches],
    }
