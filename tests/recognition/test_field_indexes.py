"""A large face set's indexes on its custom fields: built with its HNSW index, used by compiled filters, dropped
with the set (see facesets.search and bench/REPORT.md for what they are worth)."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from facesets.filters import compile_filter_sql, parse_filter
from facesets.models import Face, FaceSetMember
from facesets.search import face_set_search, field_index_name, field_index_prefix
from facesets.services import library, projects
from facesets.services.lifecycle import Release
from facesets.services.search_index import face_set_index_ensure

SCHEMA = {"age": "integer", "height": "double", "city": "string", "vip": "boolean"}


def _field_indexes(face_set_pk: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE starts_with(indexname, %s)", [field_index_prefix(face_set_pk)]
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_field_indexes_are_built_with_the_vector_index_used_by_filters_and_dropped(settings):
    settings.FACELIB_HNSW_MIN_FACES = 100
    project = projects.project_get_or_create(name="field-indexes")
    face_set = library.face_set_create(project=project, name="big", field_schema=SCHEMA)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 128))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    faces = Face.objects.bulk_create(
        Face(project=project, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0) for _ in vectors
    )
    FaceSetMember.objects.bulk_create(
        FaceSetMember(
            face_set=face_set,
            face=face,
            model="synthetic",
            vector=vector.tolist(),
            external_fields={"age": n, "height": n / 10, "city": f"c{n % 7}", "vip": n % 2 == 0},
        )
        for n, (face, vector) in enumerate(zip(faces, vectors, strict=True))
    )
    face_set.face_count = len(faces)
    face_set.save()

    face_set_index_ensure(face_set_pk=face_set.pk)
    face_set.refresh_from_db()
    assert _field_indexes(face_set.pk) == {field_index_name(face_set.pk, field) for field in SCHEMA}

    for field, text in (
        ("age", "age:[10 TO 12]"),
        ("height", "height:>=29.5"),
        ("city", 'city:"c3"'),
        ("vip", "vip:true"),
    ):
        condition, params = compile_filter_sql(parse_filter(text, SCHEMA))
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # the question is whether the index matches, not its cost
            cursor.execute(
                f"EXPLAIN SELECT m.id FROM facesets_facesetmember m WHERE m.face_set_id = %s AND ({condition})",
                [face_set.pk, *params],
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
        assert field_index_name(face_set.pk, field) in plan, plan

    rare = compile_filter_sql(parse_filter("age:[10 TO 12]", SCHEMA))
    matches = face_set_search(face_set=face_set, vector=vectors[11], model="synthetic", limit=10, filter_sql=rare)
    assert [m.face_pk for m in matches][:1] == [faces[11].pk] and len(matches) == 3

    library.face_set_delete(face_set=face_set, release=Release.DELETE)
    assert _field_indexes(face_set.pk) == set()
