"""Round life cycle: planned -> open -> closed (and closed -> open to reopen for late data)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, lower_lazy, message_lazy
from bma.core.task_names import task_named
from bma.rounds.models import Round, RoundState

# Opening a round publishes its own B2 (asking its reference years), so no device gets another period's
# questions, and the round's list files the B2 reads (villages.csv...), so Collect can fill it. The form
# registry sits above rounds, so it is reached by the task's name, not an import.
ROUND_OPENED_TASK = "bma.xforms.tasks.round_forms_publish"

NO_OPEN_ROUND = _("No round is open for data collection. Ask your coordinator.")

ALLOWED_TRANSITIONS = {
    RoundState.PLANNED: {RoundState.OPEN},
    RoundState.OPEN: {RoundState.CLOSED},
    RoundState.CLOSED: {RoundState.OPEN},
}


@transaction.atomic
def round_set_state(*, round: Round, state: str) -> Round:
    # Lock the row: two coordinators clicking at once must not both pass the check.
    locked = Round.objects.select_for_update().get(pk=round.pk)
    target = RoundState(state)
    if target not in ALLOWED_TRANSITIONS[RoundState(locked.state)]:
        raise BmaError(
            codes.ROUND_TRANSITION,
            message_lazy(
                _("Round %(number)s is %(state)s and cannot become %(target)s."),
                number=locked.number,
                state=lower_lazy(RoundState(locked.state).label),
                target=lower_lazy(target.label),
            ),
        )
    locked.state = target
    now = timezone.now()
    if target == RoundState.OPEN:
        locked.opened_at = now
    else:
        locked.closed_at = now
    locked.save(update_fields=["state", "opened_at", "closed_at", "updated_at"])
    if target == RoundState.OPEN:
        # robust: a form that cannot be built is logged and never undoes the opening; the coordinator
        # can publish it again with `publish_forms --round N`.
        transaction.on_commit(lambda: task_named(ROUND_OPENED_TASK).delay(locked.pk), robust=True)
    round.refresh_from_db()
    return locked


def round_open(*, round: Round) -> Round:
    return round_set_state(round=round, state=RoundState.OPEN)


def round_close(*, round: Round) -> Round:
    return round_set_state(round=round, state=RoundState.CLOSED)


def round_require_open(round: Round) -> None:
    if not round.accepts_submissions:
        raise BmaError(
            codes.ROUND_NOT_OPEN,
            message_lazy(
                _(
                    "Round %(number)s (%(name)s) does not accept submissions: it is not open. "
                    "Ask your supervisor which round is open."
                ),
                number=round.number,
                name=round.name,
            ),
        )


def round_for_collection(user) -> Round:
    """The open round a user collects data in: the newest open round they are assigned to.

    Coordinators and administrators collect in the newest open round. Raises a BmaError whose message
    tells an enumerator what to ask for.
    """
    from bma.core.roles import user_sees_everything

    open_rounds = Round.objects.filter(state=RoundState.OPEN).order_by("-number")
    # The common case, an enumerator with an assignment, in one query.
    mine = open_rounds.filter(assignments__user=user).first()
    if mine is not None:
        return mine
    latest = open_rounds.first()
    if latest is None:
        raise BmaError(codes.ROUND_NOT_OPEN, NO_OPEN_ROUND)
    if user_sees_everything(user):
        return latest
    raise BmaError(
        codes.SUBMISSION_NOT_ASSIGNED,
        message_lazy(
            _("You (%(user)s) are not assigned to any area in round %(number)s. Ask your supervisor to assign you."),
            user=user.get_username(),
            number=latest.number,
        ),
    )


def assignment_refuse_outside(round, user, district_code: str) -> None:
    """Refuse a submission for a district outside the user's assignment, if the round says so.

    Rounds set to flag (the default) accept it and the quality rule raises an issue instead. A user
    with no assignment in the round (a coordinator) collects everywhere.
    """
    from bma.geo.models import AdminArea
    from bma.rounds.models import OutsideAssignment
    from bma.rounds.scoping import assigned_area_paths, path_within

    if round is None or round.outside_assignment != OutsideAssignment.REFUSE or not district_code:
        return
    paths = assigned_area_paths(user, round=round)
    if not paths:
        return
    district = AdminArea.objects.filter(code=district_code).only("path").first()
    if district is not None and path_within(district.path, paths):
        return
    raise BmaError(
        codes.SUBMISSION_OUTSIDE_ASSIGNMENT,
        message_lazy(
            _(
                "%(district)s is outside the areas you (%(user)s) are assigned to in round %(number)s; "
                "this round refuses such submissions. Nothing was stored. Check the district, or ask your supervisor."
            ),
            district=district_code,
            user=user.get_username(),
            number=round.number,
        ),
    )
