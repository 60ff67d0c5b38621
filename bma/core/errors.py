"""Errors with stable codes.

Services raise ``BmaError(codes.X, "message for the user")``. The boundary (OpenRosa views, the API,
the admin) turns it into a response through one table each; the code and its HTTP status are
defined once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import lazy


@dataclass(frozen=True)
class ErrorCode:
    code: str
    http_status: int


class codes:  # noqa: N801 - a namespace of constants, read as codes.FORM_CLOSED
    # Generic
    INVALID_INPUT = ErrorCode("input.invalid", 400)
    NOT_FOUND = ErrorCode("object.not_found", 404)
    PERMISSION_DENIED = ErrorCode("auth.permission_denied", 403)
    AUTH_REQUIRED = ErrorCode("auth.required", 401)
    AUTH_LOCKED_OUT = ErrorCode("auth.locked_out", 429)
    # Rounds
    ROUND_TRANSITION = ErrorCode("round.invalid_transition", 409)
    ROUND_NOT_OPEN = ErrorCode("round.not_open", 409)
    # Gazetteer
    GAZETTEER_INVALID_FILE = ErrorCode("gazetteer.invalid_file", 400)
    # Forms
    FORM_INVALID = ErrorCode("form.invalid", 400)
    FORM_VERSION_CONFLICT = ErrorCode("form.version_conflict", 409)
    FORM_UNKNOWN = ErrorCode("form.unknown", 404)
    FORM_VERSION_UNKNOWN = ErrorCode("form.version_unknown", 404)
    FORM_CLOSED = ErrorCode("form.closed", 409)
    # Submissions
    SUBMISSION_INVALID = ErrorCode("submission.invalid", 400)
    SUBMISSION_TOO_LARGE = ErrorCode("submission.too_large", 413)
    SUBMISSION_DUPLICATE_CONFLICT = ErrorCode("submission.duplicate_conflict", 409)
    SUBMISSION_EDIT_UNKNOWN = ErrorCode("submission.edit_unknown", 404)
    SUBMISSION_EDIT_STALE = ErrorCode("submission.edit_stale", 409)
    SUBMISSION_EDIT_FORBIDDEN = ErrorCode("submission.edit_forbidden", 403)
    SUBMISSION_NOT_ASSIGNED = ErrorCode("submission.not_assigned", 403)
    SUBMISSION_OUTSIDE_ASSIGNMENT = ErrorCode("submission.outside_assignment", 403)
    KOBO_TOKEN_UNKNOWN = ErrorCode("kobo.token_unknown", 403)
    SERVICE_UNAVAILABLE = ErrorCode("service.unavailable", 503)
    # Entities
    ENTITY_CHANGED = ErrorCode("entity.changed", 409)
    # Reports
    REPORT_PUBLISH_CONFLICT = ErrorCode("report.publish_conflict", 409)
    REPORT_NOT_READY = ErrorCode("report.not_ready", 409)
    REPORT_PUBLISH_UNCHANGED = ErrorCode("report.publish_unchanged", 409)


def _rendered(template, params: dict) -> str:
    return str(template) % params if params else str(template)


_rendered_lazy = lazy(_rendered, str)


def message_lazy(template, **params) -> str:
    """A message put into words when it is shown, in the language active then (``template`` from
    gettext_lazy, ``%(name)s`` placeholders): the device that is refused reads its enumerator's
    language, the rejection log written in the same request keeps English."""
    return _rendered_lazy(template, params)


def _lower(text) -> str:
    return str(text).lower()


# A label (lazy, e.g. a state's) in lower case for the middle of a sentence, worded when the message is.
lower_lazy = lazy(_lower, str)


@dataclass
class BmaError(Exception):
    code: ErrorCode
    message: str
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.code}: {self.message}"

    @property
    def http_status(self) -> int:
        return self.code.http_status
