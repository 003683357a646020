"""The operator dashboard in headless Chromium, against the live server and a real Celery worker.

One long operator story (sign in, face set with typed fields, enrolment with live progress, range filter, search,
persons and merge, credentials) and a viewer refused on a delete. The steps share one worker and one database state
on purpose: each step needs the faces the previous ones made, and starting the worker once keeps this fast.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from facesets.models import Credential, Face, FaceSet, Person, Task
from tests.support.dashboard import PASSWORD, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENROL_FILES = [
    "people/person01/img5.jpg",
    "people/person02/img12.jpg",
    "people/person03/img47.jpg",  # a WebP under a .jpg name
    "people/person04/img57.jpg",
    "no_face/brick.jpg",
]


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("acme")


def test_operator_story(new_page, live_server, worker, shared_data):
    team = make_team("acme")
    base = live_server.url
    page = new_page()
    sign_in(page, base, "acme-admin")
    expect(page.locator("[data-check=database] [data-state]")).to_have_text("Up")

    # A face set with two typed fields, through the schema editor.
    page.click("text=Face sets")
    page.click("text=+ New face set")
    page.fill("#id_name", "staff")
    rows = page.locator("[data-schema-rows] .schema-row")
    rows.nth(0).locator("input").fill("age")
    rows.nth(0).locator("select").select_option("integer")
    page.click("[data-add-row]")
    rows.nth(1).locator("input").fill("vip")
    rows.nth(1).locator("select").select_option("boolean")
    page.click("button:has-text('Create face set')")
    expect(page.locator("h1")).to_have_text("staff")
    face_set = FaceSet.objects.get(project=team.project, name="staff")
    assert face_set.field_schema == {"age": "integer", "vip": "boolean"}
    expect(page.locator(".empty h3")).to_have_text("This face set is empty")

    # Enrol five photos with default field values; the progress bar reaches 100 % and each file has its outcome.
    page.click("text=Enrol photos >> nth=0")
    page.fill("#id_field__age", "30")
    page.select_option("#id_field__vip", "false")
    page.set_input_files("#id_photos", [str(shared_data / name) for name in ENROL_FILES])
    expect(page.locator("[data-chosen]")).to_have_text("5 photos chosen")
    page.click("button:has-text('Upload and enrol')")
    panel = page.locator("[data-progress-panel]")
    expect(panel).to_have_attribute("data-progress", "100", timeout=120_000)
    expect(page.locator("[data-percent]")).to_have_text("100 %")
    expect(page.locator("[data-state-label]")).to_have_text("Finished")
    expect(page.locator("tr[data-file][data-outcome=ok]")).to_have_count(4)
    expect(page.locator("tr[data-file='4']")).to_have_attribute("data-outcome", "no_face")
    expect(page.locator("tr[data-file='4'] .badge")).to_have_text("No face found")
    face_set.refresh_from_db()
    assert face_set.face_count == 4

    # The grid: four faces; change one face's age, then a range filter finds exactly that one.
    page.click("[data-done-links] >> text=Open staff")
    expect(page.locator(".faces .face")).to_have_count(4)
    page.click(".face:has-text('img12')")
    page.fill("#id_field__age", "52")
    page.click("button:has-text('Save') >> nth=0")
    expect(page.locator(".alert.success")).to_contain_text("saved")
    page.click(".crumbs >> text=staff")
    page.fill("#id_filter", "age:[40 TO 60]")
    page.click("button:has-text('Apply')")
    expect(page.locator("[data-match-count]")).to_have_attribute("data-match-count", "1")
    expect(page.locator(".faces .face")).to_have_count(1)
    expect(page.locator(".faces .face .id")).to_have_text("img12")
    page.fill("#id_filter", "age:[40 TO")
    page.click("button:has-text('Apply')")
    expect(page.locator("[data-error-for=filter]")).to_contain_text("Invalid filter")

    # Search with another photo of person01: their face comes first, the query face is cut out of the photo.
    page.click("text=Search by photo")
    page.set_input_files("#id_photo", str(shared_data / "people/person01/img11.jpg"))
    page.select_option("#id_scope", f"face_set:{face_set.face_set_id}")
    page.locator("#id_threshold").evaluate("(el) => { el.value = '0.5'; el.dispatchEvent(new Event('input')); }")
    page.click("button:has-text('Search')")
    first = page.locator("[data-match='1']")
    expect(first).to_have_attribute("data-external-image-id", "img5", timeout=60_000)
    expect(page.locator("[data-photo-slot=photo]")).to_have_attribute("data-drawn", "1")
    similarity = float(first.locator("[data-similarity]").get_attribute("data-similarity"))
    assert similarity >= 0.93, similarity

    # Persons: two records of one identity, a face given to each, then merged.
    page.click("text=Persons")
    page.fill("#id_name", "Person One")
    page.click("button:has-text('Create person')")
    expect(page.locator("h1")).to_have_text("Person One")
    page.click(".crumbs >> text=Persons")
    page.fill("#id_name", "P. One (duplicate)")
    page.click("button:has-text('Create person')")
    expect(page.locator("h1")).to_have_text("P. One (duplicate)")
    page.set_input_files("#person-enrol-form input[type=file]", str(shared_data / "people/person01/img6.jpg"))
    page.click("#person-enrol-form button[type=submit]")
    expect(page.locator("h1 .badge")).to_have_text("Done", timeout=60_000)
    expect(page.locator("td .badge.ok")).to_have_text("1 face added")
    # give the enrolled face of person01 to Person One from its face page
    face = Face.objects.get(project=team.project, external_image_id="img5")
    page.goto(f"{base}/face-sets/{face_set.face_set_id}/faces/{face.face_id}/")
    page.fill("#face-person", "person one")  # the picker finds names ignoring case; the person is picked by id
    page.click(".picker-option:has-text('Person One')")
    page.click("button:has-text('Save person')")
    expect(page.locator(".alert.success")).to_contain_text("now belongs to Person One")
    person_one = Person.objects.get(project=team.project, name="Person One")
    duplicate = Person.objects.get(project=team.project, name="P. One (duplicate)")
    page.goto(f"{base}/persons/{person_one.person_id}/")
    page.fill("#merge-person", "duplicate")
    page.click(".picker-option:has-text('P. One (duplicate)')")
    page.click("button:has-text('Review merge')")
    expect(page.locator("[data-merge-summary]")).to_contain_text("1 face")
    page.click("button:has-text('Merge P. One (duplicate) into Person One')")
    expect(page.locator(".alert.success")).to_contain_text("1 faces moved")
    expect(page.locator(".faces .face")).to_have_count(2)
    assert not Person.objects.filter(pk=duplicate.pk).exists()

    # Credentials: the secret is shown once, with examples filled in; then the key is revoked.
    page.click("text=API credentials")
    page.fill("#id_description", "browser test")
    page.click("button:has-text('Create key')")
    access_key = page.locator("[data-access-key]").inner_text()
    secret = page.locator("[data-secret-key]").inner_text()
    credential = Credential.objects.get(access_key=access_key)
    assert credential.secret == secret
    expect(page.locator("#example-sdk")).to_contain_text(f'"{base}"')
    expect(page.locator("#example-sdk")).to_contain_text(team.project.project_id)
    page.goto(base + "/credentials/")
    expect(page.locator("[data-new-credential]")).to_have_count(0)
    page.locator(f"tr[data-credential='{access_key}'] button:has-text('Revoke')").click()
    expect(page.locator(f"tr[data-credential='{access_key}'] .badge")).to_contain_text("revoked")
    credential.refresh_from_db()
    assert credential.revoked is not None

    # Compare and detect draw their boxes over the chosen photos in the browser.
    page.click("text=Compare photos")
    page.set_input_files("#id_image1", str(shared_data / "people/person01/img5.jpg"))
    page.set_input_files("#id_image2", str(shared_data / "people/person01/img11.jpg"))
    page.click("button:has-text('Compare')")
    expect(page.locator("[data-compare-result] [data-verdict]")).to_have_text("Same person", timeout=60_000)
    expect(page.locator("[data-photo-slot=image2] .photo-wrap")).to_have_attribute("data-drawn", "1")
    page.click("text=Detect faces")
    page.set_input_files("#id_image", str(shared_data / "groups/face_recognition__two_people.jpg"))
    page.click("button:has-text('Detect')")
    expect(page.locator("[data-detect-result]")).to_have_attribute("data-faces-found", "2", timeout=60_000)
    expect(page.locator("[data-photo-slot=image] .pt")).to_have_count(10)
    # The face analysis: the dense mesh of both faces, hidden and shown by the switch; pose per face in the table.
    expect(page.locator("[data-photo-slot=image] .mpt")).to_have_count(2 * 478)
    expect(page.locator("[data-photo-slot=image] .mpt").first).to_be_visible()
    page.uncheck("[data-mesh-toggle]")
    expect(page.locator("[data-photo-slot=image] .mpt").first).to_be_hidden()
    page.check("[data-mesh-toggle]")
    expect(page.locator("[data-photo-slot=image] .mpt").first).to_be_visible()
    expect(page.locator("[data-face-row] [data-yaw]")).to_have_count(2)

    # Every change of this story is in the audit log, as this user's, through the dashboard (the enrolments too,
    # though workers made them); looking (search, compare, detect) changed nothing and is not there.
    page.click("text=Audit log")
    events = page.locator("[data-audit-event]")
    expect(events.first).to_be_visible()
    recorded = events.evaluate_all(
        "(rows) => rows.map((r) => [r.dataset.action, r.dataset.actor, r.dataset.interface, r.dataset.target])"
    )
    setup = [row for row in recorded if row[2] == "system"]  # make_team's memberships, outside any request
    assert [action for action, *_ in setup] == ["member.set", "member.set"]
    recorded = [row for row in recorded if row not in setup]
    assert {(actor, interface) for _, actor, interface, _ in recorded} == {("acme-admin", "dashboard")}
    actions = [action for action, *_ in recorded]
    staff = FaceSet.objects.get(project=team.project, name="staff")
    one = Person.objects.get(project=team.project, name="Person One")
    assert actions.count("faces.enrol") == 5  # four photos of the upload with a face, the person's photo
    for action, target in [
        ("face_set.create", staff.face_set_id),
        ("face.update", None),  # the age changed in the grid
        ("person.create", one.person_id),
        ("faces.assign", one.person_id),
        ("person.merge", one.person_id),
        ("credential.create", access_key),
        ("credential.revoke", access_key),
    ]:
        assert any(a == action and (target is None or t == target) for a, _, _, t in recorded), (action, recorded)
    assert secret not in page.content()  # a credential is named by its access key only


def test_viewer_is_refused_on_delete(new_page, live_server):
    team = make_team("acme")
    from facesets.services import library

    face_set = library.face_set_create(project=team.project, name="staff")
    face = Face.objects.create(
        project=team.project,
        external_image_id="kept",
        box_x=0,
        box_y=0,
        box_width=10,
        box_height=10,
        detection_score=1.0,
    )
    face_set.members.create(face=face, model="test", vector=[1.0] + [0.0] * 127)
    page = new_page()
    sign_in(page, live_server.url, "acme-viewer")
    expect(page.locator(".badge.role")).to_have_text("viewer")
    page.goto(f"{live_server.url}/face-sets/{face_set.face_set_id}/faces/{face.face_id}/")
    expect(page.locator(".readonly-note")).to_be_visible()
    page.click("[data-action=delete-face]")
    expect(page.locator("[data-refused]")).to_contain_text("Your role in acme is viewer")
    expect(page.locator("[data-refused]")).to_contain_text("Nothing was changed")
    assert Face.objects.filter(pk=face.pk).exists()
    assert face_set.members.count() == 1
    from facesets.models import AuditEvent

    assert not AuditEvent.objects.filter(project=team.project, actor="acme-viewer").exists()  # nothing happened


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


def test_erase_person_everywhere(new_page, live_server, worker, shared_data):
    """Right to erasure: a person with faces in two face sets, in a group, one of them with its photo kept, is erased
    from the person page; nothing of theirs is left in any table, another person's face beside theirs is untouched."""
    from facesets.models import FaceSetMember, Group, Image
    from facesets.services import library
    from facesets.services.faces import face_set_add_faces, person_add_faces
    from facesets.services.runs import face_set_enrol_run
    from recognition.models import Embedding

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")
    visitors = library.face_set_create(project=team.project, name="visitors")
    photos = sorted((shared_data / "people" / "person05").glob("*.jpg"))[:2]
    faces = [face_set_enrol_run(face_set=staff, image=p.read_bytes(), single=True)[0].face for p in photos]
    face_set_add_faces(face_set=visitors, faces=faces[:1])
    other_photo = sorted((shared_data / "people" / "person06").glob("*.jpg"))[0]
    other = face_set_enrol_run(face_set=staff, image=other_photo.read_bytes(), single=True)[0].face
    person = library.person_create(project=team.project, name="Jo Erased")
    person_add_faces(person=person, faces=faces)
    group = library.group_create(project=team.project, name="badges", persons=[person])
    Image.objects.filter(faces=faces[0]).update(photo=photos[0].read_bytes())  # kept, as FACELIB_KEEP_PHOTOS keeps it
    face_pks = [face.pk for face in faces]
    assert Embedding.objects.filter(face__in=face_pks).exists()

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.goto(f"{live_server.url}/persons/{person.person_id}/")
    page.click("text=Erase everywhere…")
    expect(page.locator("form.card p")).to_contain_text(
        "2 faces of Jo Erased with their vectors and thumbnails, 3 entries in 2 face sets, 1 kept photo showing them "
        "and 1 group membership"
    )
    page.click("button:has-text('Erase person')")
    expect(page.locator("h1")).to_have_text("Persons")
    expect(page.locator("body")).to_contain_text(
        "Erased Jo Erased: 2 faces with their vectors and thumbnails, 3 entries in 2 face sets, 1 kept photo, "
        "1 group membership."
    )

    assert not Person.objects.filter(pk=person.pk).exists()
    assert not Face.objects.filter(pk__in=face_pks).exists()
    assert not FaceSetMember.objects.filter(face_id__in=face_pks).exists()
    assert not Embedding.objects.filter(face_id__in=face_pks).exists()
    assert not Image.objects.filter(photo__isnull=False, project=team.project).exists()
    assert list(group.persons.all()) == [] and Group.objects.filter(pk=group.pk).exists()
    staff.refresh_from_db()
    visitors.refresh_from_db()
    assert (staff.face_count, visitors.face_count) == (1, 0)
    assert list(FaceSetMember.objects.filter(face_set=staff).values_list("face_id", flat=True)) == [other.pk]
    assert page.request.get(f"{live_server.url}/faces/{faces[0].face_id}/thumb.jpg").status == 404
    assert page.request.get(f"{live_server.url}/faces/{other.face_id}/thumb.jpg").status == 200

    # The erasure is in the audit log as this user's, by the person's id; their name is gone from the whole log.
    from facesets.models import AuditEvent

    erased = AuditEvent.objects.get(project=team.project, action="person.erase")
    assert (erased.actor, erased.interface, erased.details["person"]) == ("acme-admin", "dashboard", person.person_id)
    assert erased.details["faces"] == 2
    assert AuditEvent.objects.filter(target_id=person.person_id).exists()  # their earlier events stay, by id
    assert not [
        e for e in AuditEvent.objects.filter(project=team.project) if "Jo Erased" in e.target_label + str(e.details)
    ]


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


