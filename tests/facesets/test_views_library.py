"""The dashboard's face sets, faces and persons through Django's test client: typed fields and their errors next to
them, the face grid with filters and pages, enrolment checks, moving, deleting and bulk actions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from facesets.models import Face, FaceSet, FaceSetMember, Person
from facesets.services import library
from facesets.services.faces import person_add_faces
from tests.support.dashboard import face_in_set, make_team

pytestmark = pytest.mark.django_db


def test_create_face_set_with_typed_fields(admin_client, team):
    response = admin_client.post(
        "/face-sets/new/",
        {
            "name": "staff",
            "capacity": "100000",
            "field_name": ["age", "vip", ""],
            "field_type": ["integer", "boolean", "string"],
        },
    )
    face_set = FaceSet.objects.get(project=team.project, name="staff")
    location = f"/p/{team.project.project_id}/face-sets/{face_set.face_set_id}/"  # addresses carry their project
    assert response.status_code == 302 and response["Location"] == location
    assert face_set.field_schema == {"age": "integer", "vip": "boolean"}


def test_face_set_errors_are_shown_next_to_their_fields(admin_client, team):
    library.face_set_create(project=team.project, name="staff")
    page = admin_client.post("/face-sets/new/", {"name": "staff", "capacity": "100000"}).content.decode()
    assert 'data-error-for="name"' in page and "already exists" in page
    page = admin_client.post(
        "/face-sets/new/", {"name": "other", "capacity": "100000", "field_name": ["face_id"], "field_type": ["string"]}
    ).content.decode()
    assert 'data-error-for-row="1"' in page and "reserved" in page
    page = admin_client.post("/face-sets/new/", {"name": "bad name!", "capacity": "100000"}).content.decode()
    assert 'data-error-for="name"' in page


def test_face_set_form_reports_every_problem_at_once_under_its_row(admin_client, team):
    library.face_set_create(project=team.project, name="staff")
    rows = {"field_name": ["city", "bad name", "face_id", "city", "age"], "field_type": ["string"] * 4 + ["integer"]}
    response = admin_client.post("/face-sets/new/", {"name": "staff", "capacity": "100000", **rows})
    page = response.content.decode()
    assert response.status_code == 200 and FaceSet.objects.filter(project=team.project).count() == 1
    assert 'data-error-for="name"' in page and "already exists" in page  # the name, and every row's problem with it
    row_errors = re.findall(r'data-error-for-row="(\d+)"><li>([^<]*)</li>', page)
    assert [(int(row), text.split(" ")[0]) for row, text in row_errors] == [(2, "Field"), (3, "Field"), (4, "The")]
    assert "must be 1-36 letters" in row_errors[0][1] and "reserved" in row_errors[1][1]
    assert "defined twice" in row_errors[2][1]
    # the rows come back as typed, so fixing one problem does not mean typing the others again
    assert re.findall(r'name="field_name" value="([^"]*)"', page) == rows["field_name"]


def test_face_set_fields_keep_the_order_they_were_typed_in(admin_client, team):
    """jsonb sorts an object's keys; the schema keeps its order anyway (stored as pairs)."""
    names = ["surname", "age", "city", "vip", "a"]
    admin_client.post(
        "/face-sets/new/",
        {
            "name": "ordered",
            "capacity": "100000",
            "field_name": names,
            "field_type": ["string", "integer"] + ["string"] * 3,
        },
    )
    face_set = FaceSet.objects.get(project=team.project, name="ordered")
    assert list(face_set.field_schema) == names
    page = admin_client.get(f"/face-sets/{face_set.face_set_id}/enrol/").content.decode()
    assert re.findall(r'name="field__([\w-]+)"', page) == names
    from django.db import connection

    with connection.cursor() as cursor:  # a schema stored as an object before the change still reads
        cursor.execute(
            f"UPDATE {FaceSet._meta.db_table} SET field_schema = %s::jsonb WHERE id = %s",
            ['{"b": "string", "a": "integer"}', face_set.pk],
        )
    assert FaceSet.objects.get(pk=face_set.pk).field_schema == {"a": "integer", "b": "string"}


