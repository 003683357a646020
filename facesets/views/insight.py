"""Operator insight on the library's own data, computed by a worker on the stored vectors: the identity review
(persons that are probably one human, faces that probably belong to someone else) and the threshold calibration
(genuine and impostor scores of the labelled faces, FAR / FRR, thresholds by target rate and by set size)."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from recognition.calibration import huawei_similarity, raw_cosine_for

from .. import selectors
from ..exceptions import TaskNotFound
from ..models import AuditEvent, Task
from ..selectors.clusters import CLUSTER_MAX_FACES
from ..selectors.thresholds import Calibration
from ..services.jobs import JobParams
from ..services.runs import (
    faces_cluster_params,
    faces_clusters_read,
    identities_review_params,
    identities_review_read,
    insight_find,
    insight_start,
    score_calibration_params,
)
from ..services.tasks import task_stage, task_wait
from .base import Pager, dashboard_view, page, wants_json
from .recognition import SAME_PERSON, SCALE

FACES_SHOWN = 4  # a person's first faces shown beside a proposed pair
REVIEW_LIMIT = 100  # pairs and stray faces listed
CLUSTERS_SHOWN = 50  # groups on one page of suggested persons


def _similarity(request: HttpRequest) -> tuple[float, str | None]:
    """The review's threshold on the Huawei scale the dashboard shows (0.93, "same person", when not given)."""
    text = request.GET.get("similarity", "").strip()
    if not text:
        return SAME_PERSON, None
    try:
        value = float(text)
    except ValueError:
        return SAME_PERSON, "The threshold must be a number between 0 and 1."
    if not 0.0 < value < 1.0:
        return SAME_PERSON, "The threshold must be a number between 0 and 1."
    return value, None


def _reviewed(request: HttpRequest, problem: str | None, params: JobParams) -> tuple[dict | None, dict | None, str]:
    """A review of the stored vectors for a page: (its result, what is still computing, a redirect to follow).

    Nothing is run while the form has a problem. A page with `?task=` shows that review (of this project, kind and
    parameters): its result once finished, else its progress (the page follows it). Otherwise the review is queued,
    or joined when the same one is already running, and waited for FACELIB_INSIGHT_WAIT seconds; one that takes
    longer sends the browser to its `?task=` address, so that a reload follows it instead of starting another."""
    if problem is not None:
        return None, None, ""
    task = None
    if task_id := request.GET.get("task", "").strip():
        try:
            task = insight_find(project=request.project, params=params, task_id=task_id)
        except TaskNotFound:
            pass  # gone (finished tasks are kept 24 h), another project's, or the form asks something else: afresh
    if task is None:
        task = insight_start(project=request.project, params=params)
        task = task_wait(task=task, timeout=settings.FACELIB_INSIGHT_WAIT)
        if task.status not in (Task.Status.DONE, Task.Status.FAILED):
            query = request.GET.copy()
            query["task"] = task.task_id
            return None, None, f"{request.path}?{query.urlencode()}"
    if task.status == Task.Status.DONE:
        return task.result or {}, None, ""
    if task.status == Task.Status.FAILED:
        return None, {"task": task, "failed": task.error_message or task.error_code}, ""
    return None, {"task": task, "stage": task_stage(task)}, ""


@require_safe
@dashboard_view
def identity_review(request: HttpRequest) -> HttpResponse:
    """Pairs of persons whose faces match each other across the threshold (merge in one click), and faces that do not
    match the rest of their own person (move them to the person they match, or look at them)."""
    similarity, problem = _similarity(request)
    params = identities_review_params(min_cosine=raw_cosine_for("huawei", similarity), limit=REVIEW_LIMIT)
    result, computing, follow = _reviewed(request, problem, params)
    if follow:
        return redirect(follow)
    review = identities_review_read(project=request.project, result=result) if result is not None else None
    pairs = []
    if review is not None:
        shown = selectors.persons_newest_faces(
            persons=[person for pair in review.pairs for person in (pair["keep"], pair["merge"])], limit=FACES_SHOWN
        )
        for pair in review.pairs:
            (keep_faces, keep_count), (merge_faces, merge_count) = shown[pair["keep"].pk], shown[pair["merge"].pk]
            pairs.append(
                {
                    **pair,
                    "similarity": huawei_similarity(pair["cosine"]),
                    "keep_faces": keep_faces,
                    "merge_faces": merge_faces,
                    "keep_count": keep_count,
                    "merge_count": merge_count,
                }
            )
    strays = [
        {
            **stray,
            "own_similarity": huawei_similarity(stray["own"]),
            "closer_similarity": huawei_similarity(stray["closer_cosine"]) if stray["closer"] else None,
        }
        for stray in (review.strays if review is not None else [])
    ]
    return page(
        request,
        "dashboard/identities.html",
        {
            "review": review,
            "pairs": pairs,
            "strays": strays,
            "similarity": similarity,
            "problem": problem,
            "computing": computing,
            "scale": SCALE,
            "nav": "identities",
        },
    )


# --- threshold calibration ---------------------------------------------------------------------------------------

PLOT_WIDTH, PLOT_HEIGHT, PLOT_LOW = 720, 200, -0.4  # the plot's raw cosine axis: PLOT_LOW .. 1
SET_SIZES = (1_000, 10_000, 100_000, 1_000_000)


