"""The review desk's machinery: the sections of the assessment page, the columns and filters the
assessment list gains from validation, and the page's previous/next through the list as it was filtered.

The desk lives above assessments, validation and referrals and imports their parts directly: which
sections the page shows, in order, and what the list gains are stated in bma/review/admin.py
(PAGE_SECTIONS, LIST_EXTENSIONS). A section is a callable ``(request, assessment) -> Section | None``;
``assessment`` is a VillageAssessment, DistrictAssessment or SpotCheckVisit, and a section returns None
for a model it has nothing to say about.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, OrderBy, Q
from django.db.models.constants import LOOKUP_SEP
from django.db.models.sql.query import get_order_dir
from django.http import QueryDict


@dataclass(frozen=True)
class Section:
    """One part of the assessment page: a heading, the template that draws it, and its context."""

    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ListExtension:
    """Columns and filters another app (validation) adds to the village assessment list.

    ``columns`` are functions of one row decorated with ``admin.display``; they are attached to the
    model admin under their ``__name__``, so the list's column classes (``column-<name>``) stay stable.
    """

    annotate: Callable | None = None
    columns: tuple = ()
    filters: tuple = ()


def changelist_neighbours(model_admin, request, obj, list_query: str) -> tuple[int | None, int | None]:
    """The assessments before and after ``obj`` in the list as the reader filtered and sorted it.

    ``list_query`` is the list's own query string (what the admin keeps in ``_changelist_filters``).
    The list is rebuilt from it with the admin's own ChangeList, so filters, search and ordering are
    exactly those of the page the reader came from. The database returns three rows, not the list:
    ``obj``'s values of the ordering's keys (none: no longer in the filter), then the first row after
    them and the first row before them (keyset pagination over the list's own total ordering).
    """
    listing = copy.copy(request)
    listing.GET = QueryDict(list_query)
    listing.method = "GET"
    setattr(listing, LIST_QUERY_ONLY, True)
    try:
        changelist = model_admin.get_changelist_instance(listing)
    except IncorrectLookupParameters:
        return None, None
    keys = ordering_keys(changelist.queryset.model, changelist.queryset.query.order_by)
    if keys is None:  # an ordering keyset cannot follow (random, across a many-valued relation)
        return _neighbours_by_ids(changelist.queryset, obj)
    # Without DISTINCT, should a list ask for it (a scope across a many-valued relation; PostgreSQL
    # would de-duplicate the whole round for each look-up): a row repeated by a join to many rows
    # repeats its keys too, and the strict comparison below never stops on a repeat.
    queryset = _without_distinct(changelist.queryset)
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    names = [f"_desk_key{i}" for i in range(len(keys))]
    # Sorted by the keys as selected columns, in the list's own directions and null placement: the
    # list's order, with each expression (the open-issues subquery) written once.
    keyed = queryset.annotate(**dict(zip(names, (key.expression for key in keys), strict=True))).order_by(
        *(
            OrderBy(
                F(name),
                descending=key.descending,
                nulls_first=key.nulls_first or None,
                nulls_last=key.nulls_last or None,
            )
            for name, key in zip(names, keys, strict=True)
        )
    )
    values = _first(keyed.filter(pk=obj.pk).order_by().values_list(*names))
    if values is None:  # no longer in the filter (just decided): no neighbours to offer
        return None, None
    nulls_first = [_nulls_first(key, nulls_largest) for key in keys]
    after = _beyond(names, keys, nulls_first, values, forward=True)
    before = _beyond(names, keys, nulls_first, values, forward=False)
    following = _first(keyed.filter(after).values_list("pk", *names)) if after is not None else None
    preceding = _first(keyed.filter(before).reverse().values_list("pk", *names)) if before is not None else None
    return (preceding[0] if preceding else None), (following[0] if following else None)


# Set on the request the neighbours rebuild the list from: the admin's get_changelist then gives a
# ChangeList that builds the list's queryset but does not count or page it (QueryOnlyChangeList).
LIST_QUERY_ONLY = "bma_list_query_only"


def query_only_changelist(changelist_class):
    """``changelist_class`` without get_results: its two COUNTs over the whole list (a round's hundred
    thousand rows) are of no use to the neighbours, which need only the queryset."""

    class QueryOnlyChangeList(changelist_class):
        def get_results(self, request):
            pass

    return QueryOnlyChangeList


def _without_distinct(queryset):
    queryset = queryset.all()
    queryset.query.distinct = False
    return queryset


def _first(rows):
    return next(iter(rows[:1]), None)


def ordering_keys(model, ordering) -> list[OrderBy] | None:
    """The list's ordering as the database sorts by it: one OrderBy per key, relations expanded.

    A name ending at a foreign key sorts by the related model's own Meta.ordering (as Django's SQL
    compiler does), so ``district`` becomes ``district__path``. None for an ordering keyset pagination
    cannot follow: random order, or a key across a many-valued relation (one row per related row).
    """
    keys = []
    for item in ordering:
        expanded = _expand(model._meta, item, descending=False, prefix="", seen=set())
        if expanded is None:
            return None
        keys.extend(expanded)
    return keys


def _expand(opts, item, descending: bool, prefix: str, seen: set) -> list[OrderBy] | None:
    if hasattr(item, "resolve_expression"):
        if not isinstance(item, OrderBy):
            item = item.desc() if descending else item.asc()
        return [item.prefix_references(prefix) if prefix else item]
    if item == "?":
        return None
    name, direction = get_order_dir(item, "DESC" if descending else "ASC")
    descending = direction == "DESC"
    pieces = name.split(LOOKUP_SEP)
    field = None
    for piece in pieces:
        try:
            field = opts.pk if piece == "pk" else opts.get_field(piece)
        except FieldDoesNotExist:  # an annotation of the list (open issues) or a transform
            field = None
            break
        if not field.is_relation:
            break  # what follows a plain field is a transform (visit_date__year)
        if field.many_to_many or field.one_to_many:
            return None
        opts = field.related_model._meta
    related_ordering = (
        field is not None
        and field.is_relation
        and opts.ordering
        and getattr(field, "attname", None) != pieces[-1]
        and name != "pk"
    )
    if not related_ordering:
        return [OrderBy(F(prefix + name), descending=descending)]
    if (opts.label, prefix + name) in seen:  # Django's compiler refuses such an ordering too
        return None
    seen.add((opts.label, prefix + name))
    keys = []
    for related in opts.ordering:
        expanded = _expand(opts, related, descending, f"{prefix}{name}{LOOKUP_SEP}", seen)
        if expanded is None:
            return None
        keys.extend(expanded)
    return keys


def _nulls_first(key: OrderBy, nulls_largest: bool) -> bool:
    """Where the database puts nulls on this key: as asked, or its default (PostgreSQL: nulls are the
    largest values, so last ascending and first descending; SQLite: the smallest)."""
    if key.nulls_first or key.nulls_last:
        return bool(key.nulls_first)
    return key.descending == nulls_largest


def _beyond(names, keys, nulls_first, values, forward: bool) -> Q | None:
    """The rows strictly after (``forward``) or before ``values`` in the ordering: lexicographic, key by
    key, with the nulls where the database sorts them. None when no row can be there."""
    alternatives = []
    equal = Q()
    for name, key, first, value in zip(names, keys, nulls_first, values, strict=True):
        # "Greater" in the sort's own direction: a descending key grows downwards.
        greater = "lt" if key.descending == forward else "gt"
        # Whether this key's nulls lie on the side we are heading to (the end going forward).
        nulls_ahead = not first if forward else first
        if value is None:  # among the nulls: beyond them lie the values, or nothing
            step = None if nulls_ahead else Q(**{f"{name}__isnull": False})
            here = Q(**{f"{name}__isnull": True})
        else:
            step = Q(**{f"{name}__{greater}": value})
            if nulls_ahead:
                step |= Q(**{f"{name}__isnull": True})
            here = Q(**{name: value})
        if step is not None:
            alternatives.append(equal & step)
        equal &= here
    if not alternatives:
        return None
    beyond = alternatives[0]
    for alternative in alternatives[1:]:
        beyond |= alternative
    return beyond


def _neighbours_by_ids(queryset, obj) -> tuple[int | None, int | None]:
    ids = list(queryset.values_list("pk", flat=True))
    try:
        at = ids.index(obj.pk)
    except ValueError:
        return None, None
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)
