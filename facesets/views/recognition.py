"""Search by photo, compare two photos, detect faces. Each runs as a worker task (services.runs, bounded wait); the
photos live only in the request. The browser shows the uploaded photo from a data URL and draws the boxes the server
returns over it (static/facelib/app.js), so the server never keeps or sends back a photo."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_safe

from recognition.calibration import RAW_DECISION, RAW_UNCERTAIN, huawei_similarity, raw_cosine_for, verdict

from .. import selectors
from ..exceptions import DomainError, NotFound, Timeout
from ..forms import CompareForm, DetectForm, LivenessForm, SearchForm
from ..services.enrolment import ENROL_FORMATS
from ..services.runs import (
    face_search_run,
    image_analyse_run,
    image_compare_run,
    persons_ranked,
    video_liveness_run,
)
from .base import add_domain_error, dashboard_view, page, page_context

SAME_PERSON = huawei_similarity(RAW_DECISION)  # 0.93 on the Huawei scale
UNCERTAIN = huawei_similarity(RAW_UNCERTAIN)  # about 0.73: 1 different pair in 100 scores this high
SCALE = {"same_person": SAME_PERSON, "uncertain": UNCERTAIN}  # the legend every score label refers to


def _fragment_or_page(request: HttpRequest, fragment: str, template: str, context: dict) -> HttpResponse:
    """Only the results (for the page's script, which inserts them and draws on the photo) or the whole page."""
    if request.headers.get("X-Fragment") == "1":
        status = 400 if context.get("form") is not None and context["form"].errors else 200
        context = page_context(request, {**context, "fragment": True})
        return HttpResponse(render_to_string(fragment, context, request=request), status=status)
    return page(request, template, context)


def _run(form, run, *, field: str, **kwargs) -> Any:
    """The result of a services.runs call, or None with its error shown on the form."""
    try:
        return run(**kwargs)
    except Timeout as error:
        task_id = error.details.get("task_id")
        form.add_error(
            None,
            "The workers are busy: this did not finish in time. "
            + (f"It goes on as task {task_id}." if task_id else "Try again in a moment."),
        )
    except DomainError as error:
        add_domain_error(
            form, error, field=error.field if error.field in form.fields else field if error.field == "image" else None
        )
    return None


def _match_rows(hits) -> list[dict]:
    """Search hits for the template, with the similarity on the Huawei scale the dashboard shows and its verdict
    (same / uncertain / different)."""
    return [
        {
            "face": hit.face,
            "person": hit.person,
            "fields": hit.fields,
            "similarity": huawei_similarity(hit.cosine),
            "verdict": verdict(hit.cosine),
        }
        for hit in hits
    ]


def _person_rows(hits) -> list[dict]:
    """The persons among the matches, best first: their best face, its similarity and verdict, how many of the
    matches are theirs."""
    return [
        {
            "person": entry.person,
            "face": entry.best.face,
            "similarity": huawei_similarity(entry.best.cosine),
            "verdict": verdict(entry.best.cosine),
            "faces": len(entry.hits),
        }
        for entry in persons_ranked(hits)
    ]


@require_http_methods(["GET", "POST"])
@dashboard_view(viewer_may_post=True)  # searching changes nothing: viewers may search
def search(request: HttpRequest) -> HttpResponse:
    project = request.project
    face_sets = list(selectors.face_set_list(project=project).order_by("name"))
    groups = list(selectors.group_list(project=project).order_by("name"))
    form = SearchForm(request.POST or None, request.FILES or None, face_sets=face_sets, groups=groups)
    results, query, persons, closest = None, None, [], None
    if request.method == "POST" and form.is_valid():
        kind, _, scope_id = form.cleaned_data["scope"].partition(":")
        scope: dict = {}
        try:
            if kind == "group":
                scope["group"] = selectors.group_get(project=project, group_id=scope_id)
            else:
                scope["face_set"] = selectors.face_set_get(project=project, face_set_id=scope_id)
        except NotFound as error:
            form.add_error("scope", error.message)
        else:
            found = _run(
                form,
                face_search_run,
                field="photo",
                project=project,
                image=form.cleaned_data["photo"].read(),
                filter_text=form.cleaned_data["filter"].strip() or None,
                limit=form.cleaned_data["limit"],
                formats=ENROL_FORMATS,
                box=form.cleaned_data["box"],
                **scope,
            )
            if found is not None:
                # Searched without a bound, so that the closest face can be shown when none reaches the minimum:
                # the top N above it are the top N overall cut at it.
                query = found.query
                min_cosine = raw_cosine_for("huawei", form.cleaned_data["threshold"])
                matching = [hit for hit in found.hits if hit.cosine >= min_cosine]
                results = _match_rows(matching)
                persons = _person_rows(matching)
                closest = _match_rows(found.hits[:1])[0] if found.hits and not matching else None
    context = {
        "form": form,
        "results": results,
        "persons": persons,
        "closest": closest,
        "query_json": json.dumps({"faces": [query]}) if query else "",
        "scale": SCALE,
        "has_scopes": bool(face_sets or groups),
        "nav": "search",
    }
    return _fragment_or_page(request, "dashboard/_search_results.html", "dashboard/search.html", context)


SIMILAR_LIMITS = (10, 25, 50, 100)


@require_safe
@dashboard_view
def face_similar(request: HttpRequest, face_id: str) -> HttpResponse:
    """The faces most like one stored face in a face set it is in, each labelled, with the persons among them. No
    inference runs: the face's stored vector is the query."""
    project = request.project
    face = selectors.face_get(project=project, face_id=face_id)
    sets = [membership.face_set for membership in selectors.face_memberships(face=face)]
    if not sets:
        messages.error(request, f"Face {face_id} is in no face set: there is nothing to compare it with.")
        return redirect("dashboard:face_page", face_id=face_id)
    face_set = next((item for item in sets if item.face_set_id == request.GET.get("face_set")), sets[0])
    limit = int(request.GET["limit"]) if request.GET.get("limit") in {str(n) for n in SIMILAR_LIMITS} else 10
    found = face_search_run(project=project, face_id=face.face_id, face_set=face_set, limit=limit + 1)
    hits = [hit for hit in found.hits if hit.face.pk != face.pk][:limit]
    context = {
        "face": face,
        "face_sets": sets,
        "face_set": face_set,
        "limit": limit,
        "limits": SIMILAR_LIMITS,
        "results": _match_rows(hits),
        "persons": _person_rows([hit for hit in hits if verdict(hit.cosine) != "different"]),
        "query_face": face,
        "scale": SCALE,
        "nav": "search",
    }
    return page(request, "dashboard/similar.html", context)


@require_http_methods(["GET", "POST"])
@dashboard_view(viewer_may_post=True)  # comparing stores nothing
def compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = _run(
            form,
            image_compare_run,
            field="image1",
            project=request.project,
            image1=form.cleaned_data["image1"].read(),
            image2=form.cleaned_data["image2"].read(),
            formats=ENROL_FORMATS,
        )
        if result is not None:
            result["similarity"] = huawei_similarity(result["cosine"])
            result["verdict"] = verdict(result["cosine"])
            result["faces_json"] = [json.dumps({"faces": [face]}) for face in result["faces"]]
    context = {"form": form, "result": result, "scale": SCALE, "nav": "compare"}
    return _fragment_or_page(request, "dashboard/_compare_results.html", "dashboard/compare.html", context)


@require_http_methods(["GET", "POST"])
@dashboard_view(viewer_may_post=True)  # detection here stores nothing (image.analyse)
def detect(request: HttpRequest) -> HttpResponse:
    form = DetectForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        payload = form.cleaned_data["image"].read()
        result = _run(
            form,
            image_analyse_run,
            field="image",
            project=request.project,
            image=payload,
            formats=ENROL_FORMATS,
            analysis=True,  # the page shows each face's pose, eyes and mouth and can draw the dense mesh
        )
        if result is not None:
            result["faces_json"] = json.dumps({"faces": result["faces"]})
    face_sets = list(selectors.face_set_list(project=request.project).order_by("name"))
    groups = selectors.group_list(project=request.project).order_by("name")
    context = {
        "form": form,
        "result": result,
        "scopes": SearchForm(face_sets=face_sets, groups=groups).fields["scope"].choices,  # search with a face
        "enrol_sets": face_sets,  # or enrol it
        "min_face_size": settings.FACELIB_MIN_FACE_SIZE,
        "nav": "detect",
    }
    return _fragment_or_page(request, "dashboard/_detect_results.html", "dashboard/detect.html", context)


@require_http_methods(["GET", "POST"])
@dashboard_view(viewer_may_post=True)  # a liveness check stores nothing (the task is deleted once read)
def liveness(request: HttpRequest) -> HttpResponse:
    """Check a clip for actions, as Huawei's live-detect does, and show the decision, the picture and the
    per-frame traces the rules read."""
    from recognition.liveness import ACTIONS, WARNINGS

    form = LivenessForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = _run(
            form,
            video_liveness_run,
            field="video",
            project=request.project,
            video=form.cleaned_data["video"].read(),
            actions=form.cleaned_data["actions"],
            windows=form.cleaned_data["windows"],
            nod_threshold=form.cleaned_data["nod_threshold"],
            trace=True,
        )
        if result is not None:
            for action in result["actions"]:
                action["name"] = ACTIONS[action["action"]]
            result["warning_texts"] = [(code, WARNINGS[code]) for code in result["warnings"]]
            result["plot"] = {
                "trace": result.pop("trace"),
                "actions": result["actions"],
                "best_t": result["best_t"],
            }
    context = {"form": form, "result": result, "nav": "liveness"}
    return page(request, "dashboard/liveness.html", context)
