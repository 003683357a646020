"""Accessibility (axe-core) and the phone layout of the dashboard's pages, in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.support.dashboard import make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
