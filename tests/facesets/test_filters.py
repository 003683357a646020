"""The Huawei FRS filter and sort language (spec 5.4, 5.5): parsing, validation, ORM and raw SQL results."""

from __future__ import annotations

import pytest
from django.db import connection

from facesets.filters import (
    And,
    Condition,
    FilterError,
    Not,
    Or,
    SortError,
    compile_filter_sql,
    filter_q,
    parse_filter,
    parse_sort,
    sort_order_by,
)
from facesets.models import Face, FaceSet, FaceSetMember, Project

SCHEMA = {"age": "integer", "score": "double", "location": "long", "male": "boolean", "title": "string"}


def age(op: str, value: int) -> Condition:
    return Condition("age", "integer", op, value)


# --- parsing and validation (no database) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("age:[1 TO *]", age("gte", 1)),
        ("age:[* TO 1]", age("lte", 1)),
        ("age:[1 TO 10]", And((age("gte", 1), age("lte", 10)))),
        ("age:{1 TO 10}", And((age("gt", 1), age("lt", 10)))),
        ("age:[1 TO 10}", And((age("gte", 1), age("lt", 10)))),
        ("age:{1 TO *]", age("gt", 1)),
        ("age:[* TO *]", age("exists", None)),
        ("age:[-5 TO -1]", And((age("gte", -5), age("lte", -1)))),
        ("age:>=5", age("gte", 5)),
        ("age:<5", age("lt", 5)),
        ("age:1", age("eq", 1)),
        ("age:-1", age("eq", -1)),
        ("age:+1", age("eq", 1)),
        ("age:2147483647", age("eq", 2**31 - 1)),
        ("location:-9223372036854775808", Condition("location", "long", "eq", -(2**63))),
        ("score:1", Condition("score", "double", "eq", 1.0)),
        (
            "score:[-1.5e3 TO .5]",
            And((Condition("score", "double", "gte", -1500.0), Condition("score", "double", "lte", 0.5))),
        ),
        ("title:quick", Condition("title", "string", "eq", "quick")),
        ('title:"quick brown"', Condition("title", "string", "eq", "quick brown")),
        ('title:"a!b && c || d"', Condition("title", "string", "eq", "a!b && c || d")),
        ('title:"say \\"hi\\""', Condition("title", "string", "eq", 'say "hi"')),
        ("title:a\\&\\&b\\!", Condition("title", "string", "eq", "a&&b!")),
        ("title:123", Condition("title", "string", "eq", "123")),
        ('title:"null"', Condition("title", "string", "eq", "null")),
        ("male:true", Condition("male", "boolean", "eq", True)),
        ("male:FALSE", Condition("male", "boolean", "eq", False)),
        ("externalImageID:1", Condition("external_image_id", "string", "eq", "1", builtin=True)),
        ("external_image_id:img-1", Condition("external_image_id", "string", "eq", "img-1", builtin=True)),
        ("face_id:AbCdEfGh", Condition("face_id", "string", "eq", "AbCdEfGh", builtin=True)),
        ("age:1 && male:true", And((age("eq", 1), Condition("male", "boolean", "eq", True)))),
        ("age:1&&age:2", And((age("eq", 1), age("eq", 2)))),
        ("age:1 || age:2 || age:3", Or((age("eq", 1), age("eq", 2), age("eq", 3)))),
        ("age:1 AND age:2", And((age("eq", 1), age("eq", 2)))),
        ("age:1 OR age:2", Or((age("eq", 1), age("eq", 2)))),
        ("(!age:1)", Not(age("eq", 1))),
        ("NOT age:1", Not(age("eq", 1))),
        ("!!age:1", Not(Not(age("eq", 1)))),
        ("age:1 && (!age:2)", And((age("eq", 1), Not(age("eq", 2))))),
        ("(age:1 && age:2) || age:3", Or((And((age("eq", 1), age("eq", 2))), age("eq", 3)))),
        ("age:1 && (age:2 || age:3)", And((age("eq", 1), Or((age("eq", 2), age("eq", 3)))))),
        ("age:1 || age:2 && age:3", Or((age("eq", 1), And((age("eq", 2), age("eq", 3)))))),
        ("((((age:1))))", age("eq", 1)),
        ("age:(1 || 2)", Or((age("eq", 1), age("eq", 2)))),
        ("!(age:1 || (!age:2))", Not(Or((age("eq", 1), Not(age("eq", 2)))))),
    ],
)
def test_parse(text, expected):
    assert parse_filter(text, SCHEMA) == expected


