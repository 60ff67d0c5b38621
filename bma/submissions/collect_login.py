"""Can ODK Collect log in as this account, and if not, why and what to do.

One answer for the enumerator list, the set-up sheet and the server log of a refused Digest login.
Collect logs in two ways: the device code of the set-up sheet (an active CollectToken in the URL), or
user name and password over HTTP Digest, which needs the account's DigestCredential. That credential
is written only when the password is set (or used at the web login) while the account already holds
the enumerator role (auth.digest_credential_store): a password given before the role leaves none, and
Collect just gets 401 until the password is set again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bma.core.roles import GROUP_NAMES, Role
from bma.submissions.models import CollectToken, DigestCredential

log = logging.getLogger(__name__)

# Why the password (Digest) login does not work; "" when it does.
INACTIVE, NOT_ENUMERATOR, STAFF, NO_PASSWORD, SET_BEFORE_ROLE = (
    "inactive",
    "not_enumerator",
    "staff",
    "no_password",
    "set_before_role",
)

_WHY = {
    INACTIVE: _("The account is deactivated."),
    NOT_ENUMERATOR: _("The account does not have the enumerator role."),
    STAFF: _("Staff and superuser accounts never log in to ODK Collect with a password."),
    NO_PASSWORD: _("The account has no password."),
    SET_BEFORE_ROLE: _(
        "The password was set before the enumerator role was given, so ODK Collect's password login is refused."
    ),
}
_TO_DO = {
    INACTIVE: _("Activate the account."),
    NOT_ENUMERATOR: _("Give the account the enumerator role, then set its password again."),
    STAFF: _("Print the set-up sheet and scan its code in ODK Collect."),
    NO_PASSWORD: _("Print the set-up sheet and scan its code in ODK Collect."),
    SET_BEFORE_ROLE: _("Set the password again, or print the set-up sheet."),
}


@dataclass(frozen=True)
class CollectLogin:
    by_token: bool  # an active device code (set-up sheet)
    by_password: bool  # a Digest credential: user name and password work in Collect
    password_problem: str  # why the password login fails ("" when it works)

    @property
    def can_log_in(self) -> bool:
        return self.by_token or self.by_password

    @property
    def summary(self):
        if self.by_token and self.by_password:
            return _("Yes: device code and password.")
        if self.by_token:
            return _("Yes: device code.")
        if self.by_password:
            return _("Yes: password.")
        return _("No.")

    @property
    def notes(self) -> list:
        """Why not and what to do, as sentences for the pages: none when nothing needs doing."""
        if not self.can_log_in:
            return [_WHY[self.password_problem], _TO_DO[self.password_problem]]
        if self.password_problem == SET_BEFORE_ROLE:  # the device code works; the password would not
            return [_WHY[SET_BEFORE_ROLE], _("To log in with the password instead, set the password again.")]
        return []


def collect_login_annotate(queryset):
    """Add what collect_login_check reads to a queryset of users: two subqueries, not two per row."""
    return queryset.annotate(
        collect_has_credential=Exists(DigestCredential.objects.filter(user_id=OuterRef("pk"))),
        collect_has_token=Exists(CollectToken.objects.filter(user_id=OuterRef("pk"), revoked_at__isnull=True)),
        collect_is_enumerator=Exists(
            get_user_model().groups.through.objects.filter(
                user_id=OuterRef("pk"), group__name=GROUP_NAMES[Role.ENUMERATOR]
            )
        ),
    )


def _is_enumerator(user) -> bool:
    known = getattr(user, "collect_is_enumerator", None)
    return known if known is not None else user.groups.filter(name=GROUP_NAMES[Role.ENUMERATOR]).exists()


def collect_login_check(user) -> CollectLogin:
    """Whether Collect can log in as ``user``, by device code or password, and why the password fails."""
    has_credential = getattr(user, "collect_has_credential", None)
    if has_credential is None:
        has_credential = DigestCredential.objects.filter(user_id=user.pk).exists()
    has_token = getattr(user, "collect_has_token", None)
    if has_token is None:
        has_token = CollectToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).exists()
    if not user.is_active:  # neither a device code nor a password of a deactivated account is accepted
        return CollectLogin(by_token=False, by_password=False, password_problem=INACTIVE)
    if has_credential:  # kept only for active, non-staff enumerators (auth.digest_credential_store)
        return CollectLogin(by_token=has_token, by_password=True, password_problem="")
    if user.is_staff or user.is_superuser:
        problem = STAFF
    elif not _is_enumerator(user):
        problem = NOT_ENUMERATOR
    elif not user.has_usable_password():
        problem = NO_PASSWORD
    else:
        problem = SET_BEFORE_ROLE
    return CollectLogin(by_token=has_token, by_password=False, password_problem=problem)


def collect_login_refusal_log(user) -> None:
    """Say in the server log why Collect's Digest login was refused for an existing account.

    Collect itself gets only the normal challenge. The account's id, never the user name typed in
    Collect (someone may type their password there) nor anything about the password.
    """
    problem = collect_login_check(user).password_problem
    with translation.override("en"):
        log.warning(
            "ODK Collect password login refused for account id %s: %s %s",
            user.pk,
            str(_WHY.get(problem, "")),
            str(_TO_DO.get(problem, "")),
        )
