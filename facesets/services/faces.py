"""Writes on faces: detection into expiring faces, enrolment into face sets, membership, persons, expiry.

These functions run the recognition engine, so they are called from Celery tasks (see facesets.services.tasks),
never directly from a web request.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recognition.analysis import get_analyzer
from recognition.engine import DetectedFace, configured_model_name, get_engine
from recognition.imageio import DecodedImage, ImageError, decode_image
from recognition.models import Embedding

from .. import fields, timing
from ..exceptions import (
    DuplicatePhoto,
    FaceSetFull,
    FaceTooSmall,
    ImageInvalid,
    InvalidArgument,
    ModelMismatch,
    NoFace,
    QuotaExceeded,
)
from ..models import Face, FaceSet, FaceSetMember, Image, Person, Project
from .audit import audit_record
from .library import face_set_count_adjust
from .lifecycle import Release, detected_face_expiry, faces_release

DEFAULT_FORMATS = ("JPEG", "PNG", "BMP")


@dataclass
class AnalysedImage:
    """A decoded photo and the faces the engine found in it (largest first), not yet stored."""

    image: DecodedImage
    faces: list[DetectedFace]
    model: str


def image_analyse(
    *,
    data: bytes,
    formats: Sequence[str] = DEFAULT_FORMATS,
    max_faces: int | None = None,
    embed: bool = True,
    min_face_size: int | None = None,
    analysis: bool = False,
    thumbnails: bool = True,
) -> AnalysedImage:
    """Decode and run detection (and embedding; and, with `analysis`, the face analysis) on a photo. Bad images
    raise ImageInvalid; stores nothing. Without `thumbnails` the faces carry no crop_jpeg: only for work that stores
    no face."""
    try:
        with timing.stage("decode"):
            decoded = decode_image(data, formats=formats)
    except ImageError as error:
        raise ImageInvalid(error.message, field="image", reason=error.code) from error
    engine = get_engine()
    with timing.stage("detect-embed" if embed else "detect"):
        faces = engine.detect(
            decoded.pixels, max_faces=max_faces, embed=embed, min_face_size=min_face_size, thumbnails=thumbnails
        )
    analysed = AnalysedImage(image=decoded, faces=faces, model=engine.model_name)
    if analysis:
        faces_analyse(analysed)
    return analysed


def faces_analyse(analysed: AnalysedImage, limit: int | None = None) -> None:
    """Add the face analysis (dense mesh, pose, eyes, mouth) to each detected face, or to the `limit` largest: only
    when a caller asks for it (about 10 ms a face), never on enrolment."""
    analyzer = get_analyzer()
    for face in analysed.faces[:limit]:
        face.analysis = analyzer.analyse(analysed.image.pixels, face.box, face.landmarks[:2]).to_json()


def require_faces(analysed: AnalysedImage) -> list[DetectedFace]:
    """The faces found, or NoFace; FaceTooSmall (a NoFace) when the only faces are below FACELIB_MIN_FACE_SIZE.

    The second, size-unlimited detection runs only on this failure path, so it costs nothing on success."""
    if not analysed.faces:
        minimum = int(getattr(settings, "FACELIB_MIN_FACE_SIZE", 0) or 0)
        if minimum > 0:
            small = get_engine().detect(
                analysed.image.pixels, max_faces=1, embed=False, min_face_size=0, thumbnails=False
            )
            if small:
                size = min(small[0].box[2], small[0].box[3])
                raise FaceTooSmall(
                    f"the largest face is {size} px; faces must be at least {minimum} px", field="image", size=size
                )
        raise NoFace("no face was found in the image", field="image")
    return analysed.faces


def box_overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two [x, y, w, h] boxes (0 when they do not touch)."""
    ax, ay, aw, ah = (float(v) for v in a[:4])
    bx, by, bw, bh = (float(v) for v in b[:4])
    width = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    height = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = width * height
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def face_at(faces: Sequence[DetectedFace], box: Sequence[float]) -> DetectedFace:
    """The detected face that overlaps `box` most (a face chosen on a earlier detection of the same photo); NoFace when
    none overlaps it by at least a third."""
    best = max(faces, key=lambda face: box_overlap(face.box, box))
    if box_overlap(best.box, box) < 1 / 3:
        raise NoFace("no face was found at the chosen place in the photo", field="image")
    return best


