"""The one rule of a face's lifetime.

A face is *kept* while it belongs to a face set or a person. A face that was only detected (or that lost its last
face set and person) *expires*: it stays usable by id for FACELIB_DETECTED_FACE_TTL_HOURS, then the hourly purge
removes it. What happens to a face that loses its last face set or person is the caller's explicit choice, because
the dialects differ: Huawei (and the dashboard) delete it with its set, SenseTime and Face++ keep its id usable, as a
detected face, for a few more days.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import Face


class Release(enum.Enum):
    """What becomes of a face left in no face set and of no person."""

    DELETE = "delete"  # gone at once (a face that was still only detected expires on its own)
    EXPIRE = "expire"  # usable by id for the detected-face lifetime, then purged


def detected_face_expiry(hours: int | None = None) -> datetime:
    """When a face that is only detected (in no face set, of no person) expires."""
    ttl = settings.FACELIB_DETECTED_FACE_TTL_HOURS if hours is None else hours
    return timezone.now() + timedelta(hours=ttl)


def faces_release(*, face_pks: Iterable[int], release: Release, ttl_hours: int | None = None) -> int:
    """Apply `release` to those of these faces that now belong to no face set and no person (call it after removing
    the memberships, in the same transaction); expiring faces live `ttl_hours` more (default the detected-face
    lifetime; Face++ says 72). Returns how many faces were deleted or set to expire."""
    face_pks = list(face_pks)
    if not face_pks:
        return 0
    unkept = Face.objects.filter(pk__in=face_pks, person__isnull=True, memberships__isnull=True)
    if release is Release.DELETE:
        _, deleted = unkept.filter(expires__isnull=True).delete()
        return deleted.get(Face._meta.label, 0)
    return unkept.update(expires=detected_face_expiry(ttl_hours))


def erased_rows_vacuum() -> None:
    """VACUUM the tables an erasure removes rows from (services.library.person_erase), so the rows' vectors and
    thumbnails leave their pages and indexes now rather than at autovacuum's next pass. Runs in a worker: VACUUM
    cannot run inside the erasing transaction."""
    from django.db import connection

    from recognition.models import Embedding

    from ..models import FaceSetMember, Image

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (FaceSetMember, Embedding, Face, Image):
            cursor.execute(f'VACUUM "{model._meta.db_table}"')
