"""Video liveness (live-detect) through the official client on both paths (/v1: detect_live_by_*, /v2: the *_intl
methods), against a live server and a real worker, with clips generated at test time from photos of
shared/data/faces (tests/support/synthetic_video.py; never committed).

The positive cases are SYNTHETIC: a photo's face mesh turned, nodded, its jaw opened or its eyelids closed in 3-D and
drawn back. They prove that the pipeline and the rules find each action in the right direction and order; they claim
nothing about accuracy on real people. The negative cases (a still photo, a photo moved in the plane, a printed photo
tilted) are the attacks an action check must refuse."""

from __future__ import annotations

import base64
import io

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, frs_error
from tests.support.synthetic_video import FaceRig, bump, card_tilt, encode, in_plane, load_photo, timeline

PHOTO = "people/person02/img3.jpg"
GROUP = "groups/couple.jpg"
NO_FACE = "no_face/compreface_017_0_landscape.jpg"
FPS = 15


@pytest.fixture(scope="module")
def photo(frs_env):
    return load_photo(frs_env.photo(PHOTO))


@pytest.fixture(scope="module")
def rig(photo):
    return FaceRig(photo)


@pytest.fixture(scope="module")
def actions_clip(rig):
    """SYNTHETIC: turn to the person's left and back (0.5-1.5 s), to their right (1.7-2.7 s), nod (2.9-3.9 s), open
    and close the mouth (4.0-4.8 s), blink (5.0-5.3 s)."""

    def render(t):
        return rig.render(
            yaw=35 * bump(t, 500, 1500) - 35 * bump(t, 1700, 2700),
            pitch=-25 * bump(t, 2900, 3900),
            mouth=0.6 * bump(t, 4000, 4800),
            blink=bump(t, 5000, 5300),
        )

    return encode(timeline(5.6, FPS, render), fps=FPS)


@pytest.fixture(scope="module")
def turn_frames(rig):
    """SYNTHETIC: a turn to the person's left and back, 1.6 s."""
    return timeline(1.6, FPS, lambda t: rig.render(yaw=35 * bump(t, 300, 1300)))


def live(client, video: bytes, actions: str, *, intl: bool = False, **extra) -> dict:
    body = frs.LiveDetectBase64Req(video_base64=base64.b64encode(video).decode(), actions=actions, **extra)
    if intl:
        answer = client.detect_live_by_base64_intl(frs.DetectLiveByBase64IntlRequest(body=body))
    else:
        answer = client.detect_live_by_base64(frs.DetectLiveByBase64Request(body=body))
    return as_dict(answer)


def test_synthetic_actions_are_found_in_order_on_both_paths(client, actions_clip):
    answer = live(client, actions_clip, "1,2,3,4,5")
    result = answer["video_result"]
    assert result["alive"] is True
    assert [item["action"] for item in result["actions"]] == [1, 2, 3, 4, 5]
    assert all(0.5 <= item["confidence"] <= 1 for item in result["actions"])
    picture = base64.b64decode(result["picture"])
    assert picture[:2] == b"\xff\xd8" and len(picture) > 1000  # a JPEG of the face
    assert answer["warning_list"] == []
    assert live(client, actions_clip, "1,2,3,4,5", intl=True)["video_result"]["alive"] is True


def test_synthetic_order_and_windows(client, actions_clip):
    wrong_order = live(client, actions_clip, "2,1")["video_result"]
    assert wrong_order["alive"] is False and wrong_order["actions"][0]["confidence"] >= 0.5
    assert wrong_order["actions"][1]["confidence"] < 0.5
    windows = live(client, actions_clip, "3,1", action_time="2800-4000,300-1600")["video_result"]
    assert windows["alive"] is True
    swapped = live(client, actions_clip, "1,3", action_time="2800-4000,300-1600")["video_result"]
    assert swapped["alive"] is False
    assert live(client, actions_clip, "3", nod_threshold=60.0)["video_result"]["alive"] is False


def test_the_file_and_url_forms(client, frs_env, actions_clip, tmp_path):
    from huaweicloudsdkcore.http.formdata import FormFile

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(actions_clip)
    body = frs.DetectLiveByFileIntlRequestBody(video_file=FormFile(open(clip, "rb")), actions="4")  # noqa: SIM115
    answer = as_dict(client.detect_live_by_file_intl(frs.DetectLiveByFileIntlRequest(body=body)))
    assert answer["video_result"]["alive"] is True
    with frs_error("FRS.0035"):  # a loopback address is refused, never fetched
        client.detect_live_by_url(
            frs.DetectLiveByUrlRequest(body=frs.LiveDetectUrlReq(video_url=f"{frs_env.url}/healthz", actions="1"))
        )