def _new_external_image_id() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))


def _store_image(*, project: Project, analysed: AnalysedImage, data: bytes | None, user_data: str, expires) -> Image:
    decoded = analysed.image
    return Image.objects.create(
        project=project,
        width=decoded.width,
        height=decoded.height,
        format=decoded.format,
        exif_orientation=decoded.exif_orientation,
        user_data=user_data or "",
        photo=data if (data is not None and settings.FACELIB_KEEP_PHOTOS) else None,
        content_sha256=hashlib.sha256(data).hexdigest() if data else "",
        expires=expires,
    )


def _store_face(
    *,
    project: Project,
    image: Image | None,
    detected: DetectedFace,
    model: str,
    external_image_id: str = "",
    person: Person | None = None,
    expires=None,
) -> Face:
    x, y, width, height = detected.box
    face = Face.objects.create(
        project=project,
        image=image,
        person=person,
        external_image_id=external_image_id,
        box_x=x,
        box_y=y,
        box_width=width,
        box_height=height,
        landmarks=[[round(float(px), 2), round(float(py), 2)] for px, py in detected.landmarks],
        detection_score=float(detected.score),
        quality=detected.quality,
        analysis=detected.analysis,
        crop_jpeg=detected.crop_jpeg,
        expires=expires,
    )
    if detected.embedding is not None:
        Embedding.objects.create(face=face, model=model, vector=detected.embedding.tolist())
    return face


@transaction.atomic
def image_detect(
    *,
    project: Project,
    data: bytes,
    user_data: str = "",
    formats: Sequence[str] = DEFAULT_FORMATS,
    max_faces: int | None = None,
    ttl_hours: int | None = None,
    analysed: AnalysedImage | None = None,
) -> tuple[Image, list[Face]]:
    """Detect the faces of a photo and keep them as detected faces: they expire after `ttl_hours` (default
    FACELIB_DETECTED_FACE_TTL_HOURS) unless added to a face set or a person. Zero faces is not an error here."""
    analysed = analysed or image_analyse(data=data, formats=formats, max_faces=max_faces)
    expires = detected_face_expiry(ttl_hours)
    image = _store_image(project=project, analysed=analysed, data=data, user_data=user_data, expires=expires)
    faces = [
        _store_face(project=project, image=image, detected=detected, model=analysed.model, expires=expires)
        for detected in analysed.faces
    ]
    return image, faces


def _check_capacity(face_set: FaceSet, adding: int) -> None:
    # The row lock serialises concurrent enrolments into one set, so face_count stays exact.
    locked = FaceSet.objects.select_for_update().only("face_count", "capacity").get(pk=face_set.pk)
    if locked.face_count + adding > locked.capacity:
        raise FaceSetFull(
            f"face set {face_set.name!r} holds {locked.face_count} of {locked.capacity} faces; cannot add {adding}",
            field="face_set",
        )


