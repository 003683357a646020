"""Reads of background tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..exceptions import (
    TaskNotFound,
)
from ..models import FaceSet, Project, Task


def task_get(*, project: Project, task_id: str) -> Task:
    task = Task.objects.filter(project=project, task_id=task_id).first()
    if task is None:
        raise TaskNotFound(f"task {task_id!r} does not exist", field="task_id")
    return task


def task_get_current(*, project: Project, task_id: str) -> Task:
    """A task of the project created less than 24 h ago (task ids are valid that long)."""
    from ..services.tasks import TASK_TTL

    task = Task.objects.filter(project=project, task_id=task_id, created__gt=timezone.now() - TASK_TTL).first()
    if task is None:
        raise TaskNotFound(f"task {task_id!r} does not exist or has expired", field="task_id")
    return task


def tasks_get(*, project: Project, task_ids: list[str]) -> list[Task]:
    tasks = {task.task_id: task for task in Task.objects.filter(project=project, task_id__in=task_ids)}
    return [tasks[task_id] for task_id in task_ids if task_id in tasks]


def task_list(*, project: Project, kinds: list[str] | None = None, status: str | None = None) -> QuerySet[Task]:
    """The project's tasks, newest first, optionally of some kinds and one status."""
    tasks = Task.objects.filter(project=project).select_related("created_by")
    if kinds:
        tasks = tasks.filter(kind__in=kinds)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("-created", "-id")


def task_items(*, task: Task):
    """A task's items in order, without their payloads."""
    return task.items.defer("payload").order_by("position")


def _import_runs(face_set: FaceSet, root: str) -> Q:
    """The tasks of `import_faces` runs of folder `root` into this face set."""
    return Q(
        project_id=face_set.project_id,
        kind="face_set.enrol",
        params__face_set=face_set.pk,
        params__source="import_faces",
        params__root=root,
    )


def import_item_states(*, face_set: FaceSet, root: str) -> dict[str, tuple[str, str]]:
    """What earlier runs of `import_faces` of folder `root` into this face set did with each file, by the file's path
    relative to the folder: (status, error_code). Tasks are purged 24 h after they finish; see face_set_external_ids
    for what survives that."""
    from ..models import TaskItem

    items = (
        TaskItem.objects.filter(task__in=Task.objects.filter(_import_runs(face_set, root)))
        .order_by("task__created", "position")
        .values_list("name", "status", "error_code")
    )
    return {name: (status, error_code) for name, status, error_code in items}


def import_tasks_unfinished(*, face_set: FaceSet, root: str) -> list[Task]:
    """Tasks of earlier `import_faces` runs of this folder into this face set that the workers have not finished."""
    return list(
        Task.objects.filter(
            _import_runs(face_set, root), status__in=[Task.Status.PENDING, Task.Status.PROCESSING]
        ).order_by("created")
    )


BATCH_ID_LENGTH = 32  # a dashboard upload's id: 32 hex characters, made by the page


def batch_id_valid(batch: str) -> bool:
    return len(batch) == BATCH_ID_LENGTH and all(c in "0123456789abcdef" for c in batch)


def batch_tasks(*, project: Project, batch: str):
    """The tasks of one dashboard upload (its parts, each a task of up to 20 photos), oldest first."""
    from ..exceptions import NotFound

    if not batch_id_valid(batch):
        raise NotFound(f"upload {batch!r} does not exist", field="batch")
    # has_key: the condition of the partial index that finds them (models.Task.Meta.indexes).
    tasks = list(
        Task.objects.filter(project=project, params__has_key="batch", params__batch=batch).order_by("created", "id")
    )
    if not tasks:
        raise NotFound(f"upload {batch!r} does not exist", field="batch")
    return tasks


def batch_items(*, tasks):
    """The items of a batch's tasks in upload order, without their payloads."""
    from ..models import TaskItem

    return (
        TaskItem.objects.filter(task__in=tasks)
        .defer("payload")
        .select_related("task")
        .order_by("task__created", "task__id", "position")
    )


def batch_outcomes(*, tasks) -> tuple[int, dict[str, int]]:
    """An upload's photos and its finished outcomes by key (models.outcome_key), counting a photo sent again (Retry
    failed) once, with its latest outcome; photos are told apart by (person, file name), since a folder upload
    repeats names across persons."""
    from ..models.tasks import outcome_key

    latest: dict[tuple, tuple[str, str]] = {}
    rows = batch_items(tasks=tasks).values_list("task__params__person", "name", "status", "error_code")
    for person, name, status, code in rows:
        latest[(person, name)] = (status, code)
    outcomes: dict[str, int] = {}
    for status, code in latest.values():
        if status in (Task.Status.DONE, Task.Status.FAILED):
            key = outcome_key(status, code)
            outcomes[key] = outcomes.get(key, 0) + 1
    return len(latest), outcomes
