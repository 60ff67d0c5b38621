"""Password login that also refreshes the Digest credential (kept only for accounts that collect).

Accounts made by ``createsuperuser`` or ``create_user`` get their password hashed without passing
through set_password, so no Digest credential exists until the password is set again; a successful
web login with the password is the other moment the raw password is known.
"""

from django.contrib.auth.backends import ModelBackend

from bma.submissions.auth import digest_credential_store, digest_ha1


class DigestAwareModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and password:
            credential = getattr(user, "digest_credential", None)
            if credential is None or credential.ha1 != digest_ha1(user.get_username(), password):
                digest_credential_store(user, password)
        return user