@transaction.atomic
def face_set_enrol(
    *,
    face_set: FaceSet,
    data: bytes,
    external_image_id: str | None = None,
    external_fields: Any = None,
    single: bool = False,
    person: Person | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    analysed: AnalysedImage | None = None,
    skip_duplicates: bool = False,
) -> list[FaceSetMember]:
    """Add the faces of a photo to a face set (only the largest when `single`), all with the same
    `external_image_id` (generated when absent) and custom-field values. No face -> NoFace; a full set -> FaceSetFull;
    with `skip_duplicates`, the same photo (by content hash) already in the set -> DuplicatePhoto.
    Everything is validated before the engine runs, so bad input changes nothing and costs no inference."""
    if external_image_id is None or external_image_id == "":
        external_image_id = _new_external_image_id()
    else:
        fields.validate_external_image_id(external_image_id)
    values = fields.validate_values(face_set.field_schema, external_fields)
    if skip_duplicates and data:
        digest = hashlib.sha256(data).hexdigest()
        already = list(
            FaceSetMember.objects.filter(face_set=face_set, face__image__content_sha256=digest).values_list(
                "face__face_id", flat=True
            )[:5]
        )
        if already:
            raise DuplicatePhoto(
                f"the same photo is already in {face_set.name} (face {', '.join(already)})",
                field="image",
                face_ids=already,
            )
    analysed = analysed or image_analyse(data=data, formats=formats, max_faces=1 if single else None)
    detected_faces = require_faces(analysed)[: 1 if single else None]
    _check_capacity(face_set, len(detected_faces))
    if person is not None:
        _check_person_quota(person, len(detected_faces))
    image = _store_image(project=face_set.project, analysed=analysed, data=data, user_data="", expires=None)
    members = []
    for detected in detected_faces:
        face = _store_face(
            project=face_set.project,
            image=image,
            detected=detected,
            model=analysed.model,
            external_image_id=external_image_id,
            person=person,
        )
        members.append(
            FaceSetMember(
                face_set=face_set,
                face=face,
                external_fields=values,
                model=analysed.model,
                vector=detected.embedding.tolist(),
            )
        )
    FaceSetMember.objects.bulk_create(members)
    face_set_count_adjust(face_set_pk=face_set.pk, delta=len(members))
    audit_record(
        project=face_set.project,
        action="faces.enrol",
        target=face_set,
        faces=[member.face.face_id for member in members],
        external_image_id=external_image_id,
        person=person.person_id if person is not None else None,
    )
    return members


def _current_embeddings(faces: Sequence[Face]) -> dict[int, Embedding]:
    model = configured_model_name()  # from the settings: this runs in web processes too, which load no model
    embeddings = {e.face_id: e for e in Embedding.objects.filter(face__in=faces, model=model)}
    missing = [face.face_id for face in faces if face.pk not in embeddings]
    if missing:
        raise ModelMismatch(
            f"faces {', '.join(missing)} have no vector from the current model {model}", field="face_id"
        )
    return embeddings


@transaction.atomic
def face_set_add_faces(*, face_set: FaceSet, faces: Iterable[Face], external_fields: Any = None) -> list[FaceSetMember]:
    """Add already detected faces to a face set (Face++ / SenseTime). Faces already in the set are skipped; all or
    nothing: one face of another project or without a current vector fails the whole call."""
    faces = list({face.pk: face for face in faces}.values())
    if any(face.project_id != face_set.project_id for face in faces):
        raise InvalidArgument("a face belongs to another project", field="face_id")
    values = fields.validate_values(face_set.field_schema, external_fields)
    present = set(face_set.members.filter(face__in=faces).values_list("face_id", flat=True))
    new_faces = [face for face in faces if face.pk not in present]
    embeddings = _current_embeddings(new_faces)
    _check_capacity(face_set, len(new_faces))
    members = FaceSetMember.objects.bulk_create(
        FaceSetMember(
            face_set=face_set,
            face=face,
            external_fields=values,
            model=embeddings[face.pk].model,
            vector=embeddings[face.pk].vector,
        )
        for face in new_faces
    )
    Face.objects.filter(pk__in=[face.pk for face in new_faces]).update(expires=None)
    Image.objects.filter(faces__in=new_faces).update(expires=None)
    face_set_count_adjust(face_set_pk=face_set.pk, delta=len(members))
    if members:
        audit_record(
            project=face_set.project, action="faces.add", target=face_set, faces=[f.face_id for f in new_faces]
        )
    return members


