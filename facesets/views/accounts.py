"""Sign-in with protection against password guessing: django-axes counts failures and refuses a user name that
failed too often from one address (settings: AXES_*); the form then says so plainly instead of "wrong password"."""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

logger = logging.getLogger(__name__)


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    return (
        f"Too many failed sign-ins for this user name from your address. Try again in {lockout_minutes()} minutes, "
        "or ask an administrator."
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form; a locked-out user name gets the lockout message (and the attempt is logged)."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                logger.warning("sign-in refused: user name %r is locked out", self.cleaned_data.get("username", ""))
                raise forms.ValidationError(lockout_message(), code="locked_out") from None
            raise
