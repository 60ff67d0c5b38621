"""Edit chains: the version an edit replaces, who may replace it, and the chain's current version when
the sender names only the chain."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy
from bma.submissions.header import SubmissionHeader
from bma.submissions.models import Submission
from bma.xforms.models import Form


def _edit_parent(form: Form, header: SubmissionHeader) -> Submission | None:
    parent = Submission.objects.select_for_update().filter(form=form, instance_id=header.deprecated_id).first()
    if parent is None:
        if Submission.objects.filter(form=form, instance_id=header.instance_id).exists():
            # This version itself is stored (a re-read by a pull, whose chain came another way): a
            # resend, compared with what is stored below, not a refusal.
            return None
        raise BmaError(
            codes.SUBMISSION_EDIT_UNKNOWN,
            message_lazy(
                _("This is an edit of %(id)s, which is not on this server. Send the original first."),
                id=header.deprecated_id,
            ),
        )
    return parent


def _refuse_edit_by_another(parent: Submission, user) -> None:
    """A device edit replaces the version it names: only from the one who sent that submission, or from
    someone who may edit in its district (a supervisor assigned over it in its round, a coordinator).
    Without this, any enumerator could replace another's submission by naming it in deprecatedID."""
    if user is None:
        return  # a Kobo source stored as nobody collects as a coordinator does (submission_admit)
    if user.pk == parent.submitted_by_id:
        return
    if parent.root_instance_id != parent.instance_id:
        # The chain's first version: its enumerator may edit again after a supervisor's edit.
        first = Submission.objects.filter(form_id=parent.form_id, instance_id=parent.root_instance_id)
        if user.pk in first.values_list("submitted_by_id", flat=True):
            return
    if _may_edit_in(user, parent):
        return
    raise BmaError(
        codes.SUBMISSION_EDIT_FORBIDDEN,
        message_lazy(
            _(
                "This is an edit of %(id)s, which another user sent. Only they, a supervisor of its district "
                "or a coordinator may replace it. Nothing was stored."
            ),
            id=parent.instance_id,
        ),
    )


def _may_edit_in(user, parent: Submission) -> bool:
    from bma.core.roles import Role, user_sees_everything
    from bma.geo.models import AdminArea
    from bma.rounds.scoping import user_may_act_in

    if user_sees_everything(user):
        return True
    district = AdminArea.objects.filter(code=parent.district_code).only("path").first()
    # An enumerator's assignment covers their district too: supervising it is what allows an edit.
    return district is not None and user_may_act_in(user, district, round=parent.round_id, role=Role.SUPERVISOR)


def header_as_edit_of_current(
    form: Form, header: SubmissionHeader, chain_root: str, *, or_first: bool = False
) -> SubmissionHeader:
    """The header as an edit of the chain's current version here, when the sender named the chain but
    not (or not a stored) version it replaces: Kobo's rootUuid, or a Central record whose history cannot
    be read. Unchanged when the chain has no current version other than this one; with ``or_first``, a
    chain with nothing here begins with this version (its payload still names the version it replaced)."""
    current = Submission.objects.filter(form=form, root_instance_id=chain_root, is_current=True).first()
    if current is None and or_first:
        return SubmissionHeader(**{**header.__dict__, "deprecated_id": "", "root_instance_id": chain_root})
    if current is None or current.instance_id == header.instance_id:
        return header
    return SubmissionHeader(**{**header.__dict__, "deprecated_id": current.instance_id})
