"""Video liveness by actions (4.3)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from facesets.services.liveness import actions_parse, windows_parse
from facesets.services.runs import (
    video_liveness_run,
)
from recognition.liveness import WARNINGS

from ...common.images import image_from_url
from .. import serializers as wire
from ..errors import LIVE, HuaweiError
from .base import INFERENCE_ERRORS, TAG, HuaweiView, request_bodies


class LiveDetectView(HuaweiView):
    """Video liveness by actions (4.3), on the v1 path (the SDK's detect_live_by_*) and the v2 path (the *_intl
    methods): one implementation."""

    read_only_post = True
    operation = LIVE
    # An 8 MB clip as base64 is ~11 MB: a larger body is the spec's FRS.0017 (checked first), not the gateway's cap.
    max_body_bytes = 2 * wire.VIDEO_MAX_BYTES
    video_body_bytes = wire.VIDEO_MAX_BYTES * 4 // 3 + 64 * 1024

    def check_request(self, request) -> None:
        super().check_request(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > self.video_body_bytes:
            self.body_refused = True
            raise HuaweiError("FRS.0017", f"the request body is over {self.video_body_bytes} bytes (a video of 8 MB)")

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_live_detect",
        summary="Did the largest face of a clip perform the requested actions? (4.3; /v1 and /v2)",
        description="A challenge-response check, not presentation-attack detection: a replayed video of the person "
        "doing the actions passes, so choose the actions at random per attempt. Actions: 1 turn to the person's own "
        "left (unmirrored video), 2 right, 3 nod (`nod_threshold` degrees, default 10), 4 open and close the mouth, "
        "5 blink; in the requested order, or each inside its `action_time` window. `confidence` is a margin score "
        "(0.5 at the threshold), not a probability. The clip (1-15 s, at most 8 MB; mp4, mov, avi, flv, webm, asf) "
        "is analysed in memory and not kept.",
        request=request_bodies(wire.HuaweiLiveDetectRequestSerializer),
        responses={200: wire.HuaweiLiveDetectResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiLiveDetectRequestSerializer, request.data)
        actions = actions_parse(values["actions"])
        windows = windows_parse(values.get("action_time"), len(actions))
        if values.get("video_url"):
            video = image_from_url(values["video_url"], field="video_url", max_bytes=wire.VIDEO_MAX_BYTES)
        else:
            video = values.get("video_base64") or values["video_file"]
        result = video_liveness_run(
            project=self.project,
            video=video,
            actions=actions,
            windows=windows,
            nod_threshold=values.get("nod_threshold", 10.0),
        )
        body = {
            "video-result": {
                "alive": result["alive"],
                "actions": [{"action": item["action"], "confidence": item["confidence"]} for item in result["actions"]],
                "picture": result["picture"],
            },
            "warning-list": [{"warningCode": code, "warningMsg": WARNINGS[code]} for code in result["warnings"]],
        }
        return Response(body)


class LiveDetectV1View(LiveDetectView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_live_detect_v1",
        summary="Video liveness on the v1 path (the SDK's detect_live_by_base64 / _file / _url): as /v2",
        request=request_bodies(wire.HuaweiLiveDetectRequestSerializer),
        responses={200: wire.HuaweiLiveDetectResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        return super().post(request, project_id)


@extend_schema(exclude=True)
class LiveDetectFaceView(HuaweiView):
    """Passive single-image liveness (/v1/{project_id}/live-detect-face) needs a trained anti-spoofing model, which
    no registry package here ships: the gateway's "API not available", never a made-up score."""

    authentication_classes: list = []

    def initial(self, request, *args, **kwargs) -> None:
        raise HuaweiError(
            "APIG.0101",
            "live-detect-face is not available: FaceLib has no trained anti-spoofing model for single-image liveness "
            "(use live-detect, the action check on a video)",
        )

    def post(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise HuaweiError("APIG.0101")
