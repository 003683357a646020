"""Enrolment of many photos (into a face set, optionally to one person; or into a person) and the task pages that
follow it: the list of background jobs, one job with its per-file outcomes, and the small JSON the progress bars
poll."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from .. import selectors
from ..exceptions import DomainError, InvalidFieldValue, NotFound
from ..forms import EnrolForm
from ..models import Task, TaskItem
from ..services.enrolment import ENROL_KINDS, Photo, face_set_enrol_submit, person_enrol_submit
from ..services.library import person_get_or_create_by_name
from ..services.tasks import task_stage
from .base import Pager, add_domain_error, dashboard_view, page, person_picked, wants_json
from .face_sets import _face_set

OUTCOME_LABELS = {
    "no_face": "No face found",
    "face_too_small": "Face too small",
    "image_invalid": "Not a usable image",
    "face_set_full": "Face set full",
    "duplicate_photo": "Already in the set",
    "quota_exceeded": "Quota exceeded",
    "invalid_field_value": "Bad field value",
    "invalid_external_image_id": "Bad external image id",
    "internal_error": "Internal error",
}


def item_outcome(item: TaskItem) -> dict:
    """What happened to one photo, for people: a short label, a tone for its badge, the faces it added."""
    if item.status == Task.Status.DONE:
        faces = (item.result or {}).get("faces") or []
        label = f"{len(faces)} face added" if len(faces) == 1 else f"{len(faces)} faces added"
        return {"label": label, "tone": "ok", "faces": faces, "detail": ""}
    if item.status == Task.Status.FAILED:
        label = OUTCOME_LABELS.get(item.error_code, item.error_code or "Failed")
        tone = "warn" if item.error_code == "duplicate_photo" else "bad"  # reported, not an error of the photo
        return {"label": label, "tone": tone, "faces": [], "detail": item.error_message, "code": item.error_code}
    if item.status == Task.Status.PROCESSING:
        return {"label": "Processing", "tone": "busy", "faces": [], "detail": ""}
    return {"label": "Waiting", "tone": "wait", "faces": [], "detail": ""}


def _photos(request: HttpRequest) -> list[Photo]:
    return [Photo(name=upload.name, data=upload.read()) for upload in request.FILES.getlist("photos")]


def _upload_params(request: HttpRequest, box: list[int] | None = None) -> dict:
    """A dashboard upload reports a photo already in the set instead of enrolling it twice, names the batch its
    parts belong to (made by the page: 32 hex characters; anything else is ignored) and, from the detect page, the
    box of the one face to enrol."""
    batch = request.POST.get("batch", "")
    valid = selectors.batch_id_valid(batch)
    return {"skip_duplicates": True, **({"batch": batch} if valid else {}), **({"box": box} if box else {})}


def _submitted(request: HttpRequest, task: Task, person=None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(
            {
                "task_id": task.task_id,
                "total": task.total,
                "url": reverse("dashboard:task", kwargs={"task_id": task.task_id}),
                # the person the faces go to (a new one on the first request: the page sends its id from then on)
                "person_id": person.person_id if person is not None else None,
            },
            status=202,
        )
    messages.info(request, f"{task.total} photos queued.")
    return redirect("dashboard:task", task_id=task.task_id)


def _form_errors_json(form) -> JsonResponse:
    """Every error of the form, in the order of its inputs (as the page shows them), then those of no input."""
    order = [*form.fields, "__all__"]
    keys = sorted(form.errors, key=lambda key: order.index(key) if key in order else len(order))
    return JsonResponse(
        {"error": "invalid", "errors": {key: [str(e) for e in form.errors[key]] for key in keys}}, status=400
    )


@require_safe
@dashboard_view
def enrol_start(request: HttpRequest) -> HttpResponse:
    """Enrol: choose the face set (the enrol form itself depends on the set's fields)."""
    face_sets = list(selectors.face_set_list(project=request.project).order_by("name"))
    if len(face_sets) == 1:
        return redirect("dashboard:face_set_enrol", face_set_id=face_sets[0].face_set_id)
    return page(request, "dashboard/enrol_start.html", {"face_sets": face_sets, "nav": "enrol"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def face_set_enrol(request: HttpRequest, face_set_id: str) -> HttpResponse:
    face_set = _face_set(request, face_set_id)
    form = EnrolForm(request.POST or None, face_set=face_set, initial={"person": request.GET.get("person", "")})
    if request.method == "POST":
        valid = form.is_valid()
        typed = request.POST.get("person", "").strip()
        if not valid and typed and not request.POST.get("new_person", "").strip():
            try:  # every problem at once: an unknown or ambiguous person too (nothing is created here)
                selectors.person_find(project=request.project, text=typed)
            except DomainError as error:
                add_domain_error(form, error, field="person")
        if valid:
            person = None
            try:
                with transaction.atomic():  # a person created here exists only with the upload
                    folder = request.POST.get("folder_person", "").strip()
                    if folder:  # a browser folder upload: one sub-folder per person, as import_faces does
                        person, _ = person_get_or_create_by_name(project=request.project, name=folder)
                    else:
                        person = person_picked(request, form.cleaned_data["person"])
                    task = face_set_enrol_submit(
                        face_set=face_set,
                        photos=_photos(request),
                        person=person,
                        external_fields=form.field_values(),
                        single=form.cleaned_data["single"],
                        user=request.user,
                        extra_params={
                            **_upload_params(request),
                            **({"box": box} if (box := form.cleaned_data["box"]) else {}),
                        },
                    )
            except InvalidFieldValue as error:
                add_domain_error(form, error, field=form.error_field_for(error.details.get("key")))
            except NotFound as error:
                add_domain_error(form, error, field="person")
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _submitted(request, task, person)
        if wants_json(request):
            return _form_errors_json(form)
    max_mb = settings.FACELIB_MAX_IMAGE_BYTES // (1024 * 1024)
    context = {
        "face_set": face_set,
        "form": form,
        "max_mb": max_mb,
        "max_bytes": settings.FACELIB_MAX_IMAGE_BYTES,
        "nav": "enrol",
    }
    return page(request, "dashboard/enrol.html", context)


@require_http_methods(["POST"])
@dashboard_view
def person_enrol(request: HttpRequest, person_id: str) -> HttpResponse:
    person = selectors.person_get(project=request.project, person_id=person_id)  # NotFound: 404 (dashboard_view)
    try:
        task = person_enrol_submit(person=person, photos=_photos(request), user=request.user)
    except DomainError as error:
        if wants_json(request):
            return JsonResponse({"error": "invalid", "errors": {"photos": [error.message]}}, status=400)
        messages.error(request, error.message)
        return redirect("dashboard:person", person_id=person_id)
    return _submitted(request, task)


# --- tasks -----------------------------------------------------------------------------------------------------


@require_safe
@dashboard_view
def task_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "enrol")
    status = request.GET.get("status") or None
    if status not in Task.Status.values:
        status = None
    kinds = list(ENROL_KINDS) if show == "enrol" else None
    tasks = selectors.task_list(project=request.project, kinds=kinds, status=status)
    pager = Pager(request, tasks, size=50)
    return page(
        request,
        "dashboard/tasks.html",
        {"pager": pager, "show": show, "status": status or "", "statuses": Task.Status.choices, "nav": "tasks"},
    )


def _task(request: HttpRequest, task_id: str) -> Task:
    return selectors.task_get(project=request.project, task_id=task_id)  # NotFound: 404 (dashboard_view)


@require_safe
@dashboard_view
def task_detail(request: HttpRequest, task_id: str) -> HttpResponse:
    task = _task(request, task_id)
    pager = Pager(request, selectors.task_items(task=task), total=task.total, size=100)
    rows = [{"item": item, "outcome": item_outcome(item)} for item in pager.rows]
    face_set_id = (task.params or {}).get("face_set_id")
    return page(
        request,
        "dashboard/task_detail.html",
        {"task": task, "pager": pager, "rows": rows, "face_set_id": face_set_id, "nav": "tasks"},
    )


def task_summary(task: Task, *, with_items: bool, since: int = 0) -> dict:
    data = {
        "task_id": task.task_id,
        "kind": task.kind,
        "status": task.status,
        "total": task.total,
        "done": task.done if task.status != Task.Status.DONE else task.total,
        "outcomes": (task.result or {}).get("outcomes") if task.total > 1 else None,
        "error": task.error_message,
        # A long computation of one item (a review of the stored vectors): what it is doing, the fraction done.
        "stage": task_stage(task) if task.total == 1 else None,
    }
    if with_items:
        items = (
            selectors.task_items(task=task)
            .filter(position__gte=since)
            .exclude(status__in=[Task.Status.PENDING, Task.Status.PROCESSING])
        )
        data["items"] = [
            {"position": item.position, "name": item.name, "status": item.status, **item_outcome(item)}
            for item in items[:500]
        ]
    return data


@require_safe
@dashboard_view
def task_progress(request: HttpRequest) -> JsonResponse:
    """Progress of one or more tasks (`?ids=a,b`), with the outcomes of their finished items when `items=1`."""
    task_ids = [task_id for task_id in request.GET.get("ids", "").split(",") if task_id][:50]
    tasks = selectors.tasks_get(project=request.project, task_ids=task_ids)
    with_items = request.GET.get("items") == "1"
    payload = [task_summary(task, with_items=with_items) for task in tasks]
    total = sum(task["total"] for task in payload)
    done = sum(task["done"] for task in payload)
    finished = all(task["status"] in (Task.Status.DONE, Task.Status.FAILED) for task in payload)
    response = JsonResponse({"tasks": payload, "total": total, "done": done, "finished": finished and bool(payload)})
    response["Cache-Control"] = "no-store"
    return response


def _batch_summary(tasks) -> dict:
    """An upload's totals for its page: each photo once, with its latest outcome (selectors.batch_outcomes)."""
    total, outcomes = selectors.batch_outcomes(tasks=tasks)
    done = sum(outcomes.values())
    labels = [
        {"code": key, "label": "Enrolled" if key == "done" else OUTCOME_LABELS.get(key, key), "count": count}
        for key, count in sorted(outcomes.items(), key=lambda pair: (pair[0] != "done", pair[0]))
    ]
    return {
        "total": total,
        "done": done,
        "failed": done - outcomes.get("done", 0),
        "finished": done == total,
        "outcomes": labels,
        "attempts": sum(task.total for task in tasks),
    }


@require_safe
@dashboard_view
def batch_detail(request: HttpRequest, batch: str) -> HttpResponse:
    """One dashboard upload as a whole, whatever became of the tab that sent it: totals, what failed and why, each
    file's outcome, the report to download."""
    tasks = selectors.batch_tasks(project=request.project, batch=batch)
    pager = Pager(request, selectors.batch_items(tasks=tasks), total=sum(task.total for task in tasks), size=100)
    rows = [{"item": item, "outcome": item_outcome(item)} for item in pager.rows]
    return page(
        request,
        "dashboard/batch_detail.html",
        {
            "batch": batch,
            "tasks": tasks,
            "summary": _batch_summary(tasks),
            "face_set_id": (tasks[0].params or {}).get("face_set_id"),
            "pager": pager,
            "rows": rows,
            "nav": "tasks",
        },
    )


@require_safe
@dashboard_view
def batch_report(request: HttpRequest, batch: str) -> HttpResponse:
    """The upload's per-file report as CSV: file, outcome, code, faces added, detail."""
    import csv

    tasks = selectors.batch_tasks(project=request.project, batch=batch)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="upload-{batch[:8]}.csv"'
    writer = csv.writer(response)
    writer.writerow(["file", "outcome", "code", "faces", "detail", "task"])
    for item in selectors.batch_items(tasks=tasks).iterator(chunk_size=500):
        outcome = item_outcome(item)
        code = "done" if item.status == Task.Status.DONE else (outcome.get("code") or item.status)
        writer.writerow(
            [item.name, outcome["label"], code, " ".join(outcome["faces"]), outcome["detail"], item.task.task_id]
        )
    return response
