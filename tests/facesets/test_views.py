"""The dashboard through Django's test client: pages render, sign-in, roles are enforced on every change, projects
and members, credentials, error pages and security headers, nothing leaks across projects. (Face sets, faces and
persons are in test_views_library.py; the browser flows in tests/browser/.)"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from facesets import urls as dashboard_urls
from facesets.models import Credential, Face, FaceSet, Person
from facesets.services import library, projects
from tests.support.dashboard import PASSWORD, face_in_set, make_team

pytestmark = pytest.mark.django_db


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/tasks/progress.json", HTTP_X_REQUESTED_WITH="fetch").status_code == 401


def test_sign_in_page_and_sign_in(client, team):
    assert b"Sign in" in client.get("/accounts/login/").content
    response = client.post("/accounts/login/", {"username": "acme-admin", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert b"acme" in client.get("/").content


def test_every_page_renders_for_a_viewer(viewer_client, team):
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    face = face_in_set(team.project, face_set, fields={"age": 30})
    person = library.person_create(project=team.project, name="Ada")
    group = library.group_create(project=team.project, name="team")
    for url in [
        "/",
        "/face-sets/",
        "/face-sets/new/",
        f"/face-sets/{face_set.face_set_id}/",
        f"/face-sets/{face_set.face_set_id}/enrol/",
        f"/face-sets/{face_set.face_set_id}/faces/{face.face_id}/",
        f"/face-sets/{face_set.face_set_id}/batch-delete/?filter=age:30",
        f"/face-sets/{face_set.face_set_id}/delete/",
        "/enrol/",
        "/persons/",
        f"/persons/{person.person_id}/",
        f"/persons/{person.person_id}/merge/",
        "/groups/",
        f"/groups/{group.group_id}/",
        "/search/",
        "/compare/",
        "/detect/",
        "/credentials/",
        "/tasks/",
        "/tasks/?show=all",
        "/members/",
    ]:
        response = viewer_client.get(url, follow=True)
        assert response.status_code == 200, url
        assert b"viewer" in response.content, url


def _dashboard_patterns():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return list(walk(dashboard_urls.urlpatterns))


def test_every_dashboard_view_goes_through_the_role_check():
    patterns = _dashboard_patterns()
    unwrapped = [route for route, pattern in patterns if not getattr(pattern.callback, "dashboard_view", False)]
    assert unwrapped == []
    # and the dashboard is mounted at /
    assert get_resolver().resolve("/face-sets/").url_name == "face_sets"


def test_a_viewer_can_change_nothing(viewer_client, team):
    """POST to every dashboard URL as a viewer: refused with 403 before the view runs, nothing changed."""
    face_set = library.face_set_create(project=team.project, name="staff", field_schema={"age": "integer"})
    face = face_in_set(team.project, face_set, fields={"age": 30})
    person = library.person_create(project=team.project, name="Ada")
    other = library.person_create(project=team.project, name="Bob")
    group = library.group_create(project=team.project, name="team")
    credential, _ = projects.credential_create(project=team.project)
    values = {
        "face_set_id": face_set.face_set_id,
        "face_id": face.face_id,
        "person_id": person.person_id,
        "group_id": group.group_id,
        "access_key": credential.access_key,
        "task_id": "x",
    }
    data = {
        "name": "x",
        "filter": "age:30",
        "expected": "1",
        "confirm_name": "staff",
        "person": "Bob",
        "confirm": "1",
        "username": "acme-viewer",
        "role": "admin",
        "external_image_id": "changed",
    }
    allowed = {"project_switch", "search", "compare", "detect", "liveness"}  # change no project data
    checked = 0
    for route, pattern in _dashboard_patterns():
        if pattern.name in allowed:
            continue
        url = "/" + route
        for key, value in values.items():
            url = url.replace(f"<str:{key}>", value)
        response = viewer_client.post(url, data)
        assert response.status_code in (403, 405), (url, response.status_code)
        if response.status_code == 403:
            assert "Nothing was changed" in response.content.decode()
        checked += 1
    assert checked >= 20
    assert FaceSet.objects.filter(project=team.project).count() == 1
    assert Face.objects.filter(pk=face.pk, external_image_id="photo").exists()
    assert Person.objects.filter(pk=other.pk).exists()
    assert Credential.objects.get(pk=credential.pk).revoked is None
    assert team.project.memberships.get(user=team.viewer).role == "viewer"


def test_refusal_as_json_for_scripts(viewer_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    response = viewer_client.post(f"/face-sets/{face_set.face_set_id}/enrol/", {}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_project_switcher_only_offers_own_projects(admin_client, team):
    other = make_team("other")
    response = admin_client.post("/projects/switch/", {"project": other.project.project_id})
    assert response.status_code == 403
    projects.project_member_set(project=other.project, user=team.admin, role="viewer")
    admin_client.post("/projects/switch/", {"project": other.project.project_id, "next": "/face-sets/"})
    page = admin_client.get("/").content.decode()
    assert "<h1>other</h1>" in page and "badge role viewer" in page


def test_superuser_sees_every_project_and_creates_one(client, team):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(root)
    assert "acme" in client.get("/").content.decode()
    response = client.post("/projects/new/", {"name": "fresh"})
    assert response.status_code == 302
    assert "<h1>fresh</h1>" in client.get("/").content.decode()


def test_user_without_project_is_told_what_to_do(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("lonely", password="x"))
    assert "must give you a role" in client.get("/face-sets/").content.decode()


def test_credentials_secret_shown_once_then_revoked(admin_client, team):
    response = admin_client.post("/credentials/", {"description": "CI"})
    assert response.status_code == 302  # redirect after POST: a reload cannot make a second key
    response = admin_client.get(response["Location"])
    page = response.content.decode()
    credential = Credential.objects.get(project=team.project)
    assert credential.secret in page and response["Cache-Control"] == "no-store"
    assert team.project.project_id in page and 'with_endpoints(["http://testserver"])' in page
    reload = admin_client.get(f"/credentials/?created={credential.access_key}").content.decode()
    assert credential.secret not in reload and Credential.objects.filter(project=team.project).count() == 1
    admin_client.post(f"/credentials/{credential.access_key}/revoke/")
    credential.refresh_from_db()
    assert credential.revoked is not None


def test_members_page_sets_and_removes_roles(admin_client, team):
    from django.contrib.auth import get_user_model

    newcomer = get_user_model().objects.create_user("newcomer", password="x")
    admin_client.post("/members/", {"username": "newcomer", "role": "viewer"})
    assert team.project.memberships.get(user=newcomer).role == "viewer"
    page = admin_client.post("/members/", {"username": "ghost", "role": "viewer"}).content.decode()
    assert "No user with this name" in page
    admin_client.post("/members/", {"action": "remove", "user": newcomer.pk})
    assert not team.project.memberships.filter(user=newcomer).exists()


def test_curl_example_signs_like_the_huawei_sdk(admin_client, team):
    """The credentials page's curl snippet, run by bash, computes the same AK/SK signature as huaweicloudsdkcore."""
    import html
    import shutil
    import subprocess

    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    if not shutil.which("openssl"):
        pytest.fail("openssl is needed by the curl example")
    page = admin_client.post("/credentials/", {"description": "curl"}, follow=True).content.decode()
    snippet = html.unescape(re.search(r'<pre class="code" id="example-curl">(.*?)</pre>', page, re.S)[1])
    credential = Credential.objects.get(project=team.project)
    snippet = snippet.replace("$(date -u +%Y%m%dT%H%M%SZ)", "20261122T010203Z").replace("curl -s", "echo")
    output = subprocess.run(["bash", "-c", snippet], capture_output=True, text=True, check=True).stdout
    request = SdkRequest(
        method="GET",
        schema="http",
        host="testserver",
        resource_path=f"/v2/{team.project.project_id}/face-sets",
        query_params=[],
        header_params={"X-Sdk-Date": "20261122T010203Z"},
        body="",
    )
    Signer(BasicCredentials(credential.access_key, credential.secret, team.project.project_id)).sign(request)
    assert request.header_params["Authorization"] in output


