"""Search (spec 4.4) through huaweicloudsdkfrs: recognition of real people, the four inputs, top_n, threshold,
filter (5.5), sort (5.4), return_fields, and every documented error."""

from __future__ import annotations

import json

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, b64, form_file, frs_error, raw_error

SAME_PERSON = 0.93


def by_face_id(client, people, person, **body):
    request = frs.SearchFaceByFaceIdRequest(
        face_set_name=people.name, body=frs.FaceSearchFaceIdReq(face_id=people.face_ids[person], **body)
    )
    return as_dict(client.search_face_by_face_id(request))["faces"]


def check_hit(hit: dict, people, person: str, fields: dict | None = None) -> None:
    assert set(hit) == {"bounding_box", "similarity", "external_fields", "external_image_id", "face_id"}
    assert set(hit["bounding_box"]) == {"width", "top_left_y", "top_left_x", "height"}
    assert all(isinstance(value, int) for value in hit["bounding_box"].values())
    assert 0.0 <= hit["similarity"] <= 1.0
    assert hit["external_image_id"] == person
    assert hit["face_id"] == people.face_ids[person]
    assert hit["external_fields"] == (people.fields[person] if fields is None else fields)


def test_a_second_photo_finds_the_person_first_and_nobody_else_reaches_093(client, frs_env, people):
    everyone = len(people.enrolled)
    for person, photo in people.queries.items():
        request = frs.SearchFaceByBase64Request(
            face_set_name=people.name,
            body=frs.FaceSearchBase64Req(image_base64=b64(frs_env.photo(photo)), top_n=everyone),
        )
        response = client.search_face_by_base64(request)
        assert response.x_request_id
        hits = as_dict(response)["faces"]
        assert len(hits) == everyone
        check_hit(hits[0], people, person)
        assert hits[0]["similarity"] > SAME_PERSON, (person, photo, hits[0]["similarity"])
        assert all(hit["similarity"] < SAME_PERSON for hit in hits[1:]), (person, photo, hits[1])
        similarities = [hit["similarity"] for hit in hits]
        assert similarities == sorted(similarities, reverse=True)


def test_search_by_file_and_url_with_threshold(client, frs_env, people, image_server, private_urls_allowed):
    person = "person05"
    photo = frs_env.photo(people.queries[person])
    by_file = client.search_face_by_file(
        frs.SearchFaceByFileRequest(
            face_set_name=people.name,
            body=frs.SearchFaceByFileRequestBody(image_file=form_file(photo), threshold=SAME_PERSON),
        )
    )
    hits = as_dict(by_file)["faces"]
    assert len(hits) == 1
    check_hit(hits[0], people, person)

    url = image_server.serve("/search/query.jpg", photo.read_bytes())
    by_url = client.search_face_by_url(
        frs.SearchFaceByUrlRequest(
            face_set_name=people.name, body=frs.FaceSearchUrlReq(image_url=url, threshold=SAME_PERSON, top_n=5)
        )
    )
    assert as_dict(by_url)["faces"] == hits


def test_multipart_search_takes_filter_sort_and_fields_as_text(client, frs_env, people):
    request = frs.SearchFaceByFileRequest(
        face_set_name=people.name,
        body=frs.SearchFaceByFileRequestBody(
            image_file=form_file(frs_env.photo(people.queries["person02"])),
            top_n=4,
            filter="vip:true",
            sort=json.dumps([{"age": "desc"}]),
            return_fields=json.dumps(["age", "vip"]),
        ),
    )
    hits = as_dict(client.search_face_by_file(request))["faces"]
    assert len(hits) == 4
    assert all(hit["external_fields"]["vip"] is True for hit in hits)
    assert all(set(hit["external_fields"]) == {"age", "vip"} for hit in hits)
    ages = [hit["external_fields"]["age"] for hit in hits]
    assert ages == sorted(ages, reverse=True)


