"""What a worker does for each kind of task item. Each operation turns one stored item, with its typed parameters
(services.jobs), into a JSON result by calling the services; dialects render the result (ids and scores) in their
own format."""

from __future__ import annotations

from recognition.engine import DetectedFace, configured_model_name

from .. import timing
from ..exceptions import FaceNotFound, FaceSetNotFound, GroupNotFound, PersonNotFound
from ..filters import compile_filter_sql, parse_filter
from ..models import Face, FaceSet, Group, Person, Task, TaskItem
from ..search import face_set_search, faces_search
from ..selectors.clusters import faces_clusters
from ..selectors.face_sets import face_set_row
from ..selectors.identities import identities_review
from ..selectors.thresholds import score_calibration
from . import jobs, matching
from .detection import image_detect_upright
from .faces import (
    DEFAULT_FORMATS,
    AnalysedImage,
    face_at,
    face_set_enrol,
    image_analyse,
    image_detect,
    person_enrol,
    require_faces,
)
from .registration import person_register
from .tasks import StageReporter, operation


def _payload(item: TaskItem) -> bytes:
    return bytes(item.payload) if item.payload is not None else b""


def _formats(params) -> tuple[str, ...]:
    return tuple(params.formats or DEFAULT_FORMATS)


@operation("face_set.enrol")
def enrol_into_face_set(task: Task, item: TaskItem, params: jobs.FaceSetEnrol) -> dict:
    """Add the faces of one photo to a face set (params: face_set, external_image_id, external_fields, single,
    person)."""
    face_set = FaceSet.objects.select_related("project").get(pk=params.face_set, project=task.project)
    person = Person.objects.get(pk=params.person, project=task.project) if params.person else None
    data = _payload(item)
    analysed = None
    if params.box:  # a face chosen in the photo: every face is embedded, the one at the box is enrolled
        found = image_analyse(data=data, formats=_formats(params))
        analysed = AnalysedImage(
            image=found.image, faces=[face_at(require_faces(found), params.box)], model=found.model
        )
    members = face_set_enrol(
        face_set=face_set,
        data=data,
        analysed=analysed,
        external_image_id=params.external_image_id,
        external_fields=params.external_fields,
        single=bool(params.single),
        person=person,
        formats=_formats(params),
        skip_duplicates=bool(params.skip_duplicates),
    )
    return {"members": [member.pk for member in members], "faces": [member.face.face_id for member in members]}


@operation("person.enrol")
def enrol_into_person(task: Task, item: TaskItem, params: jobs.PersonEnrol) -> dict:
    """Add the largest face of one photo to a person (params: person)."""
    person = Person.objects.select_related("project").get(pk=params.person, project=task.project)
    face = person_enrol(person=person, data=_payload(item), formats=_formats(params))
    return {"faces": [face.face_id]}


@operation("image.detect")
def detect_faces(task: Task, item: TaskItem, params: jobs.ImageDetect) -> dict:
    """Detect and keep (as expiring detected faces) the faces of a photo (params: user_data, max_faces, ttl_hours)."""
    image, faces = image_detect(
        project=task.project,
        data=_payload(item),
        user_data=params.user_data or "",
        formats=_formats(params),
        max_faces=params.max_faces,
        ttl_hours=params.ttl_hours,
    )
    return {"image_id": image.image_id, "faces": [face.face_id for face in faces]}


