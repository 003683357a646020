"""Faces (spec 4.6): add (base64, file, URL), show (page or face_id), update, delete (face_id, external_image_id,
custom field), batch delete by filter, through huaweicloudsdkfrs, with every documented error."""

from __future__ import annotations

import json
import re

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, b64, form_file, frs_error, raw_error

ONE_FACE = "people/person02/img12.jpg"
OTHER_FACE = "people/person09/img25.jpg"
TWO_FACES = "groups/face_recognition__two_people.jpg"
NO_FACE = "no_face/brick.jpg"
FACE_ID_RE = re.compile(r"[A-Za-z]{8}")


def add(client, face_set, photo, env, **body):
    return client.add_faces_by_base64(
        frs.AddFacesByBase64Request(
            face_set_name=face_set, body=frs.AddFacesBase64Req(image_base64=b64(env.photo(photo)), **body)
        )
    )


def face_count(face_set_name: str) -> int:
    from facesets.models import FaceSet, FaceSetMember

    face_set = FaceSet.objects.get(name=face_set_name)
    assert face_set.face_count == FaceSetMember.objects.filter(face_set=face_set).count()
    return face_set.face_count


def library_rows() -> tuple[int, int, int]:
    from facesets.models import Face, FaceSetMember, Image

    return Face.objects.count(), Image.objects.count(), FaceSetMember.objects.count()


def check_face(face: dict, *, external_image_id=None, external_fields=None) -> None:
    assert set(face) == {"bounding_box", "external_fields", "external_image_id", "face_id"}
    box = face["bounding_box"]
    assert set(box) == {"width", "top_left_y", "top_left_x", "height"}
    assert all(isinstance(value, int) for value in box.values())
    assert box["width"] > 20 and box["height"] > 20 and box["top_left_x"] >= 0 and box["top_left_y"] >= 0
    assert FACE_ID_RE.fullmatch(face["face_id"])
    if external_image_id is None:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,36}", face["external_image_id"])
    else:
        assert face["external_image_id"] == external_image_id
    assert face["external_fields"] == (external_fields or {})


# --- add -------------------------------------------------------------------------------------------------------


def test_add_by_base64(client, frs_env, face_set):
    fields = {"person": "p2", "age": 31, "score": 0.5, "vip": True, "timestamp": 1_700_000_000_123}
    response = add(client, face_set, ONE_FACE, frs_env, external_image_id="img-12", external_fields=fields)
    body = as_dict(response)
    assert body["face_set_name"] == face_set
    assert re.fullmatch(r"[A-Za-z0-9]{8}", body["face_set_id"])
    assert len(body["faces"]) == 1
    check_face(body["faces"][0], external_image_id="img-12", external_fields=fields)
    assert response.x_request_id
    assert face_count(face_set) == 1


def test_add_by_file_with_fields_as_json_text(client, frs_env, face_set):
    response = client.add_faces_by_file(
        frs.AddFacesByFileRequest(
            face_set_name=face_set,
            body=frs.AddFacesByFileRequestBody(
                image_file=form_file(frs_env.photo(ONE_FACE)),
                external_image_id="from-file",
                external_fields=json.dumps({"age": 7, "vip": False}),
                single=True,
            ),
        )
    )
    body = as_dict(response)
    assert len(body["faces"]) == 1
    check_face(body["faces"][0], external_image_id="from-file", external_fields={"age": 7, "vip": False})


def test_add_by_url(client, frs_env, face_set, image_server, private_urls_allowed):
    url = image_server.serve(
        "/faces/one.jpg", frs_env.photo(ONE_FACE).read_bytes(), headers={"Content-Type": "image/jpeg"}
    )
    response = client.add_faces_by_url(
        frs.AddFacesByUrlRequest(
            face_set_name=face_set, body=frs.AddFacesUrlReq(image_url=url, external_fields={"person": "url"})
        )
    )
    body = as_dict(response)
    assert len(body["faces"]) == 1
    check_face(body["faces"][0], external_fields={"person": "url"})


def test_add_all_faces_of_a_photo_or_only_the_largest(client, frs_env, face_set):
    every = as_dict(add(client, face_set, TWO_FACES, frs_env))["faces"]
    assert len(every) == 2
    # One generated external_image_id for the whole photo, distinct face ids, largest face first.
    assert every[0]["external_image_id"] == every[1]["external_image_id"]
    assert every[0]["face_id"] != every[1]["face_id"]
    areas = [face["bounding_box"]["width"] * face["bounding_box"]["height"] for face in every]
    assert areas == sorted(areas, reverse=True)
    single = as_dict(add(client, face_set, TWO_FACES, frs_env, single=True))["faces"]
    assert len(single) == 1
    assert single[0]["bounding_box"] == every[0]["bounding_box"]
    assert face_count(face_set) == 3


