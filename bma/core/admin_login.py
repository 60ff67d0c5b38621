"""The admin's login form: an account without desk access is told so, not that its password is wrong."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_FOR_THE_DESK = _(
    "This account is for ODK Collect only: it has no access to the review desk. Ask your coordinator if you need it."
)


class DeskLoginForm(AdminAuthenticationForm):
    """Django's admin form says "wrong password" to a non-staff account even when the password is right.

    ``confirm_login_allowed`` runs only after ``authenticate`` accepted the password (the Axes backend
    first refusing a locked-out name), so a wrong password still gets the usual message and counts
    towards the lockout, and nothing here tells whether an account exists.
    """

    def confirm_login_allowed(self, user):
        if not user.is_active:
            return super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(NOT_FOR_THE_DESK, code="not_for_the_desk")
        super().confirm_login_allowed(user)
