"""Fixtures of the dashboard's view tests (test_views.py, test_views_library.py): a project with an admin and a
viewer, and a test client signed in as each."""

from __future__ import annotations

import pytest

from tests.support.dashboard import make_team


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def admin_client(client, team):
    client.force_login(team.admin)
    return client


@pytest.fixture
def viewer_client(client, team):
    client.force_login(team.viewer)
    return client
