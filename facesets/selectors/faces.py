"""Reads of faces and images, including the expiry of faces that were only detected."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
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


def face_get(*, project: Project, face_id: str) -> Face:
    face = Face.objects.filter(project=project, face_id=face_id).select_related("person", "image").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist", field="face_id")
    return face


def faces_get(*, project: Project, face_ids: list[str]) -> list[Face]:
    """Faces by id, in the order asked; any unknown id fails the whole lookup (all-or-nothing writes use this)."""
    found = {face.face_id: face for face in Face.objects.filter(project=project, face_id__in=face_ids)}
    missing = [face_id for face_id in face_ids if face_id not in found]
    if missing:
        raise FaceNotFound(f"face {missing[0]!r} does not exist", field="face_id", face_ids=",".join(missing))
    return [found[face_id] for face_id in face_ids]


def face_crop_get(*, project: Project, face_id: str) -> bytes | None:
    """A face's thumbnail JPEG, None when the face is unknown or has none."""
    crop = Face.objects.filter(project=project, face_id=face_id).values_list("crop_jpeg", flat=True).first()
    return bytes(crop) if crop else None


def face_memberships(*, face: Face) -> QuerySet[FaceSetMember]:
    """The face sets a face is in, with its field values in each."""
    return FaceSetMember.objects.filter(face=face).select_related("face_set").defer("vector").order_by("id")


def face_get_current(*, project: Project, face_id: str, field: str = "face_id") -> Face:
    """A face that may still be used: kept (in a person or a face set) or detected less than its lifetime ago.
    `field` names the argument in the FaceNotFound (a second face is "face2_id")."""
    face = Face.objects.filter(_unexpired(), project=project, face_id=face_id).select_related("image", "person").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist or has expired", field=field)
    return face


def faces_get_current(*, project: Project, face_ids: Iterable[str], field: str = "face_id") -> list[Face]:
    """Usable faces by id, in the order asked, duplicates once; one unknown or expired id fails the whole lookup."""
    face_ids = _unique(face_ids)
    found = {face.face_id: face for face in Face.objects.filter(_unexpired(), project=project, face_id__in=face_ids)}
    missing = [face_id for face_id in face_ids if face_id not in found]
    if missing:
        raise FaceNotFound(
            f"face {missing[0]!r} does not exist or has expired", field=field, face_ids=",".join(missing)
        )
    return [found[face_id] for face_id in face_ids]


def faces_find(*, project: Project, face_ids: Iterable[str]) -> list[Face]:
    """The faces among these ids that exist, expired or not (removal is lenient and works on expired ids too)."""
    return list(Face.objects.filter(project=project, face_id__in=_unique(face_ids)))


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