def test_schema_in_huawei_definition_form():
    assert parse_filter("age:1", {"age": {"type": "integer"}}) == age("eq", 1)


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "syntax"),
        ("   ", "syntax"),
        ("age", "syntax"),
        ("quick", "syntax"),
        ("age:", "syntax"),
        ("age:[1 TO", "syntax"),
        ("age:[1 10]", "syntax"),
        ("(age:1", "syntax"),
        ("age:1)", "syntax"),
        ("age:1 &&", "syntax"),
        ("&& age:1", "syntax"),
        ("age:1 && || age:2", "syntax"),
        ("age:1 age:2", "syntax"),
        ("age:1 and age:2", "syntax"),
        ('title:"quick', "syntax"),
        ("title:'quick'", "syntax"),
        ("age:(male:true)", "syntax"),
        ("title:a\x00", "syntax"),
        ("color:brown", "unknown_field"),
        ("Age:1", "unknown_field"),
        ("rowkey:[1 TO *]", "unknown_field"),
        ("age:1 && (!color:brown)", "unknown_field"),
        ("age:abc", "type_mismatch"),
        ("age:1.5", "type_mismatch"),
        ("age:1.0f", "type_mismatch"),
        ("location:100L", "type_mismatch"),
        ("score:1.0d", "type_mismatch"),
        ("score:1.0f", "type_mismatch"),
        ("score:0x10", "type_mismatch"),
        ("score:NaN", "type_mismatch"),
        ("score:1e999", "type_mismatch"),
        ("age:2147483648", "type_mismatch"),
        ("age:-2147483649", "type_mismatch"),
        ("age:[1 TO 2147483648]", "type_mismatch"),
        ("location:9223372036854775808", "type_mismatch"),
        ("age:[a TO 5]", "type_mismatch"),
        ("age:\u0661\u0662", "type_mismatch"),
        ("male:yes", "type_mismatch"),
        ("male:1", "type_mismatch"),
        ('title:""', "unsupported"),
        ("title:null", "unsupported"),
        ("age:null", "unsupported"),
        ("title:[a TO b]", "unsupported"),
        ("face_id:[a TO b]", "unsupported"),
        ("male:[false TO true]", "unsupported"),
        ("age:*", "unsupported"),
        ("title:qu*ck", "unsupported"),
        ("title:qu?ck", "unsupported"),
        ("title:quick~", "unsupported"),
        ('title:"quick brown"~2', "unsupported"),
        ("title:quick^2", "unsupported"),
        ("title:/qu.ck/", "unsupported"),
        ("-age:1", "unsupported"),
        ("+age:1", "unsupported"),
        ("(" * 250 + "age:1" + ")" * 250, "unsupported"),
        ("!" * 33 + "age:1", "unsupported"),
        ("(age:1 && (age:2 || " * 17 + "age:3" + "))" * 17, "unsupported"),
        ("age:1 || " * 2000 + "age:1", "unsupported"),
    ],
)
def test_filter_errors(text, code):
    with pytest.raises(FilterError) as info:
        parse_filter(text, SCHEMA)
    assert info.value.reason == code


def test_error_messages_name_position_and_field():
    with pytest.raises(FilterError, match=r"'color' at position 9"):
        parse_filter("age:1 && color:brown", SCHEMA)
    with pytest.raises(FilterError, match=r"'1\.0f' is not a valid integer for field 'age' at position 18"):
        parse_filter("(!male:true)&&age:1.0f", SCHEMA)
    with pytest.raises(FilterError, match=r"syntax at position 9"):
        parse_filter("age:1 && )", SCHEMA)


def test_sql_has_placeholders_only():
    expr = parse_filter('title:"x\'; DROP TABLE y; --" && age:[1 TO 2] && (!male:true) && face_id:Abcdefgh', SCHEMA)
    sql, params = compile_filter_sql(expr, alias="mm", face_alias="ff")
    assert "DROP" not in sql and "title" not in sql and "age" not in sql
    assert sql.count("%s") == len(params) == 9
    assert params == ["title", "x'; DROP TABLE y; --", "age", 1, "age", 2, "male", "true", "Abcdefgh"]
    assert "mm.external_fields" in sql and "ff.face_id" in sql
    with pytest.raises(ValueError):
        compile_filter_sql(expr, alias="m; DROP TABLE x")


