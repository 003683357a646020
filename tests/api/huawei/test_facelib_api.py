"""FaceLib's own read-only API (/api/facelib/v1/{project_id}/...), signed by huaweicloudsdkcore's own Signer as any
Huawei client signs: the audit log, the identity review, the threshold calibration and suggested persons, on faces
enrolled through the official SDK; errors in Huawei's envelope."""

from __future__ import annotations

import json
import uuid

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import b64, raw_error

API = "/api/facelib/v1/{project_id}"


def _get(frs_env, path: str, **query) -> dict:
    response = frs_env.signed("GET", API + path, query=[(key, str(value)) for key, value in query.items()])
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def library(client, frs_env):
    """A face set enrolled through the SDK; one labelled person entered twice as two persons, another once, and two
    photos of a third person given to nobody."""
    from facesets.models import Face, Project
    from facesets.services import library as services

    name = f"fl_{uuid.uuid4().hex[:8]}"
    client.create_face_set(frs.CreateFaceSetRequest(body=frs.CreateFaceSetReq(face_set_name=name)))

    def enrol(photo: str) -> str:
        added = client.add_faces_by_base64(
            frs.AddFacesByBase64Request(
                face_set_name=name, body=frs.AddFacesBase64Req(image_base64=b64(frs_env.photo(f"people/{photo}")))
            )
        )
        return added.faces[0].face_id

    project = Project.objects.get(project_id=frs_env.project_id)
    persons = {}
    for label, photos in {
        "Ann": ["person02/img3.jpg", "person02/img12.jpg"],
        "Ann again": ["person02/img53.jpg"],
        "Bob": ["person03/img48.jpg", "person03/img49.jpg"],
    }.items():
        faces = Face.objects.filter(face_id__in=[enrol(photo) for photo in photos])
        persons[label] = services.person_create(project=project, name=f"{label} {name}", faces=faces)
    unassigned = [enrol("person05/img59.jpg"), enrol("person05/img61.jpg")]
    yield {"name": name, "persons": persons, "unassigned": unassigned}
    client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))
    for person in persons.values():
        person.delete()


def test_the_audit_log_lists_the_sdk_s_changes(frs_env, library):
    found = _get(frs_env, "/audit-events", target=library["name"], limit=50)["events"]
    # the set's own events (the fixture also made persons named after it, outside any request: "system")
    events = [event for event in found if event["target"]["type"] == "face_set"]
    assert {event["interface"] for event in found if event not in events} == {"system"}
    actions = [event["action"] for event in events]
    assert actions.count("faces.enrol") == 7 and actions[-1] == "face_set.create"  # newest first
    assert {(event["interface"], event["actor"]) for event in events} == {("huawei", frs_env.ak)}
    assert _get(frs_env, "/audit-events", action="face_set.", target=library["name"])["events"][0]["action"] == (
        "face_set.create"
    )


def test_identity_review_proposes_the_twice_entered_person(frs_env, library):
    review = _get(frs_env, "/identity-review")
    ann, again = library["persons"]["Ann"], library["persons"]["Ann again"]
    pairs = {(pair["keep"]["person_id"], pair["merge"]["person_id"]): pair for pair in review["pairs"]}
    assert (ann.person_id, again.person_id) in pairs  # Ann has more faces: kept
    assert pairs[(ann.person_id, again.person_id)]["similarity"] >= 0.93
    pair = pairs[(ann.person_id, again.person_id)]
    assert (pair["keep"]["faces"], pair["merge"]["faces"]) == (2, 1)
    assert not any(library["persons"]["Bob"].person_id in key for key in pairs)


