"""What a worker does for each kind of task item. Each operation turns one stored item into a JSON result by calling
the services; dialects render the result (ids and scores) in their own format."""

from __future__ import annotations

from recognition.engine import DetectedFace, cosine_similarity
from recognition.search import face_set_search, faces_search

from ..exceptions import NoFace
from ..filters import compile_filter_sql, parse_filter
from ..models import FaceSet, Group, Person, Task, TaskItem
from .faces import DEFAULT_FORMATS, face_set_enrol, image_analyse, image_detect, person_enrol, require_faces
from .tasks import operation


def _payload(item: TaskItem) -> bytes:
    return bytes(item.payload) if item.payload is not None else b""


def _formats(params: dict) -> tuple[str, ...]:
    return tuple(params.get("formats") or DEFAULT_FORMATS)


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
        formats=_formats(params),
    )
    return {"members": [member.pk for member in members], "faces": [member.face.face_id for member in members]}


@operation("person.enrol")
def enrol_into_person(task: Task, item: TaskItem) -> dict:
    """Add the largest face of one photo to a person (params: person)."""
    params = {**task.params, **item.params}
    person = Person.objects.select_related("project").get(pk=params["person"], project=task.project)
    face = person_enrol(person=person, data=_payload(item), formats=_formats(params))
    return {"faces": [face.face_id]}


@operation("image.detect")
def detect_faces(task: Task, item: TaskItem) -> dict:
    """Detect and keep (as expiring detected faces) the faces of a photo (params: user_data, max_faces, ttl_hours)."""
    params = {**task.params, **item.params}
    image, faces = image_detect(
        project=task.project,
        data=_payload(item),
        user_data=params.get("user_data") or "",
        formats=_formats(params),
        max_faces=params.get("max_faces"),
        ttl_hours=params.get("ttl_hours"),
    )
    return {"image_id": image.image_id, "faces": [face.face_id for face in faces]}


def face_summary(face: DetectedFace) -> dict:
    """A detected face as JSON: box [x, y, width, height], 5 landmarks, detector score, measured quality."""
    return {
        "box": [int(value) for value in face.box],
        "landmarks": [[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks],
        "score": float(face.score),
        "quality": face.quality,
    }


@operation("image.analyse")
def analyse_image(task: Task, item: TaskItem) -> dict:
    """Detect the faces of a photo without storing anything (params: formats, max_faces)."""
    params = {**task.params, **item.params}
    analysed = image_analyse(
        data=_payload(item), formats=_formats(params), max_faces=params.get("max_faces"), embed=False
    )
    return {
        "width": analysed.image.width,
        "height": analysed.image.height,
        "exif_orientation": analysed.image.exif_orientation,
        "faces": [face_summary(face) for face in analysed.faces],
    }


@operation("images.compare")
def compare_images(task: Task, item: TaskItem) -> dict:
    """Compare the largest face of two photos (payload and second_payload); NoFace names the image without one."""
    params = {**task.params, **item.params}
    faces = []
    for field, data in (("image1", _payload(item)), ("image2", bytes(item.second_payload or b""))):
        analysed = image_analyse(data=data, formats=_formats(params), max_faces=1)
        if not analysed.faces:
            raise NoFace(f"no face was found in {field}", field=field)
        faces.append(analysed.faces[0])
    return {
        "cosine": cosine_similarity(faces[0].embedding, faces[1].embedding),
        "faces": [face_summary(face) for face in faces],
    }


@operation("search")
def search(task: Task, item: TaskItem) -> dict:
    """Search with the largest face of a photo in a face set (params: face_set, filter) or a group (params: group);
    params: limit, min_cosine."""
    params = {**task.params, **item.params}
    analysed = image_analyse(data=_payload(item), formats=_formats(params))
    query_face = require_faces(analysed)[0]
    limit = int(params.get("limit", 10))
    if params.get("group"):
        group = Group.objects.get(pk=params["group"], project=task.project)
        matches = faces_search(
            project_pk=task.project_id,
            vector=query_face.embedding,
            model=analysed.model,
            limit=limit,
            group_pk=group.pk,
            min_cosine=params.get("min_cosine"),
        )
    else:
        face_set = FaceSet.objects.get(pk=params["face_set"], project=task.project)
        filter_sql = None
        if params.get("filter"):
            filter_sql = compile_filter_sql(parse_filter(params["filter"], face_set.field_schema))
        matches = face_set_search(
            face_set=face_set,
            vector=query_face.embedding,
            model=analysed.model,
            limit=limit,
            min_cosine=params.get("min_cosine"),
            filter_sql=filter_sql,
        )
    return {
        "query": face_summary(query_face),
        "matches": [
            {"member": match.member_pk, "face": match.face_pk, "person": match.person_pk, "cosine": match.cosine}
            for match in matches
        ],
    }