def face_summary(face: DetectedFace) -> dict:
    """A detected face as JSON: box [x, y, width, height], 5 landmarks, detector score, measured quality."""
    return {
        "box": [int(value) for value in face.box],
        "landmarks": [[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks],
        "score": float(face.score),
        "quality": face.quality,
        **({"analysis": face.analysis} if face.analysis is not None else {}),
    }


@operation("image.analyse")
def analyse_image(task: Task, item: TaskItem, params: jobs.ImageAnalyse) -> dict:
    """Detect (and, asked, analyse) the faces of a photo without storing anything."""
    analysed = image_analyse(
        data=_payload(item),
        formats=_formats(params),
        max_faces=params.max_faces,
        embed=False,
        analysis=params.analysis,
        thumbnails=False,
    )
    return {
        "width": analysed.image.width,
        "height": analysed.image.height,
        "exif_orientation": analysed.image.exif_orientation,
        "faces": [face_summary(face) for face in analysed.faces],
    }


@operation("search")
def search(task: Task, item: TaskItem, params: jobs.Search) -> dict:
    """Search with the largest face of a photo in a face set (params: face_set, filter) or a group (params: group);
    params: limit, min_cosine."""
    if params.box:  # a face chosen in a group photo: every face is embedded, the one at the box is searched with
        analysed = image_analyse(data=_payload(item), formats=_formats(params), thumbnails=False)
        query_face = face_at(require_faces(analysed), params.box)
    else:  # only the largest face is searched with: the others are not embedded
        analysed = image_analyse(data=_payload(item), formats=_formats(params), max_faces=1, thumbnails=False)
        query_face = require_faces(analysed)[0]
    limit = int(params.limit)
    if params.group or params.groups or params.person:
        groups = list(
            Group.objects.filter(pk__in=[params.group, *(params.groups or [])], project_id=task.project_id).values_list(
                "pk", flat=True
            )
        )
        person = None
        if params.person:
            person = _one(Person, PersonNotFound, task, params.person, "person", "uid")
        with timing.stage("search"):
            matches = faces_search(
                project_pk=task.project_id,
                vector=query_face.embedding,
                model=analysed.model,
                limit=limit,
                group_pks=groups if (params.group or params.groups) else None,
                person_pk=person.pk if person else None,
                min_cosine=params.min_cosine,
            )
    else:
        face_set = face_set_row(project_pk=task.project_id, field="id", value=params.face_set)
        if face_set is None:
            raise FaceSetNotFound("the face set was deleted before the work ran", field="face_set")
        filter_sql = None
        if params.filter:
            filter_sql = compile_filter_sql(parse_filter(params.filter, face_set.field_schema))
        with timing.stage("search"):
            matches = face_set_search(
                face_set=face_set,
                vector=query_face.embedding,
                model=analysed.model,
                limit=limit,
                min_cosine=params.min_cosine,
                filter_sql=filter_sql,
            )
    return {
        "query": face_summary(query_face),
        "matches": [
            {"member": match.member_pk, "face": match.face_pk, "person": match.person_pk, "cosine": match.cosine}
            for match in matches
        ],
    }


# --- comparisons of stored faces (SenseTime's verification, search, identification and training) ------------------


def _one(model, error, task: Task, pk, what: str, field: str):
    """The project's object with this pk, or the domain error a deleted one deserves (not DoesNotExist)."""
    found = model.objects.filter(pk=pk, project=task.project).first()
    if found is None:
        raise error(f"the {what} was deleted before the work ran", field=field)
    return found


def _all(model, error, task: Task, pks, what: str, field: str) -> list:
    pks = list(pks or ())
    found = list(model.objects.filter(pk__in=pks, project=task.project))
    if len(found) != len(set(pks)):
        raise error(f"a {what} was deleted before the work ran", field=field)
    return found


@operation("image.detect_upright")
def detect_faces_upright(task: Task, item: TaskItem, params: jobs.ImageDetectUpright) -> dict:
    """Detect and keep the faces of a photo within image limits, optionally auto-rotated (params: user_data, formats,
    ttl_hours, auto_rotate, max_bytes, max_side, min_side)."""
    image, faces = image_detect_upright(
        project=task.project,
        data=_payload(item),
        user_data=params.user_data or "",
        formats=_formats(params),
        ttl_hours=params.ttl_hours,
        auto_rotate=bool(params.auto_rotate),
        analysis=params.analysis,
        analysis_max_faces=params.analysis_max_faces,
        max_bytes=params.max_bytes,
        max_side=params.max_side,
        min_side=params.min_side,
    )
    return {
        "image_id": image.image_id,
        "faces": [face.face_id for face in faces],
        "face_tokens": [face.face_token for face in faces],
        "rotate": image.rotate,
    }


@operation("face.verify")
def verify_face(task: Task, item: TaskItem, params: jobs.FaceVerify) -> dict:
    """Compare a stored face with another face (params: face, face2) or a person (params: face, person)."""
    face = _one(Face, FaceNotFound, task, params.face, "face", "face_id")
    if params.face2:
        other = _one(Face, FaceNotFound, task, params.face2, "face", "face2_id")
        return {"cosine": matching.face_compare(face=face, other=other)}
    person = _one(Person, PersonNotFound, task, params.person, "person", "person_id")
    return {"cosine": matching.face_person_compare(face=face, person=person)}


@operation("face.search")
def search_faces(task: Task, item: TaskItem, params: jobs.FaceSearch) -> dict:
    """The faces most similar to a stored face, in a face set (params: face, face_set, limit) or among faces (params:
    face, faces, limit)."""
    face = _one(Face, FaceNotFound, task, params.face, "face", "face_id")
    limit = int(params.limit)
    if params.face_set:
        face_set = _one(FaceSet, FaceSetNotFound, task, params.face_set, "face set", "faceset_id")
        matches = matching.face_search_among(face=face, face_set=face_set, limit=limit)
    else:
        faces = Face.objects.filter(pk__in=params.faces or [], project=task.project)
        matches = matching.face_search_among(face=face, faces=list(faces), limit=limit)
    face_ids = dict(Face.objects.filter(pk__in=[match.face_pk for match in matches]).values_list("pk", "face_id"))
    return {
        "matches": [
            {"face": match.face_pk, "face_id": face_ids.get(match.face_pk), "cosine": match.cosine}
            for match in matches
            if match.face_pk in face_ids
        ]
    }


@operation("face.identify")
def identify_face(task: Task, item: TaskItem, params: jobs.FaceIdentify) -> dict:
    """The persons of a group most similar to a stored face (params: face, group, limit)."""
    face = _one(Face, FaceNotFound, task, params.face, "face", "face_id")
    group = _one(Group, GroupNotFound, task, params.group, "group", "group_id")
    matches = matching.group_identify_face(face=face, group=group, limit=int(params.limit))
    persons = Person.objects.filter(pk__in=[match.person_pk for match in matches]).in_bulk()
    return {
        "matches": [
            {
                "person": match.person_pk,
                "person_id": persons[match.person_pk].person_id,
                "name": persons[match.person_pk].name,
                "face": match.face_pk,
                "cosine": match.cosine,
            }
            for match in matches
            if match.person_pk in persons
        ]
    }


@operation("face.training")
def train_faces(task: Task, item: TaskItem, params: jobs.FaceTraining) -> dict:
    """Check that the faces in scope have vectors of the current model (params: faces, persons, face_sets, groups)."""
    return matching.library_train(
        project=task.project,
        faces=_all(Face, FaceNotFound, task, params.faces, "face", "face_id"),
        persons=_all(Person, PersonNotFound, task, params.persons, "person", "person_id"),
        face_sets=_all(FaceSet, FaceSetNotFound, task, params.face_sets, "face set", "faceset_id"),
        groups=_all(Group, GroupNotFound, task, params.groups, "group", "group_id"),
    )


@operation("person.register")
def register_person(task: Task, item: TaskItem, params: jobs.PersonRegister) -> dict:
    """Give the largest face of a photo to the person with a uid (see services.registration)."""
    face = person_register(
        project=task.project,
        data=_payload(item),
        uid=params.uid,
        user_info=params.user_info,
        group_outer_ids=params.groups,
        create=params.create,
        replace=params.replace,
        reject_duplicate=params.reject_duplicate,
        formats=_formats(params),
    )
    return {"face": face.face_id, "person": face.person.person_id}


@operation("image.embed")
def embed_image(task: Task, item: TaskItem, params: jobs.ImageEmbed) -> dict:
    """The largest face of one photo of a comparison, with its vector (stored nowhere)."""
    analysed = image_analyse(data=_payload(item), formats=_formats(params), max_faces=1, thumbnails=False)
    face = require_faces(analysed)[0]
    return {"face": face_summary(face), "vector": [round(float(value), 6) for value in face.embedding]}


@operation("video.liveness")
def video_liveness(task: Task, item: TaskItem, params: jobs.VideoLiveness) -> dict:
    """Decode a clip in memory and judge whether its largest face performed the actions (recognition.liveness).
    The clip (the item's payload) is cleared when the item finishes; nothing of it is written elsewhere."""
    from django.conf import settings

    from recognition.liveness import decide, picture_base64, trace, video_signals
    from recognition.video import VideoError

    from ..exceptions import InvalidArgument, VideoInvalid

    try:
        signals = video_signals(
            _payload(item), max_seconds=params.max_seconds, time_limit=float(settings.FACELIB_LIVENESS_TIME_LIMIT)
        )
    except VideoError as error:
        raise VideoInvalid(error.message, field="video", reason=error.code, **error.details) from None
    seconds = signals.duration_ms / 1000.0
    if not params.min_seconds <= seconds <= params.max_seconds:
        raise VideoInvalid(
            f"the video lasts {seconds:.2f} s; it must last {params.min_seconds:g}-{params.max_seconds:g} s",
            field="video",
            reason="duration",
            seconds=round(seconds, 3),
        )
    windows = [tuple(window) for window in params.windows] if params.windows else None
    if windows and any(end > signals.duration_ms + 1.0 for _, end in windows):
        raise InvalidArgument(
            f"an action_time window ends after the video's end ({signals.duration_ms:.0f} ms)", field="action_time"
        )
    decision = decide(signals.samples, params.actions, windows=windows, nod_threshold=params.nod_threshold)
    result = {
        "alive": decision.alive,
        "actions": [
            {
                "action": result.action,
                "confidence": result.confidence,
                "detected": result.detected,
                "peak": result.peak,
                "threshold": result.threshold,
                "peak_t": result.peak_t,
            }
            for result in decision.actions
        ],
        "warnings": decision.warnings,
        "picture": picture_base64(signals.crops.get(decision.best)) if decision.best is not None else "",
        "best_t": signals.samples[decision.best].t if decision.best is not None else None,
        "presence": decision.presence,
        "duration_ms": round(signals.duration_ms, 1),
        "container": signals.container,
        "codec": signals.codec,
        "size": [signals.width, signals.height],
        "samples": len(signals.samples),
        "seconds": signals.seconds,
    }
    if params.trace:
        result["trace"] = trace(signals.samples)
    return result


@operation("identities.review")
def review_identities(task: Task, item: TaskItem, params: jobs.IdentitiesReview) -> dict:
    """Review the project's labelled faces for duplicate persons and stray faces, on the current model's vectors."""
    review = identities_review(
        project=task.project,
        model=configured_model_name(),
        min_cosine=params.min_cosine,
        limit=params.limit,
        progress=StageReporter(task),
    )
    return review.to_json()


@operation("thresholds.calibrate")
def calibrate_thresholds(task: Task, item: TaskItem, params: jobs.ThresholdsCalibrate) -> dict:
    """Score the project's (or a face set's) labelled faces in pairs, on the current model's vectors."""
    calibration = score_calibration(
        project=task.project,
        model=configured_model_name(),
        threshold=params.threshold,
        face_set_pk=params.face_set,
        set_size=params.set_size,
        progress=StageReporter(task),
    )
    return calibration.to_json()


@operation("faces.cluster")
def cluster_faces(task: Task, item: TaskItem, params: jobs.FacesCluster) -> dict:
    """Group the project's unassigned faces by who they show, on the current model's vectors."""
    clusters = faces_clusters(
        project=task.project,
        model=configured_model_name(),
        min_cosine=params.min_cosine,
        progress=StageReporter(task),
    )
    return clusters.to_json()