def _plot(calibration, threshold: float) -> dict:
    """The two score distributions as SVG polylines (each scaled to its own peak, so both show), the threshold's x
    and the axis ticks: drawn here, no chart library in the page."""
    edges = np.linspace(-1.0, 1.0, len(calibration.genuine_histogram) + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    shown = centres >= PLOT_LOW

    def x(value: float) -> float:
        return round((value - PLOT_LOW) / (1.0 - PLOT_LOW) * PLOT_WIDTH, 1)

    def line(counts: list[int]) -> str:
        values = np.asarray(counts, dtype=float)[shown]
        peak = values.max() if len(values) and values.max() > 0 else 1.0
        return " ".join(
            f"{x(c)},{round(PLOT_HEIGHT - v / peak * (PLOT_HEIGHT - 10), 1)}"
            for c, v in zip(centres[shown], values, strict=True)
        )

    # Evenly spaced raw cosines, each labelled with its Huawei similarity (that scale is not linear in the cosine).
    raws = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
    ticks = [{"x": x(raw), "label": f"{huawei_similarity(raw):.2f}"} for raw in raws]
    return {
        "width": PLOT_WIDTH,
        "height": PLOT_HEIGHT,
        "genuine": line(calibration.genuine_histogram),
        "impostor": line(calibration.impostor_histogram),
        "threshold_x": x(threshold),
        "ticks": [tick for tick in ticks if 0 <= tick["x"] <= PLOT_WIDTH],
    }


@require_safe
@dashboard_view
def threshold_calibration(request: HttpRequest) -> HttpResponse:
    """Genuine and impostor score distributions of the faces given to persons (the project's, or one face set's),
    FAR and FRR at the chosen threshold, the thresholds for target false-accept rates, and what the threshold means
    for a one-to-many search of the set's size."""
    similarity, problem = _similarity(request)
    face_sets = selectors.face_set_list(project=request.project).order_by("name")
    scope = request.GET.get("scope", "").strip()
    face_set = None
    if scope:
        face_set = selectors.face_set_get(project=request.project, face_set_id=scope)
    threshold = raw_cosine_for("huawei", similarity)
    params = score_calibration_params(threshold=threshold, face_set=face_set)
    result, computing, follow = _reviewed(request, problem, params)
    if follow:
        return redirect(follow)
    calibration = Calibration(**result) if result is not None else None
    context = {
        "similarity": similarity,
        "problem": problem,
        "computing": computing,
        "scale": SCALE,
        "face_sets": face_sets,
        "face_set": face_set,
        "calibration": calibration,
        "nav": "calibration",
    }
    if calibration is not None and calibration.genuine_pairs + calibration.impostor_pairs:
        sizes = sorted({*SET_SIZES, *([face_set.face_count] if face_set is not None and face_set.face_count else [])})
        context.update(
            plot=_plot(calibration, threshold),
            suggested=[
                {"far": target, "similarity": huawei_similarity(value) if value is not None else None}
                for target, value in calibration.suggested.items()
            ],
            suggested_for_set=[
                {"fpir": target, "similarity": huawei_similarity(value) if value is not None else None}
                for target, value in calibration.suggested_for_set.items()
            ],
            fpir=[
                {
                    "size": size,
                    "fpir": calibration.fpir(size),
                    "bound": calibration.fpir_bound(size),
                    "chosen": face_set is not None and size == face_set.face_count,
                }
                for size in sizes
            ],
        )
    return page(request, "dashboard/calibration.html", context)


# --- suggested persons -------------------------------------------------------------------------------------------


@require_safe
@dashboard_view
def face_clusters(request: HttpRequest) -> HttpResponse:
    """The faces that belong to no person, grouped by who they show; each group named (a new person, or given to an
    existing one) at once through the grids' bulk action."""
    similarity, problem = _similarity(request)
    params = faces_cluster_params(min_cosine=raw_cosine_for("huawei", similarity))
    found, computing, follow = _reviewed(request, problem, params)
    if follow:
        return redirect(follow)
    result, pager = None, None
    if found is not None:
        pager = Pager(request, found["clusters"], total=len(found["clusters"]), size=CLUSTERS_SHOWN)
        result = faces_clusters_read(project=request.project, result=found, shown=pager.rows)
    clusters = [
        {**cluster, "similarity": huawei_similarity(cluster["cohesion"])}
        for cluster in (result.clusters if result else [])
    ]
    return page(
        request,
        "dashboard/clusters.html",
        {
            "result": result,
            "clusters": clusters,
            "pager": pager,
            "similarity": similarity,
            "problem": problem,
            "computing": computing,
            "scale": SCALE,
            "max_faces": CLUSTER_MAX_FACES,
            "nav": "unassigned",
        },
    )


# --- audit log ---------------------------------------------------------------------------------------------------


@require_safe
@dashboard_view
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what, when, through which interface; filtered by action, interface, actor and target. With
    `?format=json` (or Accept: application/json) the same page of events as JSON, for scripts."""
    filters = {name: request.GET.get(name, "").strip()[:200] for name in ("action", "interface", "actor", "target")}
    if filters["interface"] not in AuditEvent.Interface.values:
        filters["interface"] = ""
    events = selectors.audit_events(project=request.project, **{key: value or None for key, value in filters.items()})
    pager = Pager(request, events, size=50)
    if request.GET.get("format") == "json" or wants_json(request):
        return JsonResponse(
            {
                "events": [selectors.audit_event_json(event) for event in pager.rows],
                "page": pager.number,
                "has_next": pager.has_next,
            }
        )
    return page(
        request,
        "dashboard/audit.html",
        {
            "pager": pager,
            "filters": filters,
            "actions": selectors.audit_actions(),
            "interfaces": AuditEvent.Interface.choices,
            "nav": "audit",
        },
    )
