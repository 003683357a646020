"""API credentials: create (the secret is shown once, in the response to the POST, and stored nowhere in clear),
list, revoke; with ready-to-copy client examples for this project and this server."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors
from ..forms import CredentialCreateForm
from ..services.projects import credential_create, credential_revoke
from .base import dashboard_view, page


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_http_methods(["GET", "POST"])
@dashboard_view
def credential_list(request: HttpRequest) -> HttpResponse:
    project = request.project
    form = CredentialCreateForm(request.POST or None)
    created, secret = None, None
    if request.method == "POST" and form.is_valid():
        created, secret = credential_create(project=project, description=form.cleaned_data["description"])
        form = CredentialCreateForm()
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
    return response


@require_POST
@dashboard_view
def credential_revoke_view(request: HttpRequest, access_key: str) -> HttpResponse:
    credential = selectors.credential_get(project=request.project, access_key=access_key)
    credential_revoke(credential=credential)
    messages.success(request, f"Key {credential.access_key} is revoked: it stopped working at once.")
    return redirect("dashboard:credentials")
