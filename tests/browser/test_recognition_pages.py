"""The recognition pages in the dashboard (headless Chromium, live server, real worker): liveness, labelled scores
and ranked persons, the pages linked to each other, identity review, threshold calibration, suggested persons."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from facesets.models import Face, FaceSet, Person, Task
from tests.browser.helpers import sign_in
from tests.support.dashboard import make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_liveness_page(new_page, live_server, worker, shared_data, tmp_path):
    """SYNTHETIC clips (a photo's face mesh turned in 3-D; the photo itself, still): the page shows the decision,
    the chosen picture and the traces, drawn by the local chart library."""
    from tests.support.synthetic_video import FaceRig, bump, encode, load_photo, timeline

    make_team("acme")
    photo = load_photo(shared_data / "people/person02/img3.jpg")
    rig = FaceRig(photo)
    turn = tmp_path / "turn.mp4"
    turn.write_bytes(encode(timeline(2.0, 15, lambda t: rig.render(yaw=35 * bump(t, 400, 1400))), fps=15))
    still = tmp_path / "still.webm"
    still.write_bytes(encode(timeline(2.0, 15, lambda t: photo), fps=15, container="webm", codec="libvpx"))
    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Liveness")
    page.set_input_files("#id_video", str(turn))
    page.fill("#id_actions", "1")
    page.click("button:has-text('Check')")
    result = page.locator("[data-liveness-result]")
    expect(result).to_have_attribute("data-alive", "true", timeout=60_000)
    expect(page.locator("tr[data-action='1']")).to_have_attribute("data-detected", "true")
    expect(page.locator("[data-liveness-picture]")).to_be_visible()
    expect(page.locator("#liveness-plot canvas")).to_have_count(2)
    page.set_input_files("#id_video", str(still))
    page.fill("#id_actions", "1,3")
    page.click("button:has-text('Check')")
    expect(result).to_have_attribute("data-alive", "false", timeout=60_000)
    expect(page.locator("tr[data-action='3']")).to_have_attribute("data-detected", "false")
    page.fill("#id_actions", "7")
    page.set_input_files("#id_video", str(still))
    page.click("button:has-text('Check')")
    expect(page.locator("[data-error-for=actions]")).to_be_visible()


def test_scores_are_labelled_and_persons_ranked(new_page, live_server, worker, shared_data):
    """Every score carries its verdict against the calibrated thresholds; a search lists the persons found (best face,
    number of matching faces); when nothing reaches the minimum the closest face's score is shown; the detector's
    confidence reads as a percentage, not as a similarity. person01/img7 vs person06/img67 is a pair of different
    people scoring raw 0.396 (Huawei 0.886): uncertain, not 'different' and not 'same'."""
    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from facesets.services.runs import face_set_enrol_run

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")

    def enrol(name):
        return face_set_enrol_run(face_set=staff, image=(shared_data / name).read_bytes(), single=True)[0].face

    ann_faces = [enrol(f"people/person01/{name}") for name in ("img1.jpg", "img2.jpg", "img4.jpg")]
    bob_face = enrol("people/person06/img67.jpg")
    enrol("people/person12/img35.jpg")  # nobody's face
    ann = library.person_create(project=team.project, name="Ann")
    bob = library.person_create(project=team.project, name="Bob")
    person_add_faces(person=ann, faces=ann_faces)
    person_add_faces(person=bob, faces=[bob_face])
    group = library.group_create(project=team.project, name="team", persons=[ann, bob])

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Search by photo")
    page.set_input_files("#id_photo", str(shared_data / "people/person01/img7.jpg"))
    page.select_option("#id_scope", f"group:{group.group_id}")
    page.locator("#id_threshold").evaluate("(el) => { el.value = '0.7'; el.dispatchEvent(new Event('input')); }")
    page.click("button:has-text('Search')")
    expect(page.locator("[data-persons]")).to_have_attribute("data-persons", "2", timeout=60_000)
    tiles = page.locator("[data-match]")
    expect(tiles).to_have_count(4)
    for index in range(4):  # each tile's label is its similarity's verdict
        tile = tiles.nth(index)
        similarity = float(tile.locator("[data-similarity]").get_attribute("data-similarity"))
        expected = "same" if similarity >= 0.93 else "uncertain" if similarity >= 0.729 else "different"
        assert tile.get_attribute("data-verdict") == expected, (similarity, tile.get_attribute("data-verdict"))
    first, second = page.locator("[data-person-rank='1']"), page.locator("[data-person-rank='2']")
    expect(first).to_have_attribute("data-person", "Ann")
    expect(first).to_have_attribute("data-faces", "3")
    expect(first.locator("[data-verdict]")).to_have_attribute("data-verdict", "same")
    expect(second).to_have_attribute("data-person", "Bob")
    expect(second).to_have_attribute("data-faces", "1")
    expect(second.locator("[data-verdict]")).to_have_text("uncertain")
    expect(page.locator("[data-match][data-person='Bob'] [data-verdict]")).to_have_text("uncertain")
    ann_best = float(first.locator("[data-similarity]").get_attribute("data-similarity"))
    best_tile = float(tiles.nth(0).locator("[data-similarity]").get_attribute("data-similarity"))
    assert ann_best == best_tile and tiles.nth(0).get_attribute("data-person") == "Ann"

    # Nothing reaches 0.999: the closest face and its score are still shown.
    page.select_option("#id_scope", f"face_set:{staff.face_set_id}")
    page.locator("#id_threshold").evaluate("(el) => { el.value = '1'; el.dispatchEvent(new Event('input')); }")
    page.click("button:has-text('Search')")
    closest = page.locator("[data-closest]")
    expect(closest).to_contain_text("The closest face scores", timeout=60_000)
    expect(closest).to_contain_text("Ann")
    assert float(closest.get_attribute("data-similarity")) == ann_best
    expect(page.locator("[data-match]")).to_have_count(0)

    # Compare: the look-alike pair is uncertain; the boxes' labels are the detector's confidence in per cent.
    page.click("text=Compare photos")
    page.set_input_files("#id_image1", str(shared_data / "people/person01/img7.jpg"))
    page.set_input_files("#id_image2", str(shared_data / "people/person06/img67.jpg"))
    page.click("button:has-text('Compare')")
    result = page.locator("[data-compare-result]")
    expect(result).to_have_attribute("data-verdict", "uncertain", timeout=60_000)
    expect(result.locator("[data-verdict]")).to_have_text("uncertain")
    assert 0.729 <= float(result.get_attribute("data-similarity")) < 0.93
    expect(page.locator("[data-photo-slot=image1] .tag")).to_have_text(re.compile(r"^#1 · face \d{1,3} %$"))
    expect(result.locator("[data-score-legend]")).to_contain_text("uncertain from 0.73")


def test_recognition_pages_are_connected(new_page, live_server, worker, shared_data, tmp_path):
    """Detect → search with a chosen face of a two-person photo (the smaller one, so not the default largest face);
    a face page → faces like it, with no photo. The two-person photo is composed at test time from two labelled
    photos of shared/data/faces."""
    import cv2
    import numpy as np

    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from facesets.services.runs import face_set_enrol_run

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")

    def enrol(name):
        return face_set_enrol_run(face_set=staff, image=(shared_data / name).read_bytes(), single=True)[0].face

    ann_faces = [enrol("people/person01/img1.jpg"), enrol("people/person01/img4.jpg")]
    bob_face = enrol("people/person02/img12.jpg")
    ann = library.person_create(project=team.project, name="Ann")
    bob = library.person_create(project=team.project, name="Bob")
    person_add_faces(person=ann, faces=ann_faces)
    person_add_faces(person=bob, faces=[bob_face])

    def load(name, height):
        image = cv2.imread(str(shared_data / name))
        return cv2.resize(image, (int(image.shape[1] * height / image.shape[0]), height))

    left, right = load("people/person01/img2.jpg", 520), load("people/person02/img54.jpg", 300)
    canvas = np.full((520, left.shape[1] + right.shape[1] + 40, 3), 255, np.uint8)
    canvas[:, : left.shape[1]] = left
    canvas[110 : 110 + right.shape[0], left.shape[1] + 40 :] = right
    photo = tmp_path / "two.jpg"
    cv2.imwrite(str(photo), canvas)

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Detect faces")
    page.set_input_files("#id_image", str(photo))
    page.click("button:has-text('Detect')")
    expect(page.locator("[data-detect-result]")).to_have_attribute("data-faces-found", "2", timeout=60_000)
    buttons = page.locator("[data-search-box]")
    boxes = [[int(v) for v in buttons.nth(i).get_attribute("data-search-box").split(",")] for i in range(2)]
    smaller = min(range(2), key=lambda i: boxes[i][2] * boxes[i][3])
    assert boxes[smaller][0] > left.shape[1]  # the smaller face is the right-hand one: Bob's
    buttons.nth(smaller).click()
    results = page.locator("[data-face-search-results]")
    expect(results.locator("[data-match='1']")).to_have_attribute("data-person", "Bob", timeout=60_000)
    expect(results.locator("[data-person-rank='1']")).to_have_attribute("data-person", "Bob")
    buttons.nth(1 - smaller).click()
    expect(results.locator("[data-match='1']")).to_have_attribute("data-person", "Ann", timeout=60_000)

    # Enrol the smaller face, for Bob picked by name: only that face is added, with that box.
    page.fill("#face-enrol-person", "bob")
    page.click(f".picker-option[data-option='{bob.person_id}']")
    page.locator("[data-enrol-box]").nth(smaller).click()
    note = page.locator("[data-enrolled]").nth(smaller)
    expect(note).to_have_attribute("data-outcome", "ok", timeout=60_000)
    added = Face.objects.filter(project=team.project, person=bob).exclude(pk=bob_face.pk).get()
    assert staff.members.filter(face=added).exists() and staff.members.count() == 4
    x, y, w, h = boxes[smaller]
    assert abs(added.box_x - x) <= 2 and abs(added.box_width - w) <= 2, (added.bounding_box(), boxes[smaller])
    from facesets.models import AuditEvent

    enrolled = AuditEvent.objects.get(project=team.project, action="faces.enrol", actor="acme-admin")
    assert (enrolled.interface, enrolled.target_id) == ("dashboard", staff.face_set_id)
    assert enrolled.details["faces"] == [added.face_id] and enrolled.details["person"] == bob.person_id

    # A face page leads to the faces like it: Ann's other face first, labelled the same person; no photo needed.
    page.goto(f"{live_server.url}/faces/{ann_faces[0].face_id}/")
    page.click("[data-find-similar='staff']")
    expect(page.locator("[data-query-face]")).to_have_attribute("data-query-face", ann_faces[0].face_id)
    first = page.locator("[data-match='1']")
    expect(first).to_have_attribute("data-verdict", "same")
    expect(first.locator("a").first).to_have_attribute(
        "href", f"/p/{team.project.project_id}/faces/{ann_faces[1].face_id}/"
    )
    expect(page.locator("[data-match]")).to_have_count(3)  # the set's other three faces, not the face itself
    expect(page.locator("[data-person-rank='1']")).to_have_attribute("data-person", "Ann")


def test_identity_review_merges_a_twice_entered_person_and_flags_a_stray_face(
    new_page, live_server, worker, shared_data
):
    """Real photos: two persons made from photos of one labelled person are proposed for merging and merged in one
    click; a face of another labelled person, given to the wrong person, is flagged with the person it matches and
    moved there in one click; afterwards the review finds nothing."""
    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from facesets.services.runs import face_set_enrol_run

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")

    def person(name, photos):
        faces = [
            face_set_enrol_run(face_set=staff, image=(shared_data / "people" / photo).read_bytes(), single=True)[0].face
            for photo in photos
        ]
        created = library.person_create(project=team.project, name=name)
        person_add_faces(person=created, faces=faces)
        return created, faces

    ann, _ = person("Ann", ["person02/img3.jpg", "person02/img12.jpg"])
    ann_badge, _ = person("Ann (badge photo)", ["person02/img53.jpg", "person02/img54.jpg"])
    bob, _ = person("Bob", ["person03/img48.jpg", "person03/img49.jpg", "person03/img50.jpg"])
    cy, _ = person("Cy", ["person05/img17.jpg", "person05/img59.jpg"])
    stray = face_set_enrol_run(face_set=staff, image=(shared_data / "people/person05/img16.jpg").read_bytes())[0].face
    person_add_faces(person=bob, faces=[stray])  # Cy's photo given to Bob by mistake

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Identity review")
    expect(page.locator("h1")).to_have_text("Identity review")
    expect(page.locator("[data-review-counts]")).to_have_text("10 faces of 4 persons reviewed.")
    pairs = page.locator("[data-pair]")
    expect(pairs).to_have_count(1)
    expect(pairs.first).to_have_attribute("data-pair", f"{ann.person_id} {ann_badge.person_id}")
    assert float(pairs.first.locator("[data-pair-score]").inner_text()) >= 0.93
    strays = page.locator("[data-stray]")
    expect(strays).to_have_count(1)
    expect(strays.first).to_have_attribute("data-stray", stray.face_id)
    expect(strays.first).to_contain_text("Given to Bob")
    expect(strays.first).to_contain_text("Matches Cy")

    pairs.first.locator("[data-merge]").click()
    expect(page.locator("body")).to_contain_text("Merged Ann (badge photo) into Ann: 2 faces moved.")
    expect(page.locator("h1")).to_have_text("Identity review")
    expect(page.locator("[data-no-pairs]")).to_be_visible()
    assert not Person.objects.filter(pk=ann_badge.pk).exists() and ann.faces.count() == 4

    page.locator(f"[data-stray='{stray.face_id}'] [data-move]").click()
    expect(page.locator("body")).to_contain_text(f"Face {stray.face_id} now belongs to Cy.")
    expect(page.locator("[data-no-strays]")).to_be_visible()
    stray.refresh_from_db()
    assert stray.person_id == cy.pk
    expect(page.locator("[data-review-counts]")).to_have_text("10 faces of 3 persons reviewed.")

    # Both changes are in the audit log, as this user's, made in the dashboard; filtering keeps only the merge.
    page.click("text=Audit log")
    merge = page.locator("[data-audit-event][data-action='person.merge']")
    expect(merge).to_have_count(1)
    expect(merge).to_have_attribute("data-actor", "acme-admin")
    expect(merge).to_have_attribute("data-interface", "dashboard")
    expect(merge).to_have_attribute("data-target", ann.person_id)
    expect(merge).to_contain_text(ann_badge.person_id)
    moved = page.locator(f"[data-audit-event][data-action='faces.assign'][data-target='{cy.person_id}']")
    expect(moved.first).to_contain_text(stray.face_id)
    expect(moved.first).to_have_attribute("data-actor", "acme-admin")
    page.select_option("#id_action", "person.merge")
    page.click("button:has-text('Filter')")
    expect(page.locator("[data-audit-event]")).to_have_count(1)
    listed = page.request.get(f"{live_server.url}/audit/?action=person.merge&format=json").json()
    assert [(e["action"], e["actor"], e["interface"]) for e in listed["events"]] == [
        ("person.merge", "acme-admin", "dashboard")
    ]


def _labelled_photos_enrolled(project, shared_data) -> dict[str, list[str]]:
    """Every labelled photo that bench/accuracy.py measures (bench/calibrate.py's list: labels.csv and more_people/),
    its largest face enrolled in a new face set "staff" through a worker, WebP included: identity -> face ids."""
    import importlib.util

    from facesets.services import jobs, library
    from facesets.services.enrolment import ENROL_FORMATS
    from facesets.services.tasks import task_run
    from tests.conftest import REPO_ROOT

    spec = importlib.util.spec_from_file_location("bench_calibrate", REPO_ROOT / "bench" / "calibrate.py")
    calibrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibrate)
    staff = library.face_set_create(project=project, name="staff")
    faces: dict[str, list[str]] = {}
    for name, identity in calibrate.labelled_photos(shared_data):
        params = jobs.FaceSetEnrol(face_set=staff.pk, single=True, formats=list(ENROL_FORMATS))
        result = task_run(project=project, kind=params.kind, params=params, payload=(shared_data / name).read_bytes())
        faces.setdefault(identity, []).extend(result["faces"])
    return faces


def test_threshold_calibration_agrees_with_the_benchmark_on_the_same_photos(new_page, live_server, worker, shared_data):
    """The labelled photos that bench/accuracy.py measures (100 photos of 33 people), each enrolled and given to the
    person it shows: the calibration page counts the same genuine and impostor pairs and, at Huawei's 0.93, the same
    false accepts and false rejects as the benchmark's committed figures (bench/results/accuracy.json); moving the
    threshold up trades one for the other; a face set's size turns the FAR into a search's chance of a stranger."""
    import json

    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from tests.conftest import REPO_ROOT

    accuracy = json.loads((REPO_ROOT / "bench" / "results" / "accuracy.json").read_text())
    huawei = next(row for row in accuracy["dialect_thresholds"] if row["label"] == "Huawei similarity 0.93")
    team = make_team("acme")
    for identity, face_ids in _labelled_photos_enrolled(team.project, shared_data).items():
        person = library.person_create(project=team.project, name=identity[-40:])
        person_add_faces(person=person, faces=Face.objects.filter(face_id__in=face_ids))
    staff = FaceSet.objects.get(project=team.project, name="staff")

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Thresholds")
    expect(page.locator("h1")).to_have_text("Thresholds from your own faces")
    genuine, impostor = 189, 4761  # the benchmark's pairs of the same photos (bench/REPORT.md, section 4)
    expect(page.locator("[data-genuine-pairs]")).to_have_attribute("data-genuine-pairs", str(genuine))
    expect(page.locator("[data-impostor-pairs]")).to_have_attribute("data-impostor-pairs", str(impostor))
    accepts = int(page.locator("[data-false-accepts]").get_attribute("data-false-accepts"))
    rejects = int(page.locator("[data-false-rejects]").get_attribute("data-false-rejects"))
    assert (accepts, rejects) == (round(huawei["far"] * impostor), round(huawei["frr"] * genuine))
    expect(page.locator("[data-plot] [data-threshold-line]")).to_have_count(1)

    # a stricter threshold: fewer false accepts, more false rejects
    page.locator("#id_similarity_range").fill("0.99")
    expect(page.locator("#id_similarity")).to_have_value("0.99")
    page.click("button:has-text('Measure')")
    expect(page.locator("[data-calibration]")).not_to_have_attribute("data-threshold", str(huawei["raw_cosine"]))
    assert int(page.locator("[data-false-accepts]").get_attribute("data-false-accepts")) <= accepts
    assert int(page.locator("[data-false-rejects]").get_attribute("data-false-rejects")) > rejects

    # the face set: its size is among the search sizes, and the chance of a stranger grows with the size
    page.select_option("#id_scope", staff.face_set_id)
    page.fill("#id_similarity", "0.93")
    page.click("button:has-text('Measure')")
    expect(page.locator("[data-fpir-size='100']")).to_contain_text("staff")
    chances = [
        float(page.locator(f"[data-fpir-size='{size}'] [data-fpir-value]").get_attribute("data-fpir-value"))
        for size in (100, 1000, 10000)
    ]
    far = accepts / impostor
    assert chances == pytest.approx([1 - (1 - far) ** size for size in (100, 1000, 10000)], rel=1e-6)
    assert chances[0] < chances[1] < chances[2] <= 1.0


def test_suggested_persons_group_the_unassigned_labelled_photos_and_name_a_group_at_once(
    new_page, live_server, worker, shared_data, settings
):
    """The labelled photos enrolled without persons: the suggested persons are the labelled people with two photos or
    more, each group one person's photos only (purity and completeness 1.000 on these photos, as the README states);
    naming a group makes it a person with all its faces. The page is made not to wait for the worker at all, as for
    a library whose grouping takes minutes: it moves to the grouping's own address, follows the worker's progress
    and shows the groups when they are ready."""
    team = make_team("acme")
    photos_of = _labelled_photos_enrolled(team.project, shared_data)
    expected = sorted(sorted(faces) for faces in photos_of.values() if len(faces) >= 2)
    settings.FACELIB_INSIGHT_WAIT = 0

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.click("text=Unassigned faces")
    page.click("[data-suggested-persons]")
    expect(page.locator("h1")).to_have_text("Suggested persons")
    expect(page).to_have_url(re.compile(r"[?&]task=[0-9a-f]{32}"))
    task = Task.objects.get(task_id=re.search(r"task=([0-9a-f]{32})", page.url).group(1))
    assert (task.project, task.kind) == (team.project, "faces.cluster")
    clusters = page.locator("[data-cluster]")
    expect(clusters).to_have_count(len(expected))
    found = sorted(
        sorted(
            clusters.nth(index)
            .locator("[data-cluster-face]")
            .evaluate_all("(links) => links.map((link) => link.getAttribute('data-cluster-face'))")
        )
        for index in range(len(expected))
    )
    assert found == expected  # every group is exactly one labelled person's photos

    first = clusters.first
    group = first.locator("[data-cluster-face]").evaluate_all(
        "(l) => l.map((x) => x.getAttribute('data-cluster-face'))"
    )
    first.locator("[data-new-person]").fill("Named at once")
    first.locator("[data-name-cluster]").click()
    expect(page.locator("body")).to_contain_text(f"{len(group)} faces now belong to Named at once.")
    expect(page.locator("[data-cluster]")).to_have_count(len(expected) - 1)
    person = Person.objects.get(project=team.project, name="Named at once")
    assert sorted(person.faces.values_list("face_id", flat=True)) == sorted(group)
    from facesets.models import AuditEvent

    mine = AuditEvent.objects.filter(project=team.project, actor="acme-admin", interface="dashboard")
    assert mine.filter(action="person.create", target_id=person.person_id).exists()
    assign = mine.get(action="faces.assign", target_id=person.person_id)
    assert assign.details["count"] == len(group)
