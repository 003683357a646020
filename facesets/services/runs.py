"""What a web request (an API call, a dashboard page) asks the workers to compute and waits for: typed services that
check everything they can before anything is queued, run one job through services.tasks.task_run (bounded wait,
inference only in a worker) and hand back domain objects. Scores stay raw cosines here; each interface maps them
onto its own scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings

from recognition.engine import cosine_similarity

from .. import fields, timing
from ..exceptions import FilterInvalid, ImageInvalid, InvalidArgument, NoFace, TaskNotFound
from ..models import Face, FaceSet, FaceSetMember, Group, Image, Person, Project, Task
from ..selectors import face_set_query_validate, face_set_search_by_face
from ..selectors.hits import faces_with_persons, members_with_faces
from ..selectors.thresholds import Calibration
from . import jobs
from .tasks import task_run


@dataclass(frozen=True)
class SearchHit:
    """One search result: the face (with its person), its membership row and field values when searched in a face
    set, and the raw cosine similarity."""

    face: Face
    cosine: float
    member: FaceSetMember | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def person(self) -> Person | None:
        return self.face.person


@dataclass(frozen=True)
class SearchResult:
    """The hits, most similar first (or in the requested field order), and the query face as the worker found it
    (None when the query was a stored face)."""

    hits: list[SearchHit]
    query: dict | None = None


@dataclass(frozen=True)
class PersonHits:
    """One person among search hits: their hits, most similar first."""

    person: Person
    hits: list[SearchHit]

    @property
    def best(self) -> SearchHit:
        return self.hits[0]


def persons_ranked(hits: Sequence[SearchHit]) -> list[PersonHits]:
    """The persons among the hits, the one with the most similar face first (ties: more faces first), each with their
    own hits best first; hits of faces without a person are left out."""
    by_person: dict[int, list[SearchHit]] = {}
    people: dict[int, Person] = {}
    for hit in hits:
        if hit.person is not None:
            by_person.setdefault(hit.person.pk, []).append(hit)
            people[hit.person.pk] = hit.person
    ranked = [
        PersonHits(person=people[pk], hits=sorted(found, key=lambda hit: hit.cosine, reverse=True))
        for pk, found in by_person.items()
    ]
    ranked.sort(key=lambda entry: (-entry.best.cosine, -len(entry.hits)))
    return ranked


def search_hits(*, project: Project, matches: Sequence, face_set: FaceSet | None = None, sort=None) -> list[SearchHit]:
    """The one hydrator of search results: matches (recognition.search.Match objects or the search job's
    {"face", "member", "cosine"} dicts) as SearchHits with their faces, persons and field values, most similar first;
    with a sort (filters.parse_sort syntax, face sets only) ordered by those numeric fields instead, faces without the
    field last, ties by similarity. Hits deleted since the search ran are left out."""
    from ..filters import parse_sort

    triples = [
        (match["face"], match.get("member"), match["cosine"])
        if isinstance(match, dict)
        else (match.face_pk, match.member_pk, match.cosine)
        for match in matches
    ]
    # A face set's hits come with their members, faces and persons in one query; a group's or person's with their faces.
    members = members_with_faces(
        project_pk=project.pk, member_pks=[member_pk for _, member_pk, _ in triples if member_pk]
    )
    faces = {member.face_id: member.face for member in members.values()}
    faces.update(
        faces_with_persons(
            project_pk=project.pk, face_pks=[face_pk for face_pk, member_pk, _ in triples if not member_pk]
        )
    )
    hits = []
    for face_pk, member_pk, cosine in triples:
        member = members.get(member_pk) if member_pk else None
        face = member.face if member is not None else faces.get(face_pk)
        if face is None or (member_pk and member is None):
            continue
        hits.append(SearchHit(face=face, member=member, fields=member.external_fields if member else {}, cosine=cosine))
    hits.sort(key=lambda hit: hit.cosine, reverse=True)
    if face_set is not None and sort:
        for name, _, direction in reversed(parse_sort(sort, face_set.field_schema)):
            present = [hit for hit in hits if hit.fields.get(name) is not None]
            absent = [hit for hit in hits if hit.fields.get(name) is None]
            present.sort(key=lambda hit: hit.fields[name], reverse=direction == "desc")
            hits = present + absent
    return hits


def face_search_run(
    *,
    project: Project,
    limit: int,
    image: bytes | None = None,
    face_id: str | None = None,
    face_set: FaceSet | None = None,
    group: Group | None = None,
    groups: Sequence[Group] | None = None,
    person: Person | None = None,
    filter_text: str | None = None,
    sort=None,
    min_cosine: float | None = None,
    formats: Sequence[str] | None = None,
    box: Sequence[int] | None = None,
) -> SearchResult:
    """Search a face set (optionally filtered and sorted), a group, several groups or one person's faces with the
    largest face of a photo (or the face at `box`, [x, y, w, h], chosen on an earlier detection of it), or a face
    set with one of its own stored faces (`face_id`: no inference). The scope,
    filter and sort are checked first (FilterInvalid, SortInvalid), so a bad request queues nothing."""
    scopes = [scope for scope in (face_set, group, groups, person) if scope is not None]
    if len(scopes) != 1:
        raise InvalidArgument("search one face set, group(s) or person", field="scope")
    if face_set is None and (filter_text or sort):
        raise FilterInvalid("a filter applies to face sets only; clear it for a group", field="filter")
    if face_set is not None:
        face_set_query_validate(face_set=face_set, filter_text=filter_text, sort=sort)
    if face_id:
        if face_set is None:
            raise InvalidArgument("a stored face searches its own face set", field="face_id")
        matches = face_set_search_by_face(
            face_set=face_set, face_id=face_id, limit=limit, min_cosine=min_cosine, filter_text=filter_text
        )
        return SearchResult(hits=search_hits(project=project, matches=matches, face_set=face_set, sort=sort))
    params = jobs.Search(
        face_set=face_set.pk if face_set else None,
        group=group.pk if group else None,
        groups=[item.pk for item in groups] if groups is not None else None,
        person=person.pk if person else None,
        filter=filter_text or None,
        limit=limit,
        min_cosine=min_cosine,
        formats=list(formats) if formats else None,
        box=[int(value) for value in box] if box else None,
    )
    result = task_run(project=project, kind=params.kind, params=params, payload=image)
    with timing.stage("hydrate"):
        hits = search_hits(project=project, matches=result["matches"], face_set=face_set, sort=sort)
    return SearchResult(hits=hits, query=result.get("query"))


def face_set_enrol_run(
    *,
    face_set: FaceSet,
    image: bytes,
    external_image_id: str | None = None,
    external_fields: Any = None,
    single: bool = False,
) -> list[FaceSetMember]:
    """Add the faces of one photo to a face set and wait: the members made, in detection order (largest first).
    The id and the field values are checked before the photo is queued."""
    if external_image_id is not None:
        fields.validate_external_image_id(external_image_id)
    values = fields.validate_values(face_set.field_schema, external_fields)
    params = jobs.FaceSetEnrol(
        face_set=face_set.pk, external_image_id=external_image_id, external_fields=values or None, single=single
    )
    result = task_run(project=face_set.project, kind=params.kind, params=params, payload=image)
    members = FaceSetMember.objects.filter(face_set=face_set, pk__in=result["members"])
    members = members.select_related("face").defer("vector", "face__crop_jpeg").in_bulk()
    return [members[pk] for pk in result["members"] if pk in members]


def image_analyse_run(
    *,
    project: Project,
    image: bytes,
    formats: Sequence[str] | None = None,
    max_faces: int | None = None,
    analysis: bool = False,
) -> dict:
    """The faces of a photo (box, landmarks, score, quality; with `analysis` the dense mesh, pose, eyes and mouth;
    largest first) with its size; nothing is stored."""
    params = jobs.ImageAnalyse(formats=list(formats) if formats else None, max_faces=max_faces, analysis=analysis)
    return task_run(project=project, kind=params.kind, params=params, payload=image)


def image_compare_run(*, project: Project, image1: bytes, image2: bytes, formats: Sequence[str] | None = None) -> dict:
    """The raw cosine of the largest faces of two photos and the two faces; NoFace (or the photo's own error) names the
    photo at fault, "image1" or "image2". The two photos are embedded in parallel by two worker processes
    (images_embed_run), and together must fit the image size limit."""
    limit = int(settings.FACELIB_MAX_IMAGE_BYTES)
    if len(image1) + len(image2) > limit:
        raise ImageInvalid(f"the two images together exceed {limit} bytes", field="image", reason="too_large")
    outcomes = images_embed_run(project=project, images=[image1, image2], formats=formats)
    for name, outcome in zip(("image1", "image2"), outcomes, strict=True):
        if not isinstance(outcome, dict):
            if outcome.field in (None, "image"):
                outcome.field = name
            if isinstance(outcome, NoFace):
                outcome.message = f"no face was found in {name}"
            raise outcome
    first, second = (np.asarray(outcome["vector"], dtype=np.float32) for outcome in outcomes)
    return {"cosine": cosine_similarity(first, second), "faces": [outcome["face"] for outcome in outcomes]}


def person_register_run(
    *,
    project: Project,
    image: bytes,
    uid: str,
    user_info: str | None = None,
    group_outer_ids: Sequence[str] = (),
    create: bool = True,
    replace: bool = False,
    reject_duplicate: bool = False,
    formats: Sequence[str] | None = None,
) -> Person:
    """Give the largest face of a photo to the person with this uid, in these groups (services.registration), and
    wait: the person."""
    params = jobs.PersonRegister(
        uid=uid,
        user_info=user_info,
        groups=list(group_outer_ids),
        create=create,
        replace=replace,
        reject_duplicate=reject_duplicate,
        formats=list(formats) if formats else None,
    )
    result = task_run(project=project, kind=params.kind, params=params, payload=image)
    return Person.objects.get(project=project, person_id=result["person"])


def items_run(*, project: Project, params: jobs.JobParams, payloads: Sequence[bytes], what: str = "the work") -> list:
    """One job over several photos, computed in parallel by the workers (one call or task item each), and wait: per
    photo its result or the DomainError that photo met. Timeout when the workers did not finish within
    FACELIB_SYNC_TIMEOUT. A job that stores nothing goes through Redis without a task row (services.calls)."""
    from ..exceptions import Timeout
    from .calls import calls_available, calls_run
    from .tasks import domain_error_from, task_submit, task_wait

    if params.transient and calls_available():
        outcomes = calls_run(
            project=project,
            kind=params.kind,
            params=params.to_json(),
            payloads=payloads,
            timeout=settings.FACELIB_SYNC_TIMEOUT,
            what=what,
        )
        if outcomes is not None:
            return outcomes
    items = [{"payload": payload} for payload in payloads]
    task = task_submit(project=project, kind=params.kind, params=params, items=items)
    task = task_wait(task=task)
    if task.status not in (task.Status.DONE, task.Status.FAILED):
        raise Timeout(f"{what} did not finish in time", task_id=task.task_id)
    outcomes = []
    for item in task.items.order_by("position"):
        if item.status == task.Status.DONE:
            outcomes.append(item.result)
        else:
            outcomes.append(domain_error_from(item.error_code, item.error_message, item.result))
    return outcomes


def images_embed_run(*, project: Project, images: Sequence[bytes], formats: Sequence[str] | None = None) -> list:
    """The largest face of each photo with its vector, computed in parallel by the workers: per photo either
    {"face": ..., "vector": [...]} or the DomainError that photo met (no face, not an image)."""
    params = jobs.ImageEmbed(formats=list(formats) if formats else None)
    return items_run(project=project, params=params, payloads=images, what="the comparison")


def images_detect_run(*, project: Project, images: Sequence[bytes], params: jobs.ImageDetectUpright) -> list:
    """Detect and keep (as expiring detected faces) the faces of each photo, in parallel: per photo either the
    stored Image with its faces (largest first) or the DomainError that photo met."""
    from ..selectors import image_faces

    outcomes = items_run(project=project, params=params, payloads=images, what="the detection")
    detected = []
    for outcome in outcomes:
        if isinstance(outcome, dict):
            image = Image.objects.get(project=project, image_id=outcome["image_id"])
            detected.append((image, list(image_faces(image=image))))
        else:
            detected.append(outcome)
    return detected


def video_liveness_run(
    *,
    project: Project,
    video: bytes,
    actions: Sequence[int],
    windows: Sequence[tuple[float, float]] | None = None,
    nod_threshold: float = 10.0,
    trace: bool = False,
) -> dict:
    """Judge a clip in the liveness worker queue and wait (FACELIB_LIVENESS_TIMEOUT): the decision, the warnings and
    the picture (services.operations.video_liveness). The actions, windows and threshold are checked before queueing
    (InvalidArgument naming the argument); the task is deleted once its answer is read, so nothing of the video is
    kept (the worker already cleared the clip itself)."""
    from ..exceptions import Timeout
    from .tasks import task_discard, task_result, task_submit, task_wait

    if not actions:
        raise InvalidArgument("at least one action is required", field="actions")
    if windows is not None and len(windows) != len(actions):
        raise InvalidArgument("one action_time window per action", field="action_time")
    params = jobs.VideoLiveness(
        actions=list(actions),
        windows=[list(window) for window in windows] if windows else None,
        nod_threshold=float(nod_threshold),
        trace=trace,
    )
    task = task_submit(project=project, kind=params.kind, params=params, items=[{"payload": video}])
    task = task_wait(task=task, timeout=float(settings.FACELIB_LIVENESS_TIMEOUT))
    try:
        if task.status not in (Task.Status.DONE, Task.Status.FAILED):
            raise Timeout("the liveness check did not finish in time", task_id=task.task_id)
        return task_result(task)
    finally:
        task_discard(task=task)


# --- reviews of the stored vectors --------------------------------------------------------------------------------
# They run as stored tasks: the caller waits a while and, when the work takes longer (a large library), shows its
# progress and collects the result later by the task's id; reading a result back hydrates the ids it holds.


def _asks(task: Task, params: jobs.JobParams) -> bool:
    """Whether the review task answers the question these parameters ask: the same kind and the same parameters,
    those that only describe the library at the time of asking (JobParams.circumstantial) aside."""
    if task.kind != params.kind:
        return False
    asked = {key: value for key, value in params.to_json().items() if key not in params.circumstantial}
    return {key: value for key, value in (task.params or {}).items() if key not in params.circumstantial} == asked


def insight_start(*, project: Project, params: jobs.JobParams) -> Task:
    """Queue a review of the stored vectors, or join the same one already queued or running for this project (a
    page reloaded, a second operator asking the same): the task to wait for and collect."""
    from .tasks import task_submit

    running = Task.objects.filter(
        project=project, kind=params.kind, status__in=[Task.Status.PENDING, Task.Status.PROCESSING]
    ).order_by("-created", "-id")
    for task in running[:20]:
        if _asks(task, params):
            return task
    return task_submit(project=project, kind=params.kind, params=params, items=[{"payload": None}])


def insight_find(*, project: Project, params: jobs.JobParams, task_id: str) -> Task:
    """The review task `task_id` of this project that answers these parameters; TaskNotFound otherwise (gone,
    another project's, of another kind or asked with other parameters)."""
    task = Task.objects.filter(project=project, kind=params.kind, task_id=str(task_id)[:64]).first()
    if task is None:
        raise TaskNotFound(f"no {params.kind} task {task_id}", field="task_id")
    if not _asks(task, params):
        raise TaskNotFound(f"task {task_id} was asked with other parameters", field="task_id")
    return task


def _insight_run(project: Project, params: jobs.JobParams, task_id: str | None) -> dict:
    """Run a review, or collect the task `task_id`, and wait (FACELIB_SYNC_TIMEOUT): its result, its DomainError
    raised, or Timeout (with the task's id) while it runs."""
    from .tasks import task_result, task_wait

    if task_id:
        task = insight_find(project=project, params=params, task_id=task_id)
    else:
        task = insight_start(project=project, params=params)
    return task_result(task_wait(task=task))


@dataclass
class IdentityReviewResult:
    """An identity review with its persons and faces read back (those deleted since it ran left out)."""

    faces: int
    persons: int
    min_cosine: float
    pairs: list[dict]  # {"keep": Person, "merge": Person, "cosine": float}
    strays: list[dict]  # {"face": Face, "person": Person, "own": float, "closer": Person | None, "closer_cosine"}


def identities_review_params(*, min_cosine: float, limit: int = 100) -> jobs.IdentitiesReview:
    return jobs.IdentitiesReview(min_cosine=float(min_cosine), limit=int(limit))


def identities_review_run(
    *, project: Project, min_cosine: float, limit: int = 100, task_id: str | None = None
) -> IdentityReviewResult:
    """Persons that are probably one human and faces that probably belong to someone else (selectors.identities),
    computed in a worker on the stored vectors (or collected from the review task `task_id`); Timeout past
    FACELIB_SYNC_TIMEOUT."""
    params = identities_review_params(min_cosine=min_cosine, limit=limit)
    return identities_review_read(project=project, result=_insight_run(project, params, task_id))


def identities_review_read(*, project: Project, result: dict) -> IdentityReviewResult:
    """A review task's result with its persons and faces read back."""
    person_pks = {pk for pair in result["pairs"] for pk in (pair["keep"], pair["merge"])}
    person_pks |= {pk for stray in result["strays"] for pk in (stray["person"], stray["closer"]) if pk}
    persons = Person.objects.filter(project=project, pk__in=person_pks).in_bulk()
    faces = Face.objects.filter(project=project, pk__in=[stray["face"] for stray in result["strays"]]).in_bulk()
    pairs = [
        {"keep": persons[pair["keep"]], "merge": persons[pair["merge"]], "cosine": pair["cosine"]}
        for pair in result["pairs"]
        if pair["keep"] in persons and pair["merge"] in persons
    ]
    strays = [
        {
            **stray,
            "face": faces[stray["face"]],
            "person": persons[stray["person"]],
            "closer": persons.get(stray["closer"]),
        }
        for stray in result["strays"]  # a face since given to someone else is no longer a question
        if stray["face"] in faces and stray["person"] in persons and faces[stray["face"]].person_id == stray["person"]
    ]
    return IdentityReviewResult(
        faces=result["faces"], persons=result["persons"], min_cosine=result["min_cosine"], pairs=pairs, strays=strays
    )


def score_calibration_params(*, threshold: float, face_set: FaceSet | None = None) -> jobs.ThresholdsCalibrate:
    set_size = int(face_set.face_count) if face_set is not None else None
    return jobs.ThresholdsCalibrate(
        threshold=float(threshold), face_set=face_set.pk if face_set is not None else None, set_size=set_size
    )


def score_calibration_run(
    *, project: Project, threshold: float, face_set: FaceSet | None = None, task_id: str | None = None
) -> Calibration:
    """The genuine and impostor scores of the labelled faces (of `face_set` only, when given) and what `threshold`
    (a raw cosine) does with them, with the false-positive identification rate at the set's size (or at the number
    of labelled faces), computed in a worker (selectors.thresholds) or collected from the task `task_id`; Timeout
    past FACELIB_SYNC_TIMEOUT."""
    params = score_calibration_params(threshold=threshold, face_set=face_set)
    return Calibration(**_insight_run(project, params, task_id))


@dataclass
class FaceClusters:
    clusters: list[dict]  # {"faces": [Face, ...] newest first, "cohesion": mean pair cosine}, of those read back
    total: int  # groups in the whole result (some may have been named since)
    clustered: int  # faces the worker grouped (the most recent unassigned ones)
    unassigned: int  # faces without a person in all
    exact: bool  # see selectors.clusters


def faces_cluster_params(*, min_cosine: float) -> jobs.FacesCluster:
    return jobs.FacesCluster(min_cosine=float(min_cosine))


def faces_cluster_run(*, project: Project, min_cosine: float, task_id: str | None = None) -> FaceClusters:
    """The unassigned faces grouped by who they show (selectors.clusters), computed in a worker or collected from the
    task `task_id`, with their faces read back; Timeout past FACELIB_SYNC_TIMEOUT."""
    params = faces_cluster_params(min_cosine=min_cosine)
    return faces_clusters_read(project=project, result=_insight_run(project, params, task_id))


def faces_clusters_read(*, project: Project, result: dict, shown: Sequence[dict] | None = None) -> FaceClusters:
    """A clustering task's groups (those `shown` of them only, a page, when given) with their faces read back: those
    given to a person or deleted since are left out, and a group left with fewer than two faces with them."""
    shown = result["clusters"] if shown is None else shown
    pks = [pk for cluster in shown for pk in cluster["faces"]]
    faces = Face.objects.filter(project=project, pk__in=pks, person__isnull=True).defer("crop_jpeg").in_bulk()
    clusters = []
    for cluster in shown:
        kept = [faces[pk] for pk in cluster["faces"] if pk in faces]
        if len(kept) >= 2:
            clusters.append({"faces": kept, "cohesion": cluster["cohesion"]})
    return FaceClusters(
        clusters=clusters,
        total=len(result["clusters"]),
        clustered=result["clustered"],
        unassigned=result["unassigned"],
        exact=result.get("exact", True),
    )
