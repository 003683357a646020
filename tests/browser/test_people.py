"""Faces and persons in the dashboard (headless Chromium, live server, real worker): a face's lifecycle, building
persons in bulk, erasing a person everywhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from facesets.models import Face, Person
from tests.browser.helpers import sign_in
from tests.support.dashboard import make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
