"""Reads of faces and images, including the expiry of faces that were only detected."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..exceptions import (
    FaceNotFound,
    ImageNotFound,
)
from ..models import Face, FaceSetMember, Image, Project


def _unexpired(now=None) -> Q:
    """Faces and images that are kept (no expiry) or whose detection has not expired yet."""
    now = now or timezone.now()
    return Q(expires__isnull=True) | Q(expires__gt=now)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def all_by_id(queryset: QuerySet, id_field: str, ids: Iterable[str], error, *, field: str, expiring: bool = False):
    """Rows by their public id, in the order asked, duplicates once. All or nothing (writes that take many ids use
    this): one unknown id raises `error` naming the first unknown one (`details["unknown"]`: all of them)."""
    ids = _unique(ids)
    found = {getattr(row, id_field): row for row in queryset.filter(**{f"{id_field}__in": ids})}
    unknown = [value for value in ids if value not in found]
    if unknown:
        what = queryset.model._meta.verbose_name
        state = "does not exist or has expired" if expiring else "does not exist"
        raise error(f"{what} {unknown[0]!r} {state}", field=field, unknown=",".join(unknown))
    return [found[value] for value in ids]


def face_get(*, project: Project, face_id: str) -> Face:
    face = Face.objects.filter(project=project, face_id=face_id).select_related("person", "image").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist", field="face_id")
    return face


def faces_get(*, project: Project, face_ids: list[str]) -> list[Face]:
    """Faces by id, in the order asked; any unknown id fails the whole lookup (all-or-nothing writes use this)."""
    return all_by_id(Face.objects.filter(project=project), "face_id", face_ids, FaceNotFound, field="face_id")


def face_crop_get(*, project: Project, face_id: str) -> bytes | None:
    """A face's thumbnail JPEG, None when the face is unknown or has none."""
    crop = Face.objects.filter(project=project, face_id=face_id).values_list("crop_jpeg", flat=True).first()
    return bytes(crop) if crop else None


def face_memberships(*, face: Face) -> QuerySet[FaceSetMember]:
    """The face sets a face is in, with its field values in each."""
    return FaceSetMember.objects.filter(face=face).select_related("face_set").defer("vector").order_by("id")


FACE_IDS = ("face_id", "face_token")  # a face's public ids: Huawei's and SenseTime's, and Face++'s


def face_get_current(*, project: Project, face_id: str, field: str = "face_id", by: str = "face_id") -> Face:
    """A face that may still be used: kept (in a person or a face set) or detected less than its lifetime ago, by
    its id (`by`: "face_id", or "face_token" for Face++). `field` names the argument in the FaceNotFound (a second
    face is "face2_id")."""
    assert by in FACE_IDS
    face = Face.objects.filter(_unexpired(), project=project, **{by: face_id}).select_related("image", "person").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist or has expired", field=field, unknown=face_id)
    return face


def faces_get_current(
    *, project: Project, face_ids: Iterable[str], field: str = "face_id", by: str = "face_id"
) -> list[Face]:
    """Usable faces by id, in the order asked, duplicates once; one unknown or expired id fails the whole lookup."""
    assert by in FACE_IDS
    current = Face.objects.filter(_unexpired(), project=project)
    return all_by_id(current, by, face_ids, FaceNotFound, field=field, expiring=True)


def faces_current_by_id(*, project: Project, face_ids: Iterable[str], by: str = "face_id") -> dict[str, Face]:
    """The usable faces among these ids, by id; the unknown and expired ones are simply absent (for calls that
    report each id's fate, as Face++'s failure_detail)."""
    assert by in FACE_IDS
    faces = Face.objects.filter(_unexpired(), project=project, **{f"{by}__in": _unique(face_ids)})
    return {getattr(face, by): face for face in faces.defer("crop_jpeg", "analysis")}


def faces_find(*, project: Project, face_ids: Iterable[str], by: str = "face_id") -> list[Face]:
    """The faces among these ids that exist, expired or not (removal is lenient and works on expired ids too)."""
    assert by in FACE_IDS
    return list(Face.objects.filter(project=project, **{f"{by}__in": _unique(face_ids)}))


def image_get(*, project: Project, image_id: str) -> Image:
    image = Image.objects.filter(project=project, image_id=image_id).first()
    if image is None:
        raise ImageNotFound(f"image {image_id!r} does not exist", field="image_id")
    return image


def image_get_current(*, project: Project, image_id: str) -> Image:
    """An image whose detection has not expired (or whose faces were kept)."""
    image = Image.objects.filter(_unexpired(), project=project, image_id=image_id).first()
    if image is None:
        raise ImageNotFound(f"image {image_id!r} does not exist or has expired", field="image_id")
    return image


def image_faces(*, image: Image) -> QuerySet[Face]:
    """The usable faces found in an image, in detection order (largest first), without their thumbnails."""
    return Face.objects.filter(_unexpired(), image=image).defer("crop_jpeg").order_by("id")


UNASSIGNED_VIEWS = ("detached", "in_sets")  # in no face set and of no person (expiring) / in face sets, of no person


def faces_unassigned(*, project: Project, view: str) -> QuerySet[Face]:
    """The project's faces of no person, newest first: `detached` ones (in no face set either: not kept, they expire,
    services.lifecycle; expired ones awaiting the purge left out) or those `in_sets`."""
    in_a_set = Exists(FaceSetMember.objects.filter(face_id=OuterRef("pk")))
    faces = Face.objects.filter(project=project, person__isnull=True).defer("crop_jpeg", "landmarks", "analysis")
    if view == "detached":
        faces = faces.filter(~in_a_set).filter(_unexpired())
    else:
        faces = faces.filter(in_a_set)
    return faces.order_by("-created", "-id")


def faces_detached_count(*, project: Project) -> int:
    """How many faces of the project are in no face set and of no person and not yet expired."""
    return faces_unassigned(project=project, view="detached").order_by().count()
