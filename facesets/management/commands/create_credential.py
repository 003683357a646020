"""`python manage.py create_credential <project-name>`: a new access key / secret key pair, printed as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from facesets.exceptions import DomainError
from facesets.services.projects import credential_create, project_get_or_create


class Command(BaseCommand):
    help = (
        "Create the project if needed and a new access key / secret key pair for it, and print one JSON object: "
        '{"project_id": ..., "access_key": ..., "secret_key": ...}. Every API dialect authenticates with these '
        "(Huawei AK/SK, Baidu API key + secret key, SenseTime api_id + api_secret, Face++ api_key + api_secret). "
        "The secret is shown only this once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_name", help="name of the project (created when it does not exist)")
        parser.add_argument("--description", default="", help="a note to tell this credential from others")

    def handle(self, *args, project_name: str, description: str, **options) -> None:
        from facesets.services.audit import Actor, acting

        try:
            with acting(Actor(interface="command", label="create_credential")):  # the audit log names this command
                project = project_get_or_create(name=project_name)
                credential, secret = credential_create(project=project, description=description)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            json.dumps({"project_id": project.project_id, "access_key": credential.access_key, "secret_key": secret})
        )