def test_search_by_face_id_needs_no_photo(client, people):
    hits = by_face_id(client, people, "person07", top_n=3)
    assert len(hits) == 3
    check_hit(hits[0], people, "person07")
    assert hits[0]["similarity"] == pytest.approx(1.0, abs=1e-4)
    assert hits[1]["similarity"] < SAME_PERSON
    assert by_face_id(client, people, "person07", threshold=SAME_PERSON) == hits[:1]


def test_top_n_defaults_to_10(client, people):
    assert len(people.enrolled) > 10
    assert len(by_face_id(client, people, "person01")) == 10
    assert len(by_face_id(client, people, "person01", top_n=1000)) == len(people.enrolled)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age:[20 TO 24]", lambda f: 20 <= f["age"] <= 24),
        ("age:{20 TO 24}", lambda f: 20 < f["age"] < 24),
        ("age:[25 TO *]", lambda f: f["age"] >= 25),
        ("age:[* TO 22]", lambda f: f["age"] <= 22),
        ("age:23", lambda f: f["age"] == 23),
        ("score:[0.3 TO 0.6]", lambda f: 0.3 <= f["score"] <= 0.6),
        ("timestamp:[1700000000003 TO 1700000000005]", lambda f: 3 <= f["timestamp"] - 1_700_000_000_000 <= 5),
        ("vip:true", lambda f: f["vip"]),
        ("person:person03", lambda f: f["person"] == "person03"),
        ('person:"person04"', lambda f: f["person"] == "person04"),
        ("(!vip:true)", lambda f: not f["vip"]),
        ("age:[20 TO 30] && (!vip:true)", lambda f: 20 <= f["age"] <= 30 and not f["vip"]),
        ("person:person01 || person:person09", lambda f: f["person"] in ("person01", "person09")),
        (
            "(age:[20 TO 22] || age:[30 TO *]) && (vip:true || person:person11)",
            lambda f: (f["age"] <= 22 or f["age"] >= 30) and (f["vip"] or f["person"] == "person11"),
        ),
        ("external_image_id:person06", lambda f: f["person"] == "person06"),
        ("age:[100 TO *]", lambda f: False),
    ],
)
def test_filter(client, people, text, expected):
    hits = by_face_id(client, people, "person01", top_n=1000, filter=text)
    assert {hit["external_image_id"] for hit in hits} == {
        person for person, fields in people.fields.items() if expected(fields)
    }


def test_filter_by_face_id(client, people):
    target = people.face_ids["person08"]
    hits = by_face_id(client, people, "person01", top_n=1000, filter=f"face_id:{target}")
    assert [hit["face_id"] for hit in hits] == [target]


def test_sort_orders_the_most_similar_by_fields(client, people):
    hits = by_face_id(client, people, "person01", top_n=6, sort=[{"age": "asc"}])
    most_similar = by_face_id(client, people, "person01", top_n=6)
    assert {hit["face_id"] for hit in hits} == {hit["face_id"] for hit in most_similar}
    ages = [hit["external_fields"]["age"] for hit in hits]
    assert ages == sorted(ages)
    hits = by_face_id(client, people, "person01", top_n=1000, sort=[{"score": "desc"}, {"age": "asc"}])
    scores = [hit["external_fields"]["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_return_fields(client, people):
    hits = by_face_id(client, people, "person03", top_n=2, return_fields=["age", "person"])
    check_hit(hits[0], people, "person03", {"age": people.fields["person03"]["age"], "person": "person03"})
    assert all(set(hit["external_fields"]) == {"age", "person"} for hit in hits)
    hits = by_face_id(client, people, "person03", top_n=2, return_fields=[])
    assert all(hit["external_fields"] == {} for hit in hits)


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("FRS.0029", {"filter": "age:[20 TO"}),
        ("FRS.0029", {"filter": "height:180"}),
        ("FRS.0029", {"filter": "age:twenty"}),
        ("FRS.0029", {"filter": "person:[a TO b]"}),
        ("FRS.0029", {"filter": "age:1 age:2"}),
        ("FRS.0030", {"return_fields": ["age", "height"]}),
        ("FRS.0031", {"sort": [{"age": "asc"}], "return_fields": ["person"]}),
        ("FRS.0031", {"sort": [{"height": "asc"}]}),
        ("FRS.0032", {"sort": [{"person": "asc"}]}),
        ("FRS.0032", {"sort": [{"vip": "desc"}]}),
        ("FRS.0012", {"sort": [{"age": "up"}]}),
        ("FRS.0012", {"top_n": 0}),
        ("FRS.0012", {"top_n": 1001}),
        ("FRS.0012", {"threshold": 1.5}),
        ("FRS.0012", {"threshold": -0.1}),
    ],
)
def test_search_errors(client, people, code, body):
    with frs_error(code):
        by_face_id(client, people, "person01", **body)