def test_face_lifecycle_is_visible(new_page, live_server, worker, shared_data):
    """Every face is reachable and every removal says what it removed from where: a face removed from its set stays
    with its person; taken from its person too, it shows on the overview and under Unassigned faces with its expiry;
    given back to a person from there; finally deleted everywhere from its own page. An empty 'Move to' changes
    nothing."""
    from facesets.models import FaceSetMember
    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from facesets.services.runs import face_set_enrol_run

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")

    def enrol(name):
        return face_set_enrol_run(face_set=staff, image=(shared_data / name).read_bytes(), single=True)[0].face

    kept, other = enrol("people/person01/img1.jpg"), enrol("people/person01/img2.jpg")
    nobodys = enrol("people/person02/img12.jpg")
    ann = library.person_create(project=team.project, name="Ann")
    person_add_faces(person=ann, faces=[kept, other])
    base = live_server.url
    page = new_page()
    sign_in(page, base, "acme-admin")
    expect(page.locator("[data-stat=detached]")).to_have_count(0)

    # An empty "Move to…" is refused by the form and by the server alike.
    page.goto(f"{base}/persons/{ann.person_id}/")
    tile = page.locator(f"[data-face='{kept.face_id}']")
    assert tile.locator("input[name=person]").get_attribute("required") is not None
    page.request.post(
        f"{base}/faces/{kept.face_id}/person/",
        form={"person": "", "csrfmiddlewaretoken": page.locator("[name=csrfmiddlewaretoken]").first.input_value()},
    )
    kept.refresh_from_db()
    assert kept.person_id == ann.pk

    # Removed from its face set, the face stays with Ann, and the page says so.
    page.goto(f"{base}/face-sets/{staff.face_set_id}/faces/{kept.face_id}/")
    form = page.locator("form:has([data-action=delete-face])")
    assert "It stays with Ann" in form.get_attribute("data-confirm")
    page.click("[data-action=delete-face]")
    expect(page.locator(".alert.success")).to_contain_text(
        f"Face {kept.face_id} was removed from staff. It still belongs to Ann."
    )
    assert not FaceSetMember.objects.filter(face=kept).exists()
    kept.refresh_from_db()

    # From Ann's page its tile opens the face, which is kept by Ann alone; taken from her, it is not kept any more.
    page.goto(f"{base}/persons/{ann.person_id}/")
    page.click(f"[data-face='{kept.face_id}'] .id a")
    expect(page.locator("[data-lifecycle]")).to_have_text(re.compile(r"^Kept: it belongs to Ann\.$"))
    page.click("button:has-text('Remove from Ann')")
    expect(page.locator(".alert.success")).to_contain_text("is now in no face set and of no person: it is kept until")
    kept.refresh_from_db()
    assert kept.person_id is None and kept.expires is not None
    expect(page.locator("[data-lifecycle]")).to_contain_text("not kept")

    # The overview counts it and leads to Unassigned faces, where it shows with its expiry; it is given back to Ann.
    page.click("text=Overview")
    expect(page.locator("[data-stat=detached]")).to_have_text("1 in no face set and of no person")
    page.click("[data-stat=detached]")
    expect(page.locator("h1")).to_have_text("Unassigned faces")
    expect(page.locator("[data-detached-count]")).to_have_text("1")
    expect(page.locator("[data-face]")).to_have_count(1)
    expect(page.locator(f"[data-face='{kept.face_id}'] [data-expires]")).to_contain_text("deleted after")
    page.click("[data-tab=in_sets]")
    expect(page.locator("[data-face]")).to_have_count(1)
    expect(page.locator(f"[data-face='{nobodys.face_id}']")).to_be_visible()
    page.click("[data-tab=detached]")
    page.fill(f"[data-face='{kept.face_id}'] input[name=person]", "Ann")
    page.click(f"[data-face='{kept.face_id}'] .picker-option[data-option='{ann.person_id}']")
    page.click(f"[data-face='{kept.face_id}'] button")
    expect(page.locator(".alert.success")).to_contain_text("now belongs to Ann")
    expect(page.locator("[data-face]")).to_have_count(0)
    kept.refresh_from_db()
    assert kept.person_id == ann.pk and kept.expires is None

    # Deleted everywhere from its own page: no face row, no thumbnail; Ann keeps her other face.
    page.goto(f"{base}/faces/{kept.face_id}/")
    page.click("[data-action=delete-face-everywhere]")
    expect(page.locator(".alert.success")).to_contain_text(
        f"Face {kept.face_id} was deleted with its vector and thumbnail, from person Ann."
    )
    expect(page.locator("h1")).to_have_text("Ann")
    assert not Face.objects.filter(pk=kept.pk).exists()
    assert page.request.get(f"{base}/faces/{kept.face_id}/thumb.jpg").status == 404
    assert list(ann.faces.values_list("pk", flat=True)) == [other.pk]

    # Each of these changes is in the audit log, in order, as this user's through the dashboard (the refused empty
    # move made none).
    from facesets.models import AuditEvent

    mine = AuditEvent.objects.filter(project=team.project, actor="acme-admin", interface="dashboard").order_by(
        "at", "id"
    )
    assert [(event.action, event.target_id) for event in mine] == [
        ("faces.remove", staff.face_set_id),
        ("faces.unassign", ann.person_id),
        ("faces.assign", ann.person_id),
        ("face.delete", kept.face_id),
    ]


