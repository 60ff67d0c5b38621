"""Who sees which stored submissions."""

from __future__ import annotations

from django.db.models import Q


def submission_scope_q(user) -> Q:
    """Submissions in the user's areas: by the district the submission names, or, when it names none
    this server knows (the reason it failed, often), by its submitter's assignment there.

    A failed submission may have no typed assessment to scope by; the raw row's district is enough.
    """
    from bma.core.roles import user_sees_everything
    from bma.geo.models import AdminArea
    from bma.rounds.models import Assignment
    from bma.rounds.scoping import NOTHING, area_scope_q

    if user_sees_everything(user):
        return Q()
    areas = area_scope_q(user)
    if areas == NOTHING:
        return NOTHING
    in_scope = AdminArea.objects.filter(areas).values("code")
    submitters = Assignment.objects.filter(area_scope_q(user, "area")).values("user")
    unknown_district = ~Q(district_code__in=AdminArea.objects.values("code"))
    return Q(district_code__in=in_scope) | (unknown_district & Q(submitted_by__in=submitters))
