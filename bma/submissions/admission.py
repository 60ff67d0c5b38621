"""Admission: the intake decisions every source shares before anything is stored (form known and open,
version, round, user, area), and the form version a stored record was filled with, asked again when it
is processed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, lower_lazy, message_lazy
from bma.core.reference_cache import intake_cache
from bma.rounds.services import NO_OPEN_ROUND, assignment_refuse_outside, round_for_collection
from bma.submissions.header import SubmissionHeader, parse_kobo_json, parse_xml_header
from bma.submissions.models import KoboSource, PayloadFormat, PullSource, Submission
from bma.xforms.models import Form, FormKind, FormVersion


def _resolve_form(header: SubmissionHeader) -> tuple[Form, FormVersion]:
    return intake_cache.get_or_load(("form", header.form_id, header.version), lambda: _look_up_form(header))


def _look_up_form(header: SubmissionHeader) -> tuple[Form, FormVersion]:
    # One query for the common case; the large XForm and XLSForm columns are not needed here.
    version = (
        FormVersion.objects.select_related("form")
        .defer("xml", "xlsform")
        .filter(form__xml_form_id=header.form_id, version=header.version)
        .first()
    )
    form = version.form if version else Form.objects.filter(xml_form_id=header.form_id).first()
    if form is None:
        raise BmaError(
            codes.FORM_UNKNOWN, message_lazy(_("The form '%(form)s' is not on this server."), form=header.form_id)
        )
    _refuse_closed(form)
    if version is None:
        raise BmaError(
            codes.FORM_VERSION_UNKNOWN,
            message_lazy(
                _(
                    "Version '%(version)s' of the form '%(form)s' is not on this server. "
                    "Get the latest forms (Get Blank Form) and fill it again."
                ),
                version=header.version,
                form=form.title,
            ),
        )
    return form, version


def _refuse_closed(form: Form) -> None:
    if not form.accepts_submissions:
        raise BmaError(
            codes.FORM_CLOSED,
            message_lazy(
                _("The form '%(form)s' is closed and takes no more submissions. Ask your supervisor."), form=form.title
            ),
        )


@dataclass(frozen=True)
class Admission:
    form: Form
    version: FormVersion | None
    round: object  # bma.rounds.models.Round


def submission_admit(
    *,
    header: SubmissionHeader,
    user,
    form: Form | None = None,
    into_round=None,
    closed_round_ok: bool = False,
    version_otherwise: FormVersion | None = None,
) -> Admission:
    """The intake decisions every source shares: form known and open, version, round, user, area.

    OpenRosa names its form in the XML (``form`` is None); a Kobo source is bound to one form, and
    Kobo's ``__version__`` strings are its own, so a version this server does not hold is kept and
    reported by processing rather than refused (Kobo keeps no copy we could ask for again). Everything
    else is decided here, once: a closed form, a B1, B2 or spot check naming no district, no open round,
    a user not assigned to the round, or a district outside the assignment is refused alike. Duplicates are decided by ``_receive``'s insert.
    """
    if form is None:
        form, version = _resolve_form(header)
    else:
        _refuse_closed(form)
        version = intake_cache.get_or_load(
            ("form-version", form.pk, header.version),
            lambda: FormVersion.objects.defer("xml", "xlsform").filter(form=form, version=header.version).first(),
        )
        # Kobo names versions with its own ids (__version__ "vGqX..."): a source says which of ours
        # its records were filled with. The payload keeps Kobo's id; the row points at our version.
        version = version or version_otherwise
    _refuse_without_district(form, header)
    if into_round is not None:
        # A pull source feeds the round it names; only an import of a past round may fill a closed one.
        _refuse_round_not_open(into_round, closed_round_ok)
    if user is None:
        # A Kobo source left without a "submitted as" user stores as nobody: like a coordinator, it
        # collects in the newest open round, and no assignment limits it.
        round = into_round or intake_cache.get_or_load(("round", None), _newest_open_round)
        return Admission(form, version, round)
    if not user.is_active:
        raise BmaError(
            codes.PERMISSION_DENIED,
            message_lazy(
                _(
                    "The account %(user)s that these submissions are stored as is turned off. "
                    "Nothing was stored; ask an administrator."
                ),
                user=user.get_username(),
            ),
        )
    round = into_round or intake_cache.get_or_load(("round", user.pk), lambda: round_for_collection(user))
    # Only an acceptance is kept (a refusal raises): per user, round and district.
    intake_cache.get_or_load(
        ("inside", user.pk, round.pk, header.district),
        lambda: assignment_refuse_outside(round, user, header.district) or True,
    )
    return Admission(form, version, round)


# B1, B2 and the spot check ask the district as a required top-level question (xforms/workbooks.py):
# one without it could pass no assignment check and map to no district. An uploaded form of another
# kind asks what it likes.
FORMS_WITH_DISTRICT = frozenset({FormKind.B1, FormKind.B2, FormKind.SPOT_CHECK})


def _refuse_without_district(form: Form, header: SubmissionHeader) -> None:
    if form.kind in FORMS_WITH_DISTRICT and not header.district:
        raise BmaError(
            codes.SUBMISSION_INVALID,
            message_lazy(
                _(
                    "This submission of '%(form)s' names no district. Nothing was stored; "
                    "choose the district in the form and send it again."
                ),
                form=form.title,
            ),
        )


def _refuse_round_not_open(round, closed_round_ok: bool) -> None:
    from bma.rounds.models import RoundState

    if round.state == RoundState.OPEN or (closed_round_ok and round.state == RoundState.CLOSED):
        return
    if round.state == RoundState.CLOSED:
        template = _("%(round)s is %(state)s: it takes no data (only a past-round import fills a closed round).")
    else:
        template = _("%(round)s is %(state)s: it takes no data.")
    raise BmaError(
        codes.ROUND_NOT_OPEN, message_lazy(template, round=round, state=lower_lazy(RoundState(round.state).label))
    )


def _newest_open_round():
    from bma.rounds.models import Round, RoundState

    round = Round.objects.filter(state=RoundState.OPEN).order_by("-number").first()
    if round is None:
        raise BmaError(codes.ROUND_NOT_OPEN, NO_OPEN_ROUND)
    return round


def submission_version_resolve(submission: Submission) -> FormVersion | None:
    """The version of ours a stored record was filled with, looked up again when it is processed.

    A Kobo record naming a version we do not hold is stored without one (Kobo keeps no copy we could
    ask for again). The remedy the README gives, publishing that version or setting a Kobo source's
    *Form version*, must work on the records already stored: so processing asks again, first for the
    version the record names, then for the one the form's Kobo sources (REST or pull) say their
    records are read as. Sources that name different versions leave the choice to a person.
    """
    if submission.form_version_id is not None:
        return submission.form_version
    if submission.payload_format == PayloadFormat.KOBO_JSON:
        header = parse_kobo_json(submission.payload_bytes)[1]
    else:
        header = parse_xml_header(submission.payload_bytes)
    version = (
        FormVersion.objects.defer("xml", "xlsform").filter(form_id=submission.form_id, version=header.version).first()
    )
    if version is None:
        named = {
            *KoboSource.objects.filter(form_id=submission.form_id, form_version__isnull=False).values_list(
                "form_version", flat=True
            ),
            *PullSource.objects.filter(form_id=submission.form_id, form_version__isnull=False).values_list(
                "form_version", flat=True
            ),
        }
        if len(named) > 1:
            raise BmaError(
                codes.FORM_VERSION_UNKNOWN,
                message_lazy(
                    _(
                        "Version '%(version)s' of this form is not on this server, and the form's Kobo sources "
                        "name different versions to read it as (%(versions)s). Publish the version, or leave "
                        "one source's form version set, then reprocess."
                    ),
                    version=header.version,
                    versions=", ".join(
                        sorted(FormVersion.objects.filter(pk__in=named).values_list("version", flat=True))
                    ),
                ),
            )
        if named:
            version = FormVersion.objects.defer("xml", "xlsform").get(pk=named.pop())
    if version is not None:
        Submission.objects.filter(pk=submission.pk).update(form_version=version)
        submission.form_version = version
    return version
