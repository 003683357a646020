"""A person created through the SenseTime dialect is the dashboard's person, with their faces."""

from __future__ import annotations

import uuid

from django.test import Client

from tests.api.sensetime.conftest import project_of


def test_a_sensetime_person_shows_in_the_dashboard(st, settings):
    from django.contrib.auth import get_user_model

    from facesets.views.base import SESSION_PROJECT_KEY

    faces = [face["face_id"] for face in st.detect("groups/compreface__010_2.jpg").body["faces"]]
    person_id = st.call("/person/create", {"name": "Made by SenseTime", "face_id": faces}).body["person_id"]

    user = get_user_model().objects.create_superuser(f"sensetime-{uuid.uuid4().hex[:8]}", password="not-used-here")
    try:
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_PROJECT_KEY] = project_of(st).project_id
        session.save()
        page = client.get(f"/persons/{person_id}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Made by SenseTime" in html
        for face_id in faces:
            assert f'data-face="{face_id}"' in html
            assert client.get(f"/faces/{face_id}/thumb.jpg").status_code == 200
        listing = client.get("/persons/").content.decode()
        assert "Made by SenseTime" in listing
        # An asynchronous SenseTime call is one of the dashboard's tasks.
        settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
        task_id = st.call("/face/training", {"person_id": person_id}).body["task_id"]
        task_page = client.get(f"/tasks/{task_id}/")
        assert task_page.status_code == 200 and "face.training" in task_page.content.decode()
    finally:
        user.delete()
