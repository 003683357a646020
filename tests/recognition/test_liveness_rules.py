"""The liveness decision rules on per-frame signal traces (no video, no model): every action and direction, order,
windows, nod_threshold, amplitudes just below and above each threshold, the face lost mid-video, two faces, the
picture's frame and the warnings. The traces are synthetic by construction: they test the rules, not accuracy."""

from __future__ import annotations

import math

import pytest

from recognition.liveness import DEFAULTS, Sample, confidence, decide

FPS = 15.0
REST = {"yaw": 2.0, "pitch": -3.0, "ear": 0.28, "blink": 0.1, "mar": 0.02, "jaw": 0.01}


def bump(t: float, start: float, end: float, height: float) -> float:
    """A smooth excursion of `height` between start and end (ms): up, then back."""
    if not start <= t <= end:
        return 0.0
    return height * math.sin(math.pi * (t - start) / (end - start))


def trace(seconds: float = 4.0, events=(), *, present=lambda t: True, faces=lambda t: 1, **levels) -> list[Sample]:
    """Samples at 15 fps of a face at rest, plus each event (signal, start ms, end ms, height)."""
    samples = []
    for k in range(int(seconds * FPS)):
        t = k * 1000.0 / FPS
        values = {**REST, **levels}
        for signal, start, end, height in events:
            values[signal] += bump(t, start, end, height)
        samples.append(
            Sample(t=t, present=present(t), faces=faces(t), sharpness=0.9, brightness=120.0, size=200, **values)
        )
    return samples


def test_confidence_is_a_margin_score():
    assert confidence(15, 15) == 0.5 and confidence(30, 15) == 1.0 and confidence(7.5, 15) == 0.25
    assert confidence(0, 15) == 0.0 and confidence(22.5, 15) == 0.75


@pytest.mark.parametrize(("action", "signal", "sign"), [(1, "yaw", 1), (2, "yaw", -1), (3, "pitch", -1)])
def test_each_head_action_in_its_direction(action, signal, sign):
    samples = trace(events=[(signal, 1000, 2200, sign * 25)])
    decision = decide(samples, [action])
    assert decision.alive and decision.actions[0].detected and decision.actions[0].confidence > 0.5
    other = {1: 2, 2: 1, 3: 1}[action]
    assert not decide(samples, [other]).alive


def test_turn_left_is_the_persons_left_nose_to_the_image_right():
    """yaw > 0 is the nose towards the image's right: the person's own left in an unmirrored video."""
    assert decide(trace(events=[("yaw", 500, 1500, 20)]), [1]).alive
    assert not decide(trace(events=[("yaw", 500, 1500, 20)]), [2]).alive


@pytest.mark.parametrize(("height", "detected"), [(14.5, False), (15.5, True)])
def test_turn_threshold_just_below_and_above(height, detected):
    decision = decide(trace(events=[("yaw", 1000, 2500, height)]), [1])
    assert decision.actions[0].detected is detected
    assert (6 in decision.warnings) is (not detected)  # amplitude too small


def test_a_turn_with_as_much_pitch_is_not_a_turn():
    samples = trace(events=[("yaw", 1000, 2000, 20), ("pitch", 1000, 2000, 20)])
    assert not decide(samples, [1]).alive


@pytest.mark.parametrize("nod_threshold", [1.0, 10.0, 90.0])
def test_nod_threshold(nod_threshold):
    below = trace(events=[("pitch", 1000, 2000, -nod_threshold * 0.95)])
    above = trace(events=[("pitch", 1000, 2000, -nod_threshold * 1.06)])
    assert not decide(below, [3], nod_threshold=nod_threshold).alive
    assert decide(above, [3], nod_threshold=nod_threshold).alive
    if nod_threshold < 90:
        assert not decide(above, [3], nod_threshold=nod_threshold * 1.2).alive


def test_a_nod_with_the_jaw_opening_is_not_counted():
    samples = trace(events=[("pitch", 1000, 2000, -15), ("mar", 1000, 2000, 0.2)])
    assert not decide(samples, [3]).alive