@transaction.atomic
def face_set_add_faces_fitting(*, face_set: FaceSet, faces: Iterable[Face]) -> tuple[list[FaceSetMember], list[Face]]:
    """Add detected faces to a face set as far as its capacity allows (Face++'s addface, which reports each token's
    fate): the members made, and the faces that did not fit. Faces already in the set count as added."""
    faces = list({face.pk: face for face in faces}.values())
    locked = FaceSet.objects.select_for_update().only("face_count", "capacity").get(pk=face_set.pk)
    present = set(face_set.members.filter(face__in=faces).values_list("face_id", flat=True))
    room = max(0, locked.capacity - locked.face_count)
    new = [face for face in faces if face.pk not in present]
    fitting, over = new[:room], new[room:]
    members = face_set_add_faces(face_set=face_set, faces=fitting) if fitting else []
    return members, over


def face_user_id_set(*, face: Face, user_id: str) -> Face:
    """Set a face's user_id label (Face++: at most 255 characters; "" clears it)."""
    if not isinstance(user_id, str) or len(user_id) > 255:
        raise InvalidArgument("user_id must be at most 255 characters", field="user_id")
    Face.objects.filter(pk=face.pk).update(user_id=user_id)
    face.user_id = user_id
    audit_record(project=face.project, action="face.update", target=face, changed=["user_id"])
    return face


@transaction.atomic
def face_set_remove_members(*, face_set: FaceSet, members, release: Release, ttl_hours: int | None = None) -> int:
    """Remove faces from a face set; a face left in no set and of no person is deleted or goes back to expiring (for
    `ttl_hours`, default the detected-face lifetime), as `release` says (services.lifecycle). Returns how many were
    removed."""
    members = members.filter(face_set=face_set)
    face_pks = list(members.values_list("face_id", flat=True))
    if not face_pks:
        return 0
    FaceSet.objects.select_for_update().filter(pk=face_set.pk).first()
    removed, _ = FaceSetMember.objects.filter(face_set=face_set, face_id__in=face_pks).delete()
    face_set_count_adjust(face_set_pk=face_set.pk, delta=-removed)
    audit_record(project=face_set.project, action="faces.remove", target=face_set, faces=removed)
    faces_release(face_pks=face_pks, release=release, ttl_hours=ttl_hours)
    return removed


@transaction.atomic
def face_set_member_update(
    *, member: FaceSetMember, external_image_id: str | None = None, external_fields: Any = None
) -> FaceSetMember:
    """Change a face's external_image_id and/or its custom-field values (replaced as a whole, as Huawei does)."""
    if external_image_id is not None:
        fields.validate_external_image_id(external_image_id)
    if external_fields is not None:
        member.external_fields = fields.validate_values(member.face_set.field_schema, external_fields)
        member.save(update_fields=["external_fields"])
    if external_image_id is not None:
        member.face.external_image_id = external_image_id
        member.face.save(update_fields=["external_image_id"])
    changed = [
        name
        for name, value in (("external_image_id", external_image_id), ("external_fields", external_fields))
        if value is not None
    ]
    if changed:
        audit_record(
            project=member.face_set.project,
            action="face.update",
            target=member.face,
            face_set=member.face_set.face_set_id,
            changed=changed,
        )
    return member


def _check_person_quota(person: Person, adding: int) -> None:
    Person.objects.select_for_update().filter(pk=person.pk).first()
    limit = person.project.max_faces_per_person
    if person.faces.count() + adding > limit:
        raise QuotaExceeded(f"a person may have at most {limit} faces", quota="faces_per_person")


