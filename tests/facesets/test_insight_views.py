"""The dashboard's reviews of the stored vectors (identity review, threshold calibration, suggested persons) when
they take longer than the page waits: the page moves to the review's own address, shows what the worker is doing and
how far it got, and the result once it is there, without starting the work again. No worker runs here: the queued
item stays pending until the test processes it in-process (these reviews are numpy on stored vectors, no model)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from facesets.models import Face, Task
from facesets.services import library
from facesets.services.tasks import StageReporter, task_item_process
from recognition.engine import configured_model_name
from recognition.models import Embedding
from tests.support.dashboard import make_team

pytestmark = pytest.mark.django_db


def _faces(project, person, vectors) -> list[Face]:
    faces = []
    for vector in vectors:
        face = Face.objects.create(
            project=project, person=person, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0
        )
        Embedding.objects.create(face=face, model=configured_model_name(), vector=vector.tolist())
        faces.append(face)
    return faces


@pytest.fixture
def team():
    team = make_team()
    rng = np.random.default_rng(1)
    centre = rng.normal(size=128)
    ann = library.person_create(project=team.project, name="Ann")
    ann_again = library.person_create(project=team.project, name="Ann again")
    for person, count in ((ann, 3), (ann_again, 2)):  # one human entered twice
        vectors = centre + rng.normal(scale=0.05, size=(count, 128))
        _faces(team.project, person, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    team.persons = (ann, ann_again)
    return team


def _task_of(response) -> Task:
    assert response.status_code == 302
    task_id = parse_qs(urlparse(response["Location"]).query)["task"][0]
    return Task.objects.get(task_id=task_id)


def test_a_review_that_outlives_the_wait_shows_its_progress_then_its_result(client, team, settings):
    settings.FACELIB_INSIGHT_WAIT = 0
    client.force_login(team.viewer)
    task = _task_of(client.get("/identities/?similarity=0.93"))
    assert (task.project, task.kind, task.status) == (team.project, "identities.review", Task.Status.PENDING)
    address = f"/identities/?similarity=0.93&task={task.task_id}"

    page = client.get(address).content.decode()
    assert f'data-live-task="{task.task_id}"' in page and "Waiting for a worker" in page and "data-pair=" not in page
    # Asking again while it runs joins it: no second review.
    assert _task_of(client.get("/identities/?similarity=0.93")) == task
    assert Task.objects.filter(project=team.project, kind="identities.review").count() == 1

    StageReporter(task)("Comparing persons", 0.42)
    page = client.get(address).content.decode()
    assert "Comparing persons" in page and "42 %" in page
    progress = client.get(f"/tasks/progress.json?ids={task.task_id}").json()
    assert progress["tasks"][0]["stage"] == {"stage": "Comparing persons", "fraction": 0.42}
    assert not progress["finished"]

    task_item_process(item_pk=task.items.get().pk)
    page = client.get(address).content.decode()
    ann, ann_again = team.persons
    assert f'data-pair="{ann.person_id} {ann_again.person_id}"' in page and "data-live-task" not in page


def test_each_review_page_follows_its_own_task(client, team, settings):
    settings.FACELIB_INSIGHT_WAIT = 0
    client.force_login(team.viewer)
    calibration = _task_of(client.get("/calibration/?similarity=0.93"))
    clusters = _task_of(client.get("/faces/clusters/"))
    assert (calibration.kind, clusters.kind) == ("thresholds.calibrate", "faces.cluster")
    for task in (calibration, clusters):
        task_item_process(item_pk=task.items.get().pk)
    page = client.get(f"/calibration/?similarity=0.93&task={calibration.task_id}").content.decode()
    assert 'data-genuine-pairs="4"' in page and 'data-impostor-pairs="6"' in page  # 3 + 1 genuine, 3 x 2 impostor
    assert "data-cluster-counts" in client.get(f"/faces/clusters/?task={clusters.task_id}").content.decode()
    # Another review's id, or the same id asked with other parameters, starts the review asked for instead.
    assert _task_of(client.get(f"/calibration/?similarity=0.95&task={calibration.task_id}")) != calibration
    assert _task_of(client.get(f"/identities/?task={calibration.task_id}")).kind == "identities.review"


def test_another_project_cannot_read_a_review(client, team, settings):
    settings.FACELIB_INSIGHT_WAIT = 0
    client.force_login(team.viewer)
    task = _task_of(client.get("/identities/"))
    task_item_process(item_pk=task.items.get().pk)
    other = make_team("other")
    client.force_login(other.viewer)
    page = client.get(f"/identities/?task={task.task_id}")
    assert _task_of(page).project == other.project  # its own review, started afresh
    assert team.persons[0].person_id not in client.get(page["Location"]).content.decode()


def _twice_entered(project, count: int, rng) -> None:
    """`count` humans each entered as two persons (3 faces and 2)."""
    for number in range(count):
        centre = rng.normal(size=128)
        for name, faces in ((f"H{number}", 3), (f"H{number} again", 2)):
            person = library.person_create(project=project, name=name)
            vectors = centre + rng.normal(scale=0.05, size=(faces, 128))
            _faces(project, person, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))


def test_the_identity_review_reads_its_pairs_in_as_many_queries_however_many_there_are(client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.FACELIB_INSIGHT_WAIT = 0
    queries = {}
    for count in (1, 6):
        team = make_team(f"pairs{count}")
        _twice_entered(team.project, count, np.random.default_rng(count))
        client.force_login(team.viewer)
        task = _task_of(client.get("/identities/"))
        task_item_process(item_pk=task.items.get().pk)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/identities/?task={task.task_id}").content.decode()
        assert page.count("data-pair=") == count and page.count("3 faces") == count
        queries[count] = len(captured)
    assert queries[6] == queries[1], queries


def test_a_measurement_of_a_growing_face_set_is_followed_not_restarted(client, team, settings):
    """The calibration of a face set depends on the set's size; a set being enrolled into grows between two looks at
    the same measurement, which stays the one followed (and joined), not a new one each time."""
    from facesets.models import FaceSet, FaceSetMember

    settings.FACELIB_INSIGHT_WAIT = 0
    staff = library.face_set_create(project=team.project, name="staff")
    for face in Face.objects.filter(project=team.project):
        FaceSetMember.objects.create(face_set=staff, face=face, model="test", vector=[1.0] + [0.0] * 127)
    FaceSet.objects.filter(pk=staff.pk).update(face_count=5)
    client.force_login(team.viewer)
    address = f"/calibration/?scope={staff.face_set_id}&similarity=0.93"
    task = _task_of(client.get(address))
    assert task.params["set_size"] == 5
    FaceSet.objects.filter(pk=staff.pk).update(face_count=9)  # enrolment goes on meanwhile
    page = client.get(f"{address}&task={task.task_id}")
    assert page.status_code == 200 and f'data-live-task="{task.task_id}"' in page.content.decode()
    assert _task_of(client.get(address)) == task  # asked again: joined
    task_item_process(item_pk=task.items.get().pk)
    page = client.get(f"{address}&task={task.task_id}").content.decode()
    assert 'data-genuine-pairs="4"' in page
    # Another threshold is another measurement.
    assert _task_of(client.get(address.replace("0.93", "0.95"))) != task
