"""Face comparison (spec 4.2) through huaweicloudsdkfrs: the largest face of each photo, calibrated similarity."""

from __future__ import annotations

from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, b64, form_file, frs_error

SAME_PERSON = 0.93
ANGELINA = ("people/person01/img5.jpg", "people/person01/img11.jpg")
OTHER = "people/person02/img12.jpg"


def compare(client, env, first, second):
    request = frs.CompareFaceByBase64Request(
        body=frs.FaceCompareBase64Req(image1_base64=b64(env.photo(first)), image2_base64=b64(env.photo(second)))
    )
    return client.compare_face_by_base64(request)


def check(body: dict) -> None:
    assert set(body) == {"image1_face", "image2_face", "similarity"}
    for key in ("image1_face", "image2_face"):
        box = body[key]["bounding_box"]
        assert set(box) == {"width", "top_left_y", "top_left_x", "height"}
        assert all(isinstance(value, int) for value in box.values()) and box["width"] > 20
    assert 0.0 <= body["similarity"] <= 1.0


def test_same_person_scores_above_093(client, frs_env):
    response = compare(client, frs_env, *ANGELINA)
    assert response.x_request_id
    body = as_dict(response)
    check(body)
    assert body["similarity"] > SAME_PERSON
    assert body["image1_face"]["bounding_box"] == {"width": 185, "top_left_y": 100, "top_left_x": 85, "height": 258}


def test_different_people_score_below_093(client, frs_env):
    body = as_dict(compare(client, frs_env, ANGELINA[0], OTHER))
    check(body)
    assert body["similarity"] < SAME_PERSON


def test_largest_face_of_a_group_photo(client, frs_env):
    body = as_dict(compare(client, frs_env, "groups/face_recognition__two_people.jpg", OTHER))
    assert body["image1_face"]["bounding_box"] == {"width": 151, "top_left_y": 48, "top_left_x": 786, "height": 207}


def test_compare_by_file_and_by_url(client, frs_env, image_server, private_urls_allowed):
    by_file = as_dict(
        client.compare_face_by_file(
            frs.CompareFaceByFileRequest(
                body=frs.CompareFaceByFileRequestBody(
                    image1_file=form_file(frs_env.photo(ANGELINA[0])), image2_file=form_file(frs_env.photo(ANGELINA[1]))
                )
            )
        )
    )
    check(by_file)
    assert by_file["similarity"] > SAME_PERSON
    first = image_server.serve("/compare/1.jpg", frs_env.photo(ANGELINA[0]).read_bytes())
    second = image_server.serve("/compare/2.jpg", frs_env.photo(ANGELINA[1]).read_bytes())
    by_url = as_dict(
        client.compare_face_by_url(
            frs.CompareFaceByUrlRequest(body=frs.FaceCompareUrlReq(image1_url=first, image2_url=second))
        )
    )
    assert by_url == by_file


def test_a_photo_without_a_face_is_frs_0501(client, frs_env):
    with frs_error("FRS.0501") as caught:
        compare(client, frs_env, ANGELINA[0], "no_face/grass.jpg")
    assert "image2" in caught.value.error_msg


def test_both_images_count_towards_the_size_limit(client, frs_env, settings):
    sizes = [frs_env.photo(name).stat().st_size for name in ANGELINA]
    settings.FACELIB_MAX_IMAGE_BYTES = max(sizes) + 1
    with frs_error("FRS.0017"):
        compare(client, frs_env, *ANGELINA)


def test_missing_second_image_is_frs_0011(client, frs_env):
    with frs_error("FRS.0011"):
        client.compare_face_by_base64(
            frs.CompareFaceByBase64Request(body=frs.FaceCompareBase64Req(image1_base64=b64(frs_env.photo(ANGELINA[0]))))
        )
