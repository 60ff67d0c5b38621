"""The round an admin changelist is looking at: shared by the referral queue, the visit plan and the
spot-check lists, which all default to the newest round."""

from __future__ import annotations

from bma.core.errors import BmaError
from bma.core.params import integer_param
from bma.rounds.models import Round


def round_in_filter(request):
    """The round the changelist is filtered to (its ``round__id__exact``), or the newest round.

    A hand-edited value that is not an id falls back to the newest round here; the changelist itself
    then tells the user the filter is invalid (Django's ?e=1), instead of a 500 from this look-up.
    """
    try:
        round_id = integer_param(request.GET, "round__id__exact")
    except BmaError:
        round_id = None
    found = Round.objects.filter(pk=round_id).first() if round_id else None
    return found or Round.objects.order_by("-number").first()