@pytest.mark.parametrize(("height", "detected"), [(0.14, False), (0.17, True)])
def test_mouth_open_then_close(height, detected):
    assert decide(trace(events=[("mar", 1000, 2000, height)]), [4]).alive is detected


def test_a_mouth_open_throughout_is_a_level_not_an_action():
    assert not decide(trace(mar=0.3, events=[("mar", 1000, 2000, 0.1)]), [4]).alive
    opened_for_good = [Sample(**{**s.__dict__, "mar": 0.02 if s.t < 1000 else 0.3}) for s in trace()]
    assert not decide(opened_for_good, [4]).alive  # opened, never closed


def test_blink_a_short_drop_and_recovery():
    blink = trace(events=[("ear", 1000, 1300, -0.14)])  # -50 % for 300 ms
    assert decide(blink, [5]).alive
    slow = trace(events=[("ear", 1000, 2500, -0.14)])  # eyes closed for 1.5 s: not a blink
    assert not decide(slow, [5]).alive
    shallow = trace(events=[("ear", 1000, 1300, -0.08)])  # -29 %
    assert not decide(shallow, [5]).alive
    scored = trace(events=[("blink", 1000, 1300, 0.4)])  # the blendshape alone
    assert decide(scored, [5]).alive


def test_order_matters_without_windows():
    samples = trace(seconds=5, events=[("yaw", 500, 1500, 25), ("yaw", 2500, 3500, -25)])
    assert decide(samples, [1, 2]).alive
    reversed_order = decide(samples, [2, 1])
    assert not reversed_order.alive
    assert [r.detected for r in reversed_order.actions] == [True, False]


def test_several_actions_each_in_its_window():
    samples = trace(
        seconds=6,
        events=[
            ("yaw", 500, 1500, 25),
            ("pitch", 2000, 3000, -15),
            ("mar", 3500, 4300, 0.25),
            ("ear", 4800, 5100, -0.15),
        ],
    )
    windows = [(0, 1800), (1800, 3300), (3300, 4600), (4600, 6000)]
    decision = decide(samples, [1, 3, 4, 5], windows=windows)
    assert decision.alive and [r.action for r in decision.actions] == [1, 3, 4, 5]
    wrong = [(1800, 3300), (0, 1800), (3300, 4600), (4600, 6000)]
    assert not decide(samples, [1, 3, 4, 5], windows=wrong).alive


def test_a_still_face_performs_nothing():
    for action in (1, 2, 3, 4, 5):
        decision = decide(trace(), [action])
        assert not decision.alive and decision.actions[0].confidence < 0.1


def test_the_face_lost_mid_video():
    lost = trace(seconds=4, events=[("yaw", 500, 1500, 25)], present=lambda t: t < 1600)
    decision = decide(lost, [1])
    assert decision.actions[0].detected and not decision.alive and decision.presence < DEFAULTS.min_presence
    nobody = decide(trace(present=lambda t: False), [1])
    assert not nobody.alive and 5 in nobody.warnings and nobody.best is None


def test_two_faces_warn_and_the_largest_is_judged():
    decision = decide(trace(events=[("yaw", 1000, 2000, 25)], faces=lambda t: 2), [1])
    assert decision.alive and 4 in decision.warnings and 106 in decision.warnings


def test_the_picture_is_frontal_eyes_open_mouth_closed_and_away_from_peaks():
    samples = trace(seconds=4, events=[("yaw", 0, 2000, 30), ("mar", 2000, 3000, 0.3), ("ear", 3000, 4000, -0.1)])
    decision = decide(samples, [1])
    chosen = samples[decision.best]
    assert abs(chosen.yaw - REST["yaw"]) < 15 and chosen.mar < 0.1 and chosen.ear >= 0.85 * REST["ear"]


def test_quality_warnings_on_the_picture():
    dark_blurred = [Sample(**{**s.__dict__, "sharpness": 0.2, "brightness": 30.0}) for s in trace()]
    decision = decide(dark_blurred, [1])
    assert {101, 102, 105} <= set(decision.warnings)
    turned = decide(trace(yaw=35.0), [1])
    assert 1 in turned.warnings
