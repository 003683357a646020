"""What the dashboard's browser tests share: the photos an operator enrols, signing in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.dashboard import PASSWORD

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