@pytest.mark.parametrize(
    "sort, expected",
    [
        (None, []),
        ([], []),
        ([{"location": "desc"}], [("location", "long", "desc")]),
        ([{"age": "desc"}, {"score": "ASC"}], [("age", "integer", "desc"), ("score", "double", "asc")]),
        (
            [{"age": "asc"}, {"score": "desc"}, {"age": "desc"}],
            [("age", "integer", "desc"), ("score", "double", "desc")],
        ),
        ('[{"location": "asc"}]', [("location", "long", "asc")]),
        ({"age": "asc"}, [("age", "integer", "asc")]),
    ],
)
def test_parse_sort(sort, expected):
    assert parse_sort(sort, SCHEMA) == expected


@pytest.mark.parametrize(
    "sort, code",
    [
        ([{"title": "asc"}], "not_numeric"),
        ([{"male": "asc"}], "not_numeric"),
        ([{"face_id": "asc"}], "not_numeric"),
        ([{"externalImageID": "desc"}], "not_numeric"),
        ([{"color": "asc"}], "unknown_field"),
        ([{"age": "up"}], "syntax"),
        ([{"age": 1}], "syntax"),
        ([{}], "syntax"),
        ([["age", "asc"]], "syntax"),
        ("age desc", "syntax"),
        (5, "syntax"),
    ],
)
def test_sort_errors(sort, code):
    with pytest.raises(SortError) as info:
        parse_sort(sort, SCHEMA)
    assert info.value.reason == code


# --- database ---------------------------------------------------------------------------------------------------

ROWS = [
    # face_id, external_image_id, external_fields
    ("Aaaaaaaa", "img1", {"age": 9, "score": 0.5, "location": 10_000_000_000, "male": True, "title": "quick"}),
    ("Bbbbbbbb", "img1", {"age": 10, "score": 1.5, "location": -5, "male": False, "title": "quick brown"}),
    ("Cccccccc", "1", {"age": 20, "score": 2.0, "location": 3_000_000_000, "male": True, "title": "brown"}),
    ("Dddddddd", "img3", {"age": 30, "score": -1.25, "location": 0, "male": False, "title": "lazy dog"}),
    ("Eeeeeeee", "", {"age": 100, "score": 10.0, "male": True, "title": "Quick"}),
    ("Ffffffff", "img4", {}),
]


def add_face(face_set: FaceSet, face_id: str, external_image_id: str, values: dict) -> FaceSetMember:
    face = Face.objects.create(
        project=face_set.project,
        face_id=face_id,
        external_image_id=external_image_id,
        box_x=0,
        box_y=0,
        box_width=10,
        box_height=10,
        detection_score=0.99,
    )
    return FaceSetMember.objects.create(
        face_set=face_set, face=face, external_fields=values, model="test", vector=[0.0] * 127 + [1.0]
    )


@pytest.fixture
def s(db) -> FaceSet:
    project = Project.objects.create(name="filters")
    face_set = FaceSet.objects.create(project=project, name="people", field_schema=SCHEMA)
    for row in ROWS:
        add_face(face_set, *row)
    other = FaceSet.objects.create(project=project, name="others", field_schema=SCHEMA)
    add_face(other, "Zzzzzzzz", "img1", {"age": 20, "score": 2.0, "location": 0, "male": True, "title": "quick"})
    return face_set


def members(face_set: FaceSet, text: str):
    """filter_q's queryset, after checking that compile_filter_sql selects the same rows."""
    expr = parse_filter(text, face_set.field_schema)
    queryset = FaceSetMember.objects.filter(face_set=face_set).filter(filter_q(expr))
    sql, params = compile_filter_sql(expr)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.id FROM {FaceSetMember._meta.db_table} m JOIN {Face._meta.db_table} f ON f.id = m.face_id "
            f"WHERE m.face_set_id = %s AND {sql}",
            [face_set.pk, *params],
        )
        raw_ids = sorted(row[0] for row in cursor.fetchall())
    assert raw_ids == sorted(queryset.values_list("id", flat=True)), text
    return queryset


