"""Domain services: face set rules and quotas, persons, groups, credentials."""

from __future__ import annotations

import json
import string
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from facesets import selectors
from facesets.exceptions import (
    AlreadyExists,
    FaceSetNameTaken,
    FaceSetNotFound,
    InvalidCapacity,
    InvalidName,
    PersonNotFound,
    QuotaExceeded,
)
from facesets.models import AuditEvent, Credential, Face, FaceSet, Person
from facesets.services import library, projects
from facesets.services.lifecycle import Release

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return projects.project_get_or_create(name="acme")


def test_face_set_create_defaults_and_ids(project):
    face_set = library.face_set_create(project=project, name="staff", field_schema={"age": {"type": "integer"}})
    assert face_set.capacity == 100_000
    assert face_set.field_schema == {"age": "integer"}
    assert len(face_set.face_set_id) == 8 and set(face_set.face_set_id) <= set(string.ascii_letters + string.digits)
    assert face_set.face_count == 0


@pytest.mark.parametrize("name", ["", "x" * 65, "has space", "dot.name", "名字", None])
def test_face_set_name_rules(project, name):
    with pytest.raises(InvalidName):
        library.face_set_create(project=project, name=name)
    assert FaceSet.objects.count() == 0


@pytest.mark.parametrize("capacity", [0, 5_000, 15_000, 110_000, -10_000, "20000", 1.5, True])
def test_face_set_capacity_rules(project, capacity):
    with pytest.raises(InvalidCapacity):
        library.face_set_create(project=project, name="s", capacity=capacity)
    assert FaceSet.objects.count() == 0


def test_face_set_names_are_unique_per_project_only(project):
    library.face_set_create(project=project, name="same", capacity=30_000)
    with pytest.raises(FaceSetNameTaken):
        library.face_set_create(project=project, name="same")
    other = projects.project_get_or_create(name="other")
    assert library.face_set_create(project=other, name="same").project == other


def test_face_set_quota_per_project(project):
    project.max_face_sets = 2
    project.save()
    library.face_set_create(project=project, name="a")
    library.face_set_create(project=project, name="b")
    with pytest.raises(QuotaExceeded) as error:
        library.face_set_create(project=project, name="c")
    assert error.value.details["quota"] == "face_sets"
    assert FaceSet.objects.filter(project=project).count() == 2


def test_another_projects_face_set_is_unknown(project):
    face_set = library.face_set_create(project=project, name="mine")
    other = projects.project_get_or_create(name="other")
    with pytest.raises(FaceSetNotFound):
        selectors.face_set_get(project=other, face_set_id=face_set.face_set_id)
    assert selectors.face_set_get(project=project, face_set_id=face_set.face_set_id) == face_set


def test_persons_and_groups(project):
    alice = library.person_create(project=project, name="Alice", uid="u-1")
    bob = library.person_create(project=project, name="Bob")
    with pytest.raises(AlreadyExists):
        library.person_create(project=project, name="Alice again", uid="u-1")
    group = library.group_create(project=project, name="team", outer_id="team", persons=[alice])
    assert library.group_add_persons(group=group, persons=[alice, bob]) == 1
    assert set(group.persons.all()) == {alice, bob}
    second = library.group_create(project=project, name="other")
    library.group_add_persons(group=second, persons=[alice])
    assert set(alice.groups.all()) == {group, second}
    assert library.group_remove_persons(group=group, persons=[bob]) == 1
    library.person_delete(person=bob, release=Release.DELETE)
    with pytest.raises(PersonNotFound):
        selectors.person_get(project=project, person_id=bob.person_id)


def test_persons_per_group_quota_is_all_or_nothing(project):
    project.max_persons_per_group = 2
    project.save()
    persons = [library.person_create(project=project, name=str(i)) for i in range(3)]
    group = library.group_create(project=project, name="g")
    with pytest.raises(QuotaExceeded):
        library.group_add_persons(group=group, persons=persons)
    assert group.persons.count() == 0


def test_credential_secret_is_encrypted_at_rest(project):
    credential, secret = projects.credential_create(project=project)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM facesets_credential WHERE id = %s", [credential.pk])
        stored = bytes(cursor.fetchone()[0])
    assert secret.encode() not in stored
    assert Credential.objects.get(pk=credential.pk).secret == secret
    assert secret not in repr(credential) and secret not in str(credential)
    assert selectors.credential_get_active(access_key=credential.access_key) == credential
    projects.credential_revoke(credential=credential)
    assert selectors.credential_get_active(access_key=credential.access_key) is None


def test_create_credential_command_prints_one_json_object():
    out = StringIO()
    call_command("create_credential", "demo-project", stdout=out)
    first = json.loads(out.getvalue())
    assert set(first) == {"project_id", "access_key", "secret_key"}
    out = StringIO()
    call_command("create_credential", "demo-project", stdout=out)
    second = json.loads(out.getvalue())
    assert second["project_id"] == first["project_id"]
    assert second["access_key"] != first["access_key"] and second["secret_key"] != first["secret_key"]
    credential = Credential.objects.get(access_key=first["access_key"])
    assert credential.secret == first["secret_key"]
    assert credential.project.project_id == first["project_id"]
    # the audit log names the command, and the key by its access key only
    events = AuditEvent.objects.filter(project=credential.project, action="credential.create")
    assert {(e.interface, e.actor, e.target_id) for e in events} == {
        ("command", "create_credential", first["access_key"]),
        ("command", "create_credential", second["access_key"]),
    }
    assert not [e for e in events if first["secret_key"] in str(e.details) + e.target_label]


def test_persons_ranked_groups_hits_by_person_best_first():
    """A pure unit on unsaved rows: persons in the order of their best face, ties broken by more faces, each with
    their own hits best first; faces without a person are left out."""
    from facesets.services.runs import SearchHit, persons_ranked

    ann, bob, cy = (Person(pk=pk, name=name) for pk, name in ((1, "Ann"), (2, "Bob"), (3, "Cy")))

    def hit(person, cosine):
        return SearchHit(face=Face(person=person), cosine=cosine)

    hits = [hit(bob, 0.5), hit(ann, 0.9), hit(None, 0.95), hit(ann, 0.7), hit(cy, 0.5), hit(bob, 0.2), hit(ann, 0.8)]
    ranked = persons_ranked(hits)
    assert [entry.person.name for entry in ranked] == ["Ann", "Bob", "Cy"]
    assert [hit.cosine for hit in ranked[0].hits] == [0.9, 0.8, 0.7]
    assert ranked[0].best.cosine == 0.9
    assert [len(entry.hits) for entry in ranked] == [3, 2, 1]
    assert persons_ranked([hit(None, 0.9)]) == []