def test_building_persons_in_bulk(new_page, live_server, worker, shared_data, tmp_path):
    """A folder with one sub-folder per person enrolled from the browser makes those persons; the enrol form creates
    a new person inline; faces ticked in the grid go to a person picked by typing part of a name (the list shows each
    person's face and face count), or are removed from the set in one action."""
    import shutil

    from facesets.services import library

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")
    folder = tmp_path / "people"
    for person, names in {"ann": ["person01/img1.jpg", "person01/img2.jpg"], "bob": ["person02/img12.jpg"]}.items():
        (folder / person).mkdir(parents=True)
        for name in names:
            shutil.copy(shared_data / "people" / name, folder / person / name.replace("/", "_"))
    shutil.copy(shared_data / "people/person03/img8.jpg", folder / "loose.jpg")  # in the folder itself: no person
    (folder / ".DS_Store").write_bytes(b"\0")  # hidden: skipped

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.goto(f"{live_server.url}/face-sets/{staff.face_set_id}/enrol/")
    page.set_input_files("#id_folder", str(folder))
    expect(page.locator("[data-chosen]")).to_have_text("4 photos chosen in 2 person folders (ann, bob)")
    page.click("button:has-text('Upload and enrol')")
    expect(page.locator("[data-progress-panel]")).to_have_attribute("data-progress", "100", timeout=120_000)
    expect(page.locator("tr[data-file][data-outcome=ok]")).to_have_count(4)
    ann, bob = (
        Person.objects.get(project=team.project, name="ann"),
        Person.objects.get(project=team.project, name="bob"),
    )
    assert (ann.faces.count(), bob.faces.count()) == (2, 1)
    loose = Face.objects.get(project=team.project, external_image_id="loose")
    assert loose.person is None

    # A new person straight from the enrol form's picker.
    page.goto(f"{live_server.url}/face-sets/{staff.face_set_id}/enrol/")
    page.set_input_files("#id_photos", [str(shared_data / "people/person04/img13.jpg")])
    page.fill("#id_person", "Dana Example")
    expect(page.locator(".picker-option[data-option=new]")).to_contain_text("Create person Dana Example")
    page.click(".picker-option[data-option=new]")
    page.click("button:has-text('Upload and enrol')")
    expect(page.locator("[data-progress-panel]")).to_have_attribute("data-progress", "100", timeout=120_000)
    dana = Person.objects.get(project=team.project, name="Dana Example")
    assert dana.faces.count() == 1

    # Tick bob's face and the loose one; the picker finds "ann" from "AN", with her face and her face count.
    page.goto(f"{live_server.url}/face-sets/{staff.face_set_id}/")
    for face in (bob.faces.get(), loose):
        page.check(f"[data-face='{face.face_id}'] input.pick")
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.fill("#bulk-form input[name=person]", "AN")
    option = page.locator(f".picker-option[data-option='{ann.person_id}']")
    expect(option).to_contain_text("ann")
    expect(option).to_contain_text("2 faces")
    expect(option.locator("img.picker-thumb")).to_have_count(1)
    option.click()
    expect(page.locator("[data-picked-label]")).to_have_text("Chosen: ann · 2 faces")
    page.click("#bulk-form button[value=assign]")
    expect(page.locator(".alert.success")).to_have_text("2 faces now belong to ann.")
    assert ann.faces.count() == 4 and bob.faces.count() == 0

    # Take the loose face back from ann, then remove it and Dana's from the set: it goes, hers stays with her.
    page.check(f"[data-face='{loose.face_id}'] input.pick")
    page.click("#bulk-form button[value=detach]")
    expect(page.locator(".alert.success")).to_have_text(
        "1 face taken from their person. All of them are still in a face set."
    )
    dana_face = dana.faces.get()
    page.check(f"[data-face='{loose.face_id}'] input.pick")
    page.check(f"[data-face='{dana_face.face_id}'] input.pick")
    page.click("#bulk-form button[value=remove]")
    expect(page.locator(".alert.success")).to_have_text(
        "Removed 2 faces from staff: 1 deleted with their vectors and thumbnails, 1 kept by their person or another "
        "face set."
    )
    staff.refresh_from_db()
    assert staff.face_count == 3
    assert not Face.objects.filter(pk=loose.pk).exists()
    assert Face.objects.filter(pk=dana_face.pk, person=dana).exists()

    # The bulk actions are in the audit log as this user's: the assignment (with its faces), the detach, the removal.
    from facesets.models import AuditEvent

    mine = AuditEvent.objects.filter(project=team.project, actor="acme-admin", interface="dashboard")
    assign = mine.filter(action="faces.assign", target_id=ann.person_id).order_by("-at", "-id").first()
    assert assign is not None and assign.details["count"] == 2
    assert mine.filter(action="faces.unassign", target_id=ann.person_id, details__faces=[loose.face_id]).exists()
    assert mine.filter(action="faces.remove", target_id=staff.face_set_id, details__faces=2).exists()


