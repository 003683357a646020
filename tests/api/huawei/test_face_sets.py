"""Face sets (spec 4.5): create, list, show, delete, through huaweicloudsdkfrs, with every documented error."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, b64, frs_error


def _name() -> str:
    return f"fs_{uuid.uuid4().hex[:10]}"


def _create(client, name, capacity=None, fields=None):
    return client.create_face_set(
        frs.CreateFaceSetRequest(
            body=frs.CreateFaceSetReq(
                face_set_name=name,
                face_set_capacity=capacity,
                external_fields={key: frs.TypeInfo(type=kind) for key, kind in (fields or {}).items()} or None,
            )
        )
    )


def _check_info(info: dict, *, name: str, capacity: int, number: int, fields: dict) -> None:
    assert set(info) == {
        "face_number",
        "external_fields",
        "face_set_id",
        "face_set_name",
        "create_date",
        "face_set_capacity",
    }
    assert info["face_set_name"] == name
    assert info["face_set_capacity"] == capacity
    assert info["face_number"] == number
    assert info["external_fields"] == {key: {"type": kind} for key, kind in fields.items()}
    assert re.fullmatch(r"[A-Za-z0-9]{8}", info["face_set_id"])
    created = datetime.strptime(info["create_date"], "%Y-%m-%d %H:%M:%S")
    assert abs(created - datetime.utcnow()) < timedelta(minutes=5)


def test_create_returns_the_face_set_info(client):
    name = _name()
    fields = {"timestamp": "long", "id": "string", "number": "integer", "w": "double", "s": "float", "m": "boolean"}
    response = _create(client, name, capacity=30000, fields=fields)
    assert response.status_code == 200
    assert response.x_request_id
    _check_info(as_dict(response)["face_set_info"], name=name, capacity=30000, number=0, fields=fields)


def test_create_defaults_capacity_and_no_fields(client):
    name = _name()
    info = as_dict(_create(client, name))["face_set_info"]
    _check_info(info, name=name, capacity=100000, number=0, fields={})


def test_list_show_and_delete(client, frs_env):
    name = _name()
    created = as_dict(_create(client, name, fields={"age": "integer"}))["face_set_info"]
    client.add_faces_by_base64(
        frs.AddFacesByBase64Request(
            face_set_name=name,
            body=frs.AddFacesBase64Req(image_base64=b64(frs_env.photo("people/person01/img5.jpg"))),
        )
    )

    listed = as_dict(client.show_all_face_sets(frs.ShowAllFaceSetsRequest()))
    assert list(listed) == ["face_sets_info"]
    mine = [info for info in listed["face_sets_info"] if info["face_set_name"] == name]
    assert mine == [{**created, "face_number": 1}]

    shown = as_dict(client.show_face_set(frs.ShowFaceSetRequest(face_set_name=name)))
    assert shown == {"face_set_info": {**created, "face_number": 1}}

    deleted = client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))
    assert as_dict(deleted) == {"face_set_name": name}
    assert deleted.x_request_id
    with frs_error("FRS.0302"):
        client.show_face_set(frs.ShowFaceSetRequest(face_set_name=name))
    listed = as_dict(client.show_all_face_sets(frs.ShowAllFaceSetsRequest()))
    assert name not in {info["face_set_name"] for info in listed["face_sets_info"]}


def test_delete_removes_the_faces(client, frs_env):
    from facesets.models import Face

    name = _name()
    _create(client, name)
    added = client.add_faces_by_base64(
        frs.AddFacesByBase64Request(
            face_set_name=name,
            body=frs.AddFacesBase64Req(image_base64=b64(frs_env.photo("people/person02/img12.jpg"))),
        )
    )
    face_id = added.faces[0].face_id
    assert Face.objects.filter(face_id=face_id).exists()
    client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))
    assert not Face.objects.filter(face_id=face_id).exists()


def test_duplicate_name_is_frs_0301(client):
    name = _name()
    _create(client, name)
    with frs_error("FRS.0301"):
        _create(client, name)


def test_unknown_face_set_is_frs_0302(client):
    with frs_error("FRS.0302"):
        client.show_face_set(frs.ShowFaceSetRequest(face_set_name="no-such-set"))
    with frs_error("FRS.0302"):
        client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name="no-such-set"))


@pytest.mark.parametrize(
    ("name", "capacity", "fields"),
    [
        ("bad name", None, None),
        ("x" * 65, None, None),
        ("ok-name_1", 15000, None),
        ("ok-name_2", 110000, None),
        ("ok-name_3", 0, None),
        ("ok-name_4", None, {"face_id": "string"}),
        ("ok-name_5", None, {"bad key!": "string"}),
        ("ok-name_6", None, {"k" * 37: "string"}),
        ("ok-name_7", None, {"age": "date"}),
        ("ok-name_8", None, {f"f{i}": "integer" for i in range(11)}),
    ],
)
def test_invalid_parameters_are_frs_0012_and_create_nothing(client, name, capacity, fields):
    from facesets.models import FaceSet

    before = FaceSet.objects.count()
    with frs_error("FRS.0012"):
        _create(client, name, capacity=capacity, fields=fields)
    assert FaceSet.objects.count() == before


def test_missing_name_is_frs_0011(frs_env):
    from tests.api.huawei.helpers import raw_error

    raw_error(frs_env.signed("POST", "/v2/{project_id}/face-sets", body='{"face_set_capacity": 10000}'), "FRS.0011")


def test_capacity_as_text_is_accepted(frs_env):
    """Section 5.3's example sends the capacity as a string."""
    name = _name()
    response = frs_env.signed(
        "POST", "/v2/{project_id}/face-sets", body=f'{{"face_set_name": "{name}", "face_set_capacity": "20000"}}'
    )
    assert response.status_code == 200, response.text
    assert response.json()["face_set_info"]["face_set_capacity"] == 20000


def test_too_many_face_sets_is_frs_0305(frs_env):
    from facesets.models import FaceSet, Project
    from facesets.services import projects

    project = projects.project_get_or_create(name=f"huawei-quota-{uuid.uuid4().hex[:6]}")
    Project.objects.filter(pk=project.pk).update(max_face_sets=2)
    credential, secret = projects.credential_create(project=project)
    client = frs_env.client(ak=credential.access_key, sk=secret, project_id=project.project_id)
    _create(client, "one")
    _create(client, "two")
    with frs_error("FRS.0305"):
        _create(client, "three")
    assert FaceSet.objects.filter(project=project).count() == 2


def test_every_change_is_in_the_audit_log_as_the_credentials(client, frs_env):
    """Through the official SDK: creating a set, enrolling a photo (done by a worker), deleting the set — each
    recorded with the credential's access key (never its secret) and the Huawei interface."""
    from facesets.models import AuditEvent

    name = _name()
    _create(client, name)
    added = client.add_faces_by_base64(
        frs.AddFacesByBase64Request(
            face_set_name=name,
            body=frs.AddFacesBase64Req(image_base64=b64(frs_env.photo("people/person02/img12.jpg"))),
        )
    )
    client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))
    events = list(AuditEvent.objects.filter(target_label=name).order_by("at", "id"))
    assert [event.action for event in events] == ["face_set.create", "faces.enrol", "face_set.delete"]
    assert {(event.interface, event.actor, event.credential.access_key) for event in events} == {
        ("huawei", frs_env.ak, frs_env.ak)
    }
    assert events[1].details["faces"] == [added.faces[0].face_id]
    assert all(event.request_id for event in events)  # the API's X-Request-Id, to find the call in the logs
    assert not [event for event in AuditEvent.objects.all() if frs_env.sk in str(event.details) + event.actor]