@pytest.mark.parametrize(
    "url",
    [
        "/persons/%00/",
        "/groups/%00/",
        "/face-sets/%00/",
        "/tasks/%00/",
        "/faces/%00/thumb.jpg",
        "/tasks/progress.json?ids=%00",
        "/persons/?q=%00",
        "/persons/?%00=1",
    ],
)
def test_a_nul_character_in_a_dashboard_url_is_a_404(admin_client, url):
    assert admin_client.get(url).status_code == 404


def test_dashboard_pages_carry_a_strict_content_security_policy(admin_client, client):
    for response in (admin_client.get("/"), admin_client.get("/persons/"), client.get("/accounts/login/")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "Content-Security-Policy" not in client.get("/healthz")


def test_password_guessing_locks_the_user_name_out(client, team, settings, caplog):
    from facesets.views.accounts import lockout_message

    username = team.admin.username
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong guess"})
        # The failure that reaches the limit is answered with the lockout already.
        assert (lockout_message() in response.content.decode()) == (attempt == settings.AXES_FAILURE_LIMIT)
    locked = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert lockout_message() in locked.content.decode()
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "locked out" in caplog.text
    other_name = client.post("/accounts/login/", {"username": team.viewer.username, "password": PASSWORD})
    assert other_name.status_code == 302  # only the guessed user name is locked


def test_error_pages_are_in_the_dashboard_frame_for_browsers(admin_client, client, team):
    page = admin_client.get("/face-sets/nope/", HTTP_ACCEPT="text/html", follow=True)  # bare address: redirected
    assert page.status_code == 404
    text = page.content.decode()
    assert 'data-error-page="404"' in text and "Back to the overview" in text and 'aria-label="Dashboard"' in text
    assert 'data-error-page="404"' in client.get("/nowhere/", HTTP_ACCEPT="text/html").content.decode()
    api = client.get("/v2/nowhere", HTTP_ACCEPT="application/json")
    assert api.status_code == 404 and "data-error-page" not in api.content.decode()


def test_service_messages_are_put_in_the_page_words():
    """A pure unit: parameter names in a service's message become the words the page uses."""
    from facesets.forms import CompareForm, page_words

    assert page_words("external_fields.age: expected an integer") == "The field “age”: expected an integer"
    assert page_words("image1 holds no face", CompareForm()) == "First photo holds no face"
    assert page_words("the two images together exceed 10 bytes", CompareForm()) == (
        "The two images together exceed 10 bytes"
    )


def test_addresses_carry_their_project(admin_client, team):
    """/p/<project_id>/...: a browser on a bare address is sent to it with the current project; every link on the
    page keeps the project; two tabs on two projects each act on their own; another project is a 404."""
    other = make_team("other")
    stranger = make_team("stranger")
    projects.project_member_set(project=other.project, user=team.admin, role="admin")
    mine, theirs = f"/p/{team.project.project_id}", f"/p/{other.project.project_id}"
    response = admin_client.get("/face-sets/?x=1", HTTP_ACCEPT="text/html")
    assert response.status_code == 302 and response["Location"] == f"{mine}/face-sets/?x=1"
    page = admin_client.get(f"{mine}/face-sets/").content.decode()
    assert f'href="{mine}/persons/"' in page and 'src="/static/facelib/app.js"' in page  # static: shared
    assert admin_client.get(f"{theirs}/").content.decode().count("<h1>other</h1>") == 1
    admin_client.post(f"{mine}/persons/", {"name": "in-mine"})  # the session was last on the other project
    assert Person.objects.filter(project=team.project, name="in-mine").exists()
    assert not Person.objects.filter(project=other.project, name="in-mine").exists()
    assert admin_client.get(f"/p/{stranger.project.project_id}/face-sets/").status_code == 404
    assert admin_client.get(f"{mine}/static/facelib/app.css").status_code in (200, 304)


def test_nul_characters_in_dashboard_posts_change_nothing(admin_client, team):
    face_set = library.face_set_create(project=team.project, name="staff")
    face = face_in_set(team.project, face_set)
    for data in (
        {"face": [face.face_id, "a\x00b"], "action": "delete"},
        {"face": [face.face_id], "action": "assign", "new_person": "Zed\x00"},
    ):
        response = admin_client.post("/faces/bulk/", data)
        assert response.status_code == 400 and "NUL" in response.content.decode()
    response = admin_client.post(f"/faces/{face.face_id}/person/", {"person": "x\x00"})
    assert response.status_code == 400
    assert Face.objects.filter(pk=face.pk, person=None).exists() and not Person.objects.exists()