@pytest.mark.parametrize(
    "attack",
    ["still", "in_plane", "card_vertical", "card_horizontal"],
)
def test_photo_attacks_are_not_alive(client, photo, attack):
    """A still photo, a photo slid and turned in the plane, a printed photo tilted 35 degrees one way and back."""
    seconds = 3.0
    render = {
        "still": lambda t: photo,
        "in_plane": lambda t: in_plane(photo, t, seconds),
        "card_vertical": lambda t: card_tilt(photo, 35 * bump(t, 300, 1300) - 35 * bump(t, 1500, 2500)),
        "card_horizontal": lambda t: card_tilt(photo, 30 * bump(t, 300, 1500), axis="horizontal"),
    }[attack]
    clip = encode(timeline(seconds, FPS, render), fps=FPS)
    for actions in ("1", "2", "3", "4", "5"):
        result = live(client, clip, actions)["video_result"]
        assert result["alive"] is False, (attack, actions, result["actions"])


@pytest.mark.parametrize(
    ("container", "codec", "size"),
    [
        ("mp4", "libx264", None),
        ("mov", "libx264", None),
        ("mp4", "libx265", None),
        ("avi", "mpeg4", None),
        ("avi", "h263", (352, 288)),
        ("avi", "h261", (352, 288)),
        ("avi", "mjpeg", None),
        ("flv", "flv", None),
        ("webm", "libvpx", None),
        ("webm", "libvpx-vp9", None),
        ("asf", "wmv2", None),
        ("asf", "msmpeg4", None),
    ],
)
def test_every_container_and_codec_decodes(client, turn_frames, container, codec, size):
    import cv2

    frames = [cv2.resize(frame, size) for frame in turn_frames] if size else turn_frames
    clip = encode(frames, fps=FPS, container=container, codec=codec)
    result = live(client, clip, "1")["video_result"]
    assert result["alive"] is True, (container, codec, result)


def test_warnings_the_largest_face_and_no_face(client, frs_env):
    group = load_photo(frs_env.photo(GROUP))
    answer = live(client, encode(timeline(2, FPS, lambda t: group), fps=FPS), "1")
    assert answer["video_result"]["alive"] is False
    codes = {item["warning_code"] for item in answer["warning_list"]}
    assert {4, 106} <= codes  # two faces; the largest is judged
    nobody = load_photo(frs_env.photo(NO_FACE))
    answer = live(client, encode(timeline(2, FPS, lambda t: nobody), fps=FPS), "1")
    assert answer["video_result"] == {"alive": False, "actions": [{"action": 1, "confidence": 0.0}], "picture": ""}
    assert {item["warning_code"] for item in answer["warning_list"]} == {5}
    assert all(item["warning_msg"] for item in answer["warning_list"])


def test_bad_input_gets_the_documented_errors(client, frs_env, photo, actions_clip):
    from facesets.models import Task

    tasks = Task.objects.count()
    short = encode(timeline(0.5, FPS, lambda t: photo), fps=FPS)
    long = encode(timeline(16, 5, lambda t: photo[::4, ::4].copy()), fps=5)
    cases = [
        ("FRS.0706", short, "1", {}),
        ("FRS.0706", long, "1", {}),
        ("FRS.0701", b"\x00garbage" * 1000, "1", {}),
        ("FRS.0701", actions_clip[: len(actions_clip) // 2], "1", {}),
        ("FRS.0702", actions_clip, "6", {}),
        ("FRS.0702", actions_clip, "1,x", {}),
        ("FRS.0704", actions_clip, ",".join(["1"] * 11), {}),
        ("FRS.0703", actions_clip, "1,2", {"action_time": "0-1000"}),
        ("FRS.0703", actions_clip, "1", {"action_time": "3000-1000"}),
        ("FRS.0703", actions_clip, "1", {"action_time": "1000-60000"}),
        ("FRS.0012", actions_clip, "3", {"nod_threshold": 0.0}),
        ("FRS.0012", actions_clip, "3", {"nod_threshold": 91.0}),
    ]
    for code, video, actions, extra in cases:
        with frs_error(code):
            live(client, video, actions, **extra)
    with frs_error("FRS.0017"):
        live(client, b"\x00" * (9 * 1024 * 1024), "1")
    with frs_error("FRS.0011"):
        client.detect_live_by_base64(frs.DetectLiveByBase64Request(body=frs.LiveDetectBase64Req(actions="1")))
    assert Task.objects.count() == tasks  # no liveness task, nor its clip, is kept


def test_passive_single_image_liveness_is_not_served(client, frs_env):
    with frs_error("APIG.0101", 404):
        client.detect_live_face_by_base64(
            frs.DetectLiveFaceByBase64Request(
                body=frs.LiveDetectFaceBase64Req(image_base64=base64.b64encode(io.BytesIO(b"x").read()).decode())
            )
        )
