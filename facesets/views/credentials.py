"""API credentials: create (the secret is shown once, in the response to the POST, and stored nowhere in clear),
list, revoke; with ready-to-copy client examples for this project and this server."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors
from ..exceptions import NotFound
from ..forms import CredentialCreateForm
from ..services.projects import credential_create, credential_revoke
from .base import dashboard_view, page


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# The new secret travels from the POST to the page that shows it once in a signed, path-scoped, HttpOnly browser
# cookie without expiry date (kept in the browser's memory, not on disk), read and cleared by that page: the server
# stores it nowhere in clear, and reloading the page neither shows it again nor creates a second key.
SECRET_COOKIE = "facelib_new_secret"
SECRET_COOKIE_SALT = "facelib.credentials.new-secret"
SECRET_COOKIE_SECONDS = 120


@require_http_methods(["GET", "POST"])
@dashboard_view
def credential_list(request: HttpRequest) -> HttpResponse:
    project = request.project
    form = CredentialCreateForm(request.POST or None)
    created, secret = None, None
    if request.method == "POST" and form.is_valid():
        created, secret = credential_create(project=project, description=form.cleaned_data["description"])
        response = redirect(f"{reverse('dashboard:credentials')}?created={created.access_key}")
        response.set_signed_cookie(
            SECRET_COOKIE,
            f"{created.access_key}:{secret}",
            salt=SECRET_COOKIE_SALT,
            path=reverse("dashboard:credentials"),
            httponly=True,
            samesite="Strict",
            secure=request.is_secure(),
        )
        return response
    shown = request.get_signed_cookie(SECRET_COOKIE, default="", salt=SECRET_COOKIE_SALT, max_age=SECRET_COOKIE_SECONDS)
    access_key, _, shown_secret = shown.partition(":")
    if shown_secret and access_key == request.GET.get("created"):
        try:
            created = selectors.credential_get(project=project, access_key=access_key)
        except NotFound:
            created = None
        secret = shown_secret if created is not None and created.revoked is None else None
        created = created if secret else None
    base_url = _base_url(request)
    host = request.get_host()
    context = {
        "form": form,
        "credentials": selectors.credential_list(project=project),
        "created": created,
        "secret": secret,
        "base_url": base_url,
        "host": host,
        "example_ak": created.access_key if created else "YOUR_ACCESS_KEY",
        "example_sk": secret or "YOUR_SECRET_KEY",
        "nav": "credentials",
    }
    response = page(request, "dashboard/credentials.html", context)
    if secret:
        response["Cache-Control"] = "no-store"  # the page holds a secret: no copy in any cache
    if request.COOKIES.get(SECRET_COOKIE):
        response.delete_cookie(SECRET_COOKIE, path=reverse("dashboard:credentials"), samesite="Strict")
    return response


@require_POST
@dashboard_view
def credential_revoke_view(request: HttpRequest, access_key: str) -> HttpResponse:
    credential = selectors.credential_get(project=request.project, access_key=access_key)
    credential_revoke(credential=credential)
    messages.success(request, f"Key {credential.access_key} is revoked: it stopped working at once.")
    return redirect("dashboard:credentials")