def test_unknown_face_id_and_face_set(client, people):
    with frs_error("FRS.0403"):
        client.search_face_by_face_id(
            frs.SearchFaceByFaceIdRequest(face_set_name=people.name, body=frs.FaceSearchFaceIdReq(face_id="NoSuchId"))
        )
    with frs_error("FRS.0302"):
        client.search_face_by_face_id(
            frs.SearchFaceByFaceIdRequest(face_set_name="no-such-set", body=frs.FaceSearchFaceIdReq(face_id="x"))
        )


def test_photo_without_a_face_is_frs_0304(client, frs_env, people):
    with frs_error("FRS.0304"):
        client.search_face_by_base64(
            frs.SearchFaceByBase64Request(
                face_set_name=people.name,
                body=frs.FaceSearchBase64Req(image_base64=b64(frs_env.photo("no_face/coffee.jpg"))),
            )
        )


def test_inputs_are_exclusive(frs_env, people):
    path = f"/v2/{{project_id}}/face-sets/{people.name}/search"
    both = json.dumps({"face_id": people.face_ids["person01"], "image_url": "http://example.com/x.jpg"})
    raw_error(frs_env.signed("POST", path, body=both), "FRS.0012")
    raw_error(frs_env.signed("POST", path, body=json.dumps({"top_n": 3})), "FRS.0011")


def test_the_readme_example_runs(frs_env, people, repo_root, capsys):
    readme = (repo_root / "README.md").read_text()
    section = readme.split("## Huawei FRS v2", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    code = code.replace("http://127.0.0.1:8000", frs_env.url).replace('"staff"', repr(people.name))
    code = code.replace('"me.jpg"', repr(str(frs_env.photo(people.queries["person04"]))))
    exec(code, {"AK": frs_env.ak, "SK": frs_env.sk, "PROJECT_ID": frs_env.project_id})
    printed = capsys.readouterr().out
    assert people.face_ids["person04"] in printed


def _server_timing(header: str) -> dict[str, float]:
    stages = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        stages[name] = float(duration)
    return stages


def test_server_timing_breaks_a_search_down_when_switched_on(frs_env, people, settings):
    body = json.dumps({"image_base64": b64(frs_env.photo(people.queries["person05"])), "top_n": 3})
    path = f"/v2/{{project_id}}/face-sets/{people.name}/search"
    assert "Server-Timing" not in frs_env.signed("POST", path, body=body).headers  # off by default

    settings.FACELIB_SERVER_TIMING = True
    response = frs_env.signed("POST", path, body=body)
    assert response.status_code == 200, response.text
    assert response.json()["faces"][0]["external_image_id"] == "person05"
    stages = _server_timing(response.headers["Server-Timing"])
    web = ["auth", "ratelimit", "parse", "call-store", "call-wait", "hydrate", "other"]
    wait = ["wait-pickup", "worker-decode", "worker-detect-embed", "worker-search", "worker-other", "wait-return"]
    assert list(stages) == [*web[:4], *wait, *web[4:], "total"]  # in the order they ended
    assert all(value >= 0 for value in stages.values())
    # The web process's stages add up to the request; the wait's parts (measured in the worker and across
    # processes) to the wait, within the clocks' rounding.
    assert sum(stages[name] for name in web) == pytest.approx(stages["total"], abs=0.5)
    assert sum(stages[name] for name in wait) == pytest.approx(stages["call-wait"], abs=0.5)
    assert stages["worker-detect-embed"] > 1.0  # the engine ran in the worker for this request
