"""Shared credential lookup and signed tokens (facesets.api.common.auth, .tokens), once for all dialects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing

from facesets.api.common.auth import credential_authenticate, credential_for_signature
from facesets.api.common.tokens import credential_token_issue, credential_token_verify, token_read, token_sign
from facesets.exceptions import AuthenticationFailed, CredentialRevoked, TokenExpired
from facesets.services import projects

SALT = "facelib.tests.token"


@pytest.fixture
def pair(db):
    project = projects.project_get_or_create(name="tokens")
    credential, secret = projects.credential_create(project=project, description="tests")
    return credential, secret


def test_a_key_pair_is_checked_and_a_revoked_key_told_apart(pair):
    credential, secret = pair
    assert credential_authenticate(access_key=credential.access_key, secret=secret).pk == credential.pk
    for access_key, given in ((credential.access_key, secret + "x"), ("unknown", secret), ("", "")):
        with pytest.raises(AuthenticationFailed) as failed:
            credential_authenticate(access_key=access_key, secret=given)
        assert type(failed.value) is AuthenticationFailed
    projects.credential_revoke(credential=credential)
    with pytest.raises(CredentialRevoked):
        credential_authenticate(access_key=credential.access_key, secret=secret)
    with pytest.raises(CredentialRevoked):
        credential_for_signature(access_key=credential.access_key)
    with pytest.raises(AuthenticationFailed):
        credential_for_signature(access_key="unknown")


def test_signed_tokens_round_trip_expire_and_refuse_tampering():
    token = token_sign({"who": "me"}, salt=SALT)
    assert token_read(token, salt=SALT, max_age=timedelta(hours=1)) == {"who": "me"}
    with pytest.raises(TokenExpired):
        token_read(token, salt=SALT, max_age=timedelta(seconds=-1))
    for bad in (token[:-2] + "xx", "not a token", token_sign({"who": "me"}, salt="another dialect")):
        with pytest.raises(AuthenticationFailed) as refused:
            token_read(bad, salt=SALT, max_age=timedelta(hours=1))
        assert type(refused.value) is AuthenticationFailed
    with pytest.raises(AuthenticationFailed):
        token_read(signing.dumps(["a list"], salt=SALT), salt=SALT, max_age=timedelta(hours=1))


def test_a_credential_token_dies_with_the_credential(pair):
    credential, _ = pair
    token, expires = credential_token_issue(credential=credential, salt=SALT, ttl=timedelta(days=30))
    assert credential_token_verify(token, salt=SALT, ttl=timedelta(days=30)).pk == credential.pk
    assert expires > credential.created + timedelta(days=29)
    with pytest.raises(TokenExpired):
        credential_token_verify(token, salt=SALT, ttl=timedelta(seconds=-1))
    credential.set_secret("rotated")
    credential.save()
    with pytest.raises(AuthenticationFailed):
        credential_token_verify(token, salt=SALT, ttl=timedelta(days=30))
    token, _ = credential_token_issue(credential=credential, salt=SALT, ttl=timedelta(days=30))
    projects.credential_revoke(credential=credential)
    with pytest.raises(CredentialRevoked):
        credential_token_verify(token, salt=SALT, ttl=timedelta(days=30))
