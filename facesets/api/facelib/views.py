"""FaceLib's own read-only endpoints under /api/facelib/v1/{project_id}/: the same services and selectors as the
dashboard's insight pages, as JSON. Authentication is Huawei's (an AK/SK signature, `SDK-HMAC-SHA256`, as
huaweicloudsdkcore's Signer makes it, or an `X-Auth-Token`), errors are in Huawei's envelope (`error_code`,
`error_msg`), and scores are on the Huawei scale (0..1, 0.93 = same person), as on the dashboard."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import Timeout
from facesets.models import AuditEvent, Task
from facesets.services.runs import faces_cluster_run, identities_review_run, score_calibration_run
from facesets.services.tasks import task_stage
from recognition.calibration import RAW_DECISION, huawei_similarity, raw_cosine_for

from ..huawei.views.base import ERRORS, INFERENCE_ERRORS, HuaweiView

TAG = "FaceLib"
THRESHOLD = OpenApiParameter(
    "threshold", float, description="Similarity on the Huawei scale, 0 < threshold < 1 (default 0.93: same person)"
)
PROJECT = OpenApiParameter("project_id", str, OpenApiParameter.PATH, description="The project's id")
TASK = OpenApiParameter(
    "task_id", str, description="Collect the review a 202 answer named (32 hex digits), asked with the same parameters"
)
SCORE = "similarity on the Huawei scale"
RUNNING = (
    " It is computed by a worker; when that takes longer than the server's synchronous wait the answer is 202 with "
    "`task_id`, `status` and `progress` ({stage, fraction} or null), and the same request with `task_id` added "
    "collects it (202 again while it runs). A task id of another kind or project is FRS.0012."
)


RUNNING_ANSWER = inline_serializer(
    "FacelibRunning",
    {
        "task_id": serializers.CharField(),
        "status": serializers.CharField(),
        "progress": serializers.DictField(allow_null=True),
    },
)


class ThresholdQuery(serializers.Serializer):
    threshold = serializers.FloatField(required=False, min_value=0.01, max_value=0.99)
    task_id = serializers.RegexField(r"^[0-9a-f]{32}$", required=False)


class AuditQuery(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64)
    interface = serializers.ChoiceField(required=False, choices=AuditEvent.Interface.values)
    actor = serializers.CharField(required=False, max_length=200)
    target = serializers.CharField(required=False, max_length=200)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=100_000, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class CalibrationQuery(ThresholdQuery):
    face_set_name = serializers.CharField(required=False, max_length=64)


class FacelibView(HuaweiView):
    """Base of FaceLib's own endpoints: GET only, Huawei's authentication and error envelope (a worker that did not
    finish in time is Huawei's timeout error, as for a search)."""

    def threshold(self, values: dict) -> float:
        """The raw cosine of the query's threshold (Huawei scale)."""
        return raw_cosine_for("huawei", values["threshold"]) if "threshold" in values else RAW_DECISION

    def reviewed(self, run, **kwargs) -> tuple[object | None, Response | None]:
        """A review's result, or (when it outlives FACELIB_SYNC_TIMEOUT) a 202 answer naming its task, to ask for
        again with `task_id` (the same parameters) until it is done."""
        try:
            return run(project=self.project, **kwargs), None
        except Timeout as error:
            task = Task.objects.filter(project=self.project, task_id=error.details.get("task_id")).first()
            if task is None:
                raise
            return None, Response(
                {"task_id": task.task_id, "status": task.status, "progress": task_stage(task)}, status=202
            )


def _person(person, counts: dict) -> dict:
    return {"person_id": person.person_id, "name": person.name, "faces": counts[person.pk][1]}


class AuditEventsView(FacelibView):
    @extend_schema(
        tags=[TAG],
        operation_id="facelib_audit_events",
        summary="The project's audit log, newest first",
        description="Every change to the project's face sets, faces, persons, groups, credentials and members: when, "
        "the action (`person.merge`, `faces.enrol`, ...), its target, who (a user, a credential's access key, a "
        "command) and through which interface. `action` is exact, or a prefix ending in `.`; `actor` and `target` "
        "match text in the actor's name / the target's id or name.",
        parameters=[PROJECT, AuditQuery],
        responses={
            200: inline_serializer(
                "FacelibAuditEvents",
                {
                    "events": serializers.ListField(child=serializers.DictField()),
                    "has_more": serializers.BooleanField(),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request, project_id: str) -> Response:
        values = self.validated(AuditQuery, request.query_params)
        events = selectors.audit_events(
            project=self.project,
            action=values.get("action"),
            interface=values.get("interface"),
            actor=values.get("actor"),
            target=values.get("target"),
        )
        found = selectors.page(events, offset=values["offset"], limit=values["limit"])
        return Response(
            {
                "events": [selectors.audit_event_json(event) for event in found.rows],
                "has_more": found.has_more,
            }
        )


class IdentityReviewView(FacelibView):
    @extend_schema(
        tags=[TAG],
        operation_id="facelib_identity_review",
        summary="Persons that are probably one human, faces probably given to the wrong person",
        description="From the faces given to persons: pairs of persons whose faces match each other on average at "
        "`threshold` or more (merge candidates, the one with more faces first), and faces whose median score with "
        "the rest of their own person is below it, with the person they match instead. Exact, computed in a worker."
        + RUNNING,
        parameters=[PROJECT, THRESHOLD, TASK],
        responses={
            200: inline_serializer("FacelibIdentityReview", {"pairs": serializers.ListField()}),
            202: RUNNING_ANSWER,
            **INFERENCE_ERRORS,
        },
    )
    def get(self, request, project_id: str) -> Response:
        values = self.validated(ThresholdQuery, request.query_params)
        review, running = self.reviewed(
            identities_review_run, min_cosine=self.threshold(values), task_id=values.get("task_id")
        )
        if running is not None:
            return running
        listed = [person for pair in review.pairs for person in (pair["keep"], pair["merge"])]
        listed += [person for stray in review.strays for person in (stray["person"], stray["closer"]) if person]
        counts = selectors.persons_newest_faces(persons=listed, limit=1)  # their face counts, in one query
        return Response(
            {
                "faces": review.faces,
                "persons": review.persons,
                "pairs": [
                    {
                        "keep": _person(pair["keep"], counts),
                        "merge": _person(pair["merge"], counts),
                        "similarity": huawei_similarity(pair["cosine"]),
                    }
                    for pair in review.pairs
                ],
                "strays": [
                    {
                        "face_id": stray["face"].face_id,
                        "person": _person(stray["person"], counts),
                        "similarity": huawei_similarity(stray["own"]),
                        "closer": _person(stray["closer"], counts) if stray["closer"] else None,
                        "closer_similarity": huawei_similarity(stray["closer_cosine"]) if stray["closer"] else None,
                    }
                    for stray in review.strays
                ],
            }
        )


class ThresholdCalibrationView(FacelibView):
    @extend_schema(
        tags=[TAG],
        operation_id="facelib_threshold_calibration",
        summary="FAR and FRR of a threshold on the project's own labelled faces",
        description="Genuine pairs (two faces of one person) and impostor pairs (faces of two persons) of the faces "
        "given to persons (of `face_set_name` only, when given): counts, false accepts and false rejects at "
        "`threshold`, thresholds for target false-accept rates (null: not measurable from this many pairs), and the "
        "chance that a search of N faces returns a stranger at or above the threshold, 1 - (1 - FAR)^N. Exact up "
        "to 2,000,000 pairs of each kind, a uniform random sample beyond." + RUNNING,
        parameters=[PROJECT, THRESHOLD, OpenApiParameter("face_set_name", str), TASK],
        responses={
            200: inline_serializer("FacelibCalibration", {"far": serializers.FloatField()}),
            202: RUNNING_ANSWER,
            **INFERENCE_ERRORS,
        },
    )
    def get(self, request, project_id: str) -> Response:
        values = self.validated(CalibrationQuery, request.query_params)
        face_set = None
        if values.get("face_set_name"):
            face_set = selectors.face_set_get(project=self.project, name=values["face_set_name"])
        calibration, running = self.reviewed(
            score_calibration_run, threshold=self.threshold(values), face_set=face_set, task_id=values.get("task_id")
        )
        if running is not None:
            return running
        sizes = (100, 1_000, 10_000, 100_000, 1_000_000) + ((face_set.face_count,) if face_set else ())
        return Response(
            {
                "faces": calibration.faces,
                "persons": calibration.persons,
                "genuine_pairs": calibration.genuine_pairs,
                "impostor_pairs": calibration.impostor_pairs,
                "genuine_exact": calibration.genuine_exact,
                "impostor_exact": calibration.impostor_exact,
                "false_accepts": calibration.false_accepts,
                "false_rejects": calibration.false_rejects,
                "far": calibration.far,
                "frr": calibration.frr,
                "thresholds_for_far": {
                    target: huawei_similarity(value) if value is not None else None
                    for target, value in calibration.suggested.items()
                },
                "stranger_in_search": {str(size): calibration.fpir(size) for size in sorted(set(sizes)) if size},
                "stranger_in_search_at_most": {
                    str(size): calibration.fpir_bound(size) for size in sorted(set(sizes)) if size
                }
                if not calibration.false_accepts
                else {},
            }
        )


class FaceClustersView(FacelibView):
    @extend_schema(
        tags=[TAG],
        operation_id="facelib_face_clusters",
        summary="Suggested persons: the faces of no person grouped by who they show",
        description="Agglomerative clustering (average linkage) of the most recent 100,000 faces that belong to no "
        "person, joined while the mean similarity of every pair of faces stays at `threshold` or more; groups of two "
        "faces or more, largest first (`exact` false: some faces had more than 50 close matches, so the groups may "
        "differ slightly from exact average linkage). Give a group to a person with any dialect's "
        "add-face-to-person call." + RUNNING,
        parameters=[PROJECT, THRESHOLD, TASK],
        responses={
            200: inline_serializer("FacelibFaceClusters", {"clusters": serializers.ListField()}),
            202: RUNNING_ANSWER,
            **INFERENCE_ERRORS,
        },
    )
    def get(self, request, project_id: str) -> Response:
        values = self.validated(ThresholdQuery, request.query_params)
        result, running = self.reviewed(
            faces_cluster_run, min_cosine=self.threshold(values), task_id=values.get("task_id")
        )
        if running is not None:
            return running
        return Response(
            {
                "clustered": result.clustered,
                "unassigned": result.unassigned,
                "exact": result.exact,
                "clusters": [
                    {
                        "face_ids": [face.face_id for face in cluster["faces"]],
                        "similarity": huawei_similarity(cluster["cohesion"]),
                    }
                    for cluster in result.clusters
                ],
            }
        )
