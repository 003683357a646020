"""Video decoding for liveness, in memory: OpenCV's bundled FFmpeg reads the clip from a BytesIO (no file is
written; nothing of the video outlives the call), with each frame's timestamp.

Accepted: the containers Huawei's live-detect lists — mp4 and mov (h264, hevc), avi (mpeg4, h263, h261, mjpeg), flv,
webm (vp8, vp9) and asf (wmv2, msmpeg4, vc1, wmv3) — recognised by their magic bytes before FFmpeg sees them. Refused
before decoding: an unknown container and frames larger than MAX_FRAME_PIXELS; while decoding: a clip longer than
the limit (decoding stops at once). Frames are sampled at most `max_fps` a second.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

MAX_FRAME_PIXELS = 4096 * 2160
ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")


class VideoError(Exception):
    """A clip that cannot be used: `code` is "unreadable" (not a video, an unknown container, truncated, garbage),
    "frame_size" (absurd frame dimensions), "duration" (outside the allowed length) or "time" (the decoding budget ran
    out)."""

    def __init__(self, code: str, message: str, **details) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def container_of(data: bytes) -> str | None:
    """The container named by the clip's magic bytes: mp4 (mov too), avi, flv, webm (Matroska), asf; None if none."""
    head = data[:64]
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov" if head[8:10] == b"qt" else "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:16] == ASF_GUID:
        return "asf"
    return None


@dataclass(frozen=True)
class Frame:
    """One sampled frame: its time from the start of the clip (ms) and its BGR pixels."""

    t: float
    pixels: np.ndarray


@dataclass
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    duration_ms: float = 0.0  # known once every frame was read
    frames_read: int = 0


def _codec(capture) -> str:
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC) or 0)
    return "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ") if fourcc else ""


class VideoReader:
    """Open a clip from bytes (VideoError when it is not a usable video) and iterate its sampled frames; after the
    iteration `info.duration_ms` is the clip's length (last timestamp + one frame)."""

    def __init__(
        self,
        data: bytes,
        *,
        max_fps: float = 15.0,
        max_seconds: float = 15.0,
        deadline: float | None = None,
    ) -> None:
        container = container_of(data)
        if container is None:
            raise VideoError("unreadable", "not a video in a supported container (mp4, mov, avi, flv, webm, asf)")
        # The stream must outlive the capture: OpenCV keeps no reference of its own to it.
        self._stream = io.BytesIO(data)
        capture = cv2.VideoCapture(self._stream, cv2.CAP_FFMPEG, [])
        if not capture.isOpened():
            raise VideoError("unreadable", "the video cannot be decoded (truncated or corrupt)")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if width <= 0 or height <= 0:
            capture.release()
            raise VideoError("unreadable", "the video has no frames of a known size")
        if width * height > MAX_FRAME_PIXELS:
            capture.release()
            raise VideoError("frame_size", f"frames of {width}x{height} are larger than 4096x2160")
        self.capture = capture
        self.info = VideoInfo(container=container, codec=_codec(capture), width=width, height=height)
        self.step_ms = 1000.0 / max_fps
        self.max_ms = max_seconds * 1000.0
        self.deadline = deadline

    def __iter__(self) -> Iterator[Frame]:
        capture, info = self.capture, self.info
        last_kept = None
        previous_t = None
        interval = 0.0
        try:
            while True:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    raise VideoError("time", "the video took too long to analyse")
                ok = capture.grab()
                if not ok:
                    break
                t = float(capture.get(cv2.CAP_PROP_POS_MSEC) or 0.0)
                if previous_t is not None and t > previous_t:
                    interval = t - previous_t
                previous_t = t
                info.frames_read += 1
                info.duration_ms = t + interval
                if t > self.max_ms:
                    raise VideoError("duration", f"the video is longer than {self.max_ms / 1000:g} s", seconds=t / 1000)
                if last_kept is not None and t - last_kept < self.step_ms - 1.0:
                    continue
                ok, pixels = capture.retrieve()
                if not ok or pixels is None:
                    continue
                if pixels.shape[0] * pixels.shape[1] > MAX_FRAME_PIXELS:
                    raise VideoError("frame_size", "a frame is larger than 4096x2160")
                last_kept = t
                yield Frame(t=t, pixels=pixels)
        finally:
            capture.release()
        if info.frames_read == 0:
            raise VideoError("unreadable", "the video has no frame that can be decoded")