def test_face_values_form_reports_every_value_at_once(admin_client, team):
    face_set = library.face_set_create(
        project=team.project, name="staff", field_schema={"age": "integer", "height": "float", "vip": "boolean"}
    )
    face = face_in_set(team.project, face_set, fields={"age": 30})
    url = f"/face-sets/{face_set.face_set_id}/faces/{face.face_id}/"
    page = admin_client.post(
        url, {"external_image_id": "bad id!", "field__age": "1.5", "field__height": "tall"}
    ).content.decode()
    errors = re.findall(r'data-error-for="([\w-]+)"', page)
    assert errors == ["external_image_id", "field__age", "field__height"]  # all three, in the form's order
    assert "external_fields" not in page and "The field “height”" in page
    assert FaceSetMember.objects.get(face=face).external_fields == {"age": 30}


def test_grid_filter_sort_and_inline_parse_error(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    for age in (20, 30, 40, 50):
        face_in_set(team.project, face_set, external_image_id=f"p{age}", fields={"age": age})
    url = f"/face-sets/{face_set.face_set_id}/"
    page = admin_client.get(url, {"filter": "age:[25 TO 45]"}).content.decode()
    assert 'data-match-count="2"' in page and "p30" in page and "p40" in page and "p20" not in page
    page = admin_client.get(url, {"sort": "age:desc"}).content.decode()
    order = [name for name in re.findall(r"\bp[2-5]0\b", page)]  # whole words: a random token may hold "p40"
    assert list(dict.fromkeys(order)) == ["p50", "p40", "p30", "p20"]
    page = admin_client.get(url, {"filter": "age:[25 TO"}).content.decode()
    assert 'data-error-for="filter"' in page and "unexpected end" in page
    page = admin_client.get(url, {"filter": "age:30 age:40"}).content.decode()
    assert 'data-error-for="filter"' in page and "position 7" in page
    page = admin_client.get(url, {"filter": "height:3"}).content.decode()
    assert "Unknown field" in page


def test_grid_pages(admin_client, team, settings):
    face_set = library.face_set_create(project=team.project, name="staff")
    for number in range(50):
        face_in_set(team.project, face_set, external_image_id=f"face{number:02d}")
    url = f"/face-sets/{face_set.face_set_id}/"
    first = admin_client.get(url).content.decode()
    assert "face00" in first and "face48" not in first and "page=2" in first
    second = admin_client.get(url, {"page": 2}).content.decode()
    assert "face48" in second and "face49" in second and "face00" not in second


def test_edit_face_fields_with_typed_errors(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    face = face_in_set(team.project, face_set, fields={"age": 30})
    url = f"/face-sets/{face_set.face_set_id}/faces/{face.face_id}/"
    page = admin_client.post(url, {"external_image_id": "new-id", "field__age": "1.5"}).content.decode()
    assert 'data-error-for="field__age"' in page
    assert admin_client.post(url, {"external_image_id": "new-id", "field__age": "31"}).status_code == 302
    member = FaceSetMember.objects.get(face=face)
    assert member.external_fields == {"age": 31}
    assert Face.objects.get(pk=face.pk).external_image_id == "new-id"


def test_delete_one_face_and_batch_delete_with_confirmation(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    faces = [
        face_in_set(team.project, face_set, external_image_id=f"p{age}", fields={"age": age}) for age in (1, 2, 3, 4)
    ]
    admin_client.post(f"/face-sets/{face_set.face_set_id}/faces/{faces[0].face_id}/delete/")
    face_set.refresh_from_db()
    assert face_set.face_count == 3 and not Face.objects.filter(pk=faces[0].pk).exists()
    url = f"/face-sets/{face_set.face_set_id}/batch-delete/"
    person = library.person_create(project=team.project, name="Ann")
    person_add_faces(person=person, faces=[faces[2]])  # p3 survives its removal from the set: it is Ann's
    page = admin_client.get(url, {"filter": "age:[2 TO 3]"}).content.decode()
    assert 'data-delete-count="2"' in page and 'data-kept-count="1"' in page
    assert "<b>1</b> is deleted with its vector and thumbnail" in page
    # A stale confirmation (the count changed since) asks again instead of deleting.
    response = admin_client.post(url, {"filter": "age:[2 TO 3]", "expected": "5"})
    assert response.status_code == 200 and FaceSet.objects.get(pk=face_set.pk).face_count == 3
    response = admin_client.post(url, {"filter": "age:[2 TO 3]", "expected": "2"})
    assert response.status_code == 302
    face_set.refresh_from_db()
    assert face_set.face_count == 1
    assert list(face_set.members.values_list("face__external_image_id", flat=True)) == ["p4"]
    assert not Face.objects.filter(pk=faces[1].pk).exists() and Face.objects.get(pk=faces[2].pk).person == person


def test_an_empty_move_changes_nothing_and_detach_is_explicit(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    face = face_in_set(team.project, face_set)
    person = library.person_create(project=team.project, name="Ann")
    person_add_faces(person=person, faces=[face])
    response = admin_client.post(f"/faces/{face.face_id}/person/", {"person": " "}, follow=True)
    assert "Choose the person to give face" in response.content.decode()
    assert Face.objects.get(pk=face.pk).person == person
    response = admin_client.post(f"/faces/{face.face_id}/person/", {"detach": "1"}, follow=True)
    assert "It is still in face set staff." in response.content.decode()
    assert Face.objects.get(pk=face.pk).person is None
    page = admin_client.get(f"/faces/{face.face_id}/").content.decode()
    assert "it is in 1 face set" in page
    assert admin_client.get("/faces/?view=in_sets").content.decode().count(f'data-face="{face.face_id}"') == 1
    assert f'data-face="{face.face_id}"' not in admin_client.get("/faces/").content.decode()
    other = make_team("other")
    foreign = face_in_set(other.project, library.face_set_create(project=other.project, name="x"))
    assert admin_client.get(f"/faces/{foreign.face_id}/").status_code == 404
    assert admin_client.post(f"/faces/{foreign.face_id}/delete/").status_code == 404
    assert Face.objects.filter(pk=foreign.pk).exists()


def test_thumbnail_is_cached_and_scoped_to_the_project(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    face = face_in_set(team.project, face_set)
    response = admin_client.get(f"/faces/{face.face_id}/thumb.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "max-age" in response["Cache-Control"] and "private" in response["Cache-Control"]
    again = admin_client.get(f"/faces/{face.face_id}/thumb.jpg", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    other = make_team("other")
    foreign = face_in_set(other.project, library.face_set_create(project=other.project, name="x"))
    assert admin_client.get(f"/faces/{foreign.face_id}/thumb.jpg").status_code == 404


def test_persons_search_merge_move_and_groups(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    ada = library.person_create(project=team.project, name="Ada Lovelace")
    ada2 = library.person_create(project=team.project, name="A. Lovelace")
    bob = library.person_create(project=team.project, name="Bob")
    face = face_in_set(team.project, face_set, person=ada2)
    page = admin_client.get("/persons/", {"q": "love"}).content.decode()
    assert "Ada Lovelace" in page and "A. Lovelace" in page and ">Bob<" not in page
    # merge: a confirmation naming both, then the merge
    url = f"/persons/{ada.person_id}/merge/"
    page = admin_client.get(url, {"person": ada2.person_id}).content.decode()
    assert "data-merge-summary" in page and "A. Lovelace" in page
    admin_client.post(url, {"person": ada2.person_id, "confirm": "1"})
    assert not Person.objects.filter(pk=ada2.pk).exists()
    assert Face.objects.get(pk=face.pk).person == ada
    # move the face to Bob by name
    admin_client.post(f"/faces/{face.face_id}/person/", {"person": "Bob"})
    assert Face.objects.get(pk=face.pk).person == bob
    # groups
    admin_client.post("/groups/", {"name": "night shift"})
    group = team.project.groups.get(name="night shift")
    admin_client.post(f"/groups/{group.group_id}/", {"person": "Bob"})
    assert list(group.persons.all()) == [bob]
    admin_client.post(f"/groups/{group.group_id}/", {"action": "remove", "person_id": bob.person_id})
    assert group.persons.count() == 0
    page = admin_client.post(f"/groups/{group.group_id}/", {"person": "Nobody"}).content.decode()
    assert "no person with the id or name" in page


def test_enrol_validates_defaults_before_queueing(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("a b.jpg", b"not really", content_type="image/jpeg")
    response = admin_client.post(
        f"/face-sets/{face_set.face_set_id}/enrol/",
        {"field__age": "old", "photos": [photo], "single": "on"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400 and "field__age" in response.json()["errors"]
    assert team.project.tasks.count() == 0
    response = admin_client.post(
        f"/face-sets/{face_set.face_set_id}/enrol/",
        {"field__age": "old", "person": "Nobody", "photos": [photo]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert list(response.json()["errors"]) == ["person", "field__age"]  # both at once, in the form's order
    response = admin_client.post(
        f"/face-sets/{face_set.face_set_id}/enrol/",
        {"person": "Nobody", "photos": [photo]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400 and "person" in response.json()["errors"]


def test_external_image_id_from_file_names():
    from facesets.fields import EXTERNAL_IMAGE_ID_RE, external_image_id_from_filename

    assert external_image_id_from_filename("IMG 0001 (copy).JPG") == "IMG_0001_copy"
    assert external_image_id_from_filename("C:\\photos\\été.png") == "t"
    assert external_image_id_from_filename("img1.jpg", prefix="person 01") == "person_01_img1"
    assert external_image_id_from_filename("§§.jpg") == ""
    long_a = external_image_id_from_filename("a" * 50 + "1.jpg")
    long_b = external_image_id_from_filename("a" * 50 + "2.jpg")
    assert long_a != long_b and EXTERNAL_IMAGE_ID_RE.match(long_a) and len(long_a) == 36


def test_tasks_progress_json(admin_client, team):
    from facesets.services.tasks import task_submit

    face_set = library.face_set_create(project=team.project, name="staff")
    task = task_submit(
        project=team.project,
        kind="face_set.enrol",
        params={"face_set": face_set.pk},
        items=[{"name": "a.jpg", "payload": b"x"}, {"name": "b.jpg", "payload": b"y"}],
    )
    data = admin_client.get(reverse("dashboard:task_progress"), {"ids": task.task_id, "items": "1"}).json()
    assert data["total"] == 2 and data["done"] == 0 and data["finished"] is False
    page = admin_client.get(f"/tasks/{task.task_id}/").content.decode()
    assert "a.jpg" in page and "Waiting" in page


def test_person_lookup_and_names_ignoring_case(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    anna = library.person_create(project=team.project, name="Anna Smith")
    person_add_faces(person=anna, faces=[face_in_set(team.project, face_set), face_in_set(team.project, face_set)])
    library.person_create(project=team.project, name="Hannah")
    library.person_create(project=team.project, name="Bob")
    found = admin_client.get("/persons/lookup.json", {"q": "AN"}).json()["persons"]
    assert [row["name"] for row in found] == ["Anna Smith", "Hannah"]  # names starting with the text first
    assert found[0]["faces"] == 2 and found[0]["thumb"].endswith("/thumb.jpg") and found[1]["thumb"] is None
    other = make_team("other")
    library.person_create(project=other.project, name="Anne Other")
    assert [row["name"] for row in admin_client.get("/persons/lookup.json", {"q": "ann"}).json()["persons"]] == [
        "Anna Smith",
        "Hannah",
    ]
    face = face_in_set(team.project, face_set)
    admin_client.post(f"/faces/{face.face_id}/person/", {"person": "anna smith"})
    assert Face.objects.get(pk=face.pk).person == anna
    library.person_create(project=team.project, name="BOB")
    response = admin_client.post(f"/faces/{face.face_id}/person/", {"person": "bob"}, follow=True)
    assert "2 persons are named &#x27;bob&#x27;: pick one from the list" in response.content.decode()
    assert Face.objects.get(pk=face.pk).person == anna


def test_bulk_actions_are_all_or_nothing(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    faces = [face_in_set(team.project, face_set) for _ in range(3)]
    other = make_team("other")
    foreign = face_in_set(other.project, library.face_set_create(project=other.project, name="x"))
    ids = [face.face_id for face in faces]
    # another project's face in the selection: nothing happens, not even the new person
    response = admin_client.post(
        "/faces/bulk/", {"face": ids + [foreign.face_id], "action": "assign", "new_person": "Zed"}, follow=True
    )
    assert "Nothing was changed" in response.content.decode()
    assert not Person.objects.filter(name="Zed").exists() and not Face.objects.filter(person__isnull=False).exists()
    admin_client.post("/faces/bulk/", {"face": ids[:2], "action": "assign", "new_person": "Zed"})
    zed = Person.objects.get(project=team.project, name="Zed")
    assert set(zed.faces.values_list("face_id", flat=True)) == set(ids[:2])
    group = library.group_create(project=team.project, name="badges")
    response = admin_client.post("/faces/bulk/", {"face": ids, "action": "group", "group": group.group_id}, follow=True)
    assert "1 person added to group badges; 1 face without a person left out." in response.content.decode()
    assert list(group.persons.all()) == [zed]
    response = admin_client.post("/faces/bulk/", {"face": ids, "action": "delete"}, follow=True)
    assert "Deleted 3 faces everywhere" in response.content.decode()
    assert not Face.objects.filter(project=team.project).exists()
    assert FaceSet.objects.get(pk=face_set.pk).face_count == 0 and Face.objects.filter(pk=foreign.pk).exists()