def test_add_errors_change_nothing(client, frs_env, face_set):
    from facesets.models import FaceSet

    add(client, face_set, ONE_FACE, frs_env)
    before = library_rows()
    cases = [
        ("FRS.0404", {"image_base64": b64(frs_env.photo(NO_FACE))}),
        ("FRS.0405", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_fields": {"height": 180}}),
        ("FRS.0406", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_fields": {"age": "old"}}),
        ("FRS.0406", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_fields": {"age": "12L"}}),
        ("FRS.0406", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_fields": {"score": "1.0f"}}),
        ("FRS.0406", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_fields": {"person": "x" * 257}}),
        ("FRS.0012", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_image_id": "no spaces"}),
        ("FRS.0012", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_image_id": "x" * 37}),
        ("FRS.0012", {"image_base64": b64(frs_env.photo(ONE_FACE)), "external_image_id": ""}),
        ("FRS.0015", {"image_base64": "not base64 at all!"}),
        ("FRS.0016", {"image_base64": b64(frs_env.photo("people/person03/img47.jpg"))}),
        ("FRS.0016", {"image_base64": b64(frs_env.photo("formats/formats/albert_einstein/einstein.webp"))}),
        ("FRS.0016", {"image_base64": b64(frs_env.photo("invalid/corrupted.png"))}),
        ("FRS.0016", {"image_base64": b64(frs_env.photo("invalid/truncated.jpg"))}),
        ("FRS.0011", {}),
    ]
    for code, body in cases:
        with frs_error(code):
            client.add_faces_by_base64(
                frs.AddFacesByBase64Request(face_set_name=face_set, body=frs.AddFacesBase64Req(**body))
            )
    assert library_rows() == before
    assert FaceSet.objects.get(name=face_set).face_count == 1


def test_add_to_unknown_face_set_is_frs_0302(client, frs_env):
    with frs_error("FRS.0302"):
        add(client, "no-such-set", ONE_FACE, frs_env)


def test_two_image_inputs_are_frs_0012(frs_env, face_set):
    body = json.dumps({"image_base64": b64(frs_env.photo(ONE_FACE)), "image_url": "http://example.com/a.jpg"})
    raw_error(frs_env.signed("POST", f"/v2/{{project_id}}/face-sets/{face_set}/faces", body=body), "FRS.0012")


def test_malformed_json_is_frs_0014(frs_env, face_set):
    response = frs_env.signed("POST", f"/v2/{{project_id}}/face-sets/{face_set}/faces", body='{"image_base64": ')
    raw_error(response, "FRS.0014")


def test_multipart_fields_that_are_not_json_are_frs_0014(client, frs_env, face_set):
    with frs_error("FRS.0014"):
        client.add_faces_by_file(
            frs.AddFacesByFileRequest(
                face_set_name=face_set,
                body=frs.AddFacesByFileRequestBody(
                    image_file=form_file(frs_env.photo(ONE_FACE)), external_fields="{age: 7"
                ),
            )
        )


def test_missing_content_type_is_frs_0010(frs_env, face_set):
    response = frs_env.signed(
        "POST", f"/v2/{{project_id}}/face-sets/{face_set}/faces", body='{"image_base64": "AAAA"}', content_type=None
    )
    raw_error(response, "FRS.0010")


def test_image_over_the_size_limit_is_frs_0017(client, frs_env, face_set, settings):
    settings.FACELIB_MAX_IMAGE_BYTES = 10_000
    with frs_error("FRS.0017"):
        add(client, face_set, ONE_FACE, frs_env)
    with frs_error("FRS.0017"):
        client.add_faces_by_file(
            frs.AddFacesByFileRequest(
                face_set_name=face_set,
                body=frs.AddFacesByFileRequestBody(image_file=form_file(frs_env.photo(ONE_FACE))),
            )
        )
    assert face_count(face_set) == 0


def test_image_over_the_side_limit_is_frs_0013(client, face_set, tmp_path):
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (10_001, 8)).save(buffer, format="PNG")
    with frs_error("FRS.0013"):
        client.add_faces_by_base64(
            frs.AddFacesByBase64Request(
                face_set_name=face_set,
                body=frs.AddFacesBase64Req(image_base64=base64.b64encode(buffer.getvalue()).decode()),
            )
        )


def test_a_face_below_the_minimum_size_is_frs_0013(client, frs_env, face_set):
    import base64
    import io

    from PIL import Image

    photo = Image.open(frs_env.photo(ONE_FACE))
    buffer = io.BytesIO()
    photo.resize((photo.width // 10, photo.height // 10)).save(buffer, format="JPEG")
    with frs_error("FRS.0013") as caught:
        client.add_faces_by_base64(
            frs.AddFacesByBase64Request(
                face_set_name=face_set,
                body=frs.AddFacesBase64Req(image_base64=base64.b64encode(buffer.getvalue()).decode()),
            )
        )
    assert "px" in caught.value.error_msg
    assert face_count(face_set) == 0


def test_full_face_set_is_frs_0306(client, frs_env, face_set):
    from facesets.models import FaceSet

    FaceSet.objects.filter(name=face_set).update(face_count=100_000)
    before = library_rows()
    with frs_error("FRS.0306", 403):
        add(client, face_set, ONE_FACE, frs_env)
    assert library_rows() == before


# --- show ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_faces(client, frs_env):
    """A face set with three faces (ages 1, 2, 3), for the read-only tests."""
    name = "show-three"
    client.create_face_set(
        frs.CreateFaceSetRequest(
            body=frs.CreateFaceSetReq(face_set_name=name, external_fields={"age": frs.TypeInfo(type="integer")})
        )
    )
    faces = []
    for age, photo in enumerate((ONE_FACE, OTHER_FACE, "people/person01/img5.jpg"), start=1):
        faces += as_dict(
            add(client, name, photo, frs_env, external_image_id=f"img{age}", external_fields={"age": age})
        )["faces"]
    yield name, faces
    client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))


def test_show_pages(client, three_faces):
    name, faces = three_faces

    def page(**query):
        response = as_dict(client.show_faces_by_limit(frs.ShowFacesByLimitRequest(face_set_name=name, **query)))
        assert set(response) == {"face_set_id", "face_set_name", "faces"}
        assert response["face_set_name"] == name
        return response["faces"]

    assert page() == faces  # default offset 0, limit 5
    assert page(offset=0, limit=2) == faces[:2]
    assert page(offset=1, limit=1) == faces[1:2]
    assert page(offset=2, limit=5) == faces[2:]
    assert page(offset=3, limit=5) == []
    for face in faces:
        check_face(face, external_image_id=face["external_image_id"], external_fields=face["external_fields"])


def test_show_by_face_id(client, three_faces):
    name, faces = three_faces
    response = as_dict(
        client.show_faces_by_face_id(frs.ShowFacesByFaceIdRequest(face_set_name=name, face_id=faces[1]["face_id"]))
    )
    assert response["faces"] == [faces[1]]
    assert response["face_set_name"] == name and response["face_set_id"]
    with frs_error("FRS.0403"):
        client.show_faces_by_face_id(frs.ShowFacesByFaceIdRequest(face_set_name=name, face_id="NoSuchId"))


@pytest.mark.parametrize(("offset", "limit"), [(9_999, 2), (0, 0), (-1, 5), (0, 10_001)])
def test_show_page_limits_are_frs_0012(client, three_faces, offset, limit):
    with frs_error("FRS.0012"):
        client.show_faces_by_limit(
            frs.ShowFacesByLimitRequest(face_set_name=three_faces[0], offset=offset, limit=limit)
        )


def test_show_by_face_id_and_page_at_once_is_frs_0012(frs_env, three_faces):
    name, faces = three_faces
    response = frs_env.signed(
        "GET", f"/v2/{{project_id}}/face-sets/{name}/faces", query=[("face_id", faces[0]["face_id"]), ("limit", "1")]
    )
    raw_error(response, "FRS.0012")


# --- update ----------------------------------------------------------------------------------------------------


def test_update(client, frs_env, face_set):
    face = as_dict(add(client, face_set, ONE_FACE, frs_env, external_image_id="before", external_fields={"age": 1}))[
        "faces"
    ][0]

    def update(**body):
        return as_dict(
            client.update_face(frs.UpdateFaceRequest(face_set_name=face_set, body=frs.UpdateFaceReq(**body)))
        )

    def shown():
        request = frs.ShowFacesByFaceIdRequest(face_set_name=face_set, face_id=face["face_id"])
        return as_dict(client.show_faces_by_face_id(request))["faces"][0]

    response = update(face_id=face["face_id"], external_image_id="after")
    assert response["face_number"] == 1 and response["face_set_name"] == face_set and response["face_set_id"]
    assert shown() == {**face, "external_image_id": "after"}
    update(face_id=face["face_id"], external_fields={"person": "someone", "vip": True})
    assert shown() == {**face, "external_image_id": "after", "external_fields": {"person": "someone", "vip": True}}
    update(face_id=face["face_id"], external_image_id="both", external_fields={"age": 5})
    assert shown() == {**face, "external_image_id": "both", "external_fields": {"age": 5}}

    for code, body in [
        ("FRS.0403", {"face_id": "NoSuchId", "external_image_id": "x"}),
        ("FRS.0011", {"face_id": face["face_id"]}),
        ("FRS.0405", {"face_id": face["face_id"], "external_fields": {"height": 2}}),
        ("FRS.0406", {"face_id": face["face_id"], "external_fields": {"age": "five"}}),
        ("FRS.0012", {"face_id": face["face_id"], "external_image_id": "bad id"}),
    ]:
        with frs_error(code):
            update(**body)
    assert shown() == {**face, "external_image_id": "both", "external_fields": {"age": 5}}


# --- delete ----------------------------------------------------------------------------------------------------


def test_delete_by_face_id(client, frs_env, face_set):
    first = as_dict(add(client, face_set, ONE_FACE, frs_env))["faces"][0]
    add(client, face_set, OTHER_FACE, frs_env)
    response = client.delete_face_by_face_id(
        frs.DeleteFaceByFaceIdRequest(face_set_name=face_set, face_id=first["face_id"])
    )
    assert as_dict(response)["face_number"] == 1
    assert as_dict(response)["face_set_name"] == face_set and as_dict(response)["face_set_id"]
    assert face_count(face_set) == 1
    with frs_error("FRS.0403"):
        client.delete_face_by_face_id(frs.DeleteFaceByFaceIdRequest(face_set_name=face_set, face_id=first["face_id"]))
    assert face_count(face_set) == 1


def test_delete_by_external_image_id(client, frs_env, face_set):
    add(client, face_set, TWO_FACES, frs_env, external_image_id="group")
    add(client, face_set, ONE_FACE, frs_env, external_image_id="alone")
    request = frs.DeleteFaceByExternalImageIdRequest(face_set_name=face_set, external_image_id="group")
    assert as_dict(client.delete_face_by_external_image_id(request))["face_number"] == 2
    assert face_count(face_set) == 1
    with frs_error("FRS.0402"):
        client.delete_face_by_external_image_id(request)
    assert face_count(face_set) == 1


def _delete_by(client, face_set, *query):
    return client.call_api(
        "/v2/{project_id}/face-sets/{face_set_name}/faces",
        "DELETE",
        path_params={"face_set_name": face_set},
        query_params=list(query),
        header_params={"Content-Type": "application/json"},
        response_type="DeleteFaceByFaceIdResponse",
        response_headers=["X-Request-Id"],
    )


def test_delete_by_custom_field(client, frs_env, face_set):
    add(client, face_set, ONE_FACE, frs_env, external_fields={"person": "home", "age": 3, "vip": True})
    add(client, face_set, OTHER_FACE, frs_env, external_fields={"person": "home", "age": 4, "vip": False})
    add(client, face_set, ONE_FACE, frs_env, external_fields={"person": "away", "age": 3, "score": 2.5})
    # Values are read as the field's type.
    assert as_dict(_delete_by(client, face_set, ("age", "4")))["face_number"] == 1
    assert as_dict(_delete_by(client, face_set, ("score", "2.5")))["face_number"] == 1
    assert face_count(face_set) == 1
    for code, query in [
        ("FRS.0401", [("person", "nobody")]),
        ("FRS.0401", [("vip", "false")]),
        ("FRS.0402", [("height", "3")]),
        ("FRS.0406", [("age", "three")]),
        ("FRS.0011", []),
        ("FRS.0012", [("age", "3"), ("vip", "true")]),
        ("FRS.0012", [("person", "")]),
    ]:
        with frs_error(code):
            _delete_by(client, face_set, *query)
    assert face_count(face_set) == 1
    assert as_dict(_delete_by(client, face_set, ("vip", "true")))["face_number"] == 1
    assert face_count(face_set) == 0


def test_batch_delete_by_filter(client, frs_env, face_set):
    for age, vip in ((20, True), (25, False), (30, True), (41, True)):
        add(client, face_set, ONE_FACE, frs_env, external_fields={"age": age, "vip": vip})

    def batch(text):
        request = frs.BatchDeleteFacesRequest(face_set_name=face_set, body=frs.DeleteFacesBatchReq(filter=text))
        return as_dict(client.batch_delete_faces(request))

    for code, text in [
        ("FRS.0029", "age:[20 TO"),
        ("FRS.0029", "height:3"),
        ("FRS.0029", "age:abc"),
        ("FRS.0407", "age:[50 TO *]"),
        ("FRS.0011", None),
    ]:
        with frs_error(code):
            batch(text)
    assert face_count(face_set) == 4
    response = batch("age:[20 TO 30] && (!vip:false)")
    assert response == {"face_number": 2, "face_set_id": response["face_set_id"], "face_set_name": face_set}
    assert face_count(face_set) == 2
    assert batch("age:{25 TO *]")["face_number"] == 1
    remaining = as_dict(client.show_faces_by_limit(frs.ShowFacesByLimitRequest(face_set_name=face_set)))["faces"]
    assert [face["external_fields"] for face in remaining] == [{"age": 25, "vip": False}]
