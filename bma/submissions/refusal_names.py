"""Why an attempt was refused, in the reader's words, for the *Rejected attempts* list: its code
(``form.closed``) is what devices and logs read, not what a supervisor should have to decode."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REFUSAL_NAMES = {
    "input.invalid": _("Invalid request"),
    "auth.permission_denied": _("Not allowed"),
    "auth.required": _("Not logged in"),
    "auth.locked_out": _("Locked out after failed logins"),
    "round.not_open": _("No open round"),
    "form.unknown": _("Unknown form"),
    "form.version_unknown": _("Unknown form version"),
    "form.closed": _("Form closed"),
    "submission.invalid": _("Submission not readable"),
    "submission.too_large": _("Submission too large"),
    "submission.duplicate_conflict": _("Same ID, different answers"),
    "submission.edit_unknown": _("Edit of an unknown submission"),
    "submission.edit_stale": _("Edit of an older version"),
    "submission.edit_forbidden": _("Edit by someone else"),
    "submission.not_assigned": _("Not assigned in the open round"),
    "submission.outside_assignment": _("District outside the assignment"),
    "kobo.token_unknown": _("Unknown Kobo address"),
}


def refusal_name(code: str) -> str:
    name = REFUSAL_NAMES.get(code)
    return str(name) if name is not None else code
