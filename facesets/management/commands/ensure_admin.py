"""`python manage.py ensure_admin`: make sure the dashboard's admin user exists (run by `make run` at every start).

FACELIB_ADMIN_USER (default `admin`), FACELIB_ADMIN_EMAIL and FACELIB_ADMIN_PASSWORD come from the environment.
With a password in the environment the user gets exactly that password. Without one, a missing user is created
with a random password that is printed this once and stored nowhere but as Django's hash; an existing user is
left alone, so later runs print no password.
"""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the admin user if missing (FACELIB_ADMIN_USER / FACELIB_ADMIN_PASSWORD, else a generated password)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default=None, help="default: $FACELIB_ADMIN_USER or admin")
        parser.add_argument("--email", default=None, help="default: $FACELIB_ADMIN_EMAIL or empty")

    def handle(self, *args, username: str | None, email: str | None, **options) -> None:
        username = username or os.environ.get("FACELIB_ADMIN_USER", "").strip() or "admin"
        email = email if email is not None else os.environ.get("FACELIB_ADMIN_EMAIL", "").strip()
        password = os.environ.get("FACELIB_ADMIN_PASSWORD", "")
        user_model = get_user_model()
        lookup = {user_model.USERNAME_FIELD: username}

        with transaction.atomic():
            user = user_model._default_manager.select_for_update().filter(**lookup).first()
            if user is None:
                generated = not password
                if generated:
                    password = secrets.token_urlsafe(12)
                user_model._default_manager.create_superuser(**lookup, email=email, password=password)
                if generated:
                    self.stdout.write(f"user {username}, password {password}")
                    self.stdout.write(f"(shown this once only; to change it: manage.py changepassword {username})")
                else:
                    self.stdout.write(f"user {username}, password from FACELIB_ADMIN_PASSWORD")
                return
            if password:
                privileged = user.is_staff and user.is_superuser and user.is_active
                if not privileged or not user.check_password(password):
                    user.set_password(password)
                    user.is_staff = user.is_superuser = user.is_active = True
                    user.save()
                    self.stdout.write(f"user {username}, password reset from FACELIB_ADMIN_PASSWORD")
                    return
            self.stdout.write(f"user {username} (password as set before)")