PHONE = {"width": 390, "height": 844}


def test_accessibility_and_phone_layout(new_page, live_server, worker, shared_data):
    """Every kind of dashboard page, at a desktop and a 390 px phone width, with content in it: no serious or
    critical axe-core violation (its colour-contrast rule covers a title turning dark on dark); on the phone the page
    title is on the first screen (the navigation does not fill it) and nothing scrolls sideways."""
    from facesets.services import library
    from facesets.services.faces import person_add_faces
    from facesets.services.runs import face_set_enrol_run
    from tests.support.a11y import serious_violations

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    face = face_set_enrol_run(
        face_set=staff, image=(shared_data / "people/person01/img1.jpg").read_bytes(), single=True
    )[0].face
    person = library.person_create(project=team.project, name="Ann")
    person_add_faces(person=person, faces=[face])
    group = library.group_create(project=team.project, name="team", persons=[person])
    for photo in ("person03/img48.jpg", "person03/img49.jpg", "person05/img59.jpg", "person05/img61.jpg"):
        enrolled = face_set_enrol_run(face_set=staff, image=(shared_data / "people" / photo).read_bytes(), single=True)
        if photo.startswith("person03"):  # a second person for the insight pages; person05's two faces stay unnamed
            person_add_faces(
                person=library.person_get_or_create_by_name(project=team.project, name="Bo")[0],
                faces=[enrolled[0].face],
            )
    base = live_server.url
    pages = [
        "/",
        "/face-sets/",
        "/face-sets/new/",
        f"/face-sets/{staff.face_set_id}/",
        f"/face-sets/{staff.face_set_id}/enrol/",
        f"/face-sets/{staff.face_set_id}/faces/{face.face_id}/",
        f"/faces/{face.face_id}/",
        "/faces/",
        "/faces/?view=in_sets",
        "/enrol/",
        "/persons/",
        f"/persons/{person.person_id}/",
        f"/persons/{person.person_id}/erase/",
        "/groups/",
        f"/groups/{group.group_id}/",
        "/search/",
        "/compare/",
        "/detect/",
        "/liveness/",
        "/tasks/",
        "/credentials/",
        "/members/",
        "/identities/",
        "/calibration/",
        f"/calibration/?scope={staff.face_set_id}",
        "/faces/clusters/",
        "/audit/",
        "/no-such-page/",
    ]
    page = new_page(bypass_csp=True)  # the pages' CSP rightly refuses the injected checker
    sign_in(page, base, "acme-admin")
    problems = {}
    for path in pages:
        page.goto(base + path)
        found = serious_violations(page)
        if found:
            problems[path] = found
    page.goto(base + "/")
    expect(page.locator("a.skip-link")).to_have_attribute("href", "#content")
    expect(page.locator(".nav a[aria-current=page]")).to_have_accessible_name("Overview")  # the glyph is hidden
    page.goto(base + "/no-such-page/")
    expect(page.locator("[data-error-page='404']")).to_contain_text("Back to the overview")
    # a page with results in it
    page.goto(base + "/search/")
    page.set_input_files("#id_photo", str(shared_data / "people/person01/img2.jpg"))
    page.select_option("#id_scope", f"face_set:{staff.face_set_id}")
    page.click("button:has-text('Search')")
    expect(page.locator("[data-match]")).to_have_count(1, timeout=60_000)
    if found := serious_violations(page):
        problems["/search/ (results)"] = found
    # a form with several problems: all of them at once, each under its own input or schema row, the rows as typed
    page.goto(base + "/face-sets/new/")
    page.fill("#id_name", "staff")  # taken
    rows = page.locator("[data-schema-rows] .schema-row")
    for number, name in enumerate(["city", "face_id", "bad name"]):
        if number:
            page.click("[data-add-row]")
        rows.nth(number).locator("input").fill(name)
    page.click("button:has-text('Create face set')")
    expect(page.locator("[data-error-for=name]")).to_contain_text("already exists")
    expect(page.locator("[data-error-for-row]")).to_have_count(2)
    expect(rows.nth(1).locator(".errorlist")).to_contain_text("reserved")
    expect(rows.nth(2).locator(".errorlist")).to_contain_text("1-36 letters")
    expect(rows.nth(2).locator("input")).to_have_attribute("aria-invalid", "true")
    assert [rows.nth(n).locator("input").input_value() for n in range(3)] == ["city", "face_id", "bad name"]
    if found := serious_violations(page):
        problems["/face-sets/new/ (errors)"] = found
    # the upload page once its files have their outcomes, and the upload's own page
    page.goto(f"{base}/face-sets/{staff.face_set_id}/enrol/")
    page.set_input_files(
        "#id_photos", [str(shared_data / "people/person02/img3.jpg"), str(shared_data / "no_face/brick.jpg")]
    )
    page.click("button:has-text('Upload and enrol')")
    expect(page.locator("[data-progress-panel]")).to_have_attribute("data-progress", "100", timeout=120_000)
    expect(page.locator("tr[data-outcome=no_face]")).to_have_count(1)
    if found := serious_violations(page):
        problems["enrol (outcomes)"] = found
    page.goto(base + page.locator("[data-batch-link]").get_attribute("href").removeprefix(base))
    expect(page.locator("[data-batch-state]")).to_have_text("Done, 1 failed")
    if found := serious_violations(page):
        problems["upload page"] = found
    assert not problems, "\n".join(f"{path}: {line}" for path, lines in problems.items() for line in lines)

    phone = new_page(viewport=PHONE, bypass_csp=True)
    sign_in(phone, base, "acme-admin")
    for path in ("/", f"/face-sets/{staff.face_set_id}/", "/search/", f"/persons/{person.person_id}/"):
        phone.goto(base + path)
        title = phone.locator("h1").first
        box = title.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], (path, box)
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"] + 1, path
        if found := serious_violations(phone):
            problems[f"{path} (phone)"] = found
    assert not problems, "\n".join(f"{path}: {line}" for path, lines in problems.items() for line in lines)


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


