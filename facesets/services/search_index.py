"""When a face set outgrows an exact scan, it gets its own HNSW index (see facesets.search for the strategy)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from ..models import FaceSet
from ..search import MEMBER_TABLE, face_set_index_build


def face_set_index_wanted(face_set: FaceSet) -> bool:
    return not face_set.vector_index and face_set.face_count >= settings.FACELIB_HNSW_MIN_FACES


def face_set_index_schedule(*, face_set_pk: int) -> None:
    """Queue the index build once the transaction that grew the set commits."""
    from ..tasks import build_face_set_index

    transaction.on_commit(lambda: build_face_set_index.delay(face_set_pk))


def face_set_index_ensure(*, face_set_pk: int) -> str:
    """Build the set's partial HNSW index if it is big enough and has none; returns the index name ("" if none)."""
    face_set = FaceSet.objects.get(pk=face_set_pk)
    if not face_set_index_wanted(face_set):
        return face_set.vector_index
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT model, vector_dims(vector) FROM {MEMBER_TABLE} WHERE face_set_id = %s "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
            [face_set.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return ""
    model, dimensions = row
    name = face_set_index_build(face_set=face_set, model=model, dimensions=dimensions)
    FaceSet.objects.filter(pk=face_set.pk).update(vector_index=name)
    return name
