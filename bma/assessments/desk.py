"""What the higher layers add to the review desk, without assessments importing them.

Validation (quality issues, spot checks) and referrals sit above assessments: the assessment page and
list must show their parts, but bma.assessments may not import them. So the parts are named in settings
as dotted paths and loaded with import_string when the admin is built or a page is shown:

- BMA_ASSESSMENT_PAGE_SECTIONS: callables ``(request, assessment) -> Section | None``, shown in order
  on every assessment page; ``assessment`` is a VillageAssessment, DistrictAssessment or SpotCheckVisit,
  and a section returns None for a model it has nothing to say about;
- BMA_ASSESSMENT_LIST_EXTENSIONS: ``ListExtension`` objects adding an annotation, columns (right after
  the review state, so the decision columns stay on screen) and list filters.

Settings rather than registration from the higher apps' AppConfig.ready(): the order of the sections
and columns is stated in one place, a deployment (or a test) can leave a part out with one line, and
the page does not depend on the order in which apps happen to be loaded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import QueryDict
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Section:
    """One part of the assessment page: a heading, the template that draws it, and its context."""

    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ListExtension:
    """Columns and filters a higher layer adds to the village assessment list.

    ``columns`` are functions of one row decorated with ``admin.display``; they are attached to the
    model admin under their ``__name__``, so the list's column classes (``column-<name>``) stay stable.
    """

    annotate: Callable | None = None
    columns: tuple = ()
    filters: tuple = ()


def _load(name: str) -> list:
    return [import_string(path) for path in getattr(settings, name, [])]


def list_extensions() -> list[ListExtension]:
    return _load("BMA_ASSESSMENT_LIST_EXTENSIONS")


def page_sections(request, assessment) -> list[Section]:
    """The sections the higher layers show for this assessment, in the order of the setting."""
    sections = []
    for build in _load("BMA_ASSESSMENT_PAGE_SECTIONS"):
        section = build(request, assessment)
        if section is not None:
            sections.append(section)
    return sections


def changelist_neighbours(model_admin, request, obj, list_query: str) -> tuple[int | None, int | None]:
    """The assessments before and after ``obj`` in the list as the reader filtered and sorted it.

    ``list_query`` is the list's own query string (what the admin keeps in ``_changelist_filters``).
    The list is rebuilt from it with the admin's own ChangeList, so filters, search and ordering are
    exactly those of the page the reader came from. Only ids are read (a supervisor's areas hold a
    few thousand assessments at most; a coordinator's whole round about a hundred thousand ints).
    """
    listing = copy.copy(request)
    listing.GET = QueryDict(list_query)
    listing.method = "GET"
    try:
        changelist = model_admin.get_changelist_instance(listing)
    except IncorrectLookupParameters:
        return None, None
    ids = list(changelist.queryset.values_list("pk", flat=True))
    try:
        at = ids.index(obj.pk)
    except ValueError:  # no longer in the filter (just decided): no neighbours to offer
        return None, None
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)