def test_projects_switch_only_on_an_explicit_choice(new_page, live_server, worker, shared_data):
    """A link to a face of another of the user's projects offers to switch to it; an arrow key on the switcher
    changes nothing until Switch is pressed; the next sign-in lands on the project chosen last."""
    from facesets.services import library, projects
    from facesets.services.runs import face_set_enrol_run

    acme, zeta = make_team("acme"), make_team("zeta")
    projects.project_member_set(project=zeta.project, user=acme.admin, role="admin")
    photos = library.face_set_create(project=zeta.project, name="photos")
    face = face_set_enrol_run(
        face_set=photos, image=(shared_data / "people/person05/img59.jpg").read_bytes(), single=True
    )[0].face
    base = live_server.url
    page = new_page()
    sign_in(page, base, "acme-admin")  # lands on acme: first by name, nothing chosen yet

    page.goto(f"{base}/faces/{face.face_id}/")
    expect(page.locator("[data-error-page='404'] h1")).to_have_text("In another project")
    page.click("[data-switch-offer='zeta'] button")
    expect(page.locator("h1")).to_have_text(f"Face {face.face_id}")
    expect(page.locator("#project-switch")).to_have_value(zeta.project.project_id)

    page.focus("#project-switch")
    page.keyboard.press("ArrowUp")  # acme comes first in the list
    expect(page.locator("#project-switch")).to_have_value(acme.project.project_id)
    expect(page.locator("[data-switch]")).to_have_class(re.compile(r"\bprimary\b"))
    page.goto(f"{base}/")
    expect(page.locator("h1")).to_have_text("zeta")  # nothing was switched

    page.click("form.switcher button[type=submit]")  # the list shows zeta again after the reload: no change
    page.select_option("#project-switch", acme.project.project_id)
    page.click("form.switcher button[type=submit]")
    expect(page.locator("h1")).to_have_text("acme")
    page.select_option("#project-switch", zeta.project.project_id)
    page.click("form.switcher button[type=submit]")
    expect(page.locator("h1")).to_have_text("zeta")
    expect(page).to_have_url(re.compile(rf"/p/{zeta.project.project_id}/$"))  # the address carries the project

    # Two tabs, two projects: each address keeps its own, whatever the other tab opened last.
    tab = page.context.new_page()
    tab.goto(f"{base}/p/{acme.project.project_id}/persons/")
    expect(tab.locator("#project-switch")).to_have_value(acme.project.project_id)
    page.reload()
    expect(page.locator("h1")).to_have_text("zeta")
    tab.close()
    page.click("button:has-text('Sign out')")

    again = new_page()
    again.goto(base + "/")
    again.fill("#id_username", "acme-admin")
    again.fill("#id_password", PASSWORD)
    again.click("button[type=submit]")
    expect(again.locator("h1")).to_have_text("zeta")  # the project opened last


