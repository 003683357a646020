"""A dashboard upload's parts are found by their own index among a project's tasks (every enrolment through the API
writes a task, so a busy day's tasks are many), and only that upload's, only in its project."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facesets import selectors
from facesets.exceptions import NotFound
from facesets.models import Task
from tests.support.dashboard import make_team

pytestmark = pytest.mark.django_db


def test_an_upload_is_found_through_its_index_and_holds_only_its_own_parts():
    team, other = make_team(), make_team("other")
    batch, elsewhere = uuid.uuid4().hex, uuid.uuid4().hex
    Task.objects.bulk_create(
        [Task(project=team.project, kind="face_set_enrol", params={"face_set": n}) for n in range(2000)]
        + [Task(project=team.project, kind="enrol", params={"batch": elsewhere}) for _ in range(3)]
        + [Task(project=other.project, kind="enrol", params={"batch": batch})]
    )
    parts = Task.objects.bulk_create(
        [Task(project=team.project, kind="enrol", params={"batch": batch, "part": n}) for n in range(2)]
    )

    with CaptureQueriesContext(connection) as queries:
        found = selectors.batch_tasks(project=team.project, batch=batch)

    assert [task.pk for task in found] == [task.pk for task in parts]
    with pytest.raises(NotFound):
        selectors.batch_tasks(project=team.project, batch=uuid.uuid4().hex)
    [query] = queries.captured_queries  # the selector's own query, with its values
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE facesets_task")
        cursor.execute("SET enable_seqscan = off")  # the question is whether the index matches, not its cost
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "task_upload_batch" in plan, plan
