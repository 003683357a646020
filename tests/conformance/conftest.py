"""The world the conformance cases run in: two projects with real data (enrolled by a real worker), so that every
case can use another project's real ids, and callers of every dialect for each.

As in tests/api/, database access is unblocked once for the package (the worker must see committed rows); the
tests that use `world` carry no django_db mark, so pytest-django runs them after the database tests. The projects
are deleted with everything they own when the package is done."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

PREFIX = "conformance-"


@dataclass
class Side:
    """One project and the real ids it holds."""

    project: object
    huawei_token: str
    access_key: str
    secret: str
    face_set_name: str
    face_set_id: str
    member_face_id: str
    person_id: str
    group_id: str
    detected_face_id: str
    image_id: str
    task_id: str
    faceset_token: str = ""
    outer_id: str = ""
    member_face_token: str = ""
    detected_face_token: str = ""


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory, shared_data):
    from tests.support.worker import WorkerProcess

    with django_db_blocker.unblock():
        worker = WorkerProcess(tmp_path_factory.mktemp("conformance-worker"))
        worker.start()
        try:
            yield {name: _side(name, shared_data) for name in ("own", "foreign")}
        finally:
            worker.stop()
            from django.contrib.auth import get_user_model

            from facesets.models import Project

            Project.objects.filter(name__startswith=PREFIX).delete()
            get_user_model().objects.filter(username__startswith=PREFIX).delete()


def new_caller(name: str):
    """A project of the package with an admin's Huawei token and a credential: (project, token, credential,
    secret)."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from facesets.api.huawei.auth import token_issue
    from facesets.models import Project
    from facesets.services import projects

    unique = uuid.uuid4().hex[:8]
    project = projects.project_get_or_create(name=f"{PREFIX}{name}-{unique}")
    Project.objects.filter(pk=project.pk).update(rate_limit_requests=1_000_000)
    user = get_user_model().objects.create_user(username=f"{PREFIX}{unique}", password="a long password 1")
    projects.project_member_set(project=project, user=user, role="admin")
    token, *_ = token_issue(
        request=RequestFactory().post("/v3/auth/tokens"),
        username=user.username,
        password="a long password 1",
        project_name=None,
        project_id=project.project_id,
    )
    credential, secret = projects.credential_create(project=project)
    return project, token, credential, secret


def _side(name: str, data) -> Side:
    from facesets.services import library
    from facesets.services.runs import face_set_enrol_run
    from tests.api.sensetime.helpers import SenseTime

    project, token, credential, secret = new_caller(name)
    face_set = library.face_set_create(
        project=project, name=f"{name}-library", field_schema={"age": "integer"}, outer_id=f"{name}-outer"
    )
    photo = (data / "people/person02/img12.jpg").read_bytes()
    [member] = face_set_enrol_run(face_set=face_set, image=photo, external_image_id="enrolled", single=True)
    st = SenseTime(api_id=credential.access_key, api_secret=secret, data=data)
    detected = st.detect("groups/compreface__016_8.jpg").body
    faces = [face["face_id"] for face in detected["faces"]]
    person = st.call("/person/create", {"name": "someone", "face_id": faces[:1]}).body["person_id"]
    group = st.call("/group/create", {"name": "team", "person_id": [person]}).body["group_id"]
    task = st.call("/face/training", {"person_id": [person]})
    task_id = project.tasks.order_by("-created").values_list("task_id", flat=True).first()
    assert task.status == "OK" and task_id
    from facesets.models import Face

    tokens = dict(Face.objects.filter(project=project).values_list("face_id", "face_token"))
    return Side(
        faceset_token=face_set.faceset_token,
        outer_id=face_set.outer_id,
        member_face_token=tokens[member.face.face_id],
        detected_face_token=tokens[faces[1]],
        project=project,
        huawei_token=token,
        access_key=credential.access_key,
        secret=secret,
        face_set_name=face_set.name,
        face_set_id=face_set.face_set_id,
        member_face_id=member.face.face_id,
        person_id=person,
        group_id=group,
        detected_face_id=faces[1],
        image_id=detected["image_id"],
        task_id=task_id,
    )


def project_state(project) -> dict:
    """Everything a request could change in a project, counted."""
    from facesets.models import Face, FaceSet, FaceSetMember, Group, Image, Person

    scoped = {"project": project}
    return {
        "faces": Face.objects.filter(**scoped).count(),
        "kept faces": Face.objects.filter(**scoped, expires__isnull=True).count(),
        "images": Image.objects.filter(**scoped).count(),
        "face sets": sorted(FaceSet.objects.filter(**scoped).values_list("name", "face_count", "user_data")),
        "members": FaceSetMember.objects.filter(face_set__project=project).count(),
        "persons": sorted(Person.objects.filter(**scoped).values_list("person_id", "name", "user_data")),
        "person faces": Face.objects.filter(**scoped, person__isnull=False).count(),
        "groups": sorted(Group.objects.filter(**scoped).values_list("group_id", "name", "user_data")),
        "group members": Group.persons.through.objects.filter(group__project=project).count(),
        "fields": sorted(
            map(str, FaceSetMember.objects.filter(face_set__project=project).values_list("external_fields", flat=True))
        ),
    }