def test_an_upload_is_one_batch(new_page, live_server, worker, shared_data, tmp_path):
    """25 files chosen at once: a file too large and a text file are refused in the browser before upload; the 23
    sent go in two parts of one batch; a photo already in the set is reported, not enrolled twice; the set being full,
    the others fail with a reason a retry can cure, and Retry sends exactly those again once there is room. The upload's
    page (which does not need the tab) counts each photo once and offers the per-file report."""
    import csv
    import io

    from facesets.models import FaceSetMember
    from facesets.services import library
    from facesets.services.runs import face_set_enrol_run

    team = make_team("acme")
    staff = library.face_set_create(project=team.project, name="staff")
    photos = sorted(p for p in (shared_data / "people").glob("person0[1-6]/*.jpg") if "reflection" not in p.name)
    already, good = photos[0], photos[1:22]
    face_set_enrol_run(face_set=staff, image=already.read_bytes(), single=True)
    FaceSet.objects.filter(pk=staff.pk).update(capacity=1)  # full: every new face is refused, deterministically
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + bytes(9 * 1024 * 1024))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    chosen = [str(p) for p in good] + [str(already), str(shared_data / "no_face/brick.jpg"), str(big), str(notes)]

    page = new_page()
    sign_in(page, live_server.url, "acme-admin")
    page.goto(f"{live_server.url}/face-sets/{staff.face_set_id}/enrol/")
    page.set_input_files("#id_photos", chosen)
    page.click("button:has-text('Upload and enrol')")
    panel = page.locator("[data-progress-panel]")
    expect(panel).to_have_attribute("data-progress", "100", timeout=180_000)
    expect(page.locator("[data-state-label]")).to_have_text("Finished")
    expect(page.locator("tr[data-outcome=refused_here]")).to_have_count(2)
    expect(page.locator("tr[data-outcome=face_set_full]")).to_have_count(21)
    expect(page.locator("tr[data-outcome=duplicate_photo] .badge")).to_have_text("Already in the set")
    expect(page.locator("tr[data-outcome=no_face]")).to_have_count(1)
    assert FaceSetMember.objects.filter(face_set=staff).count() == 1
    batch_url = page.locator("[data-batch-link]").get_attribute("href")
    batch = batch_url.rstrip("/").rsplit("/", 1)[1]
    assert len(Task.objects.filter(project=team.project, params__batch=batch)) == 2  # two parts of one upload

    FaceSet.objects.filter(pk=staff.pk).update(capacity=100)
    expect(page.locator("[data-retry]")).to_have_text("Retry 21 failed")
    page.click("[data-retry]")
    expect(page.locator("tr[data-outcome=ok]")).to_have_count(21, timeout=180_000)
    expect(page.locator("[data-state-label]")).to_have_text("Finished")
    assert FaceSetMember.objects.filter(face_set=staff).count() == 22

    page.goto(live_server.url + batch_url)
    summary = page.locator("[data-batch-summary]")
    expect(summary).to_have_attribute("data-total", "23")
    expect(summary).to_have_attribute("data-failed", "2")
    expect(page.locator("[data-batch-state]")).to_have_text("Done, 2 failed")
    expect(page.locator("[data-outcome=done]")).to_have_text("Enrolled: 21")
    report = page.request.get(live_server.url + page.locator("[data-report]").get_attribute("href"))
    rows = list(csv.DictReader(io.StringIO(report.text())))
    assert len(rows) == 23 + 21  # every attempt, each with its part
    assert {row["code"] for row in rows} == {"done", "face_set_full", "duplicate_photo", "no_face"}
    assert next(row for row in rows if row["file"] == already.name)["code"] == "duplicate_photo"

    # The 21 photos enrolled by the workers are in the audit log as this user's, through the dashboard, each with its
    # face; the refused attempts changed nothing and left no event.
    from facesets.models import AuditEvent

    enrolled = AuditEvent.objects.filter(project=team.project, action="faces.enrol", target_id=staff.face_set_id)
    by_user = enrolled.filter(actor="acme-admin", interface="dashboard")
    assert by_user.count() == 21 and enrolled.count() == 22  # and the photo enrolled before, outside any request
    assert len({face for event in by_user for face in event.details["faces"]}) == 21


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