@pytest.mark.django_db
def test_numeric_ranges(s):
    assert members(s, "age:[20 TO 30]").count() == 2
    assert members(s, "age:[9 TO 10]").count() == 2
    assert members(s, "age:[9 TO 100]").count() == 5
    assert members(s, "age:{9 TO 30]").count() == 3
    assert members(s, "age:[10 TO 30}").count() == 2
    assert members(s, "age:{9 TO 30}").count() == 2
    assert members(s, "age:{10 TO 20}").count() == 0
    assert members(s, "age:[20 TO *]").count() == 3
    assert members(s, "age:[* TO 10]").count() == 2
    assert members(s, "age:{* TO 10}").count() == 1
    assert members(s, "age:[* TO *]").count() == 5
    assert members(s, "age:>10").count() == 3
    assert members(s, "age:<=10").count() == 2
    assert members(s, "age:[30 TO 9]").count() == 0
    assert members(s, "location:[-5 TO 0]").count() == 2
    assert members(s, "location:[3000000000 TO *]").count() == 2
    assert members(s, "location:{3000000000 TO *]").count() == 1
    assert members(s, "score:[0.5 TO 2]").count() == 3
    assert members(s, "score:{0.5 TO 2.0}").count() == 1
    assert members(s, "score:[1e1 TO *]").count() == 1
    assert members(s, "score:[* TO 0}").count() == 1


@pytest.mark.django_db
def test_single_values(s):
    assert members(s, "age:10").count() == 1
    assert members(s, "age:11").count() == 0
    assert members(s, "location:-5").count() == 1
    assert members(s, "location:10000000000").count() == 1
    assert members(s, "score:-1.25").count() == 1
    assert members(s, "score:2").count() == 1
    assert members(s, "male:true").count() == 3
    assert members(s, "male:false").count() == 2
    assert members(s, "title:quick").count() == 1
    assert members(s, "title:Quick").count() == 1
    assert members(s, 'title:"quick brown"').count() == 1
    assert members(s, "title:quick\\ brown").count() == 1
    assert members(s, "title:9").count() == 0


@pytest.mark.django_db
def test_builtin_fields(s):
    assert members(s, "external_image_id:img1").count() == 2
    assert members(s, "externalImageID:1").count() == 1
    assert members(s, "face_id:Aaaaaaaa").count() == 1
    assert members(s, "face_id:Zzzzzzzz").count() == 0
    assert members(s, "face_id:Aaaaaaaa || face_id:Bbbbbbbb").count() == 2
    assert members(s, "(!face_id:Aaaaaaaa)").count() == 5
    assert members(s, "externalImageID:img1 && age:[10 TO *]").count() == 1


@pytest.mark.django_db
def test_boolean_logic(s):
    assert members(s, "age:[9 TO 20] && male:true").count() == 2
    assert members(s, "age:9 || age:100").count() == 2
    assert members(s, "age:9 OR age:100 AND male:false").count() == 1
    assert members(s, "(age:[9 TO 20] && male:true) || title:brown").count() == 2
    assert members(s, "age:[20 TO *] && (male:false || title:Quick)").count() == 2
    assert members(s, "age:[1 TO *] && externalImageID:1").count() == 1
    assert members(s, "(age:[1 TO *] && externalImageID:1) || age:100").count() == 2
    assert members(s, "age:[1 TO *] && (externalImageID:1 || age:100)").count() == 2
    assert members(s, '((age:9 || age:10) && (!male:false)) || (location:0 && title:"lazy dog")').count() == 2
    assert members(s, "age:(9 || 10 || 30)").count() == 3


@pytest.mark.django_db
def test_negation(s):
    assert members(s, "(!male:true)").count() == 3
    assert members(s, "!male:true").count() == 3
    assert members(s, "NOT male:true").count() == 3
    assert members(s, "(!title:quick)").count() == 5
    assert members(s, "(!location:0)").count() == 5
    assert members(s, "age:[1 TO *] && (!male:true)").count() == 2
    assert members(s, "(!(age:[1 TO 20] || male:true))").count() == 2
    assert members(s, "(!(!age:9))").count() == 1
    assert members(s, "(!age:[* TO *])").count() == 1
    assert members(s, "NOT age:9 AND male:true").count() == 2
    assert members(s, "!" * 31 + "age:9").count() == 5
    assert members(s, "(!(" * 32 + "age:9" + "))" * 32).count() == 1


@pytest.mark.django_db
def test_sort(s):
    def ordered(sort):
        parsed = parse_sort(sort, s.field_schema)
        queryset = FaceSetMember.objects.filter(face_set=s).order_by(*sort_order_by(parsed), "id")
        return [member.face.face_id[0] for member in queryset]

    assert ordered([{"age": "asc"}]) == list("ABCDEF")
    assert ordered([{"age": "desc"}]) == list("EDCBAF")
    assert ordered([{"location": "desc"}]) == list("ACDBEF")
    assert ordered([{"score": "asc"}]) == list("DABCEF")
    assert ordered([{"score": "asc"}, {"score": "desc"}]) == list("ECBADF")
    assert ordered([]) == list("ABCDEF")
