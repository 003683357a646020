"""Property-based tests of the filter language (hypothesis): any text, and any text built from the language's own
pieces, either parses into a filter that PostgreSQL runs — through the ORM and through the compiled SQL the vector
search uses — or is refused with FilterError; no other error, and no SQL error (FACELIB_FUZZ_EXAMPLES)."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facesets.filters import FilterError, compile_filter_sql, filter_q, parse_filter
from facesets.models import Face, FaceSetMember
from facesets.services import library, projects

EXAMPLES = int(os.environ.get("FACELIB_FUZZ_EXAMPLES", "80"))
SCHEMA = {"age": "integer", "score": "double", "name": "string", "vip": "boolean", "stamp": "long"}
PIECES = st.sampled_from(
    [
        "age",
        "score",
        "name",
        "vip",
        "stamp",
        "face_id",
        "external_image_id",
        "nope",
        ":",
        " ",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        " TO ",
        "*",
        "&&",
        "||",
        "!",
        " AND ",
        " OR ",
        " NOT ",
        '"',
        "\\",
        "1",
        "-5",
        "2.5",
        "1e3",
        "true",
        "false",
        "abc",
        "9223372036854775808",
        ">=",
        "<",
        "?",
        "~",
        "^2",
        "'",
        ";",
        "--",
        "\x00",
    ]
)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


pytestmark = pytest.mark.django_db


@pytest.fixture
def face_set():
    project = projects.project_get_or_create(name="filter-properties")
    return library.face_set_create(project=project, name="props", field_schema=SCHEMA)


def _check(face_set, text: str) -> None:
    try:
        expression = parse_filter(text, SCHEMA)
    except FilterError as error:
        assert error.reason in ("syntax", "unknown_field", "type_mismatch", "unsupported"), error.reason
        return
    FaceSetMember.objects.filter(face_set=face_set).filter(filter_q(expression)).count()
    sql, params = compile_filter_sql(expression)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {FaceSetMember._meta.db_table} m JOIN {Face._meta.db_table} f ON f.id = m.face_id "
            f"WHERE m.face_set_id = %s AND {sql}",
            [face_set.pk, *params],
        )


@SETTINGS
@given(st.text(max_size=200))
def test_any_text(face_set, text):
    _check(face_set, text)


@SETTINGS
@given(st.lists(PIECES, max_size=25).map("".join))
def test_text_made_of_the_languages_pieces(face_set, text):
    _check(face_set, text)
