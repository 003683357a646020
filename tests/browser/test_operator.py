"""The operator's main story in the dashboard, the viewer refused on a delete, switching projects and an upload
followed as one batch, in headless Chromium against the live server and a real Celery worker. The story's steps
share one worker and one database state on purpose: each step needs the faces the previous ones made."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from facesets.models import Credential, Face, FaceSet, Person, Task
from tests.browser.helpers import ENROL_FILES, sign_in
from tests.support.dashboard import PASSWORD, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
