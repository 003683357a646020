"""Operator insight on the library's own data: the identity review (persons that are probably one human, faces that
probably belong to someone else), computed by a worker on the stored vectors (services.runs.identities_review_run)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from recognition.calibration import huawei_similarity, raw_cosine_for

from .. import selectors
from ..exceptions import Timeout
from ..services.runs import identities_review_run
from .base import dashboard_view, page
from .recognition import SAME_PERSON, SCALE

FACES_SHOWN = 4  # a person's first faces shown beside a proposed pair


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


@require_safe
@dashboard_view
def identity_review(request: HttpRequest) -> HttpResponse:
    """Pairs of persons whose faces match each other across the threshold (merge in one click), and faces that do not
    match the rest of their own person (move them to the person they match, or look at them)."""
    similarity, problem = _similarity(request)
    review, busy = None, False
    if problem is None:
        try:
            review = identities_review_run(project=request.project, min_cosine=raw_cosine_for("huawei", similarity))
        except Timeout:
            busy = True
    pairs = []
    if review is not None:
        for pair in review.pairs:
            pairs.append(
                {
                    **pair,
                    "similarity": huawei_similarity(pair["cosine"]),
                    "keep_faces": selectors.person_faces(person=pair["keep"])[:FACES_SHOWN],
                    "merge_faces": selectors.person_faces(person=pair["merge"])[:FACES_SHOWN],
                    "keep_count": pair["keep"].faces.count(),
                    "merge_count": pair["merge"].faces.count(),
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
            "busy": busy,
            "scale": SCALE,
            "nav": "identities",
        },
    )