def test_threshold_calibration_of_a_face_set(frs_env, library):
    calibration = _get(frs_env, "/threshold-calibration", face_set_name=library["name"], threshold=0.93)
    # 5 labelled faces: Ann 2, Ann again 1, Bob 2 -> 2 genuine pairs, 8 impostor pairs, of which Ann x Ann again (2)
    # are one human entered twice: the false accepts an operator would see here
    assert (calibration["genuine_pairs"], calibration["impostor_pairs"]) == (2, 8)
    assert (calibration["false_accepts"], calibration["false_rejects"]) == (2, 0)
    assert calibration["far"] == pytest.approx(2 / 8)
    search = calibration["stranger_in_search"]
    assert search["100"] == pytest.approx(1 - (1 - 2 / 8) ** 100), search
    from facesets.models import FaceSet

    size = FaceSet.objects.get(name=library["name"]).face_count  # the set's own size is among the sizes
    assert search[str(size)] < search["100"], search
    assert calibration["thresholds_for_far"] == {"1e-2": None, "1e-3": None, "1e-4": None, "1e-5": None}


def test_suggested_persons_hold_the_unassigned_photos_of_one_person_together(frs_env, library):
    clusters = _get(frs_env, "/face-clusters")["clusters"]
    assert any(set(library["unassigned"]) <= set(cluster["face_ids"]) for cluster in clusters)
    assert all(len(cluster["face_ids"]) >= 2 and 0 < cluster["similarity"] <= 1 for cluster in clusters)


def test_a_review_that_outlives_the_wait_is_collected_by_its_task_id(frs_env, library, settings):
    settings.FACELIB_SYNC_TIMEOUT = 0  # as for a library whose grouping takes minutes
    running = frs_env.signed("GET", API + "/face-clusters", query=[("threshold", "0.93")])
    assert running.status_code == 202, running.text
    task_id = running.json()["task_id"]
    assert running.json()["status"] in ("pending", "processing")
    settings.FACELIB_SYNC_TIMEOUT = 30
    collected = _get(frs_env, "/face-clusters", threshold=0.93, task_id=task_id)
    assert any(set(library["unassigned"]) <= set(cluster["face_ids"]) for cluster in collected["clusters"])
    assert collected["exact"] is True
    # The task's id with other parameters, or at another endpoint, is not that review.
    query = [("threshold", "0.95"), ("task_id", task_id)]
    raw_error(frs_env.signed("GET", API + "/face-clusters", query=query), "FRS.0012")
    raw_error(frs_env.signed("GET", API + "/identity-review", query=[("task_id", task_id)]), "FRS.0012")
    raw_error(frs_env.signed("GET", API + "/face-clusters", query=[("task_id", "../x")]), "FRS.0012")


def test_errors_are_in_huawei_s_envelope(frs_env):
    raw_error(frs_env.signed("GET", API + "/identity-review", query=[("threshold", "2")]), "FRS.0012")
    raw_error(
        frs_env.signed("GET", API + "/threshold-calibration", query=[("face_set_name", "no-such-set")]),
        "FRS.0302",
    )
    raw_error(frs_env.signed("GET", API + "/audit-events", query=[("interface", "fax")]), "FRS.0012")
    wrong = frs_env.signed("GET", API + "/audit-events", sk="x" * 40)
    assert wrong.status_code == 401 and json.loads(wrong.text)["error_code"] == "APIG.0301"
    posted = frs_env.signed("POST", API + "/audit-events", body="{}")
    assert posted.status_code >= 400 and "error_code" in posted.json()


def test_the_endpoints_are_in_the_openapi_schema(frs_env):
    import requests

    schema = requests.get(f"{frs_env.url}/api/schema/", params={"format": "json"}, timeout=60).json()
    for name in ("audit-events", "identity-review", "threshold-calibration", "face-clusters"):
        operation = schema["paths"][f"/api/facelib/v1/{{project_id}}/{name}"]["get"]
        assert operation["tags"] == ["FaceLib"] and operation["description"]
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/HuaweiError")
    parameters = schema["paths"]["/api/facelib/v1/{project_id}/audit-events"]["get"]["parameters"]
    assert {"action", "interface", "actor", "target", "offset", "limit"} <= {p["name"] for p in parameters}
    for name in ("identity-review", "threshold-calibration", "face-clusters"):
        operation = schema["paths"][f"/api/facelib/v1/{{project_id}}/{name}"]["get"]
        assert {"threshold", "task_id"} <= {p["name"] for p in operation["parameters"]}
        reference = operation["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
        assert set(schema["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"]) == {
            "task_id",
            "status",
            "progress",
        }
