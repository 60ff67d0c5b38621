"""Facts the server a source pulls from holds about a stored chain, mirrored on the chain: its review
state there (ODK Central's reviewState, KoboToolbox's validation status in Central's words) and its
deletion there. One copy for both servers. The supervisor sees them on the desk; they never become our
own review decision, and a deleted visit stops counting until a supervisor decides (assessments.counting).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from bma.core.task_names import task_named
from bma.submissions.models import Submission
from bma.xforms.models import Form

SETTLE_ROOTS_TASK = "bma.assessments.tasks.assessments_settle_roots"


def chain_review_state_note(form: Form, root: str, state: str, at: datetime | None) -> None:
    """The review state on the source, kept on every version of the chain (only when it changed, so the
    time stays the time of the change)."""
    chain = Submission.objects.filter(form=form, root_instance_id=root)
    chain.exclude(central_review_state=state).update(central_review_state=state, central_review_state_at=at)


def chains_deleted_mark(form: Form, deleted: dict[str, datetime]) -> list[str]:
    """Mark chains deleted on the source, with the date (nothing stored here is removed); the roots newly
    marked, whose villages are settled again after commit."""
    marked = [
        root
        for root, at in deleted.items()
        if Submission.objects.filter(form=form, root_instance_id=root, central_deleted_at__isnull=True).update(
            central_deleted_at=at
        )
    ]
    settle_later(marked)
    return marked


def chains_restored(form: Form, roots: list[str]) -> list[str]:
    """Chains the source lists again (Central's restore): no longer deleted; settled again."""
    restored = [
        root
        for root in roots
        if Submission.objects.filter(form=form, root_instance_id=root, central_deleted_at__isnull=False).update(
            central_deleted_at=None
        )
    ]
    settle_later(restored)
    return restored


def settle_later(root_instance_ids: list[str]) -> None:
    # Which visit counts is decided in assessments, a layer above: its task is named, after commit.
    if root_instance_ids:
        task = task_named(SETTLE_ROOTS_TASK)
        transaction.on_commit(lambda: task.delay(root_instance_ids), robust=True)
