"""The hot-path reads on SQL written once (facesets.selectors.rows: the search hits, the face set, the credential) are
the ORM's own: the same field values as select_related gives, related objects cached, deferred columns still
loadable, and another project's rows never returned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facesets.exceptions import FaceSetNotFound
from facesets.models import Credential, Face, FaceSet, FaceSetMember
from facesets.selectors import credential_get_any, face_set_get
from facesets.selectors.face_sets import face_set_row
from facesets.selectors.hits import faces_with_persons, members_with_faces
from facesets.services import library
from facesets.services.projects import credential_create, credential_revoke, project_get_or_create
from tests.support.dashboard import face_in_set

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {key: value for key, value in instance.__dict__.items() if key != "_state"}


@pytest.fixture
def library_rows():
    project = project_get_or_create(name="hits")
    face_set = library.face_set_create(project=project, name="staff", field_schema={"age": "integer"})
    person = library.person_create(project=project, name="Ada Lovelace", user_data="first programmer")
    with_person = face_in_set(project, face_set, external_image_id="ada", fields={"age": 36}, person=person)
    without_person = face_in_set(project, face_set, external_image_id="someone")
    Face.objects.filter(pk=with_person.pk).update(quality={"blur": 0.1}, analysis={"age": 35})
    other = project_get_or_create(name="hits-other")
    stranger = face_in_set(other, library.face_set_create(project=other, name="staff"), external_image_id="stranger")
    return project, [with_person, without_person], stranger


def test_members_with_faces_equal_select_related(library_rows):
    project, faces, stranger = library_rows
    member_pks = list(FaceSetMember.objects.filter(face__in=faces).values_list("pk", flat=True))
    stranger_member = FaceSetMember.objects.get(face=stranger).pk
    with CaptureQueriesContext(connection) as queries:
        found = members_with_faces(project_pk=project.pk, member_pks=[*member_pks, stranger_member])
        for member in found.values():  # related objects come with the row: no further query
            _ = member.face.person
    assert len(queries) == 1
    expected = (
        FaceSetMember.objects.filter(pk__in=member_pks)
        .select_related("face", "face__person")
        .defer("vector", "face__crop_jpeg")
        .in_bulk()
    )
    assert sorted(found) == sorted(member_pks)  # another project's member is not returned
    people_seen = set()
    for pk, member in found.items():
        assert _values(member) == _values(expected[pk])
        assert _values(member.face) == _values(expected[pk].face)
        if expected[pk].face.person is None:
            assert member.face.person is None
        else:
            assert _values(member.face.person) == _values(expected[pk].face.person)
            people_seen.add(member.face.person.name)
        assert member.external_fields == expected[pk].external_fields
        assert member.face.crop_jpeg == b"\xff\xd8\xff fake jpeg"  # deferred, loaded on access
        assert list(member.vector[:2]) == [1.0, 0.0]
    assert people_seen == {"Ada Lovelace"}
    assert {member.face.external_image_id: member.face.analysis for member in found.values()}["ada"] == {"age": 35}


def test_faces_with_persons_equal_select_related(library_rows):
    project, faces, stranger = library_rows
    found = faces_with_persons(project_pk=project.pk, face_pks=[face.pk for face in faces] + [stranger.pk])
    expected = Face.objects.filter(pk__in=[face.pk for face in faces]).select_related("person").in_bulk()
    assert sorted(found) == sorted(expected)
    for pk, face in found.items():
        assert _values(face) == {key: value for key, value in _values(expected[pk]).items() if key != "crop_jpeg"}
        assert (face.person is None) == (expected[pk].person is None)
    assert {face.quality.get("blur") for face in found.values() if face.quality} == {0.1}
    assert members_with_faces(project_pk=project.pk, member_pks=[]) == {}
    assert faces_with_persons(project_pk=project.pk, face_pks=[]) == {}


def test_face_set_row_by_each_id_equals_the_orm():
    project = project_get_or_create(name="rows")
    other = project_get_or_create(name="rows-other")
    face_set = library.face_set_create(project=project, name="staff", field_schema={"age": "integer"})
    FaceSet.objects.filter(pk=face_set.pk).update(outer_id="outer-1", tags=["a"])
    stranger = library.face_set_create(project=other, name="others")
    expected = FaceSet.objects.get(pk=face_set.pk)
    for field in ("id", "name", "face_set_id", "faceset_token", "outer_id"):
        found = face_set_row(project_pk=project.pk, field=field, value=getattr(expected, field))
        assert _values(found) == _values(expected), field
        assert face_set_row(project_pk=other.pk, field=field, value=getattr(expected, field)) is None, field
    assert face_set_row(project_pk=project.pk, field="id", value=str(face_set.pk)).pk == face_set.pk  # as the ORM
    assert face_set_row(project_pk=project.pk, field="id", value=None) is None
    assert face_set_get(project=project, outer_id="outer-1").field_schema == {"age": "integer"}
    assert face_set_get(project=project, name="staff").project is project  # the caller's row
    with pytest.raises(FaceSetNotFound):
        face_set_get(project=project, face_set_id=stranger.face_set_id)


def test_credential_lookup_equals_the_orm():
    project = project_get_or_create(name="rows")
    credential, secret = credential_create(project=project, description="app")
    found = credential_get_any(access_key=credential.access_key)
    expected = Credential.objects.select_related("project").get(pk=credential.pk)
    assert _values(found) == _values(expected) and _values(found.project) == _values(expected.project)
    assert found.secret == secret
    credential_revoke(credential=found)
    assert credential_get_any(access_key=credential.access_key).revoked is not None  # revoked, still told apart
    assert credential_get_any(access_key="no-such-key") is None
    assert credential_get_any(access_key="bad\x00key") is None
