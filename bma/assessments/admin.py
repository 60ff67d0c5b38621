"""The assessments app's own records in the admin. The review desk (the B1, B2 and spot-check lists and
pages) composes assessments, validation and referrals, so it lives above them in bma/review/admin.py."""

from __future__ import annotations

from django.contrib import admin

from bma.assessments import models as m
from bma.core.admin import ReadOnlyAdmin


@admin.register(m.ContactPurge)
class ContactPurgeAdmin(ReadOnlyAdmin):
    """The retention job's record: what was removed from which round, when, and by what. Read-only."""

    list_display = (
        "created_at",
        "round",
        "informants",
        "payloads",
        "answers",
        "unreadable",
        "exports",
        "job",
        "requested_by",
    )
    list_filter = ("round", "job")
    list_select_related = ("round", "requested_by")