@transaction.atomic
def person_add_faces(*, person: Person, faces: Iterable[Face]) -> int:
    """Give faces to a person. A face belongs to one person: adding it here moves it from any earlier one.
    All or nothing."""
    faces = [face for face in faces if face.person_id != person.pk]
    if any(face.project_id != person.project_id for face in faces):
        raise InvalidArgument("a face belongs to another project", field="face_id")
    _check_person_quota(person, len(faces))
    pks = [face.pk for face in faces]
    Face.objects.filter(pk__in=pks).update(person=person, expires=None)
    Image.objects.filter(faces__pk__in=pks).update(expires=None)
    if pks:
        audit_record(
            project=person.project,
            action="faces.assign",
            target=person,
            faces=[face.face_id for face in faces],
            count=len(pks),
        )
    return len(pks)


@transaction.atomic
def person_remove_faces(*, person: Person, faces: Iterable[Face]) -> int:
    """Take faces away from a person; a face left in no face set goes back to expiring."""
    held = [face for face in faces if face.person_id == person.pk]
    pks = [face.pk for face in held]
    Face.objects.filter(pk__in=pks).update(person=None)
    faces_release(face_pks=pks, release=Release.EXPIRE)
    if pks:
        audit_record(
            project=person.project,
            action="faces.unassign",
            target=person,
            faces=[face.face_id for face in held],
            count=len(pks),
        )
    return len(pks)


@transaction.atomic
def faces_take_from_persons(*, faces: Iterable[Face]) -> int:
    """Take faces from whichever persons hold them (person_remove_faces for each); returns how many were held."""
    by_person: dict[int, list[Face]] = {}
    for face in faces:
        if face.person_id is not None:
            by_person.setdefault(face.person_id, []).append(face)
    for person in Person.objects.filter(pk__in=list(by_person)):
        person_remove_faces(person=person, faces=by_person[person.pk])
    return sum(len(held) for held in by_person.values())


@transaction.atomic
def person_enrol(*, person: Person, data: bytes, formats: Sequence[str] = DEFAULT_FORMATS) -> Face:
    """Add the largest face of a photo to a person."""
    analysed = image_analyse(data=data, formats=formats, max_faces=1)
    detected = require_faces(analysed)[0]
    _check_person_quota(person, 1)
    image = _store_image(project=person.project, analysed=analysed, data=data, user_data="", expires=None)
    face = _store_face(project=person.project, image=image, detected=detected, model=analysed.model, person=person)
    audit_record(project=person.project, action="faces.enrol", target=person, faces=[face.face_id])
    return face


@transaction.atomic
def expired_purge(*, now=None) -> dict[str, int]:
    """Delete detected faces and images whose time ran out (never added to a face set or a person, or taken from the
    last that kept them); each project's audit log records its expired faces as one system event."""
    now = now or timezone.now()
    expired = Face.objects.filter(expires__lte=now, person__isnull=True, memberships__isnull=True)
    rows = list(expired.select_for_update(of=("self",)).order_by("id").values_list("pk", "project_id", "face_id"))
    by_project: dict[int, list[str]] = {}
    for _, project_pk, face_id in rows:
        by_project.setdefault(project_pk, []).append(face_id)
    for project in Project.objects.filter(pk__in=list(by_project)):
        faces = by_project[project.pk]
        audit_record(project=project, action="faces.expire", count=len(faces), faces=faces)
    _, faces = Face.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
    _, images = Image.objects.filter(expires__lte=now, faces__isnull=True).delete()
    return {"faces": faces.get("facesets.Face", 0), "images": images.get("facesets.Image", 0)}


@transaction.atomic
def face_set_create_with_faces(
    *, project: Project, name: str, user_data: str | None = None, faces: Iterable[Face] = ()
) -> FaceSet:
    """Create a face set and add already detected faces to it, all or nothing (SenseTime's faceset/create)."""
    from .library import face_set_create

    face_set = face_set_create(project=project, name=name, user_data=user_data)
    faces = list(faces)
    if faces:
        face_set_add_faces(face_set=face_set, faces=faces)
        face_set.refresh_from_db(fields=["face_count"])
    return face_set
