"""The face grid with 100,000 faces in a set: paged, counted from the kept counter, never all loaded (a bounded number
of queries per page; how fast that is belongs to the benchmarks, not to a threshold here)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facesets.models import FaceSet
from facesets.services import library
from tests.support.dashboard import make_team

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
FACES = 100_000


def _fill(face_set, count: int) -> None:
    """`count` faces with an integer field `age` (0..99), inserted in SQL (the engine is not what is measured)."""
    vector = "[" + ",".join(["1"] + ["0"] * 127) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH faces AS (
                INSERT INTO facesets_face (project_id, face_id, external_image_id, box_x, box_y, box_width,
                    box_height, landmarks, detection_score, quality, crop_jpeg, created)
                SELECT %s, 'F' || lpad(n::text, 7, '0'), 'img' || n, 0, 0, 40, 40, '[]', 0.9, '{}', NULL, now()
                FROM generate_series(1, %s) AS n
                RETURNING id, external_image_id
            )
            INSERT INTO facesets_facesetmember (face_set_id, face_id, external_fields, model, vector, added)
            SELECT %s, id, jsonb_build_object('age', (substr(external_image_id, 4)::int %% 100)), 'test',
                   %s::vector, now()
            FROM faces
            """,
            [face_set.project_id, count, face_set.pk, vector],
        )
        cursor.execute("ANALYZE facesets_facesetmember")
    FaceSet.objects.filter(pk=face_set.pk).update(face_count=count)


def test_grid_with_100k_faces(client):
    team = make_team()
    face_set = library.face_set_create(project=team.project, name="big", field_schema={"age": "integer"})
    _fill(face_set, FACES)
    client.force_login(team.admin)
    url = f"/face-sets/{face_set.face_set_id}/"
    for params, expected in [
        ({}, "100,000 faces"),
        ({"page": 150}, "7153–7200"),
        ({"sort": "-added"}, "img100000"),
        ({"filter": "age:[10 TO 19]"}, 'data-match-count="10000"'),
        ({"filter": "age:[10 TO 19]", "sort": "age:desc", "page": 3}, "img"),
    ]:
        client.get(url, params)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        page = response.content.decode()
        assert response.status_code == 200 and expected in page, params
        assert page.count('class="thumb"') == 48, params
        assert len(queries) <= 12, (params, [query["sql"][:120] for query in queries])
