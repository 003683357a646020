"""Bulk enrolment: many photos into a face set (or a person) as one background task, from the dashboard or from
`manage.py import_faces`. Validation happens here, before anything is queued, so a bad default field value is
refused once, next to its field, instead of failing every photo in a worker."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import fields
from ..exceptions import InvalidArgument
from ..models import FaceSet, Person, Task
from .tasks import task_submit

# The dashboard and the import command accept WebP too: operators' photo folders contain it (the Huawei dialect keeps
# the vendor's JPEG/PNG/BMP list).
ENROL_FORMATS = ("JPEG", "PNG", "BMP", "WEBP")
ENROL_KINDS = ("face_set.enrol", "person.enrol")


@dataclass
class Photo:
    """One uploaded or imported photo: its name (file name or path relative to the import folder) and its bytes."""

    name: str
    data: bytes
    external_image_id: str | None = None


def enrolment_defaults_validate(*, face_set: FaceSet, values: dict[str, Any]) -> dict[str, Any]:
    """Default custom-field values for an enrolment, typed by the face set's schema; empty values are left out."""
    present = {name: value for name, value in values.items() if value not in (None, "")}
    return fields.validate_values(face_set.field_schema, present)


def face_set_enrol_submit(
    *,
    face_set: FaceSet,
    photos: Iterable[Photo],
    person: Person | None = None,
    external_fields: dict[str, Any] | None = None,
    single: bool = True,
    user=None,
    source: str = "dashboard",
    extra_params: dict[str, Any] | None = None,
) -> Task:
    """Queue the enrolment of photos into a face set as one task, one item per photo (processed by the workers).

    Each photo's external_image_id is its own (import) or made from its file name; the default field values and the
    person apply to all. The item name is the photo's name, which the dashboard shows per file and the import command
    uses to resume."""
    if person is not None and person.project_id != face_set.project_id:
        raise InvalidArgument("the person belongs to another project", field="person")
    values = enrolment_defaults_validate(face_set=face_set, values=external_fields or {})
    items = []
    for photo in photos:
        external_image_id = photo.external_image_id
        if external_image_id is None:
            external_image_id = fields.external_image_id_from_filename(photo.name)
        items.append(
            {
                "name": photo.name,
                "payload": photo.data,
                "params": {"external_image_id": external_image_id or None},
            }
        )
    if not items:
        raise InvalidArgument("choose at least one photo", field="photos")
    params = {
        "face_set": face_set.pk,
        "face_set_id": face_set.face_set_id,
        "single": bool(single),
        "formats": list(ENROL_FORMATS),
        "external_fields": values,
        "source": source,
        **(extra_params or {}),
    }
    if person is not None:
        params["person"] = person.pk
    return task_submit(project=face_set.project, kind="face_set.enrol", items=items, params=params, user=user)


def person_enrol_submit(*, person: Person, photos: Iterable[Photo], user=None) -> Task:
    """Queue adding the largest face of each photo to a person, as one task."""
    items = [{"name": photo.name, "payload": photo.data} for photo in photos]
    if not items:
        raise InvalidArgument("choose at least one photo", field="photos")
    params = {"person": person.pk, "formats": list(ENROL_FORMATS), "source": "dashboard"}
    return task_submit(project=person.project, kind="person.enrol", items=items, params=params, user=user)
